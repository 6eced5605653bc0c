-- chase_list (督办): the units of each cycle still to chase: nothing sent, or nothing accepted.
-- Grain: (cycle_id, unit_code). Inputs: completeness.
CREATE OR REPLACE VIEW chase_list AS
SELECT cycle_id, unit_code, unit_name, unit_kind, status, deadline, overdue, files, errors, last_received
FROM completeness
WHERE status <> 'accepted'
ORDER BY cycle_id, status DESC, unit_code;
