-- previous_values: the current accepted values of the given units for one period (last year's, for S3/S4/S7).
-- Grain: (unit_code, code), in the order of unit_code. Inputs: $period, incoming_units (unit_code).
SELECT s.unit_code, v.code, v.number, v.amount
FROM submissions AS s
JOIN cell_values AS v USING (sha256, period)  -- only that period's parts are read
WHERE s.status = 'accepted' AND s.period = $period
  AND s.unit_code IN (SELECT unit_code FROM incoming_units)
ORDER BY s.unit_code;
