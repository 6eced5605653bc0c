-- rollup_pending: the (form, period) pairs whose totals are out of date: written in the same transaction as the
-- submissions that change them (intake, the portal), cleared by the roll-up that brings them up to date. A run that
-- stops after recording a batch leaves its periods here, so the next run rolls them up.
CREATE TABLE IF NOT EXISTS rollup_pending (
    form_id  VARCHAR NOT NULL,
    period   VARCHAR NOT NULL
);
