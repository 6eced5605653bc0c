-- hierarchy: the registry with each unit's parent and region, for analysts.
-- Grain: code. Inputs: units, unit_closure.
CREATE OR REPLACE VIEW hierarchy AS
SELECT u.code, u.name, u.kind, u.aggregating, u.parent, p.name AS parent_name,
       coalesce((SELECT max(depth) FROM unit_closure AS c WHERE c.descendant = u.code), 0) AS depth,
       u.valid_from, u.valid_to
FROM units AS u
LEFT JOIN units AS p ON p.code = u.parent;
