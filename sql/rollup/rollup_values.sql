-- rollup_values: the total (汇总) of every aggregating unit, form version, period and cell.
-- Grain: (unit_code, form_id, form_version, period, code). Inputs: rollup_sources, cell_values, scope_periods (a query:
-- the rows of the periods being rolled up).
-- Counts are summed as BIGINT and amounts as DECIMAL: never a floating-point sum.
SELECT s.total_unit AS unit_code, s.form_id, s.form_version, s.period, v.code,
       sum(v.number)::BIGINT AS number,
       sum(v.amount)::DECIMAL(22, 4) AS amount,
       count(DISTINCT s.source_unit) AS sources
FROM (SELECT * FROM rollup_sources SEMI JOIN scope_periods USING (form_id, period)) AS s
JOIN cell_values AS v USING (sha256, period)  -- the period too: only that period's parts are read
GROUP BY ALL
