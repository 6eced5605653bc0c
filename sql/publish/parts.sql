-- The parts a snapshot lists, oldest first. Inputs: value_parts.
SELECT part FROM value_parts ORDER BY made_at, part;
