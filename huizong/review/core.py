"""The office's review of its units' reports (审核): approve (审定), return (退回), reopen (重新打开), excuse (免报).

Where a report stands is derived in SQL (``sql/report/review_state.sql``) from its checks and the office's decisions,
which are kept append-only in ``reviews`` and, like every action, in ``audit_log``. This module says whether a
decision may be taken (``ALLOWED`` and the rules beside it: a reason where one is needed, explanations of the warnings
the form marks, bottom-up approval across tiers) and records the ones that may, in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from huizong.auditlog import Entry, write
from huizong.config import Home
from huizong.cycles import Cycle
from huizong.warehouse import Warehouse

STATES = {
    "missing": "未报",
    "failed": "未通过校验",
    "submitted": "待审核",
    "returned": "退回",
    "approved": "审定",
    "excused": "免报",
}
ACTIONS = {"approve": "审定", "return": "退回", "reopen": "重新打开", "excuse": "免报"}
ALLOWED: Mapping[str, frozenset[str]] = {  # each decision, and the states it may be taken from
    "approve": frozenset({"submitted"}),
    "return": frozenset({"submitted"}),
    "reopen": frozenset({"approved", "excused", "returned"}),
    "excuse": frozenset({"missing", "failed", "submitted", "returned"}),
}
NEEDS_REASON = frozenset({"return", "reopen", "excuse"})
WHY_NOT = {  # what to do instead, by state
    "missing": "尚未报送",
    "failed": "报表未通过校验，待单位修改后重新报送",
    "submitted": "报表待审核",
    "returned": "报表已退回，待单位重新报送（如退回有误，可重新打开）",
    "approved": "报表已审定（如需修改，请先重新打开）",
    "excused": "已免报（如需报送，请先重新打开）",
}
FINAL, DRAFT = "定稿", "初稿"


@dataclass(frozen=True)
class Who:
    """Who takes a decision, and from where: an account in the portal, or the user of a command."""

    actor: str
    remote: str = ""
    source: str = "cli"


@dataclass(frozen=True)
class Outcome:
    unit_code: str
    unit_name: str
    action: str
    done: bool
    message: str


def states(wh: Warehouse, cycle_id: str) -> list[dict[str, Any]]:
    """Every expected unit of the cycle with its review state, those waiting for a decision first."""
    return wh.records("review/states", {"cycle_id": cycle_id})


def finality(wh: Warehouse, owner: str, form_id: str, period: str) -> dict[str, Any] | None:
    """Of the cycle ``owner`` runs: how many units it expects, approved and excused, and whether it is final."""
    rows = wh.records("review/cycle_final", {"owner": owner, "form_id": form_id, "period": period})
    return rows[0] if rows else None


def locked(wh: Warehouse) -> dict[tuple[str, str, str], str]:
    """(unit, form id, period) of every approved or excused report, to the state that locks it."""
    if not wh.rows("review/has_state") or not wh.rows("review/any_lock"):
        return {}  # nothing rolled up yet, or nothing ever approved or excused
    return {(unit, form, period): state for unit, form, period, state, _ in wh.rows("review/locked")}


def decide(
    home: Home,
    wh: Warehouse,
    cycle: Cycle,
    action: str,
    units: Sequence[str],
    reason: str,
    who: Who,
    now: dt.datetime | None = None,
) -> list[Outcome]:
    """Take ``action`` on the reports of ``units`` in ``cycle``: each is done or refused with the reason why."""
    if action not in ACTIONS:
        raise ValueError(f"unknown review action {action!r}")
    now = now or dt.datetime.now().replace(microsecond=0)
    rows = {r["unit_code"]: r for r in states(wh, cycle.id)}
    outcomes, taken = [], []
    for code in dict.fromkeys(units):
        row = rows.get(code)
        name = row["unit_name"] if row else code
        why = refusal(home, wh, cycle, action, row, reason) if row else f"单位 {code} 不在 {cycle.id} 的应报单位中"
        outcomes.append(Outcome(code, name, action, why is None, why or f"{name}：已{ACTIONS[action]}"))
        if why is None and row is not None:
            taken.append(row)
    _record(wh, cycle, action, taken, reason.strip(), who, now)
    return outcomes


def refusal(home: Home, wh: Warehouse, cycle: Cycle, action: str, row: Mapping[str, Any], reason: str) -> str | None:
    """Why ``action`` may not be taken on this unit's report now (None: it may)."""
    name = row["unit_name"]
    if row["state"] not in ALLOWED[action]:
        return f"{name}：{WHY_NOT[row['state']]}，不能{ACTIONS[action]}"
    if action in NEEDS_REASON and not reason.strip():
        return f"{name}：{ACTIONS[action]}须写明理由（--reason）"
    if action == "approve":
        return _unexplained(wh, cycle, row) or _not_final_below(home, wh, cycle, row)
    return None


def _unexplained(wh: Warehouse, cycle: Cycle, row: Mapping[str, Any]) -> str | None:
    rules = [r.id for r in cycle.form.rules if r.explain]
    if not rules or not row["sha256"]:
        return None
    found = wh.rows("review/unexplained", {"sha256": row["sha256"], "rules": rules})
    if not found:
        return None
    listed = "、".join(dict.fromkeys(f"{rule}（{sheet}!{cell}）" if cell else rule for rule, sheet, cell, _ in found))
    return f"{row['unit_name']}：提示 {listed} 须附上报说明后才能审定，请单位在报送平台填写上报说明"


def _not_final_below(home: Home, wh: Warehouse, cycle: Cycle, row: Mapping[str, Any]) -> str | None:
    """A region's 汇总 is approved only when it is final: here, its own cycle's units all approved or excused; when
    it came as a file, the file says 定稿."""
    code, name = row["unit_code"], row["unit_name"]
    if not home.registry.is_aggregating(code, cycle.period):
        return None
    below = finality(wh, code, cycle.form.id, str(cycle.period))
    if below is not None:
        if below["final"]:
            return None
        decided = below["approved"] + below["excused"]
        return (
            f"{name}：其汇总尚未定稿（应报 {below['expected']} 个单位，已审定 {below['approved']} 个、"
            f"免报 {below['excused']} 个，尚有 {below['expected'] - decided} 个未审定），待其审定下级单位后才能审定"
        )
    paths = wh.rows("review/archive_path", {"sha256": row["sha256"]})
    if paths and document_status(Path(paths[0][0])) == FINAL:
        return None
    return f"{name}：报来的汇总表是初稿（未定稿），待其审定全部下级单位、重新汇总并报送定稿后才能审定"


def document_status(path: Path) -> str:
    """The status a workbook's properties carry (定稿 or 初稿 for a consolidated workbook; '' when none)."""
    try:
        with zipfile.ZipFile(path) as archive:
            core = archive.read("docProps/core.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return ""
    found = re.search(r"<cp:contentStatus>([^<]*)</cp:contentStatus>", core)
    return found.group(1).strip() if found else ""


def _record(
    wh: Warehouse,
    cycle: Cycle,
    action: str,
    rows: Sequence[Mapping[str, Any]],
    reason: str,
    who: Who,
    now: dt.datetime,
) -> None:
    if not rows:
        return
    n = list(range(len(rows)))
    reviews = pa.table(
        {
            "n": pa.array(n, pa.int64()),
            "review_id": pa.array([uuid.uuid4().hex for _ in rows], pa.string()),
            "cycle_id": pa.array([cycle.id] * len(rows), pa.string()),
            "unit_code": pa.array([r["unit_code"] for r in rows], pa.string()),
            "action": pa.array([action] * len(rows), pa.string()),
            "sha256": pa.array([r["sha256"] for r in rows], pa.string()),
            "reason": pa.array([reason] * len(rows), pa.string()),
            "actor": pa.array([who.actor] * len(rows), pa.string()),
            "decided_at": pa.array([now] * len(rows), pa.timestamp("us")),
        }
    )
    wh.run("review/insert_reviews", incoming_reviews=reviews)
    detail = f"{ACTIONS[action]}" + (f"：{reason}" if reason else "")
    entries = [
        Entry(action, who.actor, r["unit_code"], cycle.id, r["sha256"], detail, who.remote, who.source, now)
        for r in rows
    ]
    final = finality(wh, cycle.owner.code, cycle.form.id, str(cycle.period))
    if action in ("approve", "excuse") and final is not None and final["final"]:
        counted = f"应报 {final['expected']} 个单位：审定 {final['approved']}，免报 {final['excused']}"
        entries.append(Entry("cycle_final", who.actor, cycle.owner.code, cycle.id, None, counted, who.remote,
                             who.source, now))  # fmt: skip
    write(wh, entries)
