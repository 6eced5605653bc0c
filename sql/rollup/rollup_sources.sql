-- rollup_sources: which submissions make up the total (汇总) of each aggregating unit, form version and period.
-- Grain: (total_unit, form_id, form_version, period, source_unit).
-- Inputs: scoped_submissions (the periods being rolled up), unit_closure. A query: ``consolidate`` replaces the rows of
-- those periods with its result.
-- Every own report (本级, a department's, a township's) counts in each of its ancestors' totals. A received total
-- (汇总 from a lower-tier instance) stands in for a unit only where nothing below that unit was received, and only
-- the topmost such total on a path counts, so no unit is ever counted twice.
WITH own AS (
    SELECT * FROM scoped_submissions WHERE scope = 'own'
),
received AS (
    SELECT * FROM scoped_submissions WHERE scope = 'aggregate'
),
covered AS (   -- units with own reports received from somewhere below them
    SELECT DISTINCT c.ancestor AS unit_code, o.form_id, o.form_version, o.period
    FROM own AS o JOIN unit_closure AS c ON c.descendant = o.unit_code
),
stand_ins AS ( -- received totals of units nothing below which was received
    SELECT r.*
    FROM received AS r
    ANTI JOIN covered AS v USING (unit_code, form_id, form_version, period)
),
from_own AS (
    SELECT c.ancestor AS total_unit, o.form_id, o.form_version, o.period,
           o.unit_code AS source_unit, o.sha256, 'own' AS source_kind
    FROM own AS o JOIN unit_closure AS c ON c.descendant = o.unit_code
),
from_received AS (
    SELECT c.ancestor AS total_unit, s.form_id, s.form_version, s.period,
           s.unit_code AS source_unit, s.sha256, 'received' AS source_kind
    FROM stand_ins AS s JOIN unit_closure AS c ON c.descendant = s.unit_code
    WHERE NOT EXISTS (  -- the total is itself a received total: that one stands for everything below it
        SELECT 1 FROM stand_ins AS t
        WHERE t.unit_code = c.ancestor AND t.form_id = s.form_id AND t.form_version = s.form_version
          AND t.period = s.period
    )
    AND NOT EXISTS (  -- a higher stand-in below the same total already includes this one
        SELECT 1
        FROM stand_ins AS higher
        JOIN unit_closure AS above ON above.descendant = s.unit_code AND above.ancestor = higher.unit_code
        JOIN unit_closure AS within ON within.descendant = higher.unit_code AND within.ancestor = c.ancestor
        WHERE higher.form_id = s.form_id AND higher.form_version = s.form_version AND higher.period = s.period
    )
),
themselves AS ( -- a received total is also the total of its own unit where nothing below it came in
    SELECT unit_code AS total_unit, form_id, form_version, period,
           unit_code AS source_unit, sha256, 'received' AS source_kind
    FROM stand_ins
),
final AS (
    SELECT * FROM from_own
    UNION ALL SELECT * FROM from_received
    UNION ALL SELECT * FROM themselves
)
SELECT * FROM final
