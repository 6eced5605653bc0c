-- current_submissions: the one accepted submission of each unit, form version and period, unless the office
-- returned it (退回: the latest decision on it is a return); a returned report counts in no total.
-- Grain: (unit_code, form_id, form_version, period). Inputs: submissions, reviews.
CREATE OR REPLACE VIEW current_submissions AS
SELECT sha256, unit_code, form_id, form_version, period, scope, received_at
FROM submissions
WHERE status = 'accepted'
  AND sha256 NOT IN (
      SELECT sha256 FROM reviews WHERE sha256 IS NOT NULL GROUP BY sha256 HAVING arg_max(action, seq) = 'return'
  );
