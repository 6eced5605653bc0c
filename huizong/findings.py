"""Findings: what is wrong (or doubtful) in something a unit sent, pinned to a sheet and cell."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]
SEVERITY_LABELS = {"error": "错误", "warning": "提示"}
STATUS_LABELS = {
    "accepted": "通过",
    "rejected": "退回",
    "superseded": "已被替代",
    "missing": "未报",
    "duplicate": "重复",
    "": "未知",
}


@dataclass(frozen=True)
class Finding:
    """One rule result. ``message`` is Chinese, for the clerk who filled the form; ``message_en`` may follow."""

    rule: str
    severity: Severity
    message: str
    sheet: str = ""
    cell: str = ""
    seen: str = ""
    expected: str = ""
    message_en: str = ""

    @property
    def where(self) -> str:
        return f"{self.sheet}!{self.cell}" if self.sheet and self.cell else self.sheet

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def __str__(self) -> str:
        place = f"[{self.where}] " if self.where else ""
        seen = f"（填写：{self.seen}" if self.seen else ""
        expected = f"，应为：{self.expected}" if self.expected else ""
        tail = f"{seen}{expected}）" if seen else (f"（应为：{self.expected}）" if self.expected else "")
        return f"{self.rule} {'错误' if self.severity == 'error' else '提示'} {place}{self.message}{tail}"
