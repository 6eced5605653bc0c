-- Audit: no report counts twice in a total, whether directly or inside a received total that also counts.
-- Offending rows: (total_unit, form_id, form_version, period, source_unit, why). Inputs: rollup_sources, unit_closure,
-- scope_periods (the periods rolled up).
WITH scoped AS (
    SELECT * FROM rollup_sources SEMI JOIN scope_periods USING (form_id, period)
)
SELECT total_unit, form_id, form_version, period, source_unit, 'counted more than once' AS why
FROM scoped
GROUP BY total_unit, form_id, form_version, period, source_unit
HAVING count(*) > 1
UNION ALL
SELECT o.total_unit, o.form_id, o.form_version, o.period, o.source_unit, 'also inside received total of ' || r.source_unit
FROM scoped AS o
JOIN scoped AS r USING (total_unit, form_id, form_version, period)
JOIN unit_closure AS c ON c.ancestor = r.source_unit AND c.descendant = o.source_unit
WHERE r.source_kind = 'received';
