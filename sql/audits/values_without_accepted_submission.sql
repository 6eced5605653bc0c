-- Audit: every number in a total comes from an accepted submission, no value lacks its submission, and no cell of a
-- submission is recorded twice (cell_values has no key: this is where its uniqueness is checked).
-- Offending rows: (sha256, why). Inputs: rollup_sources, submissions, cell_values.
SELECT DISTINCT r.sha256, 'a total uses a submission that is ' || coalesce(s.status, 'unknown') AS why
FROM rollup_sources AS r
LEFT JOIN submissions AS s USING (sha256)
WHERE s.status IS DISTINCT FROM 'accepted'
UNION ALL
SELECT DISTINCT v.sha256, 'values without a submission'
FROM cell_values AS v
ANTI JOIN submissions AS s USING (sha256)
UNION ALL
SELECT DISTINCT v.sha256, 'a cell recorded twice'
FROM cell_values AS v
GROUP BY v.sha256, v.code
HAVING count(*) > 1;
