-- Record each cell where a received total (汇总) differs from the total computed from the units below, as a warning
-- on the received submission, for the periods being rolled up. Inputs: reconciliation, form_cells, units, scope_periods.
INSERT INTO findings (sha256, rule, severity, sheet, cell, seen, expected, message, message_en)
SELECT r.sha256, 'H6', 'warning', c.sheet, c.cell, r.received::VARCHAR, r.computed::VARCHAR,
       '报送的汇总数与按' || u.name || '下级单位报表计算的汇总数不一致，已按计算结果汇总，请核实',
       'the received total differs from the total computed from the units below; the computed one is used'
FROM (SELECT * FROM reconciliation SEMI JOIN scope_periods USING (form_id, period)) AS r
JOIN form_cells AS c USING (form_id, form_version, code)
JOIN units AS u ON u.code = r.unit_code;
