-- 表三_依申请公开: t3_requests with the printed Chinese headings. Grain and inputs as t3_requests.
CREATE OR REPLACE VIEW 表三_依申请公开 AS
SELECT unit_code AS 单位代码, unit_name AS 单位名称, CASE scope WHEN 'own' THEN '本级' ELSE '汇总' END AS 口径,
       period AS 报告期, form_version AS 表式版本, row_label AS 项目, ordinal AS 序号,
       natural_person AS 自然人, commercial AS 商业企业, research AS 科研机构, public_interest AS 社会公益组织,
       legal_services AS 法律服务机构, other AS 其他, total AS 总计
FROM t3_requests;
