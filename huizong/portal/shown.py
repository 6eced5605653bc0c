"""How rows are shown, in JSON and on the pages alike: dates as ISO text, numbers as plain JSON numbers, findings in
the order of the workbook, and who did something by the name of their unit."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from huizong.forms import Form
from huizong.registry import Registry


def plain(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row fit for JSON: dates and times as ISO text, decimals as whole or fractional numbers."""
    return {k: iso(v) if isinstance(v, dt.date) else number(v) if isinstance(v, Decimal) else v for k, v in row.items()}


def iso(value: dt.date) -> str:
    return value.isoformat(sep=" ", timespec="seconds") if isinstance(value, dt.datetime) else value.isoformat()


def number(value: Decimal | None) -> int | float | None:
    """A count as an int, an amount in 万元 (or a median between two counts) as a float."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def in_book_order(findings: Iterable[dict[str, Any]], form: Form | None) -> list[dict[str, Any]]:
    """Errors first, then sheet by sheet as the workbook has them, cell by cell down the rows."""
    sheets = [t.sheet for t in form.tables] if form else []

    def key(f: dict[str, Any]) -> tuple[bool, int, int, int, str]:
        sheet = sheets.index(f["sheet"]) if f["sheet"] in sheets else (-1 if not f["sheet"] else len(sheets))
        found = re.match(r"([A-Z]+)(\d+)", f["cell"] or "")
        col = sum((ord(ch) - 64) * 26**i for i, ch in enumerate(reversed(found.group(1)))) if found else 0
        return (f["severity"] != "error", sheet, int(found.group(2)) if found else 0, col, f["rule"])

    return sorted(findings, key=key)


def who(registry: Registry, actor: str | None) -> str:
    """An actor as people read it: an account by its unit's name and code, a command's user as recorded."""
    if not actor:
        return ""
    unit = registry.units.get(actor)
    return f"{unit.name}（{unit.code}）" if unit else actor
