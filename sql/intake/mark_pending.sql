-- Note the periods whose totals the batch changes. Inputs: incoming_submissions (form_id, period).
INSERT INTO rollup_pending
SELECT DISTINCT form_id, period FROM incoming_submissions WHERE form_id IS NOT NULL AND period IS NOT NULL;
