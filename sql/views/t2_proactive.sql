-- t2_proactive: part 二 (主动公开) of the annual report, one row per unit, scope, period and printed row.
-- Grain: (unit_code, scope, period, row_code). Inputs: report_values, form_cells, units.
-- Columns of both formats: 2021 (issued, repealed, in_force, decisions, fee_amount in 万元) and 2019 (made, published,
-- public_total, prev_items, change, decisions, projects, procurement_amount in 元).
CREATE OR REPLACE VIEW t2_proactive AS
SELECT r.unit_code, u.name AS unit_name, r.scope, r.period, r.form_version,
       c.row_key AS row_code, any_value(c.block) AS block, any_value(c.row_label) AS row_label,
       min(c.ordinal) AS ordinal,
       max(r.number) FILTER (c.col_key = 'issued') AS issued,
       max(r.number) FILTER (c.col_key = 'repealed') AS repealed,
       max(r.number) FILTER (c.col_key = 'in_force') AS in_force,
       max(r.number) FILTER (c.col_key = 'decisions') AS decisions,
       max(r.amount) FILTER (c.col_key = 'amount' AND c.row_key = 'fees') AS fee_amount,
       max(r.number) FILTER (c.col_key = 'made') AS made,
       max(r.number) FILTER (c.col_key = 'published') AS published,
       max(r.number) FILTER (c.col_key = 'public_total') AS public_total,
       max(r.number) FILTER (c.col_key = 'prev_items') AS prev_items,
       max(r.number) FILTER (c.col_key = 'change') AS change,
       max(r.number) FILTER (c.col_key = 'projects') AS projects,
       max(r.amount) FILTER (c.col_key = 'amount' AND c.row_key = 'procurement') AS procurement_amount
FROM report_values AS r
JOIN form_cells AS c USING (form_id, form_version, code)
LEFT JOIN units AS u ON u.code = r.unit_code
WHERE r.form_id = 'annual_report' AND c.table_code = 't2'
GROUP BY r.unit_code, u.name, r.scope, r.period, r.form_version, c.row_key;
