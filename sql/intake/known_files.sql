-- known_files: which of the incoming contents were received before, and their status.
-- Grain: sha256. Inputs: incoming (sha256).
SELECT s.sha256, s.status, s.unit_code, s.period
FROM submissions AS s
WHERE s.sha256 IN (SELECT sha256 FROM incoming);
