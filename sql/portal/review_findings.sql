-- review_findings: the findings of the current report of each expected unit of a cycle, for the office's review.
-- Grain: one row per finding. Inputs: review_state, findings; $cycle_id.
SELECT r.unit_code, f.rule, f.severity, f.sheet, f.cell, f.seen, f.expected, f.message, f.message_en
FROM review_state AS r
JOIN findings AS f ON f.sha256 = r.sha256
WHERE r.cycle_id = $cycle_id
ORDER BY r.unit_code, f.severity = 'warning', f.sheet, f.cell, f.rule;
