-- unit_closure: every (ancestor, descendant) pair of the registry, with the distance between them.
-- Grain: (ancestor, descendant). Inputs: units. A unit is not its own ancestor.
CREATE OR REPLACE TABLE unit_closure AS
WITH RECURSIVE walk(ancestor, descendant, depth) AS (
    SELECT parent, code, 1 FROM units WHERE parent IS NOT NULL
    UNION ALL
    SELECT u.parent, w.descendant, w.depth + 1
    FROM walk AS w JOIN units AS u ON u.code = w.ancestor
    WHERE u.parent IS NOT NULL
)
SELECT ancestor, descendant, depth FROM walk;
