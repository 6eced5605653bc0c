-- cycle_findings: the open findings of the units one cycle expects, errors first.
-- Grain: one row per finding. Inputs: open_findings, expected_units, cycles; $cycle_id.
SELECT f.unit_code, f.unit_name, f.status, f.file_name, f.rule, f.severity, f.sheet, f.cell, f.seen, f.expected,
       f.message
FROM open_findings AS f
JOIN expected_units AS e ON e.unit_code = f.unit_code
JOIN cycles AS c ON c.cycle_id = e.cycle_id AND c.form_id = f.form_id AND c.period = f.period
WHERE e.cycle_id = $cycle_id
ORDER BY f.severity, f.unit_code, f.rule, f.cell;
