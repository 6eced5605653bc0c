-- reconciliation: where a unit's total was both received (汇总 from below) and computed from its units' reports,
-- the cells that differ. The computed total is the one used; each difference becomes a finding (rule H6).
-- Grain: (unit_code, form_id, form_version, period, code). Inputs: scoped_submissions, cell_values, rollup_sources,
-- rollup_values, scope_periods (a query: the rows of the periods being rolled up).
WITH received AS (
    SELECT s.sha256, s.unit_code, s.form_id, s.form_version, s.period, v.code,
           coalesce(v.amount, v.number::DECIMAL(22, 4)) AS value
    FROM scoped_submissions AS s JOIN cell_values AS v USING (sha256, period)
    WHERE s.scope = 'aggregate'
),
stood_in AS (   -- totals that are the received total itself: nothing to reconcile
    SELECT total_unit AS unit_code, form_id, form_version, period
    FROM rollup_sources SEMI JOIN scope_periods USING (form_id, period)
    WHERE source_kind = 'received' AND source_unit = total_unit
),
computed AS (
    SELECT v.unit_code, v.form_id, v.form_version, v.period, v.code,
           coalesce(v.amount, v.number::DECIMAL(22, 4)) AS value
    FROM rollup_values AS v
    SEMI JOIN scope_periods USING (form_id, period)
    ANTI JOIN stood_in USING (unit_code, form_id, form_version, period)
)
SELECT r.sha256, r.unit_code, r.form_id, r.form_version, r.period, r.code,
       r.value AS received, c.value AS computed
FROM received AS r
JOIN computed AS c USING (unit_code, form_id, form_version, period, code)
WHERE r.value IS DISTINCT FROM c.value
