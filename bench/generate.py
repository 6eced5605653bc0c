"""Deterministic synthetic reporting seasons for benchmarks: a county, a city or a whole province.

    python -m bench.generate --scale county|city|province [--seed 2025] [--out bench/data] [--workers 1]

writes ``<out>/<scale>/``:

- ``registry/units.csv`` and ``registry/cycles.toml``: a fictional region (codes start with 98, so they never collide
  with the demo city's 99 codes), with a cycle per aggregating unit for 2024 and 2025;
- ``inbox-2024/``: last year's report of every reporting unit, all clean and on time;
- ``inbox-2025/``: this year's, consistent with last year's, with mishaps: about 3 % of the units first send a draft
  (``初稿_<name>``) with an error (an H3 imbalance, text such as 12件 in a number cell, or a negative number), two
  thirds of them send a corrected file later, about 5 % arrive after their deadline, about 1 % never send;
- ``manifest.json``: what was made (counts, not file lists).

Every file's modification time is its arrival time, which intake takes as such. The same seed gives the same files
byte for byte, with the same times, however many workers write them.

Writing a template with :func:`huizong.template.write_template` takes ~50 ms; a province needs ~40,000 files. So
:class:`FastWriter` writes one skeleton template per period, deadline and set of text cells with ``write_template``
itself, finds where the unit and the values appear in its XML parts, and for each unit patches those places (input
values, cached totals and check texts, the unit's strings, the unit line's row height, the file properties) and zips
the parts, the unchanging ones compressed once. The parts are then exactly those ``write_template`` writes. Every
skeleton is checked against ``write_template`` on a probe unit before use, and anything the patcher cannot render
exactly (a name with markup characters, strings that would share a slot) falls back to ``write_template``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import json
import multiprocessing
import os
import random
import re
import shutil
import struct
import sys
import tempfile
import time
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from huizong.catalog import BUNDLED_FORMS, FormCatalog
from huizong.cycles import load_cycle_specs, plan_cycle
from huizong.demo import report
from huizong.distribute import template_name
from huizong.forms import Form, Rule
from huizong.formulas import Value, check_rules, check_text, numeric
from huizong.frame import title_height, title_of, unit_lines, unit_lines_height
from huizong.layout import layout_form
from huizong.meta import CellRow, cell_rows, template_hash
from huizong.paper import Rows
from huizong.periods import Period
from huizong.registry import COLUMNS, Registry, Unit
from huizong.template import INSTRUCTION_WIDTHS, INSTRUCTIONS, write_template

SCALES = ("county", "city", "province")
FORM = "annual_report/2021"
LAST, THIS = Period(2024), Period(2025)
INBOXES = {LAST: "inbox-2024", THIS: "inbox-2025"}
REPORTING = ("office", "department", "township", "street")
DRAFT = "初稿_"
DEFAULT_OUT = Path(__file__).resolve().parent / "data"
SET_UP = dt.datetime(2024, 12, 1, 9, 0)  # the modification time of the registry files and the manifest

MISSING, LATE, BROKEN, CORRECTED = 0.01, 0.05, 0.03, 2 / 3  # shares of the reporting units (CORRECTED: of BROKEN)
ERRORS = ("unbalanced", "text", "negative")

# Deadlines by the kind of the collecting unit: (month-day, {reporting kind: month-day}) of the year after the period.
DEADLINES = {
    "county": ("01-31", {"township": "01-20", "street": "01-20"}),
    "city": ("01-31", {"county": "02-20"}),
    "province": ("01-31", {"city": "02-28"}),
}

# ───────────────────────────── the region: names and shapes ─────────────────────────────

PROVINCE = ("980000", "青原省")
PROVINCE_DEPARTMENTS = tuple(
    """发展和改革委员会 教育厅 科学技术厅 工业和信息化厅 民族宗教事务委员会 公安厅 民政厅 司法厅 财政厅
人力资源和社会保障厅 自然资源厅 生态环境厅 住房和城乡建设厅 交通运输厅 水利厅 农业农村厅 商务厅 文化和旅游厅
卫生健康委员会 退役军人事务厅 应急管理厅 审计厅 人民政府外事办公室 人民政府国有资产监督管理委员会 市场监督管理局
广播电视局 体育局 统计局 医疗保障局 林业和草原局 乡村振兴局 机关事务管理局 信访局 数据局 粮食和物资储备局 能源局
监狱管理局 戒毒管理局 药品监督管理局 知识产权局 中医药管理局 文物局 疾病预防控制局 地方金融管理局 人民防空办公室
政务服务管理局 公共资源交易中心 地质矿产勘查开发局 供销合作社联合社 住房公积金管理中心 社会保险事业管理局
人民政府研究室 人民政府参事室 地方志工作办公室 档案馆 农业科学院 社会科学院 水文水资源勘测中心
交通运输综合行政执法监督局 港航事业发展中心 自然资源调查监测院 公路事业发展中心 机场管理局""".split()  # noqa: SIM905
)
CITY_DEPARTMENTS = tuple(
    """发展和改革委员会 教育局 科学技术局 工业和信息化局 民族宗教事务局 公安局 民政局 司法局 财政局
人力资源和社会保障局 自然资源和规划局 生态环境局 住房和城乡建设局 交通运输局 水利局 农业农村局 商务局
文化广电和旅游局 卫生健康委员会 退役军人事务局 应急管理局 审计局 人民政府国有资产监督管理委员会 市场监督管理局
体育局 统计局 医疗保障局 林业局 城市管理局 信访局 政务服务管理局 人民政府外事办公室 机关事务管理局 人民防空办公室
地方金融管理局 粮食和物资储备局 住房公积金管理中心 公共资源交易中心 供销合作社联合社 投资促进局 数据局 乡村振兴局
医疗保障事务中心 社会保险事业管理中心 不动产登记中心 公路事业发展中心 人民政府研究室 档案馆""".split()  # noqa: SIM905
)
COUNTY_DEPARTMENTS = tuple(
    """发展和改革局 教育体育局 科学技术局 工业和信息化局 公安局 民政局 司法局 财政局 人力资源和社会保障局 自然资源局
住房和城乡建设局 交通运输局 水利局 农业农村局 商务局 文化和旅游局 卫生健康局 退役军人事务局 应急管理局 审计局
市场监督管理局 统计局 医疗保障局 林业局 城市管理局 信访局 行政审批局 民族宗教事务局 粮食和物资储备局
机关事务服务中心 供销合作社 融媒体中心 公共资源交易中心 人民防空办公室 档案馆 地方志办公室 投资促进局
国有资产事务中心 不动产登记中心 社会保险事业管理中心 就业服务中心 疾病预防控制中心 农业综合行政执法大队
交通运输综合行政执法大队 市场监管综合行政执法大队 文化市场综合行政执法大队 卫生健康综合监督执法局
自然资源综合执法大队 城乡规划服务中心 退役军人服务中心 农业技术推广中心 水土保持站 住房保障服务中心 政务服务中心
招商服务中心 医疗保险服务中心 人民政府研究室 营商环境服务中心 数据资源局 乡村振兴局 动物疫病预防控制中心
畜牧兽医服务中心 公路事业发展中心 应急管理综合行政执法大队 农村经营管理服务中心 林业技术推广站 城乡建设服务中心
教育事业发展中心 医疗保障事务中心 文物保护中心 图书馆 文化馆""".split()  # noqa: SIM905
)
FIRST = "东西南北青白石柳桃杨马龙凤金松梅兰竹清安宁永新长平高黄丰临望云沙茶花泉枫桂槐荷"
SECOND = "桥湾坪坝山溪林岭塘集庄口港关湖田冈圩店埠沟滩铺寨"
CITY_SECOND = "州阳江川宁城原山昌安平陵"
COUNTY_SECOND = "泉江溪山河源阳水台峰宁丰武乐城"


def build_units(scale: str, seed: int) -> list[Unit]:
    """The registry of a scale: parents before children, every code unique, the top unit first."""
    rng = random.Random(f"{seed}:registry")
    if scale == "county":
        return _county(rng, "980121", _name(rng, COUNTY_SECOND, "县", set()), None)
    if scale == "city":
        return _city(rng, "980100", _name(rng, CITY_SECOND, "市", set()), None, 9, set())
    if scale != "province":
        raise ValueError(f"scale must be one of {', '.join(SCALES)}")
    code, name = PROVINCE
    units = [Unit(code, name, "province", None), Unit(f"{code}000", f"{name}人民政府办公厅", "office", code)]
    units += _departments(rng, code, name, PROVINCE_DEPARTMENTS, 58, 62)
    cities = {name[:-1] + "市"}  # no 青原市 in 青原省
    counties: set[str] = set()
    for i in range(1, 19):
        city = _name(rng, CITY_SECOND, "市", cities)
        units += _city(rng, f"98{i:02d}00", city, code, rng.randint(9, 11), counties)
    return units


def _name(rng: random.Random, second: str, suffix: str, taken: set[str]) -> str:
    while True:
        name = rng.choice(FIRST) + rng.choice(second) + suffix
        if name not in taken:
            taken.add(name)
            return name


def _departments(rng: random.Random, code: str, name: str, catalogue: Sequence[str], low: int, high: int) -> list[Unit]:
    picks = sorted(rng.sample(range(len(catalogue)), min(len(catalogue), rng.randint(low, high))))
    return [Unit(f"{code}{501 + i}", f"{name}{catalogue[k]}", "department", code) for i, k in enumerate(picks)]


def _city(rng: random.Random, code: str, name: str, parent: str | None, n_counties: int, taken: set[str]) -> list[Unit]:
    """A prefecture-level city: its office, ~45 departments, districts (区), counties (县) and perhaps a 县级市."""
    units = [Unit(code, name, "city", parent), Unit(f"{code}000", f"{name}人民政府办公室", "office", code)]
    units += _departments(rng, code, name, CITY_DEPARTMENTS, 43, 47)
    districts = rng.randint(2, 4)
    county_level_city = rng.random() < 0.5
    for i in range(n_counties):
        if i < districts:
            region, county = f"{code[:4]}{2 + i:02d}", name + _name(rng, COUNTY_SECOND, "区", taken)
        elif county_level_city and i == n_counties - 1:
            region, county = f"{code[:4]}81", _name(rng, COUNTY_SECOND, "市", taken)
        else:
            region, county = f"{code[:4]}{21 + i - districts:02d}", _name(rng, COUNTY_SECOND, "县", taken)
        units += _county(rng, region, county, code)
    return units


def _county(rng: random.Random, code: str, name: str, parent: str | None) -> list[Unit]:
    """A county or district: its office, 60-70 departments and 36-44 townships (镇, 乡) and streets (街道)."""
    units = [Unit(code, name, "county", parent), Unit(f"{code}000", f"{name}人民政府办公室", "office", code)]
    units += _departments(rng, code, name, COUNTY_DEPARTMENTS, 60, 70)
    places = rng.randint(36, 44)
    if name.endswith("区"):
        streets, xiang = rng.randint(places * 6 // 10, places * 9 // 10), 0
    else:
        streets = rng.randint(1, 5)
        xiang = rng.randint(0, (places - streets) // 3)
    towns = places - streets - xiang
    seen: set[str] = set()
    for kind, suffix, start, count in (
        ("street", "街道", 1, streets),
        ("township", "镇", 101, towns),
        ("township", "乡", 201, xiang),
    ):
        for i in range(count):
            units.append(Unit(f"{code}{start + i:03d}", _name(rng, SECOND, suffix, seen), kind, code))
    return units


def write_registry(folder: Path, units: Sequence[Unit]) -> None:
    """``units.csv`` and a ``cycles.toml`` declaring a cycle for 2024 and 2025 per aggregating unit."""
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(COLUMNS)
    for unit in units:
        out.writerow([unit.code, unit.name, unit.kind, unit.parent or "", "", ""])
    (folder / "units.csv").write_text(buffer.getvalue(), encoding="utf-8")
    lines = ["# Reporting cycles of a synthetic region made by bench/generate.py (format: huizong/cycles.py).", ""]
    for unit in units:
        if unit.kind not in DEADLINES:
            continue
        default, by_kind = DEADLINES[unit.kind]
        for period in (LAST, THIS):
            year = period.year + 1
            kinds = ", ".join(f"{kind} = {year}-{day}" for kind, day in by_kind.items())
            lines += [
                "[[cycle]]",
                f'owner = "{unit.code}"                 # {unit.name}',
                f'period = "{period}"',
                f'form = "{FORM}"',
                f"deadline = {year}-{default}",
                f"deadlines = {{ {kinds} }}",
                'expected = "children"',
                "",
            ]
    (folder / "cycles.toml").write_text("\n".join(lines), encoding="utf-8")


# ───────────────────────────── the season: who sends what, when ─────────────────────────────


@dataclass(frozen=True)
class Fate:
    """What happens to a unit this year (last year every unit sends one clean file on time)."""

    missing: bool = False
    late: bool = False
    error: str = ""  # one of ERRORS: the unit first sends a draft with this error
    corrected: bool = False  # the draft is followed by a corrected file


@dataclass(frozen=True)
class Job:
    unit: Unit
    deadlines: tuple[dt.date, dt.date]  # last year's and this year's
    fate: Fate


@dataclass(frozen=True)
class Planned:
    """One file a unit sends."""

    inbox: str
    name: str
    unit: Unit
    period: Period
    deadline: dt.date
    values: Mapping[str, Value]
    made: dt.datetime  # generated_at of the template
    arrival: dt.datetime  # the file's modification time
    role: str  # clean | late | draft | corrected
    error: str = ""  # a draft's kind of error (ERRORS)


def plan_season(registry: Registry, catalog: FormCatalog, registry_dir: Path, seed: int) -> list[Job]:
    """Every reporting unit with its deadlines (from its parent's declared cycles) and its fate, in registry order."""
    specs = load_cycle_specs(registry_dir / "cycles.toml")
    deadlines: dict[str, dict[Period, dt.date]] = {}
    for owner in registry.units.values():
        if owner.kind not in DEADLINES:
            continue
        for period in (LAST, THIS):
            cycle = plan_cycle(registry, catalog, specs, owner.code, period, FORM)
            for unit in cycle.expected:
                if unit.kind in REPORTING:
                    deadlines.setdefault(unit.code, {})[period] = cycle.deadline_for(unit)
    units = [u for u in registry.units.values() if u.code in deadlines]
    fates = choose_fates(units, seed)
    return [Job(u, (deadlines[u.code][LAST], deadlines[u.code][THIS]), fates.get(u.code, Fate())) for u in units]


def choose_fates(units: Sequence[Unit], seed: int) -> dict[str, Fate]:
    """The unlucky units: missing, late and broken ones are distinct; error kinds take turns."""
    rng = random.Random(f"{seed}:mishaps")
    n = len(units)
    counts = [max(1, round(n * share)) for share in (MISSING, LATE, BROKEN)]
    unlucky = rng.sample(list(units), min(n, sum(counts)))
    missing, late, broken = unlucky[: counts[0]], unlucky[counts[0] : sum(counts[:2])], unlucky[sum(counts[:2]) :]
    corrected = {u.code for u in rng.sample(broken, round(len(broken) * CORRECTED))}
    fates = {u.code: Fate(missing=True) for u in missing}
    fates |= {u.code: Fate(late=True) for u in late}
    for i, unit in enumerate(broken):
        fates[unit.code] = Fate(error=ERRORS[i % len(ERRORS)], corrected=unit.code in corrected)
    return fates


def plan_unit(form: Form, job: Job, seed: int) -> list[Planned]:
    """The files of one unit over both years, from random streams of its own (so any order of work gives the same)."""
    unit, fate = job.unit, job.fate
    rng = random.Random(f"{seed}:{LAST}:{unit.code}")
    last = report(form, unit, rng)
    arrival = _arrival(job.deadlines[0], rng, late=False)
    files = [_planned(LAST, unit, job.deadlines[0], last, arrival, "clean")]
    rng = random.Random(f"{seed}:{THIS}:{unit.code}")
    values = report(form, unit, rng, last=last)
    if fate.missing:
        return files
    arrival = _arrival(job.deadlines[1], rng, late=fate.late)
    if fate.error:
        wrong = spoil(values, fate.error)
        draft = _planned(THIS, unit, job.deadlines[1], wrong, arrival - dt.timedelta(days=6), "draft")
        files.append(replace(draft, error=fate.error))
        if not fate.corrected:
            return files
    role = "corrected" if fate.error else "late" if fate.late else "clean"
    files.append(_planned(THIS, unit, job.deadlines[1], values, arrival, role))
    return files


def _planned(
    period: Period, unit: Unit, deadline: dt.date, values: Mapping[str, Value], arrival: dt.datetime, role: str
) -> Planned:
    name = template_name(unit, FORM.split("/")[0], period)
    made = arrival - dt.timedelta(days=1 if role == "draft" else 0, hours=2)
    name = DRAFT + name if role == "draft" else name
    return Planned(INBOXES[period], name, unit, period, deadline, values, made, arrival, role)


def spoil(values: Mapping[str, Value], error: str) -> dict[str, Value]:
    """A draft with one kind of error: what a clerk gets wrong before the checks are read."""
    wrong = dict(values)
    if error == "unbalanced":  # as demo.fill_cycle: one more carried forward than the column balances
        wrong["t3.carried_forward.natural_person"] = int(values["t3.carried_forward.natural_person"]) + 1
    elif error == "text":  # the count with its measure word typed into the cell
        code = "t3.new_received.natural_person"
        code = code if int(values[code]) > 0 else "t2.normative_docs.in_force"
        wrong[code] = f"{values[code]}件"
    elif error == "negative":  # a repeal typed as a decrease
        wrong["t2.normative_docs.repealed"] = -max(1, int(values["t2.normative_docs.repealed"]))
    else:
        raise ValueError(f"unknown error kind {error!r}")
    return wrong


def _arrival(deadline: dt.date, rng: random.Random, late: bool) -> dt.datetime:
    day = deadline + dt.timedelta(days=rng.randint(1, 9)) if late else deadline - dt.timedelta(days=rng.randint(0, 15))
    return dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59)))


# ───────────────────────────── the fast writer ─────────────────────────────

_SENTINEL = Unit("QQCODEQQ", "QQNAMEQQ", "QQKINDQQ", None)
_SENTINEL_TIME = dt.datetime(1999, 9, 9, 9, 9, 9)
_SENTINEL_ISO = _SENTINEL_TIME.isoformat(timespec="seconds")
_PROBE = Unit("987654321", "探针县市场监督管理局综合行政执法大队第一中队", "department", None)
_PROBE_TIME = dt.datetime(2031, 12, 30, 23, 58, 7)
_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"[^>]*>(?:<f>([^<]*)</f>)?<v>([^<]*)</v></c>')
_ROW_1 = re.compile(r'<row r="1"[^>]*? ht="([^"]*)"')
_ROW_2 = re.compile(r'<row r="2"[^>]*? ht="([^"]*)"')
_SI = re.compile(r"<si>(.*?)</si>", re.S)
_TITLE = re.compile(r"<dc:title>([^<]*)</dc:title>")
_LINK = re.compile(r"'?(.*?)'?!([A-Z]+[0-9]+)")
_UNSAFE = re.compile(r"[&<>\"'\x00-\x1f\x7f]|^\s|\s$|_x[0-9A-Fa-f]{4}_")
_DOS_DATE, _DOS_TIME = (0 << 9) | (1 << 5) | 31, 0  # 1980-01-31 00:00, as xlsxwriter stamps its parts
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _escape(text: str) -> str:
    """As xlsxwriter escapes element text (not attributes)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _deflate(data: bytes, level: int, last: bool = True) -> bytes:
    """Raw deflate (as in a zip); unless ``last``, ending on a byte boundary without a final block."""
    packer = zlib.compressobj(level, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


@dataclass
class _Run:
    """A stretch of a part: fixed bytes deflated beforehand, or text pieces and slots (``(True, key)``)."""

    raw: bytes = b""
    packed: bytes = b""
    pieces: list[tuple[bool, str]] = field(default_factory=list)


@dataclass
class _Part:
    """One zip member: bytes compressed once, or text chunks with named slots between them.

    A patched part is deflated run by run: the long fixed runs were deflated once, each ending on a byte boundary
    (a sync flush), so only the short runs around the slots are compressed for each unit; the deflate streams of the
    runs, one after the other, are one valid stream."""

    name: bytes
    static: tuple[int, int, bytes] | None = None  # crc, size, deflated
    chunks: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    runs: list[_Run] = field(default_factory=list)

    def render(self, slots: Mapping[str, str]) -> str:
        out = [self.chunks[0]]
        for key, chunk in zip(self.keys, self.chunks[1:], strict=True):
            out.append(slots[key])
            out.append(chunk)
        return "".join(out)

    def cut_runs(self, fixed: int = 1000) -> None:
        """Group the chunks: those of at least ``fixed`` characters become fixed runs."""
        pieces = [(False, self.chunks[0])]
        for key, chunk in zip(self.keys, self.chunks[1:], strict=True):
            pieces += [(True, key), (False, chunk)]
        self.runs = [_Run()]
        for is_slot, text in pieces:
            if not is_slot and len(text) >= fixed:
                self.runs += [_Run(raw=text.encode()), _Run()]
            else:
                self.runs[-1].pieces.append((is_slot, text))
        self.runs = [r for r in self.runs if r.raw or r.pieces]
        for i, run in enumerate(self.runs):
            if run.raw:
                run.packed = _deflate(run.raw, 9, last=i == len(self.runs) - 1)

    def deflate(self, slots: Mapping[str, str], level: int) -> tuple[int, int, bytes]:
        """(crc, size, deflated) of the part with ``slots`` filled in."""
        crc, size, packed = 0, 0, []
        for i, run in enumerate(self.runs):
            if run.raw:
                data = run.raw
                packed.append(run.packed)
            else:
                data = "".join(slots[text] if is_slot else text for is_slot, text in run.pieces).encode()
                packed.append(_deflate(data, level, last=i == len(self.runs) - 1))
            crc = zlib.crc32(data, crc)
            size += len(data)
        return crc, size, b"".join(packed)


def _height(points: float) -> str:
    """A row height as xlsxwriter writes it: rounded to whole pixels."""
    pixels = int(points * 4.0 / 3.0 + 0.5)
    return f"{pixels * 0.75:.16g}"


def _cut(text: str, places: Iterable[tuple[int, int, str]]) -> tuple[list[str], list[str]]:
    """Split ``text`` at (start, end, key) places into chunks and slot keys."""
    chunks, keys, at = [], [], 0
    for start, end, key in sorted(places):
        if start < at:
            raise ValueError(f"overlapping slots at {key}")
        chunks.append(text[at:start])
        keys.append(key)
        at = end
    chunks.append(text[at:])
    return chunks, keys


class _Skeleton:
    """A template of one period, deadline and set of text cells, cut into chunks and slots."""

    def __init__(self, writer: FastWriter, period: Period, deadline: dt.date | None, texts: tuple[str, ...]) -> None:
        self.writer, self.period, self.deadline, self.texts = writer, period, deadline, texts
        form = writer.form
        values: dict[str, Value] = {code: 0 for code in form.inputs}
        values |= {code: f"QQTEXT{i}QQ" for i, code in enumerate(texts)}
        with tempfile.TemporaryDirectory() as tmp:
            path = write_template(
                Path(tmp) / "skeleton.xlsx",
                form,
                _SENTINEL,
                period,
                deadline=deadline,
                values=values,
                generated_at=_SENTINEL_TIME,
            )
            members = _unzip(path)
        sentinel_hash = template_hash(form.id, form.version, _SENTINEL.code, str(period), "own", writer.rows)
        self.sentinels = {
            _SENTINEL.name: "name",
            _SENTINEL.code: "code",
            _SENTINEL.kind: "kind",
            sentinel_hash: "hash",
            _SENTINEL_ISO: "time",
        } | {f"QQTEXT{i}QQ": f"text:{code}" for i, code in enumerate(texts)}
        self.find = re.compile("|".join(re.escape(s) for s in self.sentinels))
        self.strings: list[tuple[int, list[str]]] = []  # dynamic shared strings: index, segments
        self.static_strings: set[str] = set()
        self.parts = self._cut_parts(members)
        self._verify(members)

    def _cut_parts(self, members: list[tuple[str, bytes]]) -> list[_Part]:
        form, writer = self.writer.form, self.writer
        texts = {name: data.decode() for name, data in members if name.endswith((".xml", ".rels"))}
        sheets = _sheet_parts(texts)
        links: dict[tuple[str, str], int] = {}
        intro_places: list[tuple[int, int, str]] = []
        first = sheets[INSTRUCTIONS]
        for match in _CELL.finditer(texts[first]):
            link = _LINK.fullmatch(_unescape(match.group(2) or ""))
            if link:
                links[(link.group(1), link.group(2))] = len(links)
                intro_places.append((match.start(3), match.end(3), f"c:{len(links) - 1}"))
        if len(links) != len(writer.rules):
            raise ValueError(f"{len(links)} check cells on the instructions sheet, {len(writer.rules)} rules")
        places: dict[str, list[tuple[int, int, str]]] = {first: intro_places}
        intro_title = _ROW_1.search(texts[first])
        if intro_title is None:
            raise ValueError(f"no height on the title of {first}")
        intro_places.append((intro_title.start(1), intro_title.end(1), f"t:{INSTRUCTIONS}"))
        for layout in layout_form(form).values():
            member = sheets[layout.table.sheet]
            text = texts[member]
            at = {m.group(1): (m.start(3), m.end(3)) for m in _CELL.finditer(text)}
            spots = places.setdefault(member, [])
            for code, span in layout.cells.items():
                if code not in self.texts:
                    spots.append((*at[span.a1], f"v:{code}"))
            for (sheet, cell), i in links.items():
                if sheet == layout.table.sheet:
                    spots.append((*at[cell], f"c:{i}"))
            title, row = _ROW_1.search(text), _ROW_2.search(text)
            if title is None or row is None:
                raise ValueError(f"no height on the title or the unit line of {member}")
            spots.append((title.start(1), title.end(1), f"t:{layout.table.code}"))
            spots.append((row.start(1), row.end(1), f"h:{layout.table.code}"))
        sst = texts["xl/sharedStrings.xml"]
        spots = places.setdefault("xl/sharedStrings.xml", [])
        for match in _SI.finditer(sst):
            inner = match.group(1)
            plain = re.fullmatch(r"<t>([^<]*)</t>", inner)
            if not self.find.search(inner):
                self.static_strings.add(_unescape(plain.group(1)) if plain else inner)
                continue
            if plain is None:
                raise ValueError(f"unexpected shared string {inner[:80]}")
            segments = self.find.split(_unescape(plain.group(1)))
            found = [self.sentinels[s] for s in self.find.findall(_unescape(plain.group(1)))]
            merged = [x for pair in zip(segments, [*found, ""], strict=True) for x in pair][:-1]
            spots.append((match.start(), match.end(), f"s:{len(self.strings)}"))
            self.strings.append((len(self.strings), merged))
        core = texts["docProps/core.xml"]
        title = _TITLE.search(core)
        if title is None:
            raise ValueError("no title in docProps/core.xml")
        spots = places.setdefault("docProps/core.xml", [(title.start(1), title.end(1), "title")])
        spots += [(m.start(), m.end(), "created") for m in re.finditer(re.escape(_SENTINEL_ISO), core)]
        parts: list[_Part] = []
        for name, data in members:
            part = _Part(name.encode())
            if name in places:
                part.chunks, part.keys = _cut(texts[name], places[name])
                leftover = [c for c in part.chunks if self.find.search(c)]
                if leftover:
                    raise ValueError(f"{name}: a sentinel left outside the slots: {leftover[0][:80]}")
                part.cut_runs()
            else:
                if name in texts and self.find.search(texts[name]):
                    raise ValueError(f"{name}: a sentinel in a part taken as fixed")
                part.static = (zlib.crc32(data), len(data), _deflate(data, 9))
            parts.append(part)
        return parts

    def _verify(self, skeleton: list[tuple[str, bytes]]) -> None:
        """The patcher must give back the skeleton itself, and what write_template writes for a probe unit."""
        form = self.writer.form
        values: dict[str, Value] = {code: 0 for code in form.inputs}
        values |= {code: f"QQTEXT{i}QQ" for i, code in enumerate(self.texts)}
        patched = self.parts_text(_SENTINEL, values, _SENTINEL_TIME, check=False)
        original = dict(skeleton)
        for name, text in (patched or {}).items():
            if text.encode() != original[name]:
                raise ValueError(f"the patched skeleton differs from the skeleton in {name}")
        probe = report(form, _PROBE, random.Random(7))
        probe["t2.fees.amount"] = Decimal("123.4500")
        probe["t3.carried_forward.natural_person"] = int(probe["t3.carried_forward.natural_person"]) + 1
        probe["t4.review.upheld"] = -2
        probe |= {code: f"{i + 7}件" for i, code in enumerate(self.texts)}
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "probe.xlsx"
            write_template(
                path, form, _PROBE, self.period, deadline=self.deadline, values=probe, generated_at=_PROBE_TIME
            )
            want = _unzip(path)
        for unit in (_SENTINEL, _PROBE):
            official = template_hash(form.id, form.version, unit.code, str(self.period), "own", self.writer.rows)
            if self.writer.digest(unit.code, self.period) != official:
                raise ValueError("the template hash is not computed as meta.template_hash computes it")
        data = self.render(_PROBE, probe, _PROBE_TIME, self.writer.level)
        if data is None:
            raise ValueError("the probe unit cannot be patched")
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            got = [(info.filename, archive.read(info)) for info in archive.infolist()]
        for ours, theirs in zip(got, want, strict=True):
            if ours != theirs:
                raise ValueError(f"the patched probe differs from write_template's in {theirs[0]}")

    def parts_text(
        self, unit: Unit, values: Mapping[str, Value], made: dt.datetime, check: bool = True
    ) -> dict[str, str] | None:
        """The text of every patched part, or None where the patch would not be exact."""
        slots = self.slots(unit, values, made, check)
        if slots is None:
            return None
        return {p.name.decode(): p.render(slots) for p in self.parts if p.static is None}

    def slots(
        self, unit: Unit, values: Mapping[str, Value], made: dt.datetime, check: bool = True
    ) -> dict[str, str] | None:
        writer, form, period = self.writer, self.writer.form, self.period
        for text in (unit.code, unit.name, unit.kind):
            if check and (not text or _UNSAFE.search(text)):
                return None
        slots: dict[str, str] = {}
        for code in writer.inputs:
            value = values.get(code)
            if isinstance(value, str) != (code in self.texts) or value is None or isinstance(value, bool):
                return None
            if isinstance(value, str):
                if check and (not value or _UNSAFE.search(value)):
                    return None
            else:
                slots[f"v:{code}"] = f"{value:.16G}"
        if len(values) != len(writer.inputs):
            return None
        computed = form.compute(numeric(values))
        for code in form.formulas:
            number = computed[code]
            slots[f"v:{code}"] = str(float(number) if isinstance(number, Decimal) else number)
        for i, rule in enumerate(writer.rules):
            slots[f"c:{i}"] = _escape(check_text(rule.equations, computed))
        info, title = unit_lines(form, unit, period, "template"), title_of(form, unit, period, "template")
        for table, width in writer.widths.items():  # as frame.write_frame sizes the title and unit lines
            slots[f"t:{table}"] = _height(title_height(title, width))
            slots[f"h:{table}"] = _height(unit_lines_height(info, width))
        digest = writer.digest(unit.code, period)
        fill = {"name": unit.name, "code": unit.code, "kind": unit.kind, "hash": digest}
        fill["time"] = made.isoformat(timespec="seconds")
        fill |= {f"text:{code}": str(values[code]) for code in self.texts}
        strings = []
        for index, segments in self.strings:
            text = "".join(fill[s] if i % 2 else s for i, s in enumerate(segments))
            strings.append(text)
            slots[f"s:{index}"] = f"<si><t>{_escape(text)}</t></si>"
        if check and (len(set(strings)) != len(strings) or not self.static_strings.isdisjoint(strings)):
            return None  # xlsxwriter would share one string where the skeleton has two
        slots["title"] = _escape(f"{unit.name}{period.label}{form.title}")
        slots["created"] = made.replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%S")
        return slots

    def render(self, unit: Unit, values: Mapping[str, Value], made: dt.datetime, level: int) -> bytes | None:
        slots = self.slots(unit, values, made)
        if slots is None:
            return None
        entries = []
        for part in self.parts:
            if part.static is not None:
                entries.append((part.name, *part.static))
            else:
                entries.append((part.name, *part.deflate(slots, level)))
        return _zip(entries)


def _unzip(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def _sheet_parts(texts: Mapping[str, str]) -> dict[str, str]:
    """Sheet name → zip member, in workbook order."""
    book = ElementTree.fromstring(texts["xl/workbook.xml"])
    rels = ElementTree.fromstring(texts["xl/_rels/workbook.xml.rels"])
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    return {s.get("name", ""): "xl/" + targets[s.get(_REL)] for s in book.iter(f"{_NS}sheet")}


def _zip(entries: Sequence[tuple[bytes, int, int, bytes]]) -> bytes:
    """A zip of deflated members, as zipfile would write it, from members compressed beforehand."""
    out, central = bytearray(), bytearray()
    for name, crc, size, packed in entries:
        offset = len(out)
        out += struct.pack(
            "<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, _DOS_TIME, _DOS_DATE, crc, len(packed), size, len(name), 0
        )
        out += name
        out += packed
        central += struct.pack(
            "<4s6H3L5H2L",
            *(b"PK\x01\x02", 20, 20, 0, 8, _DOS_TIME, _DOS_DATE, crc, len(packed), size, len(name)),
            *(0, 0, 0, 0, 0, offset),  # no extra field or comment; disk 0; no attributes
        )
        central += name
    start = len(out)
    out += central
    out += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), start, 0)
    return bytes(out)


class FastWriter:
    """Writes what :func:`huizong.template.write_template` writes for an own report (scope own, default password),
    as far as any reader can tell: the same XML parts, zipped with a faster compression."""

    def __init__(self, form: Form, level: int = 1) -> None:
        self.form = form
        self.level = level
        self.rules: list[Rule] = [r for t in layout_form(form).values() for r in check_rules(form, t.table.code)]
        self.inputs = form.inputs
        self.rows: list[CellRow] = cell_rows(form)
        self.hashing: dict[Period, tuple[Any, bytes]] = {}
        self.widths = {code: Rows(t.col_widths).width(0, t.width - 1) for code, t in layout_form(form).items()}
        self.widths[INSTRUCTIONS] = Rows(INSTRUCTION_WIDTHS).width(0, len(INSTRUCTION_WIDTHS) - 1)
        self.skeletons: dict[tuple[Period, dt.date | None, tuple[str, ...]], _Skeleton | None] = {}
        self.fast = self.slow = 0

    def digest(self, code: str, period: Period) -> str:
        """meta.template_hash of an own report, without encoding the cell map again for every unit (the skeletons
        check that it agrees with template_hash)."""
        if period not in self.hashing:
            form, marker = self.form, "QQCODEQQ"
            cells = [r.as_tuple() for r in self.rows]
            payload = json.dumps([form.id, form.version, marker, str(period), "own", cells], ensure_ascii=False)
            head, rest = payload.split(json.dumps(marker), 1)
            self.hashing[period] = hashlib.sha256(head.encode()), rest.encode()
        head_hash, tail = self.hashing[period]
        digest = head_hash.copy()
        digest.update(json.dumps(code, ensure_ascii=False).encode())
        digest.update(tail)
        return str(digest.hexdigest())

    def key(self, period: Period, deadline: dt.date | None, values: Mapping[str, Value]) -> tuple[Any, ...]:
        return period, deadline, tuple(code for code in self.form.inputs if isinstance(values.get(code), str))

    def skeleton(self, period: Period, deadline: dt.date | None, values: Mapping[str, Value]) -> _Skeleton | None:
        key = self.key(period, deadline, values)
        if key not in self.skeletons:
            try:
                self.skeletons[key] = _Skeleton(self, *key)
            except (ValueError, KeyError) as exc:  # never guess: write these with write_template
                print(f"bench.generate: no fast path for {key}: {exc}", file=sys.stderr)
                self.skeletons[key] = None
        return self.skeletons[key]

    def render(
        self, unit: Unit, period: Period, deadline: dt.date | None, values: Mapping[str, Value], made: dt.datetime
    ) -> bytes | None:
        """The file's bytes, or None when only write_template can write it exactly."""
        skeleton = self.skeleton(period, deadline, values)
        return skeleton.render(unit, values, made, self.level) if skeleton else None

    def write(
        self,
        path: Path,
        unit: Unit,
        period: Period,
        deadline: dt.date | None,
        values: Mapping[str, Value],
        made: dt.datetime,
    ) -> Path:
        data = self.render(unit, period, deadline, values, made)
        if data is None:
            self.slow += 1
            return write_template(path, self.form, unit, period, deadline=deadline, values=values, generated_at=made)
        self.fast += 1
        path.write_bytes(data)
        return path


# ───────────────────────────── running it ─────────────────────────────

_WORKER: tuple[FastWriter, Path, int] | None = None


def _start(form_key: str, root: Path, seed: int) -> None:
    global _WORKER
    if _WORKER is None or _WORKER[1:] != (root, seed):  # forked workers inherit the parent's skeletons
        _WORKER = FastWriter(FormCatalog([BUNDLED_FORMS]).get(form_key)), root, seed


def _work(job: Job) -> list[tuple[str, str, int, bool]]:
    """Write one unit's files; (inbox, role, bytes, fast) per file."""
    assert _WORKER is not None
    writer, root, seed = _WORKER
    done = []
    for planned in plan_unit(writer.form, job, seed):
        before = writer.fast
        path = root / planned.inbox / planned.name
        writer.write(path, planned.unit, planned.period, planned.deadline, planned.values, planned.made)
        stamp = planned.arrival.timestamp()
        os.utime(path, (stamp, stamp))
        done.append((planned.inbox, planned.role, path.stat().st_size, writer.fast > before))
    return done


def generate(scale: str, seed: int = 2025, out: Path = DEFAULT_OUT, workers: int = 1) -> dict[str, Any]:
    """Write the data set of ``scale`` under ``out/<scale>`` and return its manifest."""
    root = out / scale
    for name in ("registry", *INBOXES.values()):
        shutil.rmtree(root / name, ignore_errors=True)
    for name in INBOXES.values():
        (root / name).mkdir(parents=True)
    units = build_units(scale, seed)
    write_registry(root / "registry", units)
    catalog = FormCatalog([BUNDLED_FORMS])
    registry = Registry.load(root / "registry" / "units.csv")
    jobs = plan_season(registry, catalog, root / "registry", seed)
    global _WORKER
    _WORKER = FastWriter(catalog.get(FORM)), root, seed
    writer = _WORKER[0]
    zeros: dict[str, Value] = {code: 0 for code in writer.form.inputs}
    for period, deadline in sorted({(p, d) for job in jobs for p, d in zip(INBOXES, job.deadlines, strict=True)}):
        writer.skeleton(period, deadline, zeros)  # built once here, inherited by forked workers
    for job in jobs:
        if job.fate.error:
            for planned in plan_unit(writer.form, job, seed):
                writer.skeleton(planned.period, planned.deadline, planned.values)
    if workers > 1:
        context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
        with context.Pool(workers, _start, (FORM, root, seed)) as pool:
            results = list(pool.imap(_work, jobs, chunksize=16))
    else:
        results = [_work(job) for job in jobs]
    files = [f for result in results for f in result]
    roles = Counter(role for _, role, _, _ in files)
    manifest: dict[str, Any] = {
        "scale": scale,
        "seed": seed,
        "form": FORM,
        "top": units[0].code,
        "top_name": units[0].name,
        "units": dict(Counter(u.kind for u in units)),
        "reporting_units": len(jobs),
        "files": {inbox: sum(f[0] == inbox for f in files) for inbox in INBOXES.values()},
        "bytes": {inbox: sum(f[2] for f in files if f[0] == inbox) for inbox in INBOXES.values()},
        "errors": roles["draft"],
        "error_kinds": dict(Counter(job.fate.error for job in jobs if job.fate.error)),
        "corrected": roles["corrected"],
        "late": roles["late"],
        "missing": sum(job.fate.missing for job in jobs),
        "written_fast": sum(f[3] for f in files),
    }
    (root / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    stamp = SET_UP.timestamp()  # so that every file of the data set, not only the reports, has a fixed time
    for path in (root / "manifest.json", root / "registry" / "units.csv", root / "registry" / "cycles.toml"):
        os.utime(path, (stamp, stamp))
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=SCALES, required=True)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="default: bench/data")
    parser.add_argument(
        "--workers", type=int, default=1, help="processes writing files (default 1; 2 pays only with two free cores)"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    manifest = generate(args.scale, args.seed, args.out, args.workers)
    seconds = time.perf_counter() - started
    files = sum(manifest["files"].values())
    size = sum(manifest["bytes"].values())
    kinds = ", ".join(f"{n} {kind}" for kind, n in manifest["units"].items())
    print(
        f"{args.scale}: {kinds}; {manifest['reporting_units']} reporting units, {files} files "
        f"({manifest['errors']} drafts in error, {manifest['corrected']} corrected, {manifest['late']} late, "
        f"{manifest['missing']} missing), {size / 1e6:.1f} MB in {seconds:.1f} s "
        f"({seconds * 1000 / files:.2f} ms per file, {args.workers} workers)"
    )
    print(args.out / args.scale)
    return 0


if __name__ == "__main__":
    sys.exit(main())
