-- own_previous: last period's numbers of an aggregating unit's own (本级) report, the accepted own report of its
-- government office, in this version's cell codes (through year_over_year); no rows when the office reported nothing
-- for that period. Grain: code. Inputs: units, year_over_year; $unit_code, $form_id, $form_version, $period.
SELECT y.code, y.previous_value
FROM units AS u
JOIN year_over_year AS y ON y.unit_code = u.code AND y.scope = 'own'
WHERE u.parent = $unit_code AND u.kind = 'office'
  AND y.form_id = $form_id AND y.form_version = $form_version AND y.period = $period
  AND y.previous_value IS NOT NULL;
