-- submissions: one row per distinct file content received, with what it is for and its verdict.
-- Grain: sha256. Status: accepted | rejected | superseded (a later accepted file of the same unit, form and period).
CREATE TABLE IF NOT EXISTS submissions (
    sha256        VARCHAR PRIMARY KEY,
    archive_path  VARCHAR NOT NULL,
    file_name     VARCHAR NOT NULL,
    received_at   TIMESTAMP NOT NULL,
    unit_code     VARCHAR,                 -- null when the file could not be identified
    unit_name     VARCHAR,
    form_id       VARCHAR,
    form_version  VARCHAR,
    period        VARCHAR,
    scope         VARCHAR,                 -- own (本级) | aggregate (汇总)
    cycle_id      VARCHAR,
    deadline      DATE,
    late          BOOLEAN,
    status        VARCHAR NOT NULL,
    errors        INTEGER NOT NULL,
    warnings      INTEGER NOT NULL,
    run_id        VARCHAR NOT NULL,
    superseded_by VARCHAR
);
-- source: template (a huizong template or consolidated workbook) | transcribed (a published report read by its labels,
-- huizong import; where each cell was found is in cell_places). Added after the first warehouses were made.
ALTER TABLE submissions ADD COLUMN IF NOT EXISTS source VARCHAR DEFAULT 'template';
