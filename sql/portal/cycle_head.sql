-- cycle_head: one cycle with its form, owner and completeness line. Grain: cycle_id (one row or none).
-- Inputs: cycles, forms, units, completeness_summary, $cycle_id.
SELECT y.cycle_id, y.owner, o.name AS owner_name, y.form_id, y.form_version, f.title AS form_title, f.basis,
       y.period, y.deadline, y.declared, s.expected, s.received, s.accepted, s.rejected, s.late, s.missing
FROM cycles AS y
JOIN forms AS f ON f.form_id = y.form_id AND f.form_version = y.form_version
JOIN units AS o ON o.code = y.owner
LEFT JOIN completeness_summary AS s USING (cycle_id)
WHERE y.cycle_id = $cycle_id;
