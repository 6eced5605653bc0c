-- scores: each unit's points in the assessment (考核) over the given cycles, ranked within its kind.
-- Grain: unit_code. Inputs: assessment_items (the rows of assessment/items); the weights (assessment.toml) as
-- $timeliness, $late, $first_try, $rejected, $returns, $returned, $explanations, $unexplained (DECIMAL points),
-- $excused_ranked, and $bottom (how many units at the bottom get a 督办函).
-- Each cycle is scored on its own: a criterion's full points, less what each lapse deducts, never below zero; a
-- report missing or never passing the checks scores nothing at all in that cycle. A unit's points are the average
-- over its scored cycles, criterion by criterion, rounded half up to one decimal; the total is their sum. A cycle
-- not yet due is not scored, nor an excused one unless $excused_ranked (then it scores full points). A unit with no
-- scored cycle is not ranked. bottom: among the $bottom lowest totals (ties included), and short of full points.
WITH scored AS (
    SELECT unit_code, outcome,
           CASE WHEN outcome = 'excused' THEN $timeliness
                WHEN outcome = 'late' THEN greatest($timeliness - $late, 0)
                ELSE $timeliness END AS timeliness,
           CASE WHEN outcome = 'excused' THEN $first_try
                ELSE greatest($first_try - rejected_files * $rejected, 0) END AS first_try,
           CASE WHEN outcome = 'excused' THEN $returns
                ELSE greatest($returns - returns * $returned, 0) END AS returns,
           CASE WHEN outcome = 'excused' THEN $explanations
                ELSE greatest($explanations - unexplained * $unexplained, 0) END AS explanations
    FROM assessment_items
    WHERE outcome NOT IN ('pending', 'missing', 'failed', 'excused') OR (outcome = 'excused' AND $excused_ranked)
    UNION ALL  -- absent: nothing to score but the lapse itself
    SELECT unit_code, outcome, 0, 0, 0, 0 FROM assessment_items WHERE outcome IN ('missing', 'failed')
),
tenths AS (  -- sums in tenths of a point: the average is rounded in whole numbers, exactly (DECIMAL / n is DOUBLE)
    SELECT unit_code, count(*) AS n,
           sum(timeliness * 10)::HUGEINT AS timeliness, sum(first_try * 10)::HUGEINT AS first_try,
           sum(returns * 10)::HUGEINT AS returns, sum(explanations * 10)::HUGEINT AS explanations
    FROM scored
    GROUP BY unit_code
),
points AS (
    SELECT unit_code, n AS scored_cycles,
           ((2 * timeliness + n) // (2 * n))::DECIMAL(9, 0) * 0.1 AS timeliness,
           ((2 * first_try + n) // (2 * n))::DECIMAL(9, 0) * 0.1 AS first_try,
           ((2 * returns + n) // (2 * n))::DECIMAL(9, 0) * 0.1 AS returns,
           ((2 * explanations + n) // (2 * n))::DECIMAL(9, 0) * 0.1 AS explanations
    FROM tenths
),
units AS (
    SELECT unit_code, arg_max(unit_name, (period, cycle_id)) AS unit_name,
           arg_max(unit_kind, (period, cycle_id)) AS unit_kind,
           count(*) AS cycles,
           count(*) FILTER (WHERE outcome = 'on_time') AS on_time,
           count(*) FILTER (WHERE outcome = 'late') AS late,
           count(*) FILTER (WHERE outcome IN ('missing', 'failed')) AS missing,
           count(*) FILTER (WHERE outcome = 'pending') AS pending,
           count(*) FILTER (WHERE outcome = 'excused') AS excused,
           sum(rejected_files) FILTER (WHERE outcome NOT IN ('excused', 'missing', 'failed')) AS rejected_files,
           sum(returns) FILTER (WHERE outcome <> 'excused') AS returns,
           sum(unexplained) FILTER (WHERE outcome <> 'excused') AS unexplained
    FROM assessment_items
    GROUP BY unit_code
),
totals AS (
    SELECT u.unit_code, u.unit_name, u.unit_kind, u.cycles, u.on_time, u.late, u.missing, u.pending, u.excused,
           coalesce(u.rejected_files, 0) AS rejected_files, coalesce(u.returns, 0) AS returns,
           coalesce(u.unexplained, 0) AS unexplained, coalesce(p.scored_cycles, 0) AS scored_cycles,
           p.timeliness, p.first_try, p.returns AS returns_points, p.explanations,
           p.timeliness + p.first_try + p.returns + p.explanations AS total,
           p.unit_code IS NOT NULL AS ranked
    FROM units AS u
    LEFT JOIN points AS p USING (unit_code)
)
SELECT unit_code, unit_name, unit_kind, cycles, scored_cycles, on_time, late, missing, pending, excused,
       rejected_files, returns, unexplained, timeliness, first_try, returns_points, explanations, total, ranked,
       CASE WHEN ranked THEN rank() OVER (PARTITION BY unit_kind, ranked ORDER BY total DESC) END AS kind_rank,
       count(*) FILTER (WHERE ranked) OVER (PARTITION BY unit_kind) AS kind_ranked,
       CASE WHEN ranked THEN rank() OVER (PARTITION BY ranked ORDER BY total DESC) END AS overall_rank,
       coalesce(ranked AND total < $timeliness + $first_try + $returns + $explanations
                AND rank() OVER (PARTITION BY ranked ORDER BY total) <= $bottom, false) AS bottom
FROM totals
ORDER BY unit_kind, ranked DESC, total DESC, unit_code;
