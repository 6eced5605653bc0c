-- supersede: of the accepted submissions of one unit, form and period, only the latest received stays accepted;
-- the others become superseded, pointing at it. A rejected file never replaces an accepted one.
-- Grain: updates submissions. Inputs: submissions, incoming_submissions (the batch: only its units, forms and periods
-- can change, so the rest is not read). Idempotent.
UPDATE submissions AS s
SET status = 'superseded', superseded_by = latest.sha256
FROM (
    SELECT unit_code, form_id, period, arg_max(sha256, (received_at, sha256)) AS sha256
    FROM submissions
    SEMI JOIN (SELECT DISTINCT unit_code, form_id, period FROM incoming_submissions) USING (unit_code, form_id, period)
    WHERE status IN ('accepted', 'superseded')
    GROUP BY unit_code, form_id, period
) AS latest
WHERE s.unit_code = latest.unit_code AND s.form_id = latest.form_id AND s.period = latest.period
  AND s.status = 'accepted' AND s.sha256 <> latest.sha256;
