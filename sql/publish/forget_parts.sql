-- Forget every part: they are about to be written again.
DELETE FROM value_parts;
