-- as_of: when the newest file counted in a cycle arrived (the "data as of" of a consolidated workbook).
-- Grain: one row. Inputs: completeness; $cycle_id.
SELECT max(last_received) AS as_of FROM completeness WHERE cycle_id = $cycle_id;
