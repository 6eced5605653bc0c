-- receipts: every arrival of a file, duplicates included; nothing received is ever lost.
-- Grain: one row per file seen by an intake run. Inputs: the intake batch.
CREATE TABLE IF NOT EXISTS receipts (
    run_id       VARCHAR NOT NULL,
    sha256       VARCHAR NOT NULL,         -- content hash; the archive keeps the file under it
    file_name    VARCHAR NOT NULL,         -- the name it arrived with
    source_path  VARCHAR NOT NULL,
    size_bytes   BIGINT NOT NULL,
    received_at  TIMESTAMP NOT NULL,       -- when it reached the drop folder (file modification time)
    taken_at     TIMESTAMP NOT NULL,       -- when intake took it
    duplicate    BOOLEAN NOT NULL          -- the same content had arrived before
);
