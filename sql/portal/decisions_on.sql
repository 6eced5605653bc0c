-- decisions_on: the office's decisions taken on one report (one file's content), in the order taken.
-- Grain: one row per decision. Inputs: reviews; $sha256.
SELECT cycle_id, unit_code, action, reason, actor, decided_at
FROM reviews
WHERE sha256 = $sha256
ORDER BY seq;
