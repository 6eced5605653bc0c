-- cycles: the reporting cycles known to this run (declared in cycles.toml, or planned by default for a run).
-- Grain: cycle_id. Inputs: incoming_cycles.
CREATE OR REPLACE TABLE cycles AS
SELECT cycle_id, owner, form_id, form_version, period, previous_period, deadline, declared
FROM incoming_cycles;
