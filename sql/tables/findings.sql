-- findings: rule results for submissions, pinned to sheet and cell.
-- Grain: one row per finding. severity: error (blocks acceptance) | warning.
CREATE TABLE IF NOT EXISTS findings (
    sha256      VARCHAR NOT NULL,
    rule        VARCHAR NOT NULL,
    severity    VARCHAR NOT NULL,
    sheet       VARCHAR NOT NULL,
    cell        VARCHAR NOT NULL,
    seen        VARCHAR NOT NULL,
    expected    VARCHAR NOT NULL,
    message     VARCHAR NOT NULL,
    message_en  VARCHAR NOT NULL
);
