"""Reporting periods: a year ("2025") or a quarter ("2025Q3")."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from huizong.errors import UsageError

PeriodKind = Literal["year", "quarter"]

_PATTERN = re.compile(r"^\s*(\d{4})\s*(?:[-_ ]?[Qq]([1-4]))?\s*$")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    quarter: int | None = None

    @classmethod
    def parse(cls, text: str | int) -> Period:
        match = _PATTERN.match(str(text))
        if not match:
            raise UsageError(
                f"报告期 {text!r} 无法识别：年度写作 2025，季度写作 2025Q3 (period must look like 2025 or 2025Q3)"
            )
        quarter = int(match.group(2)) if match.group(2) else None
        return cls(int(match.group(1)), quarter)

    @property
    def kind(self) -> PeriodKind:
        return "year" if self.quarter is None else "quarter"

    @property
    def start(self) -> dt.date:
        month = 1 if self.quarter is None else 3 * self.quarter - 2
        return dt.date(self.year, month, 1)

    @property
    def end(self) -> dt.date:
        if self.quarter is None or self.quarter == 4:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, 3 * self.quarter + 1, 1) - dt.timedelta(days=1)

    @property
    def previous(self) -> Period:
        if self.quarter is None:
            return Period(self.year - 1)
        return Period(self.year, self.quarter - 1) if self.quarter > 1 else Period(self.year - 1, 4)

    @property
    def label(self) -> str:
        """As printed on a form: 2025年 or 2025年第三季度."""
        if self.quarter is None:
            return f"{self.year}年"
        return f"{self.year}年第{'一二三四'[self.quarter - 1]}季度"

    def __str__(self) -> str:
        return str(self.year) if self.quarter is None else f"{self.year}Q{self.quarter}"
