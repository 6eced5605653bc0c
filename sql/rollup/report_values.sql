-- report_values: every number of every report, own (本级) or total (汇总), in one place.
-- Grain: (unit_code, scope, form_id, form_version, period, code). Inputs: current_submissions, cell_values, rollup_values.
-- scope: 'own' for a unit's accepted report, 'total' for a computed or received total (汇总).
CREATE OR REPLACE VIEW report_values AS
SELECT s.unit_code, 'own' AS scope, s.form_id, s.form_version, s.period, v.code, v.number, v.amount,
       coalesce(v.amount, v.number::DECIMAL(22, 4)) AS value
FROM current_submissions AS s JOIN cell_values AS v USING (sha256, period)
WHERE s.scope = 'own'
UNION ALL
SELECT unit_code, 'total', form_id, form_version, period, code, number, amount,
       coalesce(amount, number::DECIMAL(22, 4))
FROM rollup_values;
