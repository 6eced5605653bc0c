-- previous_totals: last period's consolidated numbers of one unit, in this version's cell codes.
-- Grain: code. Inputs: year_over_year; $unit_code, $form_id, $form_version, $period.
SELECT code, previous_value
FROM year_over_year
WHERE unit_code = $unit_code AND scope = 'total'
  AND form_id = $form_id AND form_version = $form_version AND period = $period;
