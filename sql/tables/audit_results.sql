-- audit_results: what each audit found after a consolidation (no row: the audit passed).
-- Grain: one row per run, audit and offending row (kept as JSON text).
CREATE TABLE IF NOT EXISTS audit_results (
    run_id    VARCHAR NOT NULL,
    audit     VARCHAR NOT NULL,
    offending VARCHAR NOT NULL
);
