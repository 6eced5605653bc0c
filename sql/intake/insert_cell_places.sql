-- Record where each cell of the batch's transcribed files was found. Inputs: incoming_places (sha256, code, place).
INSERT INTO cell_places BY NAME SELECT * FROM incoming_places;
