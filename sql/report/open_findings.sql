-- open_findings: the findings of each unit's current file for a form and period: the accepted one, or when none
-- is accepted, the latest received. Grain: one row per finding. Inputs: submissions, findings, units.
CREATE OR REPLACE VIEW open_findings AS
WITH current_file AS (
    SELECT unit_code, form_id, period,
           coalesce(
               max(sha256) FILTER (status = 'accepted'),
               arg_max(sha256, (received_at, sha256))
           ) AS sha256
    FROM submissions
    WHERE unit_code IS NOT NULL
    GROUP BY unit_code, form_id, period
)
SELECT c.unit_code, u.name AS unit_name, c.form_id, c.period, s.status, s.file_name, f.rule, f.severity,
       f.sheet, f.cell, f.seen, f.expected, f.message, f.message_en
FROM current_file AS c
JOIN submissions AS s USING (sha256)
JOIN findings AS f USING (sha256)
LEFT JOIN units AS u ON u.code = c.unit_code;
