"""Whose report a foreign file is, for which year, and in which form version: from the command line, or found in the
file, and never guessed.

The unit and year come from the title ("青石县人民政府2024年政府信息公开工作年度报告") matched against the
registry's names: the name itself, the name under its region's ("青石县" + "县发展和改革局" → 青石县发展和改革局),
or "<region>人民政府" for the government's own report (its office, 本级, where the region has one). The form version is
the one whose labels locate most of its cells in the file's tables (a 2019 table is read as 2019 wherever it is
printed). Where a title names no unit, or several, or no year, the finding says which option to give.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from huizong.catalog import FormCatalog
from huizong.findings import Finding
from huizong.forms import Form
from huizong.importing.grids import Grid
from huizong.importing.labels import key
from huizong.importing.locate import Located, locate
from huizong.periods import Period
from huizong.registry import Registry, Unit

TITLE = re.compile(r"(?P<name>[^\d\s]{2,40}?)(?P<year>(?:19|20)\d{2})年度?(?:本级)?政府信息公开(?:工作)?年度报告")
GOVERNMENT = "人民政府"
REGION_MARKS = "省市县区旗镇乡"
CLOSE = 0.02  # two form versions this close in the share of cells located are not told apart


@dataclass(frozen=True)
class Title:
    text: str
    name: str
    year: int


def find_title(texts: Sequence[str]) -> Title | None:
    """The first text of the file that reads as an annual report's title."""
    for text in texts[:40]:
        found = TITLE.search(key(text))
        if found:
            return Title(text.strip(), found.group("name"), int(found.group("year")))
    return None


class Names:
    """Every name a title may give a unit of the registry, for one period: built once for a run."""

    def __init__(self, registry: Registry, period: Period) -> None:
        self.registry, self.period = registry, period
        self.index: dict[str, dict[str, Unit]] = {}
        for unit in registry.units.values():
            if not unit.active_in(period):
                continue
            own = key(unit.name)
            names = {own}
            for region in registry.ancestors(unit.code):
                names.add(key(region.name) + own)
                if own[:1] in REGION_MARKS:  # 县发展和改革局 under 青石县: 青石县发展和改革局
                    names.add(key(region.name) + own[1:])
            for name in names:
                self.index.setdefault(name, {})[unit.code] = unit

    def units(self, name: str) -> list[Unit]:
        """The units a title's name can mean: by name, or "<region>人民政府" for the region's office (本级)."""
        name = key(name)
        found = self.index.get(name, {})
        if not found and name.endswith(GOVERNMENT):
            for region in self.units(name[: -len(GOVERNMENT)]):
                offices = [u for u in self.registry.below(region.code, self.period) if u.kind == "office"]
                found = {**found, **{u.code: u for u in offices or [region]}}
        return list(found.values())


def choose_unit(names: Names, title: Title | None) -> tuple[Unit | None, Finding | None]:
    """The unit the title names; else a finding asking for ``--unit``."""
    if title is None:
        return None, _ask(
            "UNIT", "文件中找不到报告标题（如“某某县人民政府2024年政府信息公开工作年度报告”），无法确定单位"
        )
    units, period = names.units(title.name), names.period
    if len(units) == 1:
        return units[0], None
    if not units:
        return None, _ask("UNIT", f"标题“{title.text}”中的“{title.name}”不在单位名录中（{period.label}），无法确定单位")
    named = "、".join(f"{u.code} {u.name}" for u in units[:5])
    return None, _ask("UNIT", f"标题“{title.text}”可能是以下单位的报告：{named}，无法确定是哪一个")


def check_title(names: Names, title: Title | None, unit: Unit, period: Period) -> list[Finding]:
    """With the unit and period given on the command line: a title that names another unit or year is an error."""
    if title is None:
        return []
    findings = []
    if title.year != period.year:
        findings.append(
            Finding(
                "PERIOD",
                "error",
                f"文件标题“{title.text}”是{title.year}年的报告，与指定的报告期{period.label}不符",
                seen=str(title.year),
                expected=str(period),
                message_en="the title names another year",
            )
        )
    named = names.units(title.name)
    if named and unit not in named:
        others = "、".join(f"{u.code} {u.name}" for u in named[:3])
        findings.append(
            Finding(
                "UNIT",
                "error",
                f"文件标题“{title.text}”是{others}的报告，不是指定单位 {unit.code}（{unit.name}）的报告",
                seen=title.name,
                expected=unit.name,
                message_en="the title names another unit",
            )
        )
    return findings


def choose_form(
    catalog: FormCatalog, grids: Sequence[Grid], wanted: str | None = None, period: Period | None = None
) -> tuple[Form | None, Located | None, Finding | None]:
    """The form version whose cells the file's tables hold best, with where they were found. ``wanted`` narrows the
    choice to a form family ("annual_report") or one version ("annual_report/2019")."""
    forms = [
        f
        for f in catalog.forms.values()
        if (wanted is None or wanted in (f.id, f.key)) and (period is None or f.period_kind == period.kind)
    ]
    scored = sorted(
        (
            (len(found.places) / len(form.cells), form.key, form, found)
            for form in forms
            for found in [locate(grids, form)]
        ),
        key=lambda item: (item[0], item[1]),
        reverse=True,
    )
    if not scored or scored[0][0] < 0.5:
        return (
            None,
            None,
            _ask(
                "FORM",
                "文件中找不到表式的表格（年度报告的表二、表三、表四），或表格的行列标题与表式相差太多",
                "--form 表式",
            ),
        )
    share, _, form, found = scored[0]
    rivals = [s for s in scored[1:] if s[2].id == form.id or wanted is None]
    if rivals and share - rivals[0][0] < CLOSE:
        versions = "、".join(f"{s[2].key}（{s[2].basis}）" for s in (scored[0], rivals[0]))
        return None, None, _ask("FORM", f"表格与{versions}同样相符，无法确定表式版本", "--form")
    return form, found, None


def _ask(rule: str, message: str, option: str = "") -> Finding:
    option = option or {"UNIT": "--unit 单位代码", "PERIOD": "--period 年度"}.get(rule, "--form 表式")
    return Finding(
        rule, "error", f"{message}：请用 {option} 指定", message_en=f"cannot tell the {rule.lower()}; give {option}"
    )
