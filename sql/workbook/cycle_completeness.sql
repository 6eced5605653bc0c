-- cycle_completeness: every expected unit of one cycle, those to chase (督办) first.
-- Grain: unit_code. Inputs: completeness; $cycle_id.
SELECT unit_code, unit_name, unit_kind, status, deadline, first_received, last_received, files, late, overdue,
       errors, warnings
FROM completeness
WHERE cycle_id = $cycle_id
ORDER BY status = 'accepted', status DESC, unit_code;
