-- unexplained: the warnings of a report that need an explanation (上报说明) before approval and have none.
-- Grain: (rule, sheet, cell). Inputs: findings, explanations; $sha256, $rules (the form's rules with explain = true).
SELECT f.rule, f.sheet, f.cell, f.message
FROM findings AS f
WHERE f.sha256 = $sha256 AND f.severity = 'warning' AND list_contains($rules, f.rule)
  AND NOT EXISTS (SELECT 1 FROM explanations AS e WHERE e.sha256 = f.sha256 AND trim(e.text) <> '')
ORDER BY f.rule, f.sheet, f.cell;
