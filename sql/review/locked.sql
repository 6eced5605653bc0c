-- locked: the reports the office has approved (审定) or excused (免报) and that no new file may replace until it
-- reopens them. Grain: (unit_code, form_id, period). Inputs: review_state.
SELECT DISTINCT unit_code, form_id, period, state, cycle_id
FROM review_state
WHERE state IN ('approved', 'excused')
ORDER BY unit_code, form_id, period;
