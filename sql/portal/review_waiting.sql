-- review_waiting: how many of a cycle's expected units have a report waiting for the office's decision (待审核).
-- Grain: one row. Inputs: review_state; $cycle_id.
SELECT count(*) FILTER (state = 'submitted') AS waiting, count(*) AS expected
FROM review_state
WHERE cycle_id = $cycle_id;
