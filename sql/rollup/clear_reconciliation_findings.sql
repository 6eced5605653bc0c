-- Remove the reconciliation findings (H6) of earlier runs: they are recomputed whole by each consolidation.
DELETE FROM findings WHERE rule = 'H6';
