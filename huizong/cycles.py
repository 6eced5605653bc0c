"""Reporting cycles (填报周期): a form version, a period, deadlines, and the units expected to report.

Declared in ``<home>/registry/cycles.toml``::

    [[cycle]]
    owner = "990102"                 # the aggregating unit that collects (a county or city)
    form = "annual_report/2021"      # optional: the version that fits the period
    period = "2025"
    deadline = 2026-01-31            # optional: the end of the period + the form's deadline_days
    deadlines = { township = 2026-01-20, street = 2026-01-20 }   # optional, per unit kind
    expected = "children"            # or "leaves": every reporting unit below, not the counties' totals
    exclude = ["990102531"]          # optional

A period with no declared cycle still has one by default: the owner's children active in the period, the form that
fits the period, the default deadline. So any registered unit can get a template for any period a form exists for.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huizong.catalog import FormCatalog
from huizong.errors import RegistryError, UsageError, suggest
from huizong.forms import Form
from huizong.periods import Period
from huizong.registry import KINDS, Registry, Unit

_KEYS = ("owner", "period", "form", "deadline", "deadlines", "expected", "exclude")


@dataclass(frozen=True)
class CycleSpec:
    owner: str
    period: Period
    form: str | None = None
    deadline: dt.date | None = None
    deadlines: Mapping[str, dt.date] = field(default_factory=dict)
    expected: str = "children"
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cycle:
    owner: Unit
    form: Form
    period: Period
    deadline: dt.date
    deadlines: Mapping[str, dt.date]
    expected: tuple[Unit, ...]
    declared: bool

    @property
    def id(self) -> str:
        return f"{self.owner.code}-{self.form.id}-{self.period}"

    def deadline_for(self, unit: Unit) -> dt.date:
        return self.deadlines.get(unit.kind, self.deadline)


def load_cycle_specs(path: Path) -> list[CycleSpec]:
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path}: {exc}") from exc
    return [_spec(path, i, item) for i, item in enumerate(data.get("cycle", []))]


def _spec(path: Path, index: int, item: Mapping[str, Any]) -> CycleSpec:
    where = f"{path}: [[cycle]] #{index + 1}"
    for key in item:
        if key not in _KEYS:
            raise RegistryError(f"{where}: 未知的键 {key!r} (unknown key){suggest(key, _KEYS)}")
    for key in ("owner", "period"):
        if key not in item:
            raise RegistryError(f"{where}: 缺少必填的键 {key!r}")
    deadlines = dict(item.get("deadlines", {}))
    for kind, value in deadlines.items():
        if kind not in KINDS:
            raise RegistryError(f"{where}: deadlines 中的单位类型 {kind!r} 无效{suggest(kind, KINDS)}")
        if not isinstance(value, dt.date):
            raise RegistryError(f"{where}: deadlines.{kind} 应为日期，如 2026-01-20")
    if item.get("expected", "children") not in ("children", "leaves"):
        raise RegistryError(f"{where}: expected 应为 children 或 leaves")
    deadline = item.get("deadline")
    if deadline is not None and not isinstance(deadline, dt.date):
        raise RegistryError(f"{where}: deadline 应为日期，如 2026-01-31")
    return CycleSpec(
        owner=str(item["owner"]),
        period=Period.parse(str(item["period"])),
        form=item.get("form"),
        deadline=deadline,
        deadlines=deadlines,
        expected=item.get("expected", "children"),
        exclude=tuple(str(code) for code in item.get("exclude", [])),
    )


def plan_cycle(
    registry: Registry,
    catalog: FormCatalog,
    specs: Sequence[CycleSpec],
    owner: str,
    period: Period,
    form: str | None = None,
) -> Cycle:
    """The cycle of ``owner`` for ``period``: the declared one if there is one, else the default."""
    unit = registry.get(owner)
    chosen = catalog.choose(period, form)
    spec = next(
        (s for s in specs if s.owner == owner and s.period == period and catalog.choose(period, s.form) == chosen),
        None,
    )
    if spec is None:
        spec = CycleSpec(owner=owner, period=period)
    if not registry.is_aggregating(owner, period):
        raise UsageError(
            f"单位 {owner}（{unit.name}）在 {period} 没有下级单位，不能作为汇总单位 (not an aggregating unit)"
        )
    expected = [
        u for u in registry.below(owner, period, leaves=spec.expected == "leaves") if u.code not in spec.exclude
    ]
    default = period.end + dt.timedelta(days=chosen.deadline_days)
    return Cycle(
        owner=unit,
        form=chosen,
        period=period,
        deadline=spec.deadline or default,
        deadlines=spec.deadlines,
        expected=tuple(expected),
        declared=spec in specs,
    )
