-- Remember what the totals were rolled up against. Inputs: incoming_state (key, digest).
INSERT OR REPLACE INTO rollup_state BY NAME SELECT * FROM incoming_state;
