-- cycle_board: every unit a cycle expects, where it stands, its current file (the accepted one, or the latest) with
-- that file's errors and warnings, and whether that file's warnings were explained.
-- Grain: unit_code. Inputs: completeness, submissions, explanations, $cycle_id.
WITH current_file AS (
    SELECT unit_code, form_id, period,
           coalesce(max(sha256) FILTER (status = 'accepted'), arg_max(sha256, (received_at, sha256))) AS sha256
    FROM submissions
    WHERE unit_code IS NOT NULL
    GROUP BY unit_code, form_id, period
)
SELECT c.unit_code, c.unit_name, c.unit_kind, c.deadline, c.status, c.late, c.overdue, c.files,
       coalesce(s.errors, 0) AS errors, coalesce(s.warnings, 0) AS warnings, c.first_received, c.last_received,
       cf.sha256 AS current_sha256, coalesce(cf.sha256 IN (SELECT sha256 FROM explanations), false) AS explained
FROM completeness AS c
LEFT JOIN current_file AS cf ON cf.unit_code = c.unit_code AND cf.form_id = c.form_id AND cf.period = c.period
LEFT JOIN submissions AS s ON s.sha256 = cf.sha256
WHERE c.cycle_id = $cycle_id
ORDER BY c.status = 'accepted', c.status DESC, c.unit_code;
