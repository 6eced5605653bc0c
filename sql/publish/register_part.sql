-- Register parts just written. Inputs: incoming_parts (part, rows).
INSERT INTO value_parts BY NAME SELECT part, rows, current_localtimestamp()::TIMESTAMP AS made_at FROM incoming_parts;
