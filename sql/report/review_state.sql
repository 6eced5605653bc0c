-- review_state: where each expected unit's report of each cycle stands in the office's review (审核).
-- Grain: (cycle_id, unit_code). Inputs: completeness, submissions, reviews.
-- state: missing 未报 | failed 未通过校验 (files came, none passed the checks) | submitted 待审核 (passed the checks,
-- not decided yet) | returned 退回 (sent back by the office) | approved 审定 | excused 免报.
-- A decision holds for the report it was taken on: a new accepted report after a return is waiting for review again.
CREATE OR REPLACE VIEW review_state AS
WITH current_report AS (
    SELECT unit_code, form_id, period, arg_max(sha256, (received_at, sha256)) AS sha256
    FROM submissions
    WHERE status = 'accepted'
    GROUP BY ALL
),
decided AS (
    SELECT cycle_id, unit_code,
           arg_max(action, seq) AS action, arg_max(sha256, seq) AS sha256, arg_max(reason, seq) AS reason,
           arg_max(actor, seq) AS actor, arg_max(decided_at, seq) AS decided_at
    FROM reviews
    GROUP BY ALL
)
SELECT c.cycle_id, c.owner, c.form_id, c.period, c.unit_code, c.unit_name, c.unit_kind, c.deadline, c.late,
       c.status AS check_status, r.sha256,
       CASE
           WHEN d.action = 'excuse' THEN 'excused'
           WHEN d.action = 'approve' AND d.sha256 IS NOT DISTINCT FROM r.sha256 THEN 'approved'
           WHEN d.action = 'return' AND d.sha256 IS NOT DISTINCT FROM r.sha256 THEN 'returned'
           WHEN c.status = 'accepted' THEN 'submitted'
           WHEN c.status = 'rejected' THEN 'failed'
           ELSE 'missing'
       END AS state,
       d.action AS last_action, d.reason AS last_reason, d.actor AS last_actor, d.decided_at AS last_at
FROM completeness AS c
LEFT JOIN current_report AS r USING (unit_code, form_id, period)
LEFT JOIN decided AS d USING (cycle_id, unit_code);
