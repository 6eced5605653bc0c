-- reviews: the office's decisions on the reports of its cycles (审定, 退回, 重新打开, 免报), one row per decision.
-- Grain: review_id; seq orders the decisions as they were taken. Append-only: nothing in huizong updates or deletes
-- a row. action: approve | return | reopen | excuse. sha256: the unit's current report when the decision was taken
-- (null when it had none).
CREATE TABLE IF NOT EXISTS reviews (
    review_id  VARCHAR PRIMARY KEY,
    seq        BIGINT NOT NULL,
    cycle_id   VARCHAR NOT NULL,
    unit_code  VARCHAR NOT NULL,
    action     VARCHAR NOT NULL,
    sha256     VARCHAR,
    reason     VARCHAR NOT NULL,
    actor      VARCHAR NOT NULL,
    decided_at TIMESTAMP NOT NULL
);
