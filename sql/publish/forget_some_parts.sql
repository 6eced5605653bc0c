-- Forget the parts just gathered into one. Inputs: incoming_parts (part).
DELETE FROM value_parts WHERE part IN (SELECT part FROM incoming_parts);
