-- rule_terms: the hard identities (H1-H4 and a form's own sums) as linear terms: sum(coefficient * value) = 0.
-- Grain: (form_id, form_version, rule, instance, code). Inputs: incoming_terms.
CREATE OR REPLACE TABLE rule_terms AS
SELECT form_id, form_version, rule, instance, item, code, coefficient
FROM incoming_terms;
