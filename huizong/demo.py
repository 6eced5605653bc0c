"""Realistic filled reports for the demo: what a county's units send back in a reporting season.

Deterministic by seed. Most townships report no applications, departments a few, the government office more; results
follow the mix of real city reports (宿迁 2024: about 39 % 予以公开, 26 % 无法提供, 13 % 其他处理); 自然人 dominate.
Two units send a file with an error (one of them sends a corrected file later), four send late, three never send.
Each file's modification time is the day it "arrived", which intake takes as its arrival time.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from huizong.config import Home
from huizong.consolidate import consolidate_cycle
from huizong.cycles import Cycle, plan_cycle
from huizong.distribute import cycle_for, template_name
from huizong.forms import Form
from huizong.formulas import Value
from huizong.intake import Outcome, count, run_intake
from huizong.periods import Period
from huizong.registry import Unit
from huizong.template import write_template

APPLICANTS = ("natural_person", "commercial", "research", "public_interest", "legal_services", "other")
APPLICANT_WEIGHTS = (0.95, 0.025, 0.002, 0.003, 0.01, 0.01)
RESULTS = {
    "granted": 0.39, "partially_granted": 0.13,
    "withheld.state_secret": 0.002, "withheld.law_prohibited": 0.003, "withheld.security_stability": 0.002,
    "withheld.third_party": 0.008, "withheld.internal_affairs": 0.003, "withheld.process_info": 0.004,
    "withheld.enforcement_files": 0.001, "withheld.query_matters": 0.002,
    "unavailable.not_held": 0.22, "unavailable.needs_compilation": 0.03, "unavailable.still_unclear": 0.01,
    "not_processed.petition": 0.01, "not_processed.repeated": 0.012, "not_processed.publications": 0.002,
    "not_processed.excessive": 0.002, "not_processed.confirmation": 0.004,
    "other_handling.no_correction": 0.03, "other_handling.fee_unpaid": 0.002, "other_handling.other": 0.098,
}  # fmt: skip


@dataclass
class Season:
    """What the demo sent for one cycle."""

    written: list[Path] = field(default_factory=list)
    missing: list[Unit] = field(default_factory=list)
    late: list[Unit] = field(default_factory=list)
    broken: list[Unit] = field(default_factory=list)


def applications(kind: str, rng: random.Random) -> int:
    if kind in ("township", "street"):
        return 0 if rng.random() < 0.7 else rng.randint(1, 4 if kind == "township" else 7)
    if kind == "office":
        return rng.randint(12, 60)
    return 0 if rng.random() < 0.35 else int(rng.paretovariate(1.3) * 2)


def spread(total: int, weights: Mapping[str, float] | tuple[float, ...], rng: random.Random) -> list[int]:
    keys = list(range(len(weights)))
    counts = [0] * len(weights)
    values = list(weights.values()) if isinstance(weights, Mapping) else list(weights)
    for _ in range(total):
        counts[rng.choices(keys, values)[0]] += 1
    return counts


def report(form: Form, unit: Unit, rng: random.Random, last: Mapping[str, Value] | None = None) -> dict[str, Value]:
    """One consistent report (H1-H5 hold; S3 and S4 hold against ``last`` when given)."""
    values: dict[str, Value] = {code: 0 for code in form.inputs}
    new = spread(applications(unit.kind, rng), APPLICANT_WEIGHTS, rng)
    for i, col in enumerate(APPLICANTS):
        carried = int(last.get(f"t3.carried_forward.{col}", 0)) if last else (rng.randint(0, 2) if new[i] > 3 else 0)
        forward = rng.randint(0, min(2, new[i] + carried)) if new[i] + carried > 3 else 0
        values[f"t3.new_received.{col}"] = new[i]
        values[f"t3.carried_over.{col}"] = carried
        values[f"t3.carried_forward.{col}"] = forward
        for key, number in zip(RESULTS, spread(new[i] + carried - forward, RESULTS, rng), strict=True):
            values[f"t3.{key}.{col}"] = number
    if form.version == "2021":
        _part_two(values, unit, rng, last)
    for group in ("review", "lawsuit_direct", "lawsuit_after_review"):
        if unit.kind in ("office", "department") and rng.random() < 0.25:
            for measure in ("upheld", "corrected", "other", "pending"):
                values[f"t4.{group}.{measure}"] = rng.choice([0, 0, 1, 1, 2])
    return values


def _part_two(values: dict[str, Value], unit: Unit, rng: random.Random, last: Mapping[str, Value] | None) -> None:
    in_force = int(last.get("t2.normative_docs.in_force", 0)) if last else rng.randint(0, 12)
    issued, repealed = rng.randint(0, 3), rng.randint(0, min(1, in_force))
    values |= {
        "t2.normative_docs.issued": issued,
        "t2.normative_docs.repealed": repealed,
        "t2.normative_docs.in_force": in_force + issued - repealed,
    }
    if unit.kind in ("department", "office"):
        values["t2.licensing.decisions"] = rng.choice([0, 0, rng.randint(1, 3000)])
        values["t2.penalty.decisions"] = rng.choice([0, rng.randint(1, 800)])
        values["t2.enforcement.decisions"] = rng.choice([0, 0, rng.randint(1, 40)])
        if rng.random() < 0.3:
            values["t2.fees.amount"] = Decimal(rng.randint(1, 5_000_000)).scaleb(-4)


def fill_cycle(
    cycle: Cycle,
    folder: Path,
    seed: int,
    last_year: Mapping[str, Mapping[str, Value]] | None = None,
    mishaps: bool = True,
    kinds: tuple[str, ...] = ("office", "department", "township", "street"),
) -> tuple[Season, dict[str, dict[str, Value]]]:
    """Write the filled template of every expected unit of ``kinds`` into ``folder``; return what happened and the
    values sent."""
    rng = random.Random(seed)
    season = Season()
    sent: dict[str, dict[str, Value]] = {}
    units = [u for u in cycle.expected if u.kind in kinds]
    unlucky = rng.sample(units, 9) if mishaps and len(units) > 20 else []
    missing, late, broken = unlucky[:3], unlucky[3:7], unlucky[7:]
    for unit in units:
        values = report(cycle.form, unit, rng, (last_year or {}).get(unit.code))
        sent[unit.code] = dict(values)
        if unit in missing:
            season.missing.append(unit)
            continue
        deadline = cycle.deadline_for(unit)
        arrival = _arrival(deadline, rng, late=unit in late)
        if unit in late:
            season.late.append(unit)
        if unit in broken:
            season.broken.append(unit)
            wrong = dict(values)
            wrong["t3.carried_forward.natural_person"] = int(wrong["t3.carried_forward.natural_person"]) + 1
            name = f"初稿_{template_name(unit, cycle.form.id, cycle.period)}"
            first = _write(folder / name, cycle, unit, wrong, arrival - dt.timedelta(days=7))
            _touch(first, arrival - dt.timedelta(days=6))
            season.written.append(first)
            if unit is broken[-1]:  # this one never sends a corrected file: it stays on the chase list
                continue
        made = arrival - dt.timedelta(hours=2)
        path = _write(folder / template_name(unit, cycle.form.id, cycle.period), cycle, unit, values, made)
        _touch(path, arrival)
        season.written.append(path)
    return season, sent


def _write(path: Path, cycle: Cycle, unit: Unit, values: Mapping[str, Value], made: dt.datetime) -> Path:
    """A fixed creation time makes the same demo file byte for byte, so a second demo run changes nothing."""
    deadline = cycle.deadline_for(unit)
    return write_template(path, cycle.form, unit, cycle.period, deadline=deadline, values=values, generated_at=made)


def _arrival(deadline: dt.date, rng: random.Random, late: bool) -> dt.datetime:
    day = deadline + dt.timedelta(days=rng.randint(1, 9)) if late else deadline - dt.timedelta(days=rng.randint(0, 15))
    return dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59)))


def _touch(path: Path, when: dt.datetime) -> None:
    stamp = when.timestamp()
    os.utime(path, (stamp, stamp))


def region_total(cycle: Cycle, seed: int) -> dict[str, int | Decimal]:
    """The 汇总 a region's own huizong would send up: the sum of what all its units reported."""
    rng = random.Random(seed)
    total: dict[str, int | Decimal] = {}
    for unit in cycle.expected:
        for code, value in report(cycle.form, unit, rng).items():
            if isinstance(value, int | Decimal):
                total[code] = total.get(code, 0) + value
    return total


def send_region_total(region_cycle: Cycle, deadline: dt.date, folder: Path, seed: int, late: bool = False) -> Path:
    """Write a region's 汇总 as its own instance would send it (scope aggregate), arriving around ``deadline``."""
    arrival = _arrival(deadline, random.Random(seed), late=late)
    region, form, period = region_cycle.owner, region_cycle.form, region_cycle.period
    path = folder / template_name(region, form.id, period)
    values = region_total(region_cycle, seed)
    made = arrival - dt.timedelta(hours=2)
    write_template(path, form, region, period, values=values, scope="aggregate", generated_at=made)
    _touch(path, arrival)
    return path


def arrive(path: Path, deadline: dt.date, seed: int) -> Path:
    """Give a file (a county's consolidated workbook passed up) an arrival time before ``deadline``."""
    _touch(path, _arrival(deadline, random.Random(seed), late=False))
    return path


def play(home: Home, county: str, period: str, say: Callable[[str], None]) -> list[Path]:
    """A whole season: the county's units report (last year, then this year), the county consolidates and passes its
    workbook up; the city's departments report, the other counties send their 汇总, and the city consolidates."""
    this = Period.parse(period)
    last_values = None
    for when, mishaps in ((this.previous, False), (this, True)):
        cycle = cycle_for(home, county, str(when))
        _, last_values = fill_cycle(cycle, home.inbox, seed=when.year, last_year=last_values, mishaps=mishaps)
        _say_intake(say, cycle.owner.name, when, run_intake(home, (), when))
    county_result = consolidate_cycle(home, cycle_for(home, county, period))
    assert county_result.workbook is not None and county_result.data is not None
    say(f"{county_result.data.cycle.owner.name}汇总：{county_result.data.summary()}")
    city_cycle = cycle_for(home, home.registry.get(county).parent or county, period)
    fill_cycle(city_cycle, home.inbox, seed=this.year + 1, kinds=("office", "department"))
    passed_up = home.inbox / county_result.workbook.name
    shutil.copyfile(county_result.workbook, passed_up)
    arrive(passed_up, city_cycle.deadline_for(county_result.data.cycle.owner), seed=this.year)
    regions = [u for u in city_cycle.expected if u.kind == "county" and u.code != county]
    for i, region in enumerate(regions):  # the other counties run huizong themselves and send their 汇总
        region_cycle = plan_cycle(home.registry, home.catalog, [], region.code, this, city_cycle.form.key)
        send_region_total(region_cycle, city_cycle.deadline_for(region), home.inbox, seed=i, late=i == 2)
    _say_intake(say, city_cycle.owner.name, this, run_intake(home, (), this))
    city_result = consolidate_cycle(home, city_cycle)
    assert city_result.workbook is not None and city_result.data is not None
    say(f"{city_cycle.owner.name}汇总：{city_result.data.summary()}")
    return [county_result.workbook, city_result.workbook]


def _say_intake(say: Callable[[str], None], who: str, when: Period, outcomes: Sequence[Outcome]) -> None:
    counts = count(outcomes)
    say(f"{who} {when.label}：收到 {len(outcomes)} 个文件（通过 {counts['accepted']}，退回 {counts['rejected']}，"
        f"重复 {counts['duplicate']}）")  # fmt: skip
