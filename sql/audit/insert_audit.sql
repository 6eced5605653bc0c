-- insert_audit: append entries to the audit log, numbered after the last one, each once (an entry already logged,
-- e.g. from a journal drained twice, is skipped). Inputs: incoming_audit (n, entry_id, happened_at, actor, action,
-- unit_code, cycle_id, subject, detail, remote, source); n orders them.
INSERT INTO audit_log
SELECT (SELECT coalesce(max(seq), 0) FROM audit_log) + row_number() OVER (ORDER BY i.n) AS seq,
       i.entry_id, i.happened_at, i.actor, i.action, i.unit_code, i.cycle_id, i.subject, i.detail, i.remote, i.source
FROM incoming_audit AS i
WHERE i.entry_id NOT IN (SELECT entry_id FROM audit_log);
