-- units: the unit registry as of this run (replaced whole from registry/units.csv).
-- Grain: code. Inputs: incoming_units (code, name, kind, parent, valid_from, valid_to).
CREATE OR REPLACE TABLE units AS
SELECT code, name, kind, parent, valid_from, valid_to,
       code IN (SELECT parent FROM incoming_units WHERE parent IS NOT NULL) AS aggregating
FROM incoming_units;
