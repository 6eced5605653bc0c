"""The office's review in the portal (审核): a cycle's queue of reports, and the decisions taken on them.

The queue lists every unit a cycle expects, those whose report waits for a decision first: where the report stands,
its findings pinned to sheet and cell, the unit's explanation (上报说明), the form's key figures beside last period's
(the unit's accepted report of the period before) and beside the median of the units of the same kind (peers).

Decisions are ``huizong.review.core.decide``'s, taken in the portal's writer thread by the signed-in account (source
``portal``), in one transaction with the totals rebuilt after them (a returned report counts in no total), as
``huizong review`` does; then the snapshot is published and the receipt (回执) of each returned report is written
again with the office's reason, who and when.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from huizong.config import Home
from huizong.cycles import Cycle
from huizong.distribute import cycle_for
from huizong.forms import Figure
from huizong.portal.errors import NotFound, Refused
from huizong.portal.permissions import Actor, allowed
from huizong.portal.shown import in_book_order, number, plain, who
from huizong.review.core import ACTIONS, ALLOWED, NEEDS_REASON, STATES, Outcome, Who
from huizong.review.taking import take

if TYPE_CHECKING:
    from huizong.portal.core import Portal

log = logging.getLogger("huizong.portal")
DECIDE_TIMEOUT_S = 600
FAR = Decimal(5)  # a figure is far from what it is compared with: twice or half of it, and by this much at least


@dataclass(frozen=True)
class Decision:
    """What the office asked for: one action on some units, with a reason where one is needed."""

    action: str
    units: tuple[str, ...]
    reason: str = ""


def cycle_of(portal: Portal, actor: Actor, cycle_id: str) -> tuple[Cycle, dict[str, Any]]:
    """The cycle, for an office that may review it (its owner or an office above); anyone else: not found."""
    heads = portal.read("portal/cycle_head", {"cycle_id": cycle_id})
    if not heads or not allowed(portal.registry, actor, "review", heads[0]["owner"]):
        raise NotFound(cycle_id)
    head = heads[0]
    form = f"{head['form_id']}/{head['form_version']}"
    return cycle_for(portal.home, head["owner"], head["period"], form), head


def waiting(portal: Portal, cycle_id: str) -> int:
    """How many reports of the cycle wait for a decision (the caller has checked the actor may see the cycle)."""
    rows = portal.read("portal/review_waiting", {"cycle_id": cycle_id})
    return int(rows[0]["waiting"]) if rows else 0


# ── the queue ──


def queue(portal: Portal, actor: Actor, cycle_id: str, kind: str | None = None) -> dict[str, Any]:
    """The cycle's units with their reports (of one ``kind``, or all), those waiting for a decision first; the peers'
    medians are taken over the whole cycle, whatever is shown."""
    cycle, head = cycle_of(portal, actor, cycle_id)
    findings: dict[str, list[dict[str, Any]]] = {}
    for found in portal.read("portal/review_findings", {"cycle_id": cycle.id}):
        findings.setdefault(found.pop("unit_code"), []).append(found)
    figures = _figures(portal, cycle)
    every = portal.read("review/states", {"cycle_id": cycle.id})
    shown_ = [u for u in every if not kind or u["unit_kind"] == kind]
    units = [_entry(portal, cycle, u, findings, figures) for u in shown_]
    counts = {state: sum(u["state"] == state for u in units) for state in STATES}
    return {
        "cycle": plain(head),
        "kind": kind or "",
        "kinds": sorted({u["unit_kind"] for u in every}),
        "previous_period": str(cycle.period.previous),
        "figures": [{"key": f.key, "label": f.label} for f in cycle.form.figures],
        "counts": counts,
        "final": bool(units) and counts["approved"] + counts["excused"] == len(units),
        "units": units,
    }


def _entry(
    portal: Portal,
    cycle: Cycle,
    unit: dict[str, Any],
    findings: Mapping[str, list[dict[str, Any]]],
    figures: Mapping[str, list[dict[str, Any]]],
) -> dict[str, Any]:
    code, state = unit["unit_code"], unit["state"]
    return plain(unit) | {
        "state_label": STATES[state],
        "last_by": who(portal.registry, unit["last_actor"]),
        "actions": [action for action in ACTIONS if state in ALLOWED[action]],
        "findings": in_book_order(findings.get(code, []), cycle.form),
        "figures": figures.get(code, []),
    }


def _figures(portal: Portal, cycle: Cycle) -> dict[str, list[dict[str, Any]]]:
    """Per unit, each key figure of the form: this period, last period, the change, and the peers' median."""
    form = cycle.form
    pairs = [(f.key, code) for f in form.figures for code in f.cells]
    cells = pa.table(
        {"figure": pa.array([p[0] for p in pairs], pa.string()), "code": pa.array([p[1] for p in pairs], pa.string())}
    )
    params = {
        "cycle_id": cycle.id,
        "form_id": form.id,
        "form_version": form.version,
        "previous_period": str(cycle.period.previous),
    }
    rows = {
        (r["unit_code"], r["figure"]): r for r in portal.read("portal/review_figures", params, incoming_figures=cells)
    }
    units = dict.fromkeys(code for code, _ in rows)
    return {code: [_figure(f, rows.get((code, f.key))) for f in form.figures] for code in units}


def _figure(fig: Figure, row: Mapping[str, Any] | None) -> dict[str, Any]:
    value, previous = (row["value"], row["previous"]) if row else (None, None)
    peers = row["peers"] if row and row["peer_count"] >= 2 else None  # a unit alone of its kind has no peers
    change = value - previous if value is not None and previous is not None else None
    return {
        "key": fig.key,
        "label": fig.label,
        "value": number(value),
        "previous": number(previous),
        "change": number(change),
        "peers": number(peers),
        "peer_count": row["peer_count"] if row else 0,
        "far_from_previous": far(value, previous),
        "far_from_peers": far(value, peers),
    }


def far(value: Decimal | None, other: Decimal | None) -> bool:
    """Whether ``value`` is far from ``other``: at least twice or at most half of it, and by ``FAR`` or more."""
    if value is None or other is None or abs(value - other) < FAR:
        return False
    return value >= 2 * other or 2 * value <= other


# ── decisions ──


def decide(portal: Portal, actor: Actor, cycle_id: str, decision: Decision, remote: str) -> list[Outcome]:
    """Take the decision on each unit, in the writer thread; each unit's outcome, done or refused with why."""
    cycle, _ = cycle_of(portal, actor, cycle_id)
    problem = _problem(decision)
    if problem:
        raise Refused(problem, 422)
    who_ = Who(actor.code, remote, "portal")
    now = dt.datetime.now().replace(microsecond=0)
    work = partial(_take, portal.home, cycle, decision, who_, now)
    outcomes: list[Outcome] = portal.writer.call(work).result(timeout=DECIDE_TIMEOUT_S)
    return outcomes


def _problem(decision: Decision) -> str | None:
    if decision.action not in ACTIONS:
        return f"未知的审核操作 {decision.action!r}，可选：" + "、".join(f"{k}（{v}）" for k, v in ACTIONS.items())
    if not decision.units:
        return "请先勾选要处理的单位"
    if decision.action in NEEDS_REASON and not decision.reason.strip():
        return f"{ACTIONS[decision.action]}须写明理由"
    return None


def _take(home: Home, cycle: Cycle, decision: Decision, who_: Who, now: dt.datetime) -> list[Outcome]:
    """In the writer thread: ``huizong.review.taking.take``, the receipt naming the office as people read it."""
    shown_as = who(home.registry, who_.actor)
    return take(home, cycle, decision.action, decision.units, decision.reason, who_, now, shown_as)


def answer(outcomes: Sequence[Outcome]) -> tuple[int, dict[str, Any]]:
    """The HTTP status and body of a decision: 200 when any unit's was taken, 409 when every one was refused."""
    body: dict[str, Any] = {"outcomes": [asdict(o) for o in outcomes]}
    if any(o.done for o in outcomes):
        return 200, body
    return 409, body | {"detail": "；".join(o.message for o in outcomes)}
