-- unit_cycles: the cycles that expect one unit, where it stands in each, its current file (the accepted one, or the
-- latest) with that file's errors and warnings, and where its report stands in the office's review with the office's
-- last decision (review_state: state, last_action, last_reason, last_actor, last_at).
-- Grain: cycle_id. Inputs: completeness, cycles, forms, units, submissions, review_state, $unit_code.
WITH current_file AS (
    SELECT form_id, period,
           coalesce(max(sha256) FILTER (status = 'accepted'), arg_max(sha256, (received_at, sha256))) AS sha256
    FROM submissions
    WHERE unit_code = $unit_code
    GROUP BY form_id, period
)
SELECT c.cycle_id, c.owner, o.name AS owner_name, c.form_id, y.form_version, f.title AS form_title, c.period,
       c.deadline, c.status, c.late, c.overdue, c.files, coalesce(s.errors, 0) AS errors,
       coalesce(s.warnings, 0) AS warnings, c.last_received,
       cf.sha256 AS current_sha256, r.state AS review_state, r.last_action, r.last_reason, r.last_actor, r.last_at
FROM completeness AS c
JOIN cycles AS y USING (cycle_id)
JOIN forms AS f ON f.form_id = y.form_id AND f.form_version = y.form_version
JOIN units AS o ON o.code = c.owner
LEFT JOIN current_file AS cf ON cf.form_id = c.form_id AND cf.period = c.period
LEFT JOIN submissions AS s ON s.sha256 = cf.sha256
LEFT JOIN review_state AS r ON r.cycle_id = c.cycle_id AND r.unit_code = c.unit_code
WHERE c.unit_code = $unit_code
ORDER BY c.period DESC, c.cycle_id;
