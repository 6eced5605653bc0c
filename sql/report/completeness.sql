-- completeness: every unit each cycle expects, what it sent, when, and where it stands.
-- Grain: (cycle_id, unit_code). Inputs: expected_units, cycles, units, submissions, reviews.
-- status: accepted (an accepted report is current) | rejected (files came, none accepted, or the accepted one was
-- returned by the office) | missing (nothing came).
-- late: the first file came after the unit's deadline; overdue: nothing accepted and the deadline has passed.
CREATE OR REPLACE VIEW completeness AS
WITH returned AS (  -- reports the office sent back: the latest decision taken on them is a return
    SELECT sha256 FROM reviews WHERE sha256 IS NOT NULL GROUP BY sha256 HAVING arg_max(action, seq) = 'return'
),
sent AS (
    SELECT unit_code, form_id, period,
           min(received_at) AS first_received,
           max(received_at) AS last_received,
           count(*) AS files,
           bool_or(status = 'accepted' AND sha256 NOT IN (SELECT sha256 FROM returned)) AS accepted,
           arg_max(sha256, (received_at, sha256)) AS latest_sha256
    FROM submissions
    WHERE unit_code IS NOT NULL
    GROUP BY unit_code, form_id, period
),
latest AS (
    SELECT sha256, errors, warnings FROM submissions
)
SELECT e.cycle_id, c.owner, c.form_id, c.period, e.unit_code, u.name AS unit_name, u.kind AS unit_kind,
       e.deadline, s.first_received, s.last_received, coalesce(s.files, 0) AS files,
       CASE WHEN s.accepted THEN 'accepted' WHEN s.files > 0 THEN 'rejected' ELSE 'missing' END AS status,
       coalesce(s.first_received::DATE > e.deadline, false) AS late,
       NOT coalesce(s.accepted, false) AND current_date > e.deadline AS overdue,
       coalesce(l.errors, 0) AS errors, coalesce(l.warnings, 0) AS warnings
FROM expected_units AS e
JOIN cycles AS c USING (cycle_id)
JOIN units AS u ON u.code = e.unit_code
LEFT JOIN sent AS s ON s.unit_code = e.unit_code AND s.form_id = c.form_id AND s.period = c.period
LEFT JOIN latest AS l ON l.sha256 = s.latest_sha256;
