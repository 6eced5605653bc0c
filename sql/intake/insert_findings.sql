-- Record the findings of the new submissions. Inputs: incoming_findings (columns of findings).
INSERT INTO findings BY NAME SELECT * FROM incoming_findings;
