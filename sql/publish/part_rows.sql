-- The rows of cell_values and of the registered parts: equal when the parts hold every value. Inputs: cell_values,
-- value_parts.
SELECT (SELECT count(*) FROM cell_values) AS values_rows, (SELECT coalesce(sum(rows), 0) FROM value_parts) AS part_rows;
