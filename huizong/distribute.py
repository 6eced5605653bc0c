"""Templates for a whole cycle: one workbook per expected unit, under ``<home>/out/<cycle>/templates/``."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from huizong.config import Home
from huizong.cycles import Cycle, plan_cycle, split_id
from huizong.errors import UsageError
from huizong.periods import Period
from huizong.registry import Unit
from huizong.template import write_template

_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


def template_name(unit: Unit, form_id: str, period: Period) -> str:
    """``990121101_梅口镇_annual_report-2025.xlsx``: sorts by code, readable by a person."""
    return f"{unit.code}_{safe_name(unit.name)}_{form_id}-{period}.xlsx"


def safe_name(text: str) -> str:
    """A name fit for a file on any system: no path separators, reserved characters or spaces."""
    return _UNSAFE.sub("_", text)


def cycle_for(home: Home, owner: str, period: str, form: str | None = None) -> Cycle:
    return plan_cycle(home.registry, home.catalog, home.cycle_specs, owner, Period.parse(period), form)


def cycle_by_id(home: Home, cycle_id: str) -> Cycle:
    """The cycle of an id such as 990121-annual_report-2025; a wrong or unknown id is a UsageError."""
    owner, form_id, period = split_id(cycle_id)
    cycle = cycle_for(home, owner, period, form_id)
    if cycle.id != cycle_id:
        raise UsageError(f"没有周期 {cycle_id}（{owner} 的 {period} 周期是 {cycle.id}）")
    return cycle


def write_cycle_templates(
    home: Home, cycle: Cycle, out: Path | None = None, progress: Callable[[Unit], None] | None = None
) -> list[Path]:
    """Write the template of every unit the cycle expects; return their paths in registry order."""
    folder = out or home.out / cycle.id / "templates"
    paths = []
    for unit in cycle.expected:
        scope = "aggregate" if home.registry.is_aggregating(unit.code, cycle.period) else "own"
        path = write_template(
            folder / template_name(unit, cycle.form.id, cycle.period),
            cycle.form,
            unit,
            cycle.period,
            deadline=cycle.deadline_for(unit),
            password=home.settings.template_password,
            scope=scope,
        )
        paths.append(path)
        if progress:
            progress(unit)
    return paths
