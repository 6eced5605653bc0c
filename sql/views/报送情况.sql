-- 报送情况: completeness with Chinese column names. Grain: (周期, 单位代码). Inputs: completeness.
CREATE OR REPLACE VIEW 报送情况 AS
SELECT cycle_id AS 周期, owner AS 汇总单位, period AS 报告期, unit_code AS 单位代码, unit_name AS 单位名称,
       CASE status WHEN 'accepted' THEN '通过' WHEN 'rejected' THEN '退回' ELSE '未报' END AS 状态,
       deadline AS 截止日期, first_received AS 首次报送时间, last_received AS 最近报送时间, files AS 报送次数,
       late AS 逾期, overdue AS 超期未报, errors AS 错误数, warnings AS 提示数
FROM completeness;
