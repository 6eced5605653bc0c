-- review_figures: for the office's review, the form's key figures of each expected unit's current report in a cycle,
-- beside the same figures of the unit's accepted report of last period (through code_map when that report was in an
-- older form version) and the median over the units of the same kind whose current report passed the checks and was
-- not returned (peers). Grain: (unit_code, figure). Inputs: review_state, cell_values, current_submissions, code_map,
-- incoming_figures (figure, code: the cells each figure sums); $cycle_id, $form_id, $form_version, $previous_period.
-- value is null where the unit has no current report; previous is null where it had no accepted one last period.
WITH expected AS (
    SELECT unit_code, unit_kind, sha256, state FROM review_state WHERE cycle_id = $cycle_id
),
figures AS (
    SELECT DISTINCT figure FROM incoming_figures
),
this_period AS (
    SELECT e.unit_code, f.figure, sum(coalesce(v.amount, v.number::DECIMAL(22, 4))) AS value
    FROM expected AS e
    JOIN cell_values AS v ON v.sha256 = e.sha256
    JOIN incoming_figures AS f ON f.code = v.code
    GROUP BY ALL
),
last_period AS (
    SELECT s.unit_code, f.figure, sum(coalesce(v.amount, v.number::DECIMAL(22, 4))) AS value
    FROM current_submissions AS s
    JOIN cell_values AS v USING (sha256)
    LEFT JOIN code_map AS m
           ON m.form_id = s.form_id AND m.from_version = s.form_version AND m.from_code = v.code
          AND m.to_version = $form_version
    JOIN incoming_figures AS f ON f.code = coalesce(m.to_code, v.code)
    WHERE s.form_id = $form_id AND s.period = $previous_period
      AND s.unit_code IN (SELECT unit_code FROM expected)
    GROUP BY ALL
),
reported AS (
    SELECT e.unit_code, e.unit_kind, e.state, f.figure,
           CASE WHEN e.sha256 IS NOT NULL THEN coalesce(t.value, 0) END AS value
    FROM expected AS e
    CROSS JOIN figures AS f
    LEFT JOIN this_period AS t ON t.unit_code = e.unit_code AND t.figure = f.figure
),
peers AS (
    SELECT unit_kind, figure, median(value) AS median, count(*) AS peer_count
    FROM reported
    WHERE state IN ('submitted', 'approved')
    GROUP BY ALL
),
final AS (
    SELECT r.unit_code, r.figure, r.value, l.value AS previous, p.median AS peers, coalesce(p.peer_count, 0) AS peer_count
    FROM reported AS r
    LEFT JOIN last_period AS l ON l.unit_code = r.unit_code AND l.figure = r.figure
    LEFT JOIN peers AS p ON p.unit_kind = r.unit_kind AND p.figure = r.figure
)
SELECT * FROM final
ORDER BY unit_code, figure;
