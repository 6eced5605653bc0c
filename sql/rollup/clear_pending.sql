-- The pending periods are up to date once the roll-up is done (in its transaction).
DELETE FROM rollup_pending;
