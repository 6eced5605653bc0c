-- submission_findings: the findings of one submission, errors first, in sheet and cell order.
-- Grain: one row per finding. Inputs: findings, $sha256.
SELECT rule, severity, sheet, cell, seen, expected, message, message_en
FROM findings
WHERE sha256 = $sha256
ORDER BY severity = 'warning', sheet, cell, rule;
