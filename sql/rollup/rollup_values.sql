-- rollup_values: the total (汇总) of every aggregating unit, form version, period and cell.
-- Grain: (unit_code, form_id, form_version, period, code). Inputs: rollup_sources, cell_values.
-- Counts are summed as BIGINT and amounts as DECIMAL: never a floating-point sum.
CREATE OR REPLACE TABLE rollup_values AS
SELECT s.total_unit AS unit_code, s.form_id, s.form_version, s.period, v.code,
       sum(v.number)::BIGINT AS number,
       sum(v.amount)::DECIMAL(22, 4) AS amount,
       count(DISTINCT s.source_unit) AS sources
FROM rollup_sources AS s
JOIN cell_values AS v USING (sha256)
GROUP BY ALL;
