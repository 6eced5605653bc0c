-- The parts of fewer than $small rows, oldest first: gathered into one once there are too many. Inputs: value_parts.
SELECT part FROM value_parts WHERE rows < $small ORDER BY made_at, part;
