-- has_state: whether the review_state view exists yet (it is made with the first roll-up). Grain: one row or none.
SELECT 1 FROM duckdb_views() WHERE view_name = 'review_state' AND NOT internal;
