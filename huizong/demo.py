"""Realistic filled reports for the demo: what a county's units send back in a reporting season.

Deterministic by seed. Every unit's figures follow its kind, its name and its tier (a county's units, or a city's,
or a province's), with means per year taken from what real reports of such units show (see ``DEPARTMENTS``):

- part 二: 行政许可 concentrates in the approval bureau (行政审批局 / 政务服务管理局: thousands in a county), 公安 and
  市场监管 (hundreds to a few thousand), then 自然资源, 住建, 交通, 卫健, 教育 (tens to hundreds); 行政处罚 in 公安
  (thousands), then 城管, 市场监管, 交通, the 综合行政执法 teams, 生态环境, 应急, 自然资源 (tens to hundreds). Since
  the 乡镇综合行政执法 reform a township or street decides a few penalties itself, and a township a few licences
  (宅基地, 乡村建设规划许可) delegated to it. 行政强制 is small. 行政事业性收费 is 0 except 不动产登记, 自然资源, 公安
  (证照工本费) and 住建 (a few to a few hundred 万元). A government office decides none of these; it issues the most
  行政规范性文件, and only at city level or above any 规章 (no county body may make 规章, 立法法).
- part 三: most townships and streets report no applications, departments a few, 自然资源, 住建, 公安 and 人社 more,
  the government office the most (tens in a county). Results follow the mix of real city reports (宿迁 2024: about
  39 % 予以公开, 26 % 无法提供, 13 % 其他处理); 自然人 dominate.
- part 四: only the office and departments that take enforcement decisions face 行政复议 and 行政诉讼 over their
  replies, a few per hundred applications handled.

A unit keeps its size from year to year (drawn once from its code), so last year's and this year's figures differ by
a modest yearly change; a city's units are about twice a county's, and its counties' 汇总 are sums of such units.
Two units send a file with an error (one of them sends a corrected file later), four send late, three never send.
Each file's modification time is the day it "arrived", which intake takes as its arrival time.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import random
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from huizong.config import Home
from huizong.consolidate import consolidate_cycle
from huizong.cycles import Cycle, plan_cycle
from huizong.demo_review import assess_season, review_season
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
# Part 四: cases per application handled (淮安 2024: 351 复议 and 46 诉讼 for 3,119 applications; 上饶 2022: 22 and 1
# for 658), and how they end.
CASES = {"review": 0.07, "lawsuit_direct": 0.02, "lawsuit_after_review": 0.01}
CASE_OUTCOMES = {"upheld": 0.6, "corrected": 0.1, "other": 0.15, "pending": 0.15}


@dataclass(frozen=True)
class Profile:
    """What a kind of unit does in a year, as means for a county's unit: part 二 decisions, the fee (万元), new
    applications, new 行政规范性文件 and (only for a city's or a province's government office) new 规章."""

    licensing: float = 0
    penalty: float = 0
    coercion: float = 0  # 行政强制
    fees: float = 0
    applications: float = 1.5
    documents: float = 0.5
    rules: float = 0

    @property
    def enforces(self) -> bool:
        return self.penalty > 0 or self.coercion > 0


OFFICE = Profile(applications=25, documents=8, rules=1.5)
TOWNSHIP = Profile(licensing=3, penalty=6, coercion=0.3, applications=0.35, documents=0.3)
STREET = Profile(licensing=0.5, penalty=8, coercion=0.5, applications=0.5, documents=0.2)
QUIET = Profile(applications=0.6, documents=0.3)  # service centres, archives, media: little to decide or ask
GENERAL = Profile()
# A department's profile by words of its name; the first match wins, so the more specific names come first.
DEPARTMENTS: tuple[tuple[tuple[str, ...], Profile], ...] = (
    (("行政审批", "政务服务管理"), Profile(licensing=4000, applications=3)),
    (("综合行政执法", "综合执法", "综合监督执法"), Profile(penalty=60, coercion=6, documents=0.2)),
    (("不动产登记",), Profile(fees=120, applications=3, documents=0.2)),
    (("中心", "站", "馆", "院", "研究室", "参事室", "地方志", "供销合作", "机关事务"), QUIET),
    (("公安",), Profile(licensing=1200, penalty=2000, coercion=120, fees=40, applications=8)),
    (("市场监督", "市场监管", "药品监督"), Profile(licensing=400, penalty=180, coercion=25, applications=4)),
    (("城市管理",), Profile(licensing=40, penalty=300, coercion=40, applications=4)),
    (("自然资源",), Profile(licensing=150, penalty=40, coercion=3, fees=15, applications=8)),
    (("住房和城乡建设", "规划建设"), Profile(licensing=120, penalty=20, coercion=2, fees=25, applications=8)),
    (("交通运输",), Profile(licensing=150, penalty=120, coercion=15, applications=3)),
    (("生态环境",), Profile(licensing=60, penalty=60, coercion=8, applications=4)),
    (("应急管理", "安全生产"), Profile(licensing=15, penalty=40, coercion=3, applications=2)),
    (("卫生健康",), Profile(licensing=250, penalty=20, coercion=1, applications=3)),
    (("教育",), Profile(licensing=80, penalty=2, applications=3, documents=1)),
    (("人力资源",), Profile(licensing=8, penalty=8, applications=8)),
    (("农业农村",), Profile(licensing=20, penalty=15, coercion=2, applications=3)),
    (("林业",), Profile(licensing=25, penalty=10, coercion=1, applications=2)),
    (("水利",), Profile(licensing=12, penalty=5, applications=2)),
    (("文化", "旅游", "广播电视", "文物"), Profile(licensing=12, penalty=8)),
    (("民政局", "民政厅"), Profile(licensing=8, penalty=1, applications=2)),  # not 人民政府
    (("医疗保障",), Profile(penalty=5, applications=2)),
    (("统计",), Profile(penalty=2, applications=1)),
    (("人民防空",), Profile(licensing=5, penalty=1, applications=1)),
    (("发展和改革", "能源"), Profile(licensing=5, applications=2)),
    (("商务", "工业和信息化", "体育", "司法", "财政", "金融", "民族宗教"), Profile(licensing=2, penalty=0.5)),
)
# How much bigger a city's (a province's) unit is than a county's: part 二 and 规范性文件, applications.
TIERS = {"county": (1.0, 1.0), "city": (2.0, 2.5), "province": (3.0, 5.0)}
SIZES = ("licensing", "penalty", "coercion", "fees", "applications", "documents")


@dataclass
class Season:
    """What the demo sent for one cycle."""

    written: list[Path] = field(default_factory=list)
    missing: list[Unit] = field(default_factory=list)
    late: list[Unit] = field(default_factory=list)
    broken: list[Unit] = field(default_factory=list)


def profile(unit: Unit) -> Profile:
    """What the unit does in a year, from its kind and (for a department) its name."""
    return _profile(unit.kind, unit.name)


@lru_cache(maxsize=4096)
def _profile(kind: str, name: str) -> Profile:
    if kind == "office":
        return OFFICE
    if kind in ("township", "street"):
        return TOWNSHIP if kind == "township" else STREET
    return next((p for words, p in DEPARTMENTS if any(w in name for w in words)), GENERAL)


def tier_of(unit: Unit) -> str:
    """The tier of the region a unit reports in, read from its parent's code where no cycle says it (GB/T 2260: a
    prefecture's code ends in 00, a province's in 0000)."""
    parent = unit.parent or ""
    if len(parent) != 6 or not parent.isdigit() or not parent.endswith("00"):
        return "county"
    return "province" if parent.endswith("0000") else "city"


@lru_cache(maxsize=4096)
def _sizes(code: str) -> dict[str, float]:
    """How much bigger or smaller than the mean of its kind a unit is, the same every year (drawn from its code)."""
    stable = random.Random(f"huizong.demo:{code}")
    return {what: stable.lognormvariate(0, 0.3) for what in SIZES}


def _mean(unit: Unit, what: str, rng: random.Random, tier: str | None = None) -> float:
    """This year's mean of one figure of the unit: its kind's, scaled to its tier and size, with a yearly change."""
    base = getattr(profile(unit), what)
    if not base:
        return 0.0
    scale = TIERS.get(tier or tier_of(unit), TIERS["county"])[1 if what == "applications" else 0]
    return float(base * scale * _sizes(unit.code)[what] * rng.lognormvariate(0, 0.12))


def _draw(mean: float, rng: random.Random) -> int:
    """A count around ``mean``: Poisson for small means (many zeros), near-normal for large ones."""
    if mean <= 0:
        return 0
    if mean >= 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def applications(unit: Unit, rng: random.Random, tier: str | None = None) -> int:
    """New applications in a year; S7 holds (a township or street at most 10, a department at most 100)."""
    limit = 10 if unit.kind in ("township", "street") else 100 if unit.kind == "department" else None
    number = _draw(_mean(unit, "applications", rng, tier), rng)
    return number if limit is None else min(number, limit)


def spread(total: int, weights: Mapping[str, float] | tuple[float, ...], rng: random.Random) -> list[int]:
    keys = list(range(len(weights)))
    counts = [0] * len(weights)
    values = list(weights.values()) if isinstance(weights, Mapping) else list(weights)
    for _ in range(total):
        counts[rng.choices(keys, values)[0]] += 1
    return counts


def report(
    form: Form, unit: Unit, rng: random.Random, last: Mapping[str, Value] | None = None, tier: str | None = None
) -> dict[str, Value]:
    """One consistent report (H1-H5 hold; S3 and S4 hold against ``last`` when given). ``tier`` is the kind of the
    region the unit reports in (county, city, province); by default it is read from the unit's parent code."""
    tier = tier if tier in TIERS else tier_of(unit)
    values: dict[str, Value] = {code: 0 for code in form.inputs}
    new = spread(applications(unit, rng, tier), APPLICANT_WEIGHTS, rng)
    handled = 0
    for i, col in enumerate(APPLICANTS):
        carried = int(last.get(f"t3.carried_forward.{col}", 0)) if last else (rng.randint(0, 2) if new[i] > 3 else 0)
        forward = rng.randint(0, min(2, new[i] + carried)) if new[i] + carried > 3 else 0
        values[f"t3.new_received.{col}"] = new[i]
        values[f"t3.carried_over.{col}"] = carried
        values[f"t3.carried_forward.{col}"] = forward
        for key, number in zip(RESULTS, spread(new[i] + carried - forward, RESULTS, rng), strict=True):
            values[f"t3.{key}.{col}"] = number
        handled += new[i] + carried
    if form.version == "2021":
        _part_two(values, unit, rng, last, tier)
    if unit.kind == "office" or (unit.kind == "department" and profile(unit).enforces):
        for group, rate in CASES.items():
            outcomes = spread(_draw(rate * handled, rng), CASE_OUTCOMES, rng)
            for measure, number in zip(CASE_OUTCOMES, outcomes, strict=True):
                values[f"t4.{group}.{measure}"] = number
    return values


def _part_two(
    values: dict[str, Value], unit: Unit, rng: random.Random, last: Mapping[str, Value] | None, tier: str
) -> None:
    documents = _mean(unit, "documents", rng, tier)
    _documents(values, "normative_docs", documents, rng, last)
    rules = profile(unit).rules
    if rules and tier in ("city", "province"):  # only a 设区的市 or a province makes 规章 (立法法), its government
        _documents(values, "rules", rules * TIERS[tier][0] * rng.lognormvariate(0, 0.12), rng, last)
    values["t2.licensing.decisions"] = _draw(_mean(unit, "licensing", rng, tier), rng)
    values["t2.penalty.decisions"] = _draw(_mean(unit, "penalty", rng, tier), rng)
    values["t2.enforcement.decisions"] = _draw(_mean(unit, "coercion", rng, tier), rng)
    fees = _mean(unit, "fees", rng, tier)
    if fees:
        values["t2.fees.amount"] = Decimal(round(fees * 10_000)).scaleb(-4)


def _documents(
    values: dict[str, Value], row: str, mean: float, rng: random.Random, last: Mapping[str, Value] | None
) -> None:
    """Issued, repealed and in force (S3 holds against ``last``; without it about six years' issue is in force)."""
    in_force = int(last.get(f"t2.{row}.in_force", 0)) if last else _draw(mean * 6, rng)
    issued, repealed = _draw(mean, rng), min(in_force, _draw(mean / 2, rng))
    values |= {
        f"t2.{row}.issued": issued,
        f"t2.{row}.repealed": repealed,
        f"t2.{row}.in_force": in_force + issued - repealed,
    }


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
        values = report(cycle.form, unit, rng, (last_year or {}).get(unit.code), tier=cycle.owner.kind)
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
        for code, value in report(cycle.form, unit, rng, tier=cycle.owner.kind).items():
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
    """A whole season: the county's units report (last year, then this year), the county reviews them (a return and
    its correction, approvals, a reopening, an excused unit), consolidates and passes its workbook up; the city's
    departments report, the other counties send their 汇总, and the city consolidates; the county assesses its units
    (the 通报 and the 督办函 letters)."""
    this = Period.parse(period)
    last_values = None
    for when, mishaps in ((this.previous, False), (this, True)):
        cycle = cycle_for(home, county, str(when))
        _, last_values = fill_cycle(cycle, home.inbox, seed=when.year, last_year=last_values, mishaps=mishaps)
        _say_intake(say, cycle.owner.name, when, run_intake(home, (), when))
    reviewed = dt.datetime.combine(max(cycle.deadline_for(u) for u in cycle.expected), dt.time(9)) + dt.timedelta(
        days=1
    )
    review_season(home, cycle, reviewed, say)
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
    assessed = assess_season(home, cycle_for(home, county, period), say)
    written = (county_result.draft, county_result.workbook, city_result.draft, city_result.workbook, *assessed)
    return [path for path in written if path is not None]


def _say_intake(say: Callable[[str], None], who: str, when: Period, outcomes: Sequence[Outcome]) -> None:
    counts = count(outcomes)
    say(f"{who} {when.label}：收到 {len(outcomes)} 个文件（通过 {counts['accepted']}，退回 {counts['rejected']}，"
        f"重复 {counts['duplicate']}）")  # fmt: skip
