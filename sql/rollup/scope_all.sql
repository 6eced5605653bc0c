-- scope_periods for a full roll-up: every (form, period) any submission is for.
CREATE OR REPLACE TEMP TABLE scope_periods AS
SELECT DISTINCT form_id, period FROM submissions WHERE form_id IS NOT NULL AND period IS NOT NULL;
