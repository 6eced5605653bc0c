-- code_map: cells of one form version that mean the same as cells of another (for year-over-year across formats).
-- Grain: (from_version, from_code). Inputs: incoming_map. Identical codes map to themselves; see the form files.
CREATE OR REPLACE TABLE code_map AS
SELECT form_id, from_version, from_code, to_version, to_code
FROM incoming_map;
