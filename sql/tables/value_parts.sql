-- value_parts: the Parquet parts under published/values/ that hold the cell values for the analysts' snapshot (see
-- huizong/publishing.py). Grain: part. Together they hold exactly the rows of cell_values.
CREATE TABLE IF NOT EXISTS value_parts (
    part     VARCHAR PRIMARY KEY,         -- file name in published/values/
    rows     BIGINT NOT NULL,
    made_at  TIMESTAMP NOT NULL
);
