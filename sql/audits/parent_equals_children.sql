-- Audit: every computed total equals the sum over its direct children (their own reports, or their totals).
-- Offending rows: (unit_code, form_id, form_version, period, code, total, children). Inputs: rollup_values,
-- rollup_sources, scoped_submissions, cell_values, units, scope_periods (the periods rolled up).
WITH scoped AS (
    SELECT * FROM rollup_values SEMI JOIN scope_periods USING (form_id, period)
),
computed AS (
    SELECT v.* FROM scoped AS v
    ANTI JOIN (
        SELECT total_unit AS unit_code, form_id, form_version, period
        FROM rollup_sources SEMI JOIN scope_periods USING (form_id, period)
        WHERE source_kind = 'received' AND source_unit = total_unit
    ) USING (unit_code, form_id, form_version, period)
),
child_values AS (
    SELECT u.parent AS unit_code, s.form_id, s.form_version, s.period, v.code,
           coalesce(v.amount, v.number::DECIMAL(22, 4)) AS value
    FROM scoped_submissions AS s
    JOIN cell_values AS v USING (sha256, period)
    JOIN units AS u ON u.code = s.unit_code
    WHERE s.scope = 'own'
    UNION ALL
    SELECT u.parent, r.form_id, r.form_version, r.period, r.code, coalesce(r.amount, r.number::DECIMAL(22, 4))
    FROM scoped AS r
    JOIN units AS u ON u.code = r.unit_code
),
sums AS (
    SELECT unit_code, form_id, form_version, period, code, sum(value) AS children
    FROM child_values
    GROUP BY ALL
)
SELECT c.unit_code, c.form_id, c.form_version, c.period, c.code,
       coalesce(c.amount, c.number::DECIMAL(22, 4)) AS total, s.children
FROM computed AS c
LEFT JOIN sums AS s USING (unit_code, form_id, form_version, period, code)
WHERE coalesce(c.amount, c.number::DECIMAL(22, 4)) IS DISTINCT FROM coalesce(s.children, 0);
