-- The (form, period) pairs the values belong to, a value without a submission under (NULL, NULL). Inputs:
-- cell_values, submissions.
SELECT DISTINCT s.form_id, s.period FROM cell_values AS v LEFT JOIN submissions AS s USING (sha256) ORDER BY ALL;
