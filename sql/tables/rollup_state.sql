-- rollup_state: what the totals were last rolled up against (key: registry, forms), as a digest. When the registry's
-- tree or the forms change, every period's totals are rolled up again. Grain: key.
CREATE TABLE IF NOT EXISTS rollup_state (
    key     VARCHAR PRIMARY KEY,
    digest  VARCHAR NOT NULL
);
