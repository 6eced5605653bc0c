-- explanations (上报说明): what a unit wrote about the warnings of its submission, for the office to read.
-- Grain: one row per explanation written; the latest per sha256 is the one shown. Errors cannot be explained: only
-- accepted submissions take explanations.
CREATE TABLE IF NOT EXISTS explanations (
    sha256      VARCHAR NOT NULL,
    account     VARCHAR NOT NULL,
    written_at  TIMESTAMP NOT NULL,
    text        VARCHAR NOT NULL
);
