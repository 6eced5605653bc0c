-- 审计日志: the audit trail for analysts, newest first, in Chinese. Grain: one row per action. Inputs: audit_log, units.
CREATE OR REPLACE VIEW 审计日志 AS
SELECT a.seq AS 序号, a.happened_at AS 时间, a.actor AS 操作人,
       CASE a.action
           WHEN 'upload' THEN '报送' WHEN 'explain' THEN '上报说明' WHEN 'approve' THEN '审定' WHEN 'return' THEN '退回'
           WHEN 'reopen' THEN '重新打开' WHEN 'excuse' THEN '免报' WHEN 'cycle_final' THEN '周期定稿'
           WHEN 'consolidate' THEN '汇总' WHEN 'account' THEN '账号' ELSE a.action
       END AS 操作,
       a.unit_code AS 单位代码, u.name AS 单位名称, a.cycle_id AS 周期, a.detail AS 内容, a.subject AS 对象,
       a.remote AS 来源地址,
       CASE a.source WHEN 'portal' THEN '报送平台' WHEN 'cli' THEN '命令行' WHEN 'flow' THEN '流程' ELSE a.source END AS 途径
FROM audit_log AS a
LEFT JOIN units AS u ON u.code = a.unit_code
ORDER BY a.seq DESC;
