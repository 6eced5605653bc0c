-- Audit: every number in a total comes from an accepted submission, and no cell of a submission is recorded twice
-- (cell_values has no key: this is where its uniqueness is checked), for the periods rolled up.
-- Offending rows: (sha256, why). Inputs: rollup_sources, submissions, cell_values, scope_periods.
SELECT DISTINCT r.sha256, 'a total uses a submission that is ' || coalesce(s.status, 'unknown') AS why
FROM (SELECT * FROM rollup_sources SEMI JOIN scope_periods USING (form_id, period)) AS r
LEFT JOIN submissions AS s USING (sha256)
WHERE s.status IS DISTINCT FROM 'accepted'
UNION ALL
SELECT DISTINCT v.sha256, 'a cell recorded twice'
FROM cell_values AS v
SEMI JOIN (SELECT sha256, period FROM submissions SEMI JOIN scope_periods USING (form_id, period))
    USING (sha256, period)
GROUP BY v.sha256, v.code
HAVING count(*) > 1;
