-- cell_values: every numeric cell of every identified submission, as read.
-- Grain: (sha256, code). number holds counts and signed changes, amount holds decimal amounts; raw is the text as read.
-- No primary key: (sha256, code) is unique by construction (values are inserted only with their new submission, whose
-- sha256 is that table's key, and a reading has each code once), and an index over millions of rows would make every
-- intake batch five times slower to load and hold the index in memory.
CREATE TABLE IF NOT EXISTS cell_values (
    sha256      VARCHAR NOT NULL,
    code        VARCHAR NOT NULL,
    raw         VARCHAR NOT NULL,
    status      VARCHAR NOT NULL,          -- see huizong/values.py
    number      BIGINT,
    amount      DECIMAL(22, 4),
    typed_over  BOOLEAN NOT NULL           -- a total whose formula the unit replaced by a number
);
