"""Taking decisions whole, as ``huizong review`` and the portal both do: the decisions and the totals rebuilt after
them in one transaction (a returned report counts in no total), then the snapshot published and the receipt (回执)
of each returned report written again with the office's reason, who and when (and without it once reopened).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from huizong import receipts
from huizong.config import Home
from huizong.consolidate import publish, rebuild
from huizong.cycles import Cycle
from huizong.feedback import Returned
from huizong.intake import new_run_id
from huizong.review.core import Outcome, Who, decide, states

log = logging.getLogger("huizong.review")


def take(
    home: Home,
    cycle: Cycle,
    action: str,
    units: Sequence[str],
    reason: str,
    who: Who,
    now: dt.datetime | None = None,
    shown_as: str = "",
) -> list[Outcome]:
    """Take ``action`` on ``units`` (the caller holds the warehouse: the run lock, or the portal's writer thread).
    ``shown_as`` is how the receipt names who returned the report (default: the actor)."""
    now = now or dt.datetime.now().replace(microsecond=0)
    reason = reason.strip()
    with home.connect() as wh:
        if not wh.rows("review/has_state"):  # a warehouse from before reviews: make the views first
            rebuild(wh, home, new_run_id("review"), [cycle])
        before = {r["unit_code"]: r for r in states(wh, cycle.id)}
        outcomes = decide(home, wh, cycle, action, units, reason, who, now)
        if any(o.done for o in outcomes):
            rebuild(wh, home, new_run_id("review"), [cycle])
    if not any(o.done for o in outcomes):
        return outcomes
    publish(home)
    returned = Returned(reason, shown_as or who.actor, now) if action == "return" else None
    for outcome in outcomes:
        was = before.get(outcome.unit_code)
        if outcome.done and was and was["sha256"] and (returned or was["state"] == "returned"):
            _write_receipt(home, was["sha256"], returned)  # a return says so; a reopened return no more
    return outcomes


def _write_receipt(home: Home, sha256: str, returned: Returned | None) -> None:
    with home.connect() as wh:
        row = wh.records("portal/submission", {"sha256": sha256})[0]
        findings = wh.records("portal/submission_findings", {"sha256": sha256})
    try:
        receipts.write_again(home, row, findings, returned)
    except Exception:  # the decision stands: without the stale file the receipt is written when next asked for
        log.exception("回执未能重写：%s", sha256)
        receipts.path_of(home, row).unlink(missing_ok=True)
