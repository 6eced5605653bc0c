-- t3_requests: part 三 (收到和处理政府信息公开申请情况), one row per unit, scope, period and printed row, the seven
-- applicant columns as printed. Grain: (unit_code, scope, period, row_code). Inputs: report_values, form_cells, units.
CREATE OR REPLACE VIEW t3_requests AS
SELECT r.unit_code, u.name AS unit_name, r.scope, r.period, r.form_version,
       c.row_key AS row_code, any_value(c.row_path) AS row_label, min(c.ordinal) AS ordinal,
       max(r.number) FILTER (c.col_key = 'natural_person') AS natural_person,
       max(r.number) FILTER (c.col_key = 'commercial') AS commercial,
       max(r.number) FILTER (c.col_key = 'research') AS research,
       max(r.number) FILTER (c.col_key = 'public_interest') AS public_interest,
       max(r.number) FILTER (c.col_key = 'legal_services') AS legal_services,
       max(r.number) FILTER (c.col_key = 'other') AS other,
       max(r.number) FILTER (c.col_key = 'total') AS total
FROM report_values AS r
JOIN form_cells AS c USING (form_id, form_version, code)
LEFT JOIN units AS u ON u.code = r.unit_code
WHERE r.form_id = 'annual_report' AND c.table_code = 't3'
GROUP BY r.unit_code, u.name, r.scope, r.period, r.form_version, c.row_key;
