-- value_parts: the Parquet parts under published/values/ that hold the cell values; cell_values, in the working file
-- and in the analysts' snapshot, is a view over the parts listed here (see huizong/valuestore.py). Grain: part.
CREATE TABLE IF NOT EXISTS value_parts (
    part     VARCHAR PRIMARY KEY,         -- file name in published/values/
    rows     BIGINT NOT NULL,
    made_at  TIMESTAMP NOT NULL
);
