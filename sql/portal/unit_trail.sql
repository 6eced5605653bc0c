-- unit_trail: a unit's audit trail (审计日志), newest first: its uploads with their verdicts, explanations, the
-- office's decisions on its reports, changes of its account. Grain: one row per audit entry (seq).
-- Inputs: audit_log; $unit_code, $most (how many rows at most).
SELECT seq, happened_at, actor, action, cycle_id, subject, detail, remote, source
FROM audit_log
WHERE unit_code = $unit_code
ORDER BY seq DESC
LIMIT $most;
