-- logged_entries: the id of every entry in the audit log, to drain a journal once. Grain: entry_id. Inputs: audit_log.
SELECT entry_id FROM audit_log;
