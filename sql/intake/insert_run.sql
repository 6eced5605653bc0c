-- Record one run and what it did. Inputs: $run_id, $kind (intake | portal), $started_at, $files, $accepted,
-- $rejected, $duplicate.
INSERT INTO runs (run_id, kind, started_at, finished_at, files, accepted, rejected, duplicates)
VALUES ($run_id, $kind, $started_at, now()::TIMESTAMP, $files, $accepted, $rejected, $duplicate);
