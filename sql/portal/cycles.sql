-- cycles (portal): the cycles run by the units in scope (an office's subtree), and those that expect $unit_code,
-- each with its completeness line. Grain: cycle_id. Inputs: cycles, forms, units, completeness_summary,
-- expected_units, incoming_scope (unit_code of the owners the actor manages), $unit_code.
SELECT y.cycle_id, y.owner, o.name AS owner_name, y.form_id, y.form_version, f.title AS form_title, y.period,
       y.deadline, y.declared, s.expected, s.received, s.accepted, s.rejected, s.late, s.missing,
       y.owner IN (SELECT unit_code FROM incoming_scope) AS managed
FROM cycles AS y
JOIN forms AS f ON f.form_id = y.form_id AND f.form_version = y.form_version
JOIN units AS o ON o.code = y.owner
LEFT JOIN completeness_summary AS s USING (cycle_id)
WHERE y.owner IN (SELECT unit_code FROM incoming_scope)
   OR y.cycle_id IN (SELECT cycle_id FROM expected_units WHERE unit_code = $unit_code)
ORDER BY y.period DESC, y.owner, y.form_id;
