-- 表二_主动公开: t2_proactive with the printed Chinese headings. Grain and inputs as t2_proactive.
CREATE OR REPLACE VIEW 表二_主动公开 AS
SELECT unit_code AS 单位代码, unit_name AS 单位名称, CASE scope WHEN 'own' THEN '本级' ELSE '汇总' END AS 口径,
       period AS 报告期, form_version AS 表式版本, block AS 项目, row_label AS 信息内容, ordinal AS 序号,
       issued AS 本年制发件数, repealed AS 本年废止件数, in_force AS 现行有效件数, decisions AS 本年处理决定数量,
       fee_amount AS "本年收费金额（单位：万元）", made AS 本年新制作数量, published AS 本年新公开数量,
       public_total AS 对外公开总数量, prev_items AS 上一年项目数量, change AS "本年增/减",
       projects AS 采购项目数量, procurement_amount AS 采购总金额
FROM t2_proactive;
