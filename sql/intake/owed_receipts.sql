-- owed_receipts: every submission with findings, for the receipts (回执) it is owed; the caller writes those whose
-- file is missing (a run stopped between recording a batch and writing its receipts).
-- Grain: sha256. Inputs: submissions.
SELECT sha256, archive_path, file_name, received_at, late, cycle_id, unit_code, unit_name
FROM submissions
WHERE errors + warnings > 0
ORDER BY received_at, sha256;
