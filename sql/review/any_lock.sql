-- any_lock: whether the office ever approved or excused a report (else nothing can be locked and review_state need
-- not be read). Grain: one row or none. Inputs: reviews.
SELECT 1 FROM reviews WHERE action IN ('approve', 'excuse') LIMIT 1;
