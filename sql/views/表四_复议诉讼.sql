-- 表四_复议诉讼: t4_reviews with the printed Chinese headings. Grain and inputs as t4_reviews.
CREATE OR REPLACE VIEW 表四_复议诉讼 AS
SELECT unit_code AS 单位代码, unit_name AS 单位名称, CASE scope WHEN 'own' THEN '本级' ELSE '汇总' END AS 口径,
       period AS 报告期, form_version AS 表式版本,
       review_upheld AS 行政复议_结果维持, review_corrected AS 行政复议_结果纠正, review_other AS 行政复议_其他结果,
       review_pending AS 行政复议_尚未审结, review_total AS 行政复议_总计,
       direct_upheld AS 未经复议直接起诉_结果维持, direct_corrected AS 未经复议直接起诉_结果纠正,
       direct_other AS 未经复议直接起诉_其他结果, direct_pending AS 未经复议直接起诉_尚未审结,
       direct_total AS 未经复议直接起诉_总计,
       after_review_upheld AS 复议后起诉_结果维持, after_review_corrected AS 复议后起诉_结果纠正,
       after_review_other AS 复议后起诉_其他结果, after_review_pending AS 复议后起诉_尚未审结,
       after_review_total AS 复议后起诉_总计
FROM t4_reviews;
