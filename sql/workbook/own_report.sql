-- own_report: the 本级 report belonging to an aggregating unit: the accepted own report of its government office.
-- Grain: code. Inputs: units, report_values; $unit_code, $form_id, $form_version, $period.
SELECT u.code AS office_code, u.name AS office_name, r.code, r.number, r.amount
FROM units AS u
JOIN report_values AS r ON r.unit_code = u.code AND r.scope = 'own'
WHERE u.parent = $unit_code AND u.kind = 'office'
  AND r.form_id = $form_id AND r.form_version = $form_version AND r.period = $period;
