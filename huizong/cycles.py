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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huizong.catalog import FormCatalog
from huizong.errors import RegistryError, UsageError, suggest
from huizong.forms import Form
from huizong.periods import Period
from huizong.registry import KINDS, Registry, Unit
from huizong.textfiles import line_of, load_toml, read_text

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


def load_cycle_specs(path: Path, registry: Registry | None = None) -> list[CycleSpec]:
    """The declared cycles; every value of the wrong type is named with its file, line and key, and with a
    ``registry`` every owner and excluded unit must be in it."""
    if not path.exists():
        return []
    data = load_toml(path, RegistryError)
    text = read_text(path, RegistryError)
    items = data.get("cycle", [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise RegistryError(
            f"{path}: 每个周期应写作 [[cycle]] 表，而不是 cycle = {items!r} (cycle must be [[cycle]] tables)"
        )
    specs = [_spec(path, text, i, item) for i, item in enumerate(items)]
    if registry is not None:
        for i, spec in enumerate(specs):
            for key, code in [("owner", spec.owner), *(("exclude", c) for c in spec.exclude)]:
                if code not in registry.units:
                    hint = suggest(code, registry.units)
                    raise RegistryError(f"{_where(path, text, i, key)}: {key} 中的单位 {code} 不在单位名录中{hint}")
    return specs


def _where(path: Path, text: str, index: int, key: str = "") -> str:
    line = line_of(text, key, "cycle", index) if key else 0
    return f"{path}:{line}: [[cycle]] #{index + 1}" if line else f"{path}: [[cycle]] #{index + 1}"


def _spec(path: Path, text: str, index: int, item: Mapping[str, Any]) -> CycleSpec:
    where = _where(path, text, index)
    for key in item:
        if key not in _KEYS:
            raise RegistryError(
                f"{_where(path, text, index, key)}: 未知的键 {key!r} (unknown key){suggest(key, _KEYS)}"
            )
    for key in ("owner", "period"):
        if key not in item:
            raise RegistryError(f"{where}: 缺少必填的键 {key!r}")
    deadlines = item.get("deadlines", {})
    if not isinstance(deadlines, dict):
        raise RegistryError(
            f"{_where(path, text, index, 'deadlines')}: deadlines 应为按单位类型的表，"
            f"如 deadlines = {{ township = 2026-01-20 }}，而不是 {deadlines!r}"
        )
    for kind, value in deadlines.items():
        if kind not in KINDS:
            raise RegistryError(f"{where}: deadlines 中的单位类型 {kind!r} 无效{suggest(kind, KINDS)}")
        if not isinstance(value, dt.date):
            raise RegistryError(f"{_where(path, text, index, 'deadlines')}: deadlines.{kind} 应为日期，如 2026-01-20")
    if item.get("expected", "children") not in ("children", "leaves"):
        raise RegistryError(f"{_where(path, text, index, 'expected')}: expected 应为 children 或 leaves")
    deadline = item.get("deadline")
    if deadline is not None and not isinstance(deadline, dt.date):
        raise RegistryError(
            f"{_where(path, text, index, 'deadline')}: deadline 应为日期（不加引号），如 2026-01-31，"
            f"而不是 {deadline!r}"
        )
    exclude = item.get("exclude", [])
    if not isinstance(exclude, list):
        raise RegistryError(
            f'{_where(path, text, index, "exclude")}: exclude 应为单位代码的列表，如 exclude = ["990102531"]'
        )
    for key in ("owner", "period", "form"):
        if key in item and not isinstance(item[key], str | int):
            raise RegistryError(f'{_where(path, text, index, key)}: {key} 应为文字，如 {key} = "2025"')
    try:
        period = Period.parse(str(item["period"]))
    except UsageError as exc:
        raise RegistryError(f"{_where(path, text, index, 'period')}: {exc}") from None
    return CycleSpec(
        owner=str(item["owner"]),
        period=period,
        form=item.get("form"),
        deadline=deadline,
        deadlines=dict(deadlines),
        expected=item.get("expected", "children"),
        exclude=tuple(str(code) for code in exclude),
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


def split_id(cycle_id: str) -> tuple[str, str, str]:
    """(owner, form id, period) of a cycle id as ``Cycle.id`` makes it: 990121-annual_report-2025."""
    owner, _, rest = cycle_id.partition("-")
    form_id, _, period = rest.rpartition("-")
    if not owner or not form_id or not period:
        raise UsageError(f"周期编号 {cycle_id!r} 应形如 990121-annual_report-2025 (owner-form-period)")
    return owner, form_id, period
