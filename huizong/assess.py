"""Judge a batch of readings: where each belongs (unit, cycle), the rules of its form, and the verdict.

Used by ``huizong check`` (nothing stored) and by intake (everything stored). A reading that could not be identified
keeps the findings its reader gave; one that was identified is placed in its cycle (the cycle its parent unit runs
for the period) and validated with the rest of the batch in one pandera call per schema.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from huizong.config import Home
from huizong.cycles import Cycle, plan_cycle
from huizong.errors import HuizongError
from huizong.findings import Finding
from huizong.periods import Period
from huizong.reader import Reading
from huizong.registry import Unit
from huizong.validate import Subject, validate

Values = Mapping[str, int | Decimal]


@dataclass
class Verdict:
    reading: Reading
    unit: Unit | None = None
    cycle: Cycle | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def status(self) -> str:
        return "accepted" if self.accepted else "rejected"

    @property
    def deadline(self) -> dt.date | None:
        return self.cycle.deadline_for(self.unit) if self.cycle and self.unit else None

    def counts(self) -> tuple[int, int]:
        errors = sum(f.severity == "error" for f in self.findings)
        return errors, len(self.findings) - errors

    def as_dict(self) -> dict[str, Any]:
        """What ``huizong check --json`` prints (and the portal's API answers with)."""
        meta, form = self.reading.meta, self.reading.form
        return {
            "status": self.status,
            "unit": meta.get("unit_code"),
            "form": form.key if form else None,
            "period": meta.get("period"),
            "findings": [finding.as_dict() for finding in self.findings],
        }


def assess(
    home: Home,
    readings: Sequence[Reading],
    previous: Mapping[tuple[str, str], Values] | None = None,
    expect_period: Period | None = None,
    locked: Mapping[tuple[str, str, str], str] | None = None,
) -> list[Verdict]:
    """Verdicts in order. ``previous`` maps (unit code, period) to that unit's accepted values of that period;
    ``locked`` (unit code, form id, period) to the review state (approved, excused) that locks that report."""
    cycles: dict[tuple[str, Period, str], Cycle | None] = {}  # a batch's files fall in a few cycles: plan each once
    verdicts = [place(home, reading, expect_period, cycles) for reading in readings]
    for verdict in verdicts:
        _locked(verdict, locked or {})
    subjects = []
    for verdict in verdicts:
        meta = verdict.reading.meta
        last = None
        if verdict.unit is not None and "period" in meta and previous is not None:
            last = previous.get((verdict.unit.code, str(Period.parse(meta["period"]).previous)))
        tier = home.registry.tier(verdict.unit.code) if verdict.unit else ""
        subjects.append(Subject(verdict.reading, verdict.unit, tier, last))
    for verdict, found in zip(verdicts, validate(subjects), strict=True):
        verdict.findings = [*verdict.reading.findings, *verdict.findings, *found]
    return verdicts


def place(
    home: Home,
    reading: Reading,
    expect_period: Period | None = None,
    cycles: dict[tuple[str, Period, str], Cycle | None] | None = None,
) -> Verdict:
    """Where a reading belongs: its unit and cycle, with the findings about that (not yet the rules of its form).
    ``cycles`` keeps the cycles planned so far, by (parent unit, period, form), for the next reading."""
    verdict = Verdict(reading)
    if reading.form is None:
        return verdict
    meta = reading.meta
    unit = home.registry.units.get(meta["unit_code"])
    verdict.unit = unit
    period = Period.parse(meta["period"])
    if expect_period is not None and period != expect_period:
        verdict.findings.append(
            Finding(
                "PERIOD",
                "error",
                f"报告期不符：本次收取{expect_period.label}的报表，此文件是{period.label}的模板，请使用本期模板填报",
                "_meta",
                "B9",
                str(period),
                str(expect_period),
                "the file is for another period",
            )
        )
    if unit is None:
        return verdict
    if unit.name != meta.get("unit_name"):
        verdict.findings.append(
            Finding(
                "UNIT",
                "warning",
                f"模板中的单位名称“{meta.get('unit_name')}”与名录中的“{unit.name}”不同，已按单位代码 {unit.code} 处理",
                "_meta",
                "B7",
                meta.get("unit_name", ""),
                unit.name,
                "unit renamed since the template was made",
            )
        )
    if not unit.active_in(period):
        verdict.findings.append(
            Finding(
                "UNIT",
                "error",
                f"单位 {unit.code}（{unit.name}）在{period.label}不存在（已撤并或尚未设立），不应报送此表",
                "_meta",
                "B6",
                unit.code,
                "",
                "the unit did not exist in that period",
            )
        )
        return verdict
    _find_cycle(home, verdict, unit, period, {} if cycles is None else cycles)
    return verdict


def _locked(verdict: Verdict, locked: Mapping[tuple[str, str, str], str]) -> None:
    """A report the office approved (审定) or excused (免报) takes no new file until the office reopens it."""
    form, unit = verdict.reading.form, verdict.unit
    if form is None or unit is None or "period" not in verdict.reading.meta:
        return
    state = locked.get((unit.code, form.id, str(Period.parse(verdict.reading.meta["period"]))))
    if state is None:
        return
    owner = verdict.cycle.owner.name if verdict.cycle else "上级"
    what = "已审定" if state == "approved" else "已免报"
    verdict.findings.append(
        Finding(
            "LOCK",
            "error",
            f"{unit.name}本期的报表{what}，不再接收新的文件；如需修改，请联系{owner}政务公开办公室重新打开后再报送",
            "_meta",
            "B6",
            unit.code,
            "",
            "the report was approved (or excused) and is locked until the office reopens it",
        )
    )


def _find_cycle(
    home: Home, verdict: Verdict, unit: Unit, period: Period, cycles: dict[tuple[str, Period, str], Cycle | None]
) -> None:
    form = verdict.reading.form
    assert form is not None
    if unit.parent is None:
        return
    key = (unit.parent, period, form.key)
    if key not in cycles:
        try:
            cycles[key] = plan_cycle(home.registry, home.catalog, home.cycle_specs, unit.parent, period, form.key)
        except HuizongError:
            cycles[key] = None
    cycle = cycles[key]
    if cycle is None:
        return
    verdict.cycle = cycle
    if unit not in cycle.expected:
        verdict.findings.append(
            Finding(
                "UNIT",
                "error",
                f"单位 {unit.code}（{unit.name}）不在{cycle.owner.name}本期的应报单位中",
                "_meta",
                "B6",
                unit.code,
                "",
                "the unit is not expected in this cycle",
            )
        )
    if not cycle.declared:
        verdict.findings.append(
            Finding(
                "CYCLE",
                "warning",
                f"{cycle.owner.name}尚未开放{period.label}的填报周期，已按默认设置校验",
                message_en="no open cycle for this period; checked with defaults",
            )
        )
