-- findings_of: the recorded findings of some submissions. Grain: one row per finding.
-- Inputs: findings, incoming (sha256).
SELECT sha256, rule, severity, message, sheet, cell, seen, expected, message_en
FROM findings
WHERE sha256 IN (SELECT sha256 FROM incoming)
ORDER BY sha256, severity, sheet, cell, rule;
