-- Audit (full roll-ups: ``huizong rebuild``, and whenever the registry or the forms change): no value lacks its
-- submission. Values are only ever inserted with their submission, in one transaction; this reads every value.
-- Offending rows: (sha256, why). Inputs: cell_values, submissions.
SELECT DISTINCT v.sha256, 'values without a submission' AS why
FROM cell_values AS v
ANTI JOIN submissions AS s USING (sha256);
