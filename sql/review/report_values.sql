-- report_values: the numbers of one submission as recorded, for a corrected copy of it. Grain: code.
-- Inputs: cell_values; $sha256.
SELECT code, number, amount
FROM cell_values
WHERE sha256 = $sha256 AND (number IS NOT NULL OR amount IS NOT NULL)
ORDER BY code;
