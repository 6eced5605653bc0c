-- status: the completeness summary of every cycle, for `huizong status`. Grain: cycle_id. Inputs: completeness_summary.
SELECT cycle_id, owner, form_id, period, expected, received, accepted, rejected, late, missing
FROM completeness_summary
ORDER BY period DESC, owner, form_id;
