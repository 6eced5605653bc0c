-- t4_reviews: part 四 (行政复议、行政诉讼), one row per unit, scope and period, the fifteen printed columns.
-- Grain: (unit_code, scope, period). Inputs: report_values, units.
CREATE OR REPLACE VIEW t4_reviews AS
SELECT r.unit_code, u.name AS unit_name, r.scope, r.period, r.form_version,
       max(r.number) FILTER (r.code = 't4.review.upheld') AS review_upheld,
       max(r.number) FILTER (r.code = 't4.review.corrected') AS review_corrected,
       max(r.number) FILTER (r.code = 't4.review.other') AS review_other,
       max(r.number) FILTER (r.code = 't4.review.pending') AS review_pending,
       max(r.number) FILTER (r.code = 't4.review.total') AS review_total,
       max(r.number) FILTER (r.code = 't4.lawsuit_direct.upheld') AS direct_upheld,
       max(r.number) FILTER (r.code = 't4.lawsuit_direct.corrected') AS direct_corrected,
       max(r.number) FILTER (r.code = 't4.lawsuit_direct.other') AS direct_other,
       max(r.number) FILTER (r.code = 't4.lawsuit_direct.pending') AS direct_pending,
       max(r.number) FILTER (r.code = 't4.lawsuit_direct.total') AS direct_total,
       max(r.number) FILTER (r.code = 't4.lawsuit_after_review.upheld') AS after_review_upheld,
       max(r.number) FILTER (r.code = 't4.lawsuit_after_review.corrected') AS after_review_corrected,
       max(r.number) FILTER (r.code = 't4.lawsuit_after_review.other') AS after_review_other,
       max(r.number) FILTER (r.code = 't4.lawsuit_after_review.pending') AS after_review_pending,
       max(r.number) FILTER (r.code = 't4.lawsuit_after_review.total') AS after_review_total
FROM report_values AS r
LEFT JOIN units AS u ON u.code = r.unit_code
WHERE r.form_id = 'annual_report' AND r.code LIKE 't4.%'
GROUP BY r.unit_code, u.name, r.scope, r.period, r.form_version;
