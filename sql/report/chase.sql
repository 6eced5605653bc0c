-- chase: the units of one cycle still to chase (督办), for `huizong status --cycle`. Inputs: chase_list, $cycle_id.
SELECT unit_code, unit_name, status, deadline, overdue, files, errors
FROM chase_list
WHERE cycle_id = $cycle_id
ORDER BY status DESC, unit_code;
