-- year_over_year: every number of every report (own and total) beside the same cell of the previous period, with
-- the change. A previous report in an older form version is compared through code_map (cells that mean the same).
-- Grain: (unit_code, scope, form_id, form_version, period, code). Inputs: report_values, code_map.
CREATE OR REPLACE VIEW year_over_year AS
WITH previous AS (
    SELECT r.unit_code, r.scope, r.form_id,
           coalesce(m.to_version, r.form_version) AS form_version,
           r.period AS previous_period,
           coalesce(m.to_code, r.code) AS code,
           sum(r.value) AS value
    FROM report_values AS r
    LEFT JOIN code_map AS m
           ON m.form_id = r.form_id AND m.from_version = r.form_version AND m.from_code = r.code
    GROUP BY ALL
),
current AS (
    SELECT *,
           CASE
               WHEN period NOT LIKE '%Q%' THEN CAST(CAST(period AS INTEGER) - 1 AS VARCHAR)
               WHEN right(period, 1) = '1' THEN CAST(CAST(left(period, 4) AS INTEGER) - 1 AS VARCHAR) || 'Q4'
               ELSE left(period, 5) || CAST(CAST(right(period, 1) AS INTEGER) - 1 AS VARCHAR)
           END AS previous_period
    FROM report_values
)
SELECT c.unit_code, c.scope, c.form_id, c.form_version, c.period, c.code, c.value,
       c.previous_period, p.value AS previous_value,
       c.value - p.value AS change,
       CASE WHEN p.value <> 0 THEN round((c.value - p.value) / p.value, 4) END AS change_ratio
FROM current AS c
LEFT JOIN previous AS p
       ON p.unit_code = c.unit_code AND p.scope = c.scope AND p.form_id = c.form_id
      AND p.form_version = c.form_version AND p.previous_period = c.previous_period AND p.code = c.code;
