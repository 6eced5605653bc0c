-- totals: the consolidated numbers (汇总) of one unit, form version and period, for its workbook.
-- Grain: code. Inputs: report_values; $unit_code, $form_id, $form_version, $period.
SELECT code, number, amount
FROM report_values
WHERE unit_code = $unit_code AND scope = 'total'
  AND form_id = $form_id AND form_version = $form_version AND period = $period;
