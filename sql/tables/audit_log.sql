-- audit_log (审计日志): every action on the data, with who, when, what and from where. Grain: entry_id, in the order
-- recorded (seq). Append-only: nothing in huizong updates or deletes a row.
-- action: upload | explain | approve | return | reopen | excuse | cycle_final | consolidate | account.
-- source: portal | cli | flow.
CREATE TABLE IF NOT EXISTS audit_log (
    seq          BIGINT NOT NULL,
    entry_id     VARCHAR NOT NULL,
    happened_at  TIMESTAMP NOT NULL,
    actor        VARCHAR NOT NULL,          -- the account, or the operating-system user of a command or flow
    action       VARCHAR NOT NULL,
    unit_code    VARCHAR,
    cycle_id     VARCHAR,
    subject      VARCHAR,                   -- the file's sha256, the account changed, the run
    detail       VARCHAR NOT NULL,
    remote       VARCHAR NOT NULL,          -- the client's address, or the host of a command
    source       VARCHAR NOT NULL
);
