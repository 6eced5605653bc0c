-- items: what the assessment (考核) weighs, for every unit each of the given cycles expects.
-- Grain: (cycle_id, unit_code). Inputs: completeness, review_state, submissions, reviews, findings, explanations;
-- $cycles (the cycle ids assessed), $as_of (the day of the assessment: a deadline not yet passed is not missed).
-- outcome: excused 免报 | pending (nothing passed the checks yet, the deadline is still to come) | missing 未报
-- (nothing came) | failed (files came, none passed the checks) | late 逾期 (the first file came after the unit's
-- deadline, as completeness says) | on_time 按时.
-- rejected_files: files that failed the checks before the first one that passed (all of them when none passed).
-- returns: the office's returns (退回), less any it took back (its next decision on the same report was a reopen),
-- with their reasons in order. unexplained: warnings on the current report without a 上报说明. state: where the
-- report stands in review now (review_state), and excused_reason why it was excused.
WITH expected AS (
    SELECT c.cycle_id, c.owner, c.form_id, c.period, c.unit_code, c.unit_name, c.unit_kind, c.deadline,
           c.first_received, c.files, c.late, r.state, r.sha256, r.last_reason
    FROM completeness AS c
    JOIN review_state AS r USING (cycle_id, unit_code)
    WHERE list_contains($cycles, c.cycle_id)
),
sent AS (
    SELECT e.cycle_id, e.unit_code, s.status, s.received_at
    FROM expected AS e
    JOIN submissions AS s ON s.unit_code = e.unit_code AND s.form_id = e.form_id AND s.period = e.period
),
passed AS (  -- a superseded file passed the checks too: a later accepted one replaced it
    SELECT cycle_id, unit_code, min(received_at) FILTER (WHERE status IN ('accepted', 'superseded')) AS first_accepted
    FROM sent
    GROUP BY ALL
),
tries AS (
    SELECT s.cycle_id, s.unit_code, p.first_accepted,
           count(*) FILTER (WHERE s.status = 'rejected' AND s.received_at < coalesce(p.first_accepted, 'infinity'))
               AS rejected_files
    FROM sent AS s
    JOIN passed AS p USING (cycle_id, unit_code)
    GROUP BY ALL
),
decisions AS (
    SELECT cycle_id, unit_code, seq, action, sha256, reason, decided_at,
           lead(action) OVER next_one AS next_action, lead(sha256) OVER next_one AS next_sha256
    FROM reviews
    WHERE list_contains($cycles, cycle_id)
    WINDOW next_one AS (PARTITION BY cycle_id, unit_code ORDER BY seq)
),
returned AS (
    SELECT cycle_id, unit_code, count(*) AS returns,
           list({'reason': reason, 'decided_at': decided_at} ORDER BY seq) AS return_reasons
    FROM decisions
    WHERE action = 'return'
      AND NOT (next_action IS NOT DISTINCT FROM 'reopen' AND next_sha256 IS NOT DISTINCT FROM sha256)
    GROUP BY ALL
),
warned AS (
    SELECT e.cycle_id, e.unit_code, count(*) AS unexplained,
           list({'rule': f.rule, 'sheet': f.sheet, 'cell': f.cell, 'message': f.message}
                ORDER BY f.rule, f.sheet, f.cell) AS unexplained_warnings
    FROM expected AS e
    JOIN findings AS f ON f.sha256 = e.sha256
    WHERE f.severity = 'warning'
      AND NOT EXISTS (SELECT 1 FROM explanations AS x WHERE x.sha256 = f.sha256 AND trim(x.text) <> '')
    GROUP BY ALL
)
SELECT e.cycle_id, e.owner, e.form_id, e.period, e.unit_code, e.unit_name, e.unit_kind, e.deadline,
       e.first_received, t.first_accepted, e.files, e.state,
       CASE WHEN e.state = 'excused' THEN e.last_reason END AS excused_reason,
       CASE
           WHEN e.state = 'excused' THEN 'excused'
           WHEN t.first_accepted IS NULL AND $as_of <= e.deadline THEN 'pending'
           WHEN t.first_accepted IS NULL AND e.files > 0 THEN 'failed'
           WHEN t.first_accepted IS NULL THEN 'missing'
           WHEN e.late THEN 'late'
           ELSE 'on_time'
       END AS outcome,
       CASE WHEN e.late THEN e.first_received::DATE - e.deadline END AS days_late,
       coalesce(t.rejected_files, 0) AS rejected_files,
       coalesce(r.returns, 0) AS returns,
       coalesce(r.return_reasons, []) AS return_reasons,
       coalesce(w.unexplained, 0) AS unexplained,
       coalesce(w.unexplained_warnings, []) AS unexplained_warnings
FROM expected AS e
LEFT JOIN tries AS t USING (cycle_id, unit_code)
LEFT JOIN returned AS r USING (cycle_id, unit_code)
LEFT JOIN warned AS w USING (cycle_id, unit_code)
ORDER BY e.unit_code, e.period, e.cycle_id;
