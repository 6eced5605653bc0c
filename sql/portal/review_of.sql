-- review_of: where one report stands in the office's review, when it is its unit's current report of a cycle.
-- Grain: cycle_id (one row, or none for a file that is not the current report). Inputs: review_state; $sha256.
SELECT cycle_id, owner, state
FROM review_state
WHERE sha256 = $sha256
ORDER BY cycle_id;
