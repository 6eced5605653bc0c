-- previous_totals: last period's consolidated numbers of one unit, in this version's cell codes, but only when the
-- unit ran a cycle for that period (a city that starts this year has no comparable total of last year, even if one
-- of its counties' data was here). Grain: code. Inputs: year_over_year, cycles; $unit_code, $form_id, $form_version,
-- $period.
SELECT y.code, y.previous_value
FROM year_over_year AS y
WHERE y.unit_code = $unit_code AND y.scope = 'total'
  AND y.form_id = $form_id AND y.form_version = $form_version AND y.period = $period
  AND EXISTS (
      SELECT 1 FROM cycles AS c
      WHERE c.owner = y.unit_code AND c.form_id = y.form_id AND c.period = y.previous_period
  );
