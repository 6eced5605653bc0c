-- forms: every form version huizong knows (replaced whole from schemas/forms and <home>/forms).
-- Grain: (form_id, form_version). Inputs: incoming_forms.
CREATE OR REPLACE TABLE forms AS
SELECT form_id, form_version, title, basis, period_kind, first_year, last_year, cells, inputs
FROM incoming_forms;
