-- states: every expected unit of one cycle with where its report stands in review, those waiting for a decision
-- first. Grain: unit_code. Inputs: review_state, submissions, explanations; $cycle_id.
SELECT r.unit_code, r.unit_name, r.unit_kind, r.state, r.check_status, r.sha256, r.late,
       s.file_name, s.received_at, coalesce(s.errors, 0) AS errors, coalesce(s.warnings, 0) AS warnings,
       (SELECT arg_max(e.text, e.written_at) FROM explanations AS e WHERE e.sha256 = r.sha256) AS explanation,
       r.last_action, r.last_reason, r.last_actor, r.last_at
FROM review_state AS r
LEFT JOIN submissions AS s ON s.sha256 = r.sha256
WHERE r.cycle_id = $cycle_id
ORDER BY r.state <> 'submitted', r.state, r.unit_code;
