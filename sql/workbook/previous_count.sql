-- previous_count: how many reports made one unit's totals of last period (its cycle's accepted units), and how many
-- it expected, for the cover's note on what 上期 covers. Grain: one row (NULLs when it ran no cycle then).
-- Inputs: completeness; $unit_code, $form_id, $period (the previous period).
SELECT count(*) FILTER (status = 'accepted') AS accepted, count(*) AS expected
FROM completeness
WHERE owner = $unit_code AND form_id = $form_id AND period = $period
HAVING count(*) > 0;
