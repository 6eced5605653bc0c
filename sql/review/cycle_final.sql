-- cycle_final: whether a cycle's consolidation is final (定稿): every expected unit approved or excused.
-- Grain: one row per cycle owned by $owner for $form_id and $period. Inputs: review_state.
SELECT cycle_id,
       count(*) AS expected,
       count(*) FILTER (state = 'approved') AS approved,
       count(*) FILTER (state = 'excused') AS excused,
       count(*) FILTER (state IN ('approved', 'excused')) = count(*) AS final
FROM review_state
WHERE owner = $owner AND form_id = $form_id AND period = $period
GROUP BY cycle_id;
