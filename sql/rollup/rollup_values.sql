-- rollup_values: the total (汇总) of every aggregating unit, form version, period and cell.
-- Grain: (unit_code, form_id, form_version, period, code). Inputs: rollup_sources, cell_values, scope_periods (a query:
-- the rows of the periods being rolled up).
-- Counts are summed as BIGINT and amounts as DECIMAL: never a floating-point sum.
-- sources: the units whose values make up the cell. rollup_sources has one row per source unit of a total, and a
-- submission records each cell once (audits/values_without_accepted_submission checks it), so count(*) counts them:
-- count(DISTINCT) gave the same number in eight times the time (3.4 s against 0.45 s at province scale).
SELECT s.total_unit AS unit_code, s.form_id, s.form_version, s.period, v.code,
       sum(v.number)::BIGINT AS number,
       sum(v.amount)::DECIMAL(22, 4) AS amount,
       count(*) AS sources
FROM (SELECT * FROM rollup_sources SEMI JOIN scope_periods USING (form_id, period)) AS s
JOIN cell_values AS v USING (sha256, period)  -- the period too: only that period's parts are read
GROUP BY ALL
