-- Record the values of the new submissions. Inputs: incoming_values (columns of cell_values).
INSERT INTO cell_values BY NAME SELECT * FROM incoming_values;
