-- completeness_summary: one line per cycle: 应报 / 已报 / 通过 / 退回 / 逾期 / 未报.
-- Grain: cycle_id. Inputs: completeness.
CREATE OR REPLACE VIEW completeness_summary AS
SELECT cycle_id, owner, form_id, period,
       count(*) AS expected,
       count(*) FILTER (status <> 'missing') AS received,
       count(*) FILTER (status = 'accepted') AS accepted,
       count(*) FILTER (status = 'rejected') AS rejected,
       count(*) FILTER (late) AS late,
       count(*) FILTER (status = 'missing') AS missing
FROM completeness
GROUP BY ALL;
