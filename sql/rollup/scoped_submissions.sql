-- scoped_submissions: the current submissions of the periods being rolled up. Inputs: current_submissions,
-- scope_periods.
CREATE OR REPLACE TEMP VIEW scoped_submissions AS
SELECT * FROM current_submissions SEMI JOIN scope_periods USING (form_id, period);
