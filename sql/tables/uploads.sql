-- uploads: every file handed in through the portal, with who handed it in (the account) and what became of it.
-- Grain: upload_id. status: accepted | rejected | duplicate (the content had arrived before) | refused (another
-- unit's file: archived and answered, never recorded as a submission). file_name is the name the browser gave, kept
-- as text only: it is never used as a path.
CREATE TABLE IF NOT EXISTS uploads (
    upload_id    VARCHAR PRIMARY KEY,
    sha256       VARCHAR NOT NULL,
    account      VARCHAR NOT NULL,          -- the unit code signed in
    unit_code    VARCHAR,                   -- the unit the file's _meta names (null: not identified)
    file_name    VARCHAR NOT NULL,
    size_bytes   BIGINT NOT NULL,
    received_at  TIMESTAMP NOT NULL,
    remote       VARCHAR NOT NULL,          -- the client's address
    status       VARCHAR NOT NULL,
    run_id       VARCHAR NOT NULL
);
