"""Listing sheets (报送情况, 问题清单, 同比 and the like): one heading row, one row per record, printable.

``write_list`` sizes each column from what it holds (up to a limit, then the text wraps), folds headings at the
places ``huizong.paper`` would break them, sets every row's height from its text, and prints on A4 one page wide
with the heading row repeated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from xlsxwriter.workbook import Format, Workbook
from xlsxwriter.worksheet import Worksheet

from huizong.paper import Rows, column_points, page_points, text_points
from huizong.paper import fold as paper_fold

Kind = Literal["text", "int", "dec", "pct", "date", "time"]
SIZE = 10
Number = int | Decimal


@dataclass(frozen=True)
class Col:
    """A column: its heading, what it holds, and how wide it may grow (in characters)."""

    name: str
    kind: Kind = "text"
    most: float = 30.0
    least: float = 6.0
    center: bool = False  # short codes and flags: 是, 通过, 退回


@dataclass(frozen=True)
class Marked:
    """A value shown in the alert style (red, bold): 退回, 未报, 逾期, 错误."""

    value: Any


class Styles:
    def __init__(self, book: Workbook) -> None:
        base = {"font_name": "宋体", "font_size": SIZE, "border": 1, "valign": "vcenter"}

        def make(**extra: Any) -> Format:
            return book.add_format({**base, **extra})

        self.head = make(bold=True, align="center", bg_color="#D9E1F2", text_wrap=True)
        self.text = make(text_wrap=True)
        self.int = make(num_format="#,##0")
        self.dec = make(num_format="#,##0.0000")
        self.pct = make(num_format="0.0%")
        self.sub_text = make(bold=True, bg_color="#F2F2F2", text_wrap=True)
        self.sub_int = make(bold=True, bg_color="#F2F2F2", num_format="#,##0")
        self.sub_dec = make(bold=True, bg_color="#F2F2F2", num_format="#,##0.0000")
        self.alert = make(font_color="#C00000", bold=True, text_wrap=True)
        self.centred = make(align="center", text_wrap=True)
        self.centred_alert = make(align="center", font_color="#C00000", bold=True, text_wrap=True)
        self.date = make(num_format="yyyy-mm-dd")
        self.time = make(num_format="yyyy-mm-dd hh:mm")
        self.title = book.add_format({"font_name": "黑体", "font_size": 16, "align": "center", "valign": "vcenter"})
        self.note = book.add_format({"font_name": "宋体", "font_size": SIZE, "valign": "top", "text_wrap": True})

    def number(self, value: Number | None, subtotal: bool = False) -> Format:
        if isinstance(value, Decimal):
            return self.sub_dec if subtotal else self.dec
        return self.sub_int if subtotal else self.int

    def of(self, kind: Kind) -> Format:
        return {"text": self.text, "int": self.int, "dec": self.dec, "pct": self.pct, "date": self.date,
                "time": self.time}[kind]  # fmt: skip


def shown(value: Any, kind: Kind) -> str:
    """The text a value shows as, for sizing its column and row."""
    if value is None:
        return ""
    if kind in ("int", "dec"):
        return f"{value:,.4f}" if isinstance(value, Decimal) else f"{int(value):,}"
    if kind == "pct":
        return f"{float(value):.1%}" if value != "" else ""
    if kind == "date":
        return "2026-01-31"
    if kind == "time":
        return "2026-01-31 08:00"
    return str(value)


def fold(text: str, width: float, size: float = SIZE) -> str:
    """A heading of a column ``width`` characters wide, with its line breaks written in (``paper.fold``)."""
    return paper_fold(text, column_points(width), size)


def heading_row(sheet: Worksheet, head: Format, cols: Sequence[Col], sizes: Sequence[float], top: int = 0) -> Rows:
    """Set the columns to ``sizes`` and write their folded headings at ``top``; the row heights noted so far."""
    rows = Rows(sizes)
    for col, (c, width) in enumerate(zip(cols, sizes, strict=True)):
        sheet.set_column(col, col, width)
        heading = fold(c.name, width)
        sheet.write_string(top, col, heading, head)
        rows.text(top, col, heading)
    return rows


def widths(cols: Sequence[Col], records: Sequence[Sequence[Any]], size: float = SIZE) -> list[float]:
    """Each column as wide as its longest value (in characters, a CJK one counting two), within its limits; the
    heading may wrap onto two lines. A number never wraps: its column is as wide as the widest one, bold as a
    subtotal's, whatever the limit (a spreadsheet would print ### instead)."""
    found = []
    for i, col in enumerate(cols):
        longest = max((text_points(shown(_plain(r[i]), col.kind), size) for r in records), default=0.0)
        heading = max(text_points(part, size) for part in _halves(col.name))
        width = min(_chars(max(longest, heading)), col.most)
        if col.kind in ("int", "dec", "pct"):
            width = max(width, _chars(longest * 1.1))
        found.append(width)
    return [max(w, c.least) for w, c in zip(found, cols, strict=True)]


def _chars(points: float) -> float:
    return points / (0.75 * 7) + 1.5


def _halves(name: str) -> list[str]:
    if len(name) <= 3:
        return [name]
    middle = (len(name) + 1) // 2
    return [name[:middle], name[middle:]]


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Marked) else value


def write_list(
    sheet: Worksheet,
    styles: Styles,
    cols: Sequence[Col],
    records: Iterable[Sequence[Any]],
    *,
    empty: str = "",
    landscape: bool = True,
    freeze: int = 0,
    top: int = 0,
) -> int:
    """Write the heading row at ``top`` and one row per record; return the row after the last. A record's values are
    written by their column's kind; a ``Marked`` value in the alert style; ``None`` as a blank."""
    records = list(records)
    sizes = widths(cols, records)
    rows = heading_row(sheet, styles.head, cols, sizes, top)
    row = top
    for row, record in enumerate(records, start=top + 1):
        for col, (c, value) in enumerate(zip(cols, record, strict=True)):
            _write(sheet, styles, row, col, c, value)
            if c.kind == "text":
                rows.text(row, col, str(_plain(value) or ""))
    if not records and empty:
        row = top + 1
        sheet.merge_range(row, 0, row, len(cols) - 1, empty, styles.text)
    rows.apply(sheet)
    sheet.autofilter(top, 0, max(row, top + 1), len(cols) - 1)
    sheet.freeze_panes(top + 1, freeze)
    print_list(sheet, top, landscape=landscape or sum(map(column_points, sizes)) > page_points(False))
    return row + 1


def _write(sheet: Worksheet, styles: Styles, row: int, col: int, column: Col, value: Any) -> None:
    marked = isinstance(value, Marked)
    value = _plain(value)
    kind = column.kind
    if kind in ("int", "dec"):  # a column of numbers shows each as what it is: a count, or an amount
        kind = "dec" if isinstance(value, Decimal) else "int"
    if column.center:
        style = styles.centred_alert if marked else styles.centred
    else:
        style = styles.alert if marked else styles.of(kind)
    if value is None or value == "":
        sheet.write_blank(row, col, None, style)
    elif kind == "text":
        sheet.write_string(row, col, str(value), style)
    elif kind in ("date", "time"):
        when = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        sheet.write_datetime(row, col, when, style)
    else:
        sheet.write_number(row, col, float(value) if isinstance(value, Decimal) else value, style)


def print_list(sheet: Worksheet, heading_row: int | None, landscape: bool = True) -> None:
    """A4 one page wide, centred, the heading row on every page, page numbers at the foot."""
    sheet.set_paper(9)
    if landscape:
        sheet.set_landscape()
    sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    sheet.center_horizontally()
    sheet.fit_to_pages(1, 0)
    if heading_row is not None:
        sheet.repeat_rows(heading_row)
    sheet.set_footer("&C第 &P 页，共 &N 页")
