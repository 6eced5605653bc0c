-- scope_periods: the (form, period) pairs this roll-up brings up to date: those pending, and those given (a cycle
-- being reviewed or consolidated). Inputs: rollup_pending, incoming_scope (form_id, period).
CREATE OR REPLACE TEMP TABLE scope_periods AS
SELECT DISTINCT form_id, period FROM (
    SELECT form_id, period FROM rollup_pending
    UNION ALL SELECT form_id, period FROM incoming_scope
);
