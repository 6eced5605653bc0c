-- submissions (portal): the submissions of the units in scope, of one cycle or of all.
-- Grain: sha256. Inputs: submissions, incoming_scope (unit_code), $cycle_id (null: every cycle).
SELECT s.sha256 AS id, s.unit_code, s.unit_name, s.form_id, s.form_version, s.period, s.cycle_id, s.file_name,
       s.received_at, s.status, s.errors, s.warnings, s.late, s.superseded_by
FROM submissions AS s
WHERE s.unit_code IN (SELECT unit_code FROM incoming_scope)
  AND ($cycle_id IS NULL OR s.cycle_id = $cycle_id)
ORDER BY s.received_at DESC, s.sha256;
