-- owed_receipts: every submission with findings, or returned by the office (退回: its receipt says why), for the
-- receipts (回执) it is owed; the caller writes those whose file is missing (a run stopped between recording a batch
-- and writing its receipts, or the file was lost). Grain: sha256. Inputs: submissions, reviews.
SELECT sha256, archive_path, file_name, received_at, late, cycle_id, unit_code, unit_name
FROM submissions
WHERE errors + warnings > 0
   OR sha256 IN (
       SELECT sha256 FROM reviews WHERE sha256 IS NOT NULL GROUP BY sha256 HAVING arg_max(action, seq) = 'return'
   )
ORDER BY received_at, sha256;
