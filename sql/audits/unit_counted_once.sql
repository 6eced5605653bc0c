-- Audit: no report counts twice in a total, whether directly or inside a received total that also counts.
-- Offending rows: (total_unit, form_id, form_version, period, source_unit, why). Inputs: rollup_sources, unit_closure.
SELECT total_unit, form_id, form_version, period, source_unit, 'counted more than once' AS why
FROM rollup_sources
GROUP BY total_unit, form_id, form_version, period, source_unit
HAVING count(*) > 1
UNION ALL
SELECT o.total_unit, o.form_id, o.form_version, o.period, o.source_unit, 'also inside received total of ' || r.source_unit
FROM rollup_sources AS o
JOIN rollup_sources AS r USING (total_unit, form_id, form_version, period)
JOIN unit_closure AS c ON c.ancestor = r.source_unit AND c.descendant = o.source_unit
WHERE r.source_kind = 'received';
