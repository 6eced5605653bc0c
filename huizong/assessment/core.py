"""The assessment (考核) of an office's units over a set of its cycles (a quarter's, or a year's).

Everything is read from the published snapshot, as ``huizong status`` reads it, and computed in SQL:
``sql/assessment/items.sql`` says for every unit and cycle what happened (on time, late, missing; files that failed
the checks first; the office's returns; warnings left without an explanation), ``sql/assessment/scores.sql`` turns
that into points with the weights of ``assessment.toml`` (``huizong.assessment.weights``) and ranks the units within
their kind. This module only resolves the cycles and composes the two.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from huizong.assessment.weights import Weights, load_weights
from huizong.config import Home
from huizong.cycles import Cycle, split_id
from huizong.distribute import cycle_by_id
from huizong.errors import UsageError
from huizong.registry import Unit
from huizong.status import snapshot
from huizong.warehouse import Warehouse, statement
from huizong.workbook import KIND_ORDER

OUTCOMES = {
    "on_time": "按时报送",
    "late": "逾期报送",
    "missing": "未报送",
    "failed": "未通过校验",
    "pending": "未到截止日期",
    "excused": "免报",
}


@dataclass(frozen=True)
class Assessment:
    """The scores of one office's units over its cycles, as of a day, with the facts behind them."""

    owner: Unit
    cycles: tuple[Cycle, ...]
    as_of: dt.date
    weights: Weights
    scores: list[dict[str, Any]]  # one per unit: sql/assessment/scores.sql
    items: list[dict[str, Any]]  # one per unit and cycle: sql/assessment/items.sql

    @cached_property
    def by_cycle(self) -> dict[str, Cycle]:
        return {c.id: c for c in self.cycles}

    def title_of(self, cycle_id: str) -> str:
        """2025年政府信息公开工作年度报告; 2025年第四季度主动公开政府信息分类统计表."""
        cycle = self.by_cycle[cycle_id]
        return f"{cycle.period.label}{cycle.form.title}"

    @property
    def periods(self) -> str:
        """The periods covered, as a heading says them: 2025年第三季度、2025年第四季度."""
        return "、".join(dict.fromkeys(c.period.label for c in self.cycles))

    @property
    def slug(self) -> str:
        """The folder of this assessment: the cycles of one form as ``990121-annual_report-2025`` (several periods
        joined by ``_``); cycles of several forms as their periods and a short hash of their ids."""
        periods = "_".join(dict.fromkeys(str(c.period) for c in self.cycles))
        forms = {c.form.id for c in self.cycles}
        if len(forms) == 1:
            return f"{self.owner.code}-{forms.pop()}-{periods}"
        digest = hashlib.sha256(",".join(sorted(self.by_cycle)).encode()).hexdigest()[:6]
        return f"{self.owner.code}-{periods}-{digest}"

    def items_of(self, unit_code: str) -> list[dict[str, Any]]:
        return [item for item in self.items if item["unit_code"] == unit_code]

    @property
    def bottom(self) -> list[dict[str, Any]]:
        """The units that get a 督办函, lowest total first."""
        return sorted((s for s in self.scores if s["bottom"]), key=lambda s: (s["total"], s["unit_code"]))

    def groups(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """The units by kind in the order of the registry's kinds, ranked ones by rank, then the unranked."""
        found: dict[str, list[dict[str, Any]]] = {}
        for score in self.scores:
            found.setdefault(score["unit_kind"], []).append(score)
        order = [*KIND_ORDER, *sorted(set(found) - set(KIND_ORDER))]
        return [(kind, sorted(found[kind], key=_standing)) for kind in order if kind in found]

    def summary(self) -> str:
        """One line: how many units, ranked, at full points, the lowest, and the letters."""
        ranked = [s for s in self.scores if s["ranked"]]
        full = sum(1 for s in ranked if s["total"] == self.weights.full)
        lowest = min((s["total"] for s in ranked), default=None)
        text = f"{self.owner.name}考核 {len(self.scores)} 个单位：参加排名 {len(ranked)} 个，满分 {full} 个"
        if lowest is not None:
            text += f"，最低 {format(lowest.normalize(), 'f')} 分"
        names = "、".join(s["unit_name"] for s in self.bottom)
        return text + (f"；督办 {len(self.bottom)} 个：{names}" if names else "；无须督办")


def _standing(score: dict[str, Any]) -> tuple[int, int, str]:
    return (0 if score["ranked"] else 1, score["kind_rank"] or 0, score["unit_code"])


def resolve_cycles(home: Home, owner: str, cycle_ids: Sequence[str]) -> tuple[Cycle, ...]:
    """The cycles named by their ids (990121-annual_report-2025), each one that ``owner`` runs, in period order."""
    ids = list(dict.fromkeys(i.strip() for i in cycle_ids if i.strip()))
    if not ids:
        raise UsageError("请用 --cycles 指定要考核的周期，如 990121-annual_report-2025 (no cycles given)")
    found = []
    for cycle_id in ids:
        if split_id(cycle_id)[0] != owner:
            raise UsageError(f"周期 {cycle_id} 不是 {owner} 的周期：只能考核本单位组织的周期 (not this office's cycle)")
        found.append(cycle_by_id(home, cycle_id))
    return tuple(sorted(found, key=lambda c: (c.period.end, c.period.start, c.form.id)))


def assess(
    home: Home,
    owner: str,
    cycle_ids: Sequence[str],
    as_of: dt.date | None = None,
    bottom: int | None = None,
    weights: Weights | None = None,
) -> Assessment:
    """Score the units of ``owner``'s cycles as of ``as_of`` (today), from the published snapshot."""
    unit = home.registry.get(owner)
    cycles = resolve_cycles(home, owner, cycle_ids)
    weights = weights or load_weights(home.root)
    as_of = as_of or dt.date.today()
    ids = [c.id for c in cycles]
    with snapshot(home) as con:
        wh = Warehouse(con)
        if not wh.rows("review/has_state"):
            raise UsageError("快照中还没有报送和审核情况：请先运行 huizong intake 或 huizong consolidate")
        items = con.sql(statement("assessment/items"), params={"cycles": ids, "as_of": as_of}).to_arrow_table()
        con.register("assessment_items", items)
        try:
            scores = wh.records("assessment/scores", weights.params(bottom))
        finally:
            con.unregister("assessment_items")
    rows = items.to_pylist()
    known = {row["cycle_id"] for row in rows}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise UsageError(
            f"数据库中还没有周期 {'、'.join(unknown)} 的应报单位：请先运行 huizong intake 或 huizong consolidate"
        )
    return Assessment(unit, cycles, as_of, weights, scores, rows)
