-- Keep what the audits of a consolidation found. Inputs: incoming_audits (run_id, audit, offending).
INSERT INTO audit_results BY NAME SELECT * FROM incoming_audits;
