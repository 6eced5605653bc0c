-- history: every file a unit sent, through the portal (as that unit) or the inbox, newest first.
-- Grain: one row per arrival. Inputs: uploads, receipts, submissions, $unit_code.
-- status: what became of the content now (accepted, rejected, superseded), or refused (another unit's file).
SELECT u.received_at, u.file_name, u.sha256, '报送平台' AS channel, u.status AS arrived_as,
       CASE WHEN u.status = 'refused' THEN 'refused' ELSE coalesce(s.status, u.status) END AS status,
       s.errors, s.warnings, s.period, s.cycle_id,
       u.status <> 'refused' AND s.sha256 IS NOT NULL AS viewable
FROM uploads AS u
LEFT JOIN submissions AS s USING (sha256)
WHERE u.account = $unit_code
UNION ALL
SELECT r.received_at, r.file_name, r.sha256, '收件箱' AS channel,
       CASE WHEN r.duplicate THEN 'duplicate' ELSE s.status END AS arrived_as,
       s.status, s.errors, s.warnings, s.period, s.cycle_id, true AS viewable
FROM receipts AS r
JOIN submissions AS s USING (sha256)
WHERE s.unit_code = $unit_code AND r.source_path NOT LIKE 'portal:%'
ORDER BY received_at DESC, sha256;
