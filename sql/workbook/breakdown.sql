-- breakdown: the numbers of every unit a cycle expects (a unit's own report, or an aggregating unit's total).
-- Grain: (unit_code, code). Inputs: expected_units, units, report_values; $cycle_id, $form_id, $form_version, $period.
SELECT e.unit_code, u.name AS unit_name, u.kind AS unit_kind, r.code, r.number, r.amount
FROM expected_units AS e
JOIN units AS u ON u.code = e.unit_code
JOIN report_values AS r
  ON r.unit_code = e.unit_code AND r.scope = CASE WHEN u.aggregating THEN 'total' ELSE 'own' END
 AND r.form_id = $form_id AND r.form_version = $form_version AND r.period = $period
WHERE e.cycle_id = $cycle_id;
