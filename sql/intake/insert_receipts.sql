-- Record every arrival of the batch. Inputs: incoming_receipts (same columns as receipts).
INSERT INTO receipts BY NAME SELECT * FROM incoming_receipts;
