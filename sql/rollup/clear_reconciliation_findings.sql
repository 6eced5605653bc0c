-- Remove the reconciliation findings (H6) of the periods being rolled up: they are computed again. Inputs: findings,
-- submissions, scope_periods.
DELETE FROM findings
WHERE rule = 'H6'
  AND sha256 IN (SELECT sha256 FROM submissions SEMI JOIN scope_periods USING (form_id, period));
