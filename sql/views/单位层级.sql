-- 单位层级: hierarchy with Chinese column names. Grain: 单位代码. Inputs: hierarchy.
CREATE OR REPLACE VIEW 单位层级 AS
SELECT code AS 单位代码, name AS 单位名称,
       CASE kind WHEN 'province' THEN '省' WHEN 'city' THEN '市' WHEN 'county' THEN '县（市、区）' WHEN 'zone' THEN '开发区'
                 WHEN 'office' THEN '政府办公室（本级）' WHEN 'department' THEN '部门'
                 WHEN 'township' THEN '乡镇' WHEN 'street' THEN '街道' END AS 单位类型,
       aggregating AS 汇总单位, parent AS 上级代码, parent_name AS 上级名称, depth AS 层级,
       valid_from AS 设立日期, valid_to AS 撤销日期
FROM hierarchy;
