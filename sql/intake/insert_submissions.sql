-- Record the new submissions of the batch. Inputs: incoming_submissions (columns of submissions).
INSERT INTO submissions BY NAME SELECT * FROM incoming_submissions;
