-- insert_reviews: append decisions, numbered after the last one. Inputs: incoming_reviews (n, review_id, cycle_id,
-- unit_code, action, sha256, reason, actor, decided_at); n orders them.
INSERT INTO reviews
SELECT i.review_id,
       (SELECT coalesce(max(seq), 0) FROM reviews) + row_number() OVER (ORDER BY i.n) AS seq,
       i.cycle_id, i.unit_code, i.action, i.sha256, i.reason, i.actor, i.decided_at
FROM incoming_reviews AS i;
