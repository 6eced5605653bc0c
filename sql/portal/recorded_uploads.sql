-- recorded_uploads: which of the journalled uploads were recorded already (the portal stopped after committing them
-- and before clearing its journal). Grain: upload_id. Inputs: uploads, incoming_ids (upload_id).
SELECT upload_id
FROM uploads
WHERE upload_id IN (SELECT upload_id FROM incoming_ids)
ORDER BY upload_id;
