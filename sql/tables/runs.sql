-- runs: one row per intake (later: consolidation) run.
-- Grain: run_id. Written by huizong.warehouse at the start and end of a run.
CREATE TABLE IF NOT EXISTS runs (
    run_id      VARCHAR PRIMARY KEY,
    kind        VARCHAR NOT NULL,          -- intake | consolidate
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    files       INTEGER,
    accepted    INTEGER,
    rejected    INTEGER,
    duplicates  INTEGER,
    note        VARCHAR
);
