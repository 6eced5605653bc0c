-- Record explanations (上报说明). Inputs: incoming_explanations (columns of explanations).
INSERT INTO explanations BY NAME SELECT * FROM incoming_explanations;
