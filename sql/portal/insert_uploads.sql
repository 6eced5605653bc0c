-- Record the uploads of one portal batch. Inputs: incoming_uploads (columns of uploads).
INSERT INTO uploads BY NAME SELECT * FROM incoming_uploads;
