"""What a cell's content means: the one place where raw text becomes a number (or does not).

A blank cell, a ``0`` and a ``/`` are different inputs. Each read keeps the raw text and gets a status:

==============  =================================================  ======================
status          what was in the cell                               value
==============  =================================================  ======================
ok              a number of the right kind                         the number
normalized      an unambiguous number written as text (“１２”,       the number
                “12 ”, “1,234”, “+3” in a change cell)
blank           nothing                                            None (0 in arithmetic)
slash           “/”, “／”, “-” or “—” alone                          None (0 in arithmetic)
invalid         text that is not a number (“12件”, “十二”, “无”)      None
not_integer     a fraction in a count (2.5): never truncated        None
negative        a negative number where the form does not allow it  None
too_precise     more decimals than the amount allows                None
too_large       beyond 1e12                                         None
error           a formula error (#REF!, #DIV/0!, ...)               None
formula         a formula typed in an input cell, with a result    its cached result
formula_uncached  a formula whose result was never calculated       None
==============  =================================================  ======================

The two formula statuses are set by the reader, which alone can see formulas.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, NamedTuple

from huizong.forms import CellDef

Status = Literal[
    "ok",
    "normalized",
    "formula",
    "blank",
    "slash",
    "invalid",
    "not_integer",
    "negative",
    "too_precise",
    "too_large",
    "error",
    "formula_uncached",
]
USABLE: frozenset[str] = frozenset({"ok", "normalized", "formula"})
LIMIT = Decimal(10) ** 12
SLASHES = {"/", "／", "-", "—", "－", "–", "——"}
EXCEL_ERRORS = {
    "#REF!",
    "#DIV/0!",
    "#VALUE!",
    "#NAME?",
    "#N/A",
    "#NUM!",
    "#NULL!",
    "#SPILL!",
    "#CALC!",
    "#GETTING_DATA",
}
_NUMBER_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


class Parsed(NamedTuple):
    raw: str
    value: int | Decimal | None
    status: Status


def raw_text(content: Any) -> str:
    """The cell's content as text, as a person would read it (12.0 read as a float is ``12``)."""
    if content is None:
        return ""
    if isinstance(content, bool):
        return "TRUE" if content else "FALSE"
    if isinstance(content, float):
        return str(int(content)) if content.is_integer() and abs(content) < 1e15 else repr(content)
    if isinstance(content, dt.date | dt.time | dt.timedelta):
        return content.isoformat() if not isinstance(content, dt.timedelta) else str(content)
    return str(content)


def parse(content: Any, cell: CellDef) -> Parsed:
    if type(content) is float and cell.type == "count" and content.is_integer() and 0 <= content < 1e12:
        whole = int(content)  # the common case, decided as _number would decide it
        return Parsed(str(whole), whole, "ok")
    if content == "":
        return Parsed("", None, "blank")
    raw = raw_text(content)
    if content is None or (isinstance(content, str) and not content.strip()):
        return Parsed(raw, None, "blank")
    if isinstance(content, bool | dt.date | dt.time | dt.timedelta):
        return Parsed(raw, None, "invalid")
    if isinstance(content, int | float):
        return _number(
            raw, Decimal(repr(float(content))) if isinstance(content, float) else Decimal(content), cell, "ok"
        )
    text = unicodedata.normalize("NFKC", str(content)).strip().replace(" ", "")
    if text in SLASHES or str(content).strip() in SLASHES:
        return Parsed(raw, None, "slash")
    if text.upper() in EXCEL_ERRORS:
        return Parsed(raw, None, "error")
    if _GROUPED.match(text):
        text = text.replace(",", "")
    if not _NUMBER_TEXT.match(text):
        return Parsed(raw, None, "invalid")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return Parsed(raw, None, "invalid")
    return _number(raw, number, cell, "normalized")


def _number(raw: str, number: Decimal, cell: CellDef, status: Status) -> Parsed:
    if not number.is_finite():
        return Parsed(raw, None, "invalid")
    if abs(number) >= LIMIT:
        return Parsed(raw, None, "too_large")
    if number < 0 and cell.type != "change":
        return Parsed(raw, None, "negative")
    if cell.type == "amount":
        quantum = Decimal(1).scaleb(-cell.scale)
        if number != number.quantize(quantum):
            return Parsed(raw, None, "too_precise")
        return Parsed(raw, number.quantize(quantum), status)
    if number != number.to_integral_value():
        return Parsed(raw, None, "not_integer")
    return Parsed(raw, int(number), status)
