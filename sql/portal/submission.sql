-- submission: one submission for the portal, with the latest explanation and who uploaded it.
-- Grain: sha256 (one row or none). Inputs: submissions, explanations, uploads, $sha256.
SELECT s.*,
       (SELECT arg_max(e.text, e.written_at) FROM explanations AS e WHERE e.sha256 = s.sha256) AS explanation,
       (SELECT max(e.written_at) FROM explanations AS e WHERE e.sha256 = s.sha256) AS explained_at,
       (SELECT list(DISTINCT u.account) FROM uploads AS u WHERE u.sha256 = s.sha256) AS uploaded_by
FROM submissions AS s
WHERE s.sha256 = $sha256;
