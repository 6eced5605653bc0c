-- Audit: the hard identities (H1-H4, and a form's own sums) hold on every total, as they hold on every report.
-- Offending rows: (unit_code, form_id, form_version, period, rule, item, imbalance). Inputs: rollup_values, rule_terms,
-- scope_periods (the periods rolled up).
SELECT v.unit_code, v.form_id, v.form_version, v.period, t.rule, t.item,
       sum(t.coefficient * coalesce(v.amount, v.number::DECIMAL(22, 4))) AS imbalance
FROM (SELECT * FROM rollup_values SEMI JOIN scope_periods USING (form_id, period)) AS v
JOIN rule_terms AS t USING (form_id, form_version, code)
GROUP BY v.unit_code, v.form_id, v.form_version, v.period, t.rule, t.instance, t.item
HAVING sum(t.coefficient * coalesce(v.amount, v.number::DECIMAL(22, 4))) <> 0;
