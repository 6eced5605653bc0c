"""The unit registry (填报单位名录): who reports, under whom, and when a unit existed.

File format: CSV with the header ``code,name,kind,parent,valid_from,valid_to`` (UTF-8, a BOM is accepted so the file can
be kept in Excel or WPS). Dates are ISO (2019-01-01); an empty ``valid_from``/``valid_to`` means open-ended.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from huizong.errors import RegistryError, UsageError, suggest
from huizong.periods import Period
from huizong.textfiles import read_text

KINDS = {
    "province": "省（汇总）",
    "city": "市（汇总）",
    "county": "县（市、区）（汇总）",
    "zone": "开发区、功能区（汇总）",
    "office": "政府办公室（本级）",
    "department": "部门",
    "township": "乡镇",
    "street": "街道",
}
REGION_KINDS = frozenset({"province", "city", "county", "zone"})  # their reports are 汇总 of a region
COLUMNS = ("code", "name", "kind", "parent", "valid_from", "valid_to")


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    kind: str
    parent: str | None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    def active_in(self, period: Period) -> bool:
        starts_in_time = self.valid_from is None or self.valid_from <= period.end
        ends_in_time = self.valid_to is None or self.valid_to >= period.start
        return starts_in_time and ends_in_time


class Registry:
    def __init__(self, units: list[Unit], source: Path | None = None) -> None:
        self.source = source
        self.units: dict[str, Unit] = {}
        self.children: dict[str, list[Unit]] = {}
        for unit in units:
            self.units[unit.code] = unit
            if unit.parent:
                self.children.setdefault(unit.parent, []).append(unit)

    @classmethod
    def load(cls, path: Path) -> Registry:
        if not path.exists():
            raise UsageError(f"找不到单位名录 {path}；先运行 huizong init --demo 或 huizong init --registry FILE")
        return cls.parse(read_text(path, RegistryError), path)

    @classmethod
    def parse(cls, text: str, source: Path | None = None) -> Registry:
        name = source or "units.csv"
        reader = csv.DictReader(io.StringIO(text))
        header = tuple(reader.fieldnames or ())
        if header != COLUMNS:
            raise RegistryError(f"{name}: 第1行表头应为 {','.join(COLUMNS)}，实际为 {','.join(header)}")
        units: list[Unit] = []
        seen: set[str] = set()
        for number, row in enumerate(reader, start=2):
            unit = _unit(row, f"{name}:{number}")
            if unit.code in seen:
                raise RegistryError(f"{name}:{number}: 单位代码 {unit.code} 重复 (duplicate code)")
            seen.add(unit.code)
            units.append(unit)
        registry = cls(units, source)
        registry._check_parents(str(name))
        return registry

    def _check_parents(self, name: str) -> None:
        for unit in self.units.values():
            if unit.parent and unit.parent not in self.units:
                raise RegistryError(
                    f"{name}: 单位 {unit.code} 的上级 {unit.parent} 不在名录中{suggest(unit.parent, self.units)}"
                )
            seen = {unit.code}
            parent = unit.parent
            while parent:
                if parent in seen:
                    raise RegistryError(f"{name}: 单位 {unit.code} 的上级关系形成循环 (parent cycle)")
                seen.add(parent)
                parent = self.units[parent].parent

    def get(self, code: str) -> Unit:
        if code in self.units:
            return self.units[code]
        raise UsageError(f"单位代码 {code} 不在名录中 (unknown unit){suggest(code, self.units)}")

    def ancestors(self, code: str) -> Iterator[Unit]:
        parent = self.get(code).parent
        while parent:
            unit = self.units[parent]
            yield unit
            parent = unit.parent

    def tier(self, code: str) -> str:
        """The kind of the region a unit belongs to: its nearest aggregating ancestor (county, city, zone)."""
        unit = self.get(code)
        if unit.code in self.children:
            return unit.kind
        return next((a.kind for a in self.ancestors(code)), unit.kind)

    def is_aggregating(self, code: str, period: Period | None = None) -> bool:
        return any(period is None or c.active_in(period) for c in self.children.get(code, []))

    def below(self, code: str, period: Period | None = None, leaves: bool = False) -> list[Unit]:
        """Direct children (or, with ``leaves``, every non-aggregating descendant) active in ``period``."""
        found: list[Unit] = []
        for child in self.children.get(code, []):
            if period is not None and not child.active_in(period):
                continue
            if leaves and self.is_aggregating(child.code, period):
                found.extend(self.below(child.code, period, leaves=True))
            else:
                found.append(child)
        return found

    def subtree(self, code: str) -> Iterator[Unit]:
        """The unit and everything below it, parents before children."""
        unit = self.get(code)
        yield unit
        for child in self.children.get(code, []):
            yield from self.subtree(child.code)


def _unit(row: dict[str, str], where: str) -> Unit:
    values = {key: (row.get(key) or "").strip() for key in COLUMNS}
    if not values["code"] or not values["name"]:
        raise RegistryError(f"{where}: 单位代码和名称不能为空")
    if values["kind"] not in KINDS:
        raise RegistryError(
            f"{where}: 单位类型 {values['kind']!r} 无效，可选 {', '.join(KINDS)}{suggest(values['kind'], KINDS)}"
        )
    dates: dict[str, dt.date | None] = {}
    for key in ("valid_from", "valid_to"):
        try:
            dates[key] = dt.date.fromisoformat(values[key]) if values[key] else None
        except ValueError:
            raise RegistryError(f"{where}: {key} 应为 YYYY-MM-DD 格式的日期，而不是 {values[key]!r}") from None
    if dates["valid_from"] and dates["valid_to"] and dates["valid_from"] > dates["valid_to"]:
        raise RegistryError(
            f"{where}: valid_from {dates['valid_from']} 晚于 valid_to {dates['valid_to']} (valid_from after valid_to)"
        )
    return Unit(
        code=values["code"],
        name=values["name"],
        kind=values["kind"],
        parent=values["parent"] or None,
        valid_from=dates["valid_from"],
        valid_to=dates["valid_to"],
    )
