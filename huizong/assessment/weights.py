"""The assessment's weights (考核细则): each criterion's full points, what each lapse deducts, and the letters' terms.

Declared in ``<home>/assessment.toml`` over the defaults shipped beside this module (``assessment.toml``, which
documents every key); a key the office does not write keeps its default. A wrong file is one line naming the file,
the line and the key, with the key it probably meant.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from huizong.errors import ConfigError, suggest
from huizong.textfiles import load_toml, read_text

DEFAULTS = Path(__file__).with_name("assessment.toml")
FILE_NAME = "assessment.toml"


@dataclass(frozen=True)
class Criterion:
    key: str  # the section of assessment.toml
    label: str  # 报送及时
    lapse: str  # the key of what one lapse deducts
    rule: str  # how a lapse is counted, for the cover: 逾期报送一次扣


CRITERIA = (
    Criterion("timeliness", "报送及时", "late", "逾期报送扣"),
    Criterion("first_try", "一次通过", "rejected", "通过前每有一份文件未通过校验扣"),
    Criterion("returns", "审核退回", "returned", "每被退回一次扣"),
    Criterion("explanations", "提示说明", "unexplained", "每有一条提示未附上报说明扣"),
)
POINTS = "points"
# Each section's keys and the kind of value each takes.
SPEC: Mapping[str, Mapping[str, str]] = {
    **{c.key: {POINTS: "points", c.lapse: "points"} for c in CRITERIA},
    "excused": {"ranked": "bool"},
    "letter": {"bottom": "count", "days": "days", "issuer": "text", "contact": "text"},
}
KINDS_SAID = {
    "points": "不小于 0 的数（最多一位小数），如 {key} = 10",
    "bool": "true 或 false",
    "count": "不小于 0 的整数，如 {key} = 3",
    "days": "正整数（天数），如 {key} = 7",
    "text": '文字（加英文引号），如 {key} = "……"',
}


@dataclass(frozen=True)
class Weights:
    points: Mapping[str, Decimal]  # criterion -> full points
    lapses: Mapping[str, Decimal]  # criterion -> what one lapse deducts
    excused_ranked: bool
    bottom: int  # how many units at the bottom get a 督办函
    days: int  # the letter's deadline: this many days after it is issued
    issuer: str  # who signs the letters ('' : the owner's government office)
    contact: str  # who to call, at the letter's foot ('' : none)
    source: Path  # the file read (the defaults when the office has none)

    @property
    def shipped(self) -> bool:
        """Whether these are the defaults shipped with huizong (the office wrote no assessment.toml)."""
        return self.source == DEFAULTS

    @property
    def full(self) -> Decimal:
        return sum(self.points.values(), start=Decimal(0))

    def params(self, bottom: int | None = None) -> dict[str, Any]:
        """The named parameters of ``sql/assessment/scores.sql``."""
        found: dict[str, Any] = {c.key: self.points[c.key] for c in CRITERIA}
        found |= {c.lapse: self.lapses[c.key] for c in CRITERIA}
        return found | {"excused_ranked": self.excused_ranked, "bottom": self.bottom if bottom is None else bottom}


def load_weights(root: Path) -> Weights:
    """The weights of the data directory ``root``: its ``assessment.toml`` over the shipped defaults."""
    values = _read(DEFAULTS)
    path = root / FILE_NAME
    if path.exists():
        for section, keys in _read(path).items():
            values[section] = {**values[section], **keys}
    else:
        path = DEFAULTS
    weights = Weights(
        points={c.key: values[c.key][POINTS] for c in CRITERIA},
        lapses={c.key: values[c.key][c.lapse] for c in CRITERIA},
        excused_ranked=values["excused"]["ranked"],
        bottom=values["letter"]["bottom"],
        days=values["letter"]["days"],
        issuer=values["letter"]["issuer"].strip(),
        contact=values["letter"]["contact"].strip(),
        source=path,
    )
    if weights.full <= 0:
        raise ConfigError(f"{path}: 各项满分（points）之和为 0，无法考核 (the points add up to nothing)")
    return weights


def _read(path: Path) -> dict[str, dict[str, Any]]:
    """The file's sections, every key known and every value of its kind (points as ``Decimal``)."""
    data = load_toml(path, ConfigError)
    text = read_text(path, ConfigError)
    found: dict[str, dict[str, Any]] = {}
    for section, keys in data.items():
        where = f"{path}:{_line(text, section)}" if _line(text, section) else str(path)
        if section not in SPEC:
            raise ConfigError(f"{where}: 未知的考核设置 [{section}] (unknown section){suggest(section, SPEC)}")
        if not isinstance(keys, dict):
            raise ConfigError(f"{where}: {section} 应为一个表，写作 [{section}] (must be a table)")
        found[section] = {key: _value(path, text, section, key, value) for key, value in keys.items()}
    return found


def _value(path: Path, text: str, section: str, key: str, value: Any) -> Any:
    line = _line(text, section, key)
    where = f"{path}:{line}" if line else str(path)
    known = SPEC[section]
    if key not in known:
        raise ConfigError(f"{where}: 未知的键 {section}.{key} (unknown key){suggest(key, known)}")
    kind = known[key]
    checked = _checked(kind, value)
    if checked is None:
        said = KINDS_SAID[kind].format(key=key)
        raise ConfigError(f"{where}: {section}.{key} 应为{said}，而不是 {value!r} (bad value)")
    return checked


def _checked(kind: str, value: Any) -> Any:
    """The value as its kind wants it, or None when it is not one."""
    if kind == "bool":
        return value if isinstance(value, bool) else None
    if kind == "text":
        return value if isinstance(value, str) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if kind in ("count", "days"):
        least = 1 if kind == "days" else 0
        return value if isinstance(value, int) and value >= least else None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() and number >= 0 and number == round(number, 1) else None


def _line(text: str, section: str, key: str = "") -> int:
    """The line (1-based) of ``[section]``, or of ``key =`` within it; 0 when not found."""
    inside = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            inside = re.fullmatch(rf"\[\s*{re.escape(section)}\s*\]", stripped.split("#")[0].strip()) is not None
            if inside and not key:
                return number
        elif inside and key and re.match(rf"{re.escape(key)}\s*=", stripped):
            return number
    return 0
