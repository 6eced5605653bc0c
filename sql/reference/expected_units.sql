-- expected_units: who each cycle expects, with that unit's deadline.
-- Grain: (cycle_id, unit_code). Inputs: incoming_expected.
CREATE OR REPLACE TABLE expected_units AS
SELECT cycle_id, unit_code, deadline
FROM incoming_expected;
