-- form_cells: every numeric cell of every form version, in printed order (replaced whole from schemas/forms).
-- Grain: (form_id, form_version, code). Inputs: incoming_cells.
CREATE OR REPLACE TABLE form_cells AS
SELECT form_id, form_version, ordinal, code, table_code, row_key, col_key, section, block, sheet, cell,
       kind, type, unit, scale, row_path, col_path, row_label, col_label
FROM incoming_cells;
