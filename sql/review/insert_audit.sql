-- insert_audit: append actions to the audit log, numbered after the last one. Inputs: incoming_audit (n, happened_at, actor,
-- action, unit_code, cycle_id, subject, detail, remote, source); n orders them.
INSERT INTO audit_log
SELECT (SELECT coalesce(max(seq), 0) FROM audit_log) + row_number() OVER (ORDER BY i.n) AS seq,
       i.happened_at, i.actor, i.action, i.unit_code, i.cycle_id, i.subject, i.detail, i.remote, i.source
FROM incoming_audit AS i;
