-- What the totals were last rolled up against: (key, digest). Inputs: rollup_state.
SELECT key, digest FROM rollup_state;
