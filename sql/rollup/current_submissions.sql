-- current_submissions: the one accepted submission of each unit, form version and period.
-- Grain: (unit_code, form_id, form_version, period). Inputs: submissions.
CREATE OR REPLACE VIEW current_submissions AS
SELECT sha256, unit_code, form_id, form_version, period, scope, received_at
FROM submissions
WHERE status = 'accepted';
