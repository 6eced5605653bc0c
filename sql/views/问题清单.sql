-- 问题清单: open_findings with Chinese column names. Grain: one row per finding. Inputs: open_findings.
CREATE OR REPLACE VIEW 问题清单 AS
SELECT unit_code AS 单位代码, unit_name AS 单位名称, period AS 报告期,
       CASE status WHEN 'accepted' THEN '通过' ELSE '退回' END AS 报表状态, file_name AS 文件,
       rule AS 规则, CASE severity WHEN 'error' THEN '错误' ELSE '提示' END AS 类别,
       sheet AS 工作表, cell AS 单元格, seen AS 填写, expected AS 应为, message AS 说明
FROM open_findings;
