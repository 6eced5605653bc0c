"""A table sheet's frame: title, unit lines, section, merged headings, formats, row heights and print setup.

Three kinds of sheet share it. A ``template`` is a form to fill: yellow, unlocked input cells, "填报单位". An
``aggregate`` sheet holds a region's totals (汇总): "汇总单位", 汇总 in the title, every cell locked and plain. A
``copy`` shows a unit's report as it was received (the 本级 sheets of a consolidated workbook, a receipt's tables):
locked and plain, under the unit's own name and code.
"""

from __future__ import annotations

from typing import Any, Literal

from xlsxwriter.workbook import Format, Workbook
from xlsxwriter.worksheet import Worksheet

from huizong.forms import CellDef, Form
from huizong.layout import SheetLayout, Span
from huizong.paper import Rows, fold, height_of, lines_needed
from huizong.periods import Period
from huizong.registry import Unit

Kind = Literal["template", "aggregate", "copy"]
NUMBER_FORMATS = {"count": "0", "change": "+0;-0;0"}
FONT = "宋体"
SIZE = 10
CHECKS = {
    "template": "自动校验（填写时自动计算，全部显示“通过”后再报送）",
    "aggregate": "汇总校验（按汇总数自动计算）",
    "copy": "自动校验（按所报数字自动计算）",
}


class Formats:
    def __init__(self, book: Workbook) -> None:
        base = {"font_name": FONT, "font_size": SIZE, "valign": "vcenter", "text_wrap": True}
        boxed = {**base, "border": 1}

        def make(**extra: Any) -> Format:
            return book.add_format({**boxed, **extra})

        self.book = book
        self.title = book.add_format({**base, "font_name": "黑体", "font_size": 16, "align": "center"})
        self.info = book.add_format({**base, "font_size": SIZE})
        self.section = book.add_format({**base, "font_name": "黑体", "font_size": 12})
        self.heading = make(align="center", bold=True)
        self.row_label = make(align="left")
        self.corner = make(align="center", font_size=9)
        self.check_label = make(align="left", font_size=9)
        self.check = make(align="left", font_size=9, bold=True, font_color="#C00000")
        self.passed = book.add_format({"font_color": "#2E7D32"})
        self.group_label = make(align="center")
        self.text = book.add_format({**base})
        self._numbers: dict[tuple[str, str], Format] = {}

    def number(self, cell: CellDef, kind: Kind = "template") -> Format:
        """The format of a numeric cell: input (yellow and unlocked in a template), or computed (grey, bold)."""
        role = "computed" if cell.computed else ("input" if kind == "template" else "plain")
        key = (f"{cell.type}{cell.scale}", role)
        if key not in self._numbers:
            number = NUMBER_FORMATS.get(cell.type) or "0." + "0" * cell.scale
            base = {"font_name": FONT, "font_size": SIZE, "border": 1, "valign": "vcenter", "num_format": number}
            extra = {
                "input": {"locked": False, "bg_color": "#FFF2CC"},
                "computed": {"bold": True, "bg_color": "#E7E6E6"},
                "plain": {},
            }[role]
            self._numbers[key] = self.book.add_format({**base, **extra})
        return self._numbers[key]


def short_title(title: str) -> str:
    """表二 for 二、主动公开政府信息情况 (a table's title without its number stays as it is)."""
    number, sep, _ = title.partition("、")
    return f"表{number}" if sep and len(number) <= 2 else title


def title_of(form: Form, unit: Unit, period: Period, kind: Kind) -> str:
    return f"{unit.name}{period.label}{form.title}" + ("（汇总）" if kind == "aggregate" else "")


def unit_lines(form: Form, unit: Unit, period: Period, kind: Kind) -> str:
    """The two lines under the title: who, then when and which form (never broken inside the form's basis)."""
    who = "汇总单位" if kind == "aggregate" else "填报单位"
    return f"{who}：{unit.name}　　单位代码：{unit.code}\n报告期：{period.label}　　表式：{form.basis}"


def unit_lines_height(text: str, width_points: float) -> float:
    return height_of(lines_needed(text, width_points, SIZE), SIZE)


def title_height(text: str, width_points: float) -> float:
    """A title row: 30 points, or more where a long unit name wraps the title."""
    return max(30.0, height_of(lines_needed(text, width_points, 16), 16))


def write_frame(
    sheet: Worksheet, fmt: Formats, form: Form, layout: SheetLayout, unit: Unit, period: Period, kind: Kind
) -> Rows:
    """Everything of a table sheet but its numbers; returns the row heights noted so far (the caller adds its own
    rows and applies them)."""
    last = layout.width - 1
    rows = Rows(layout.col_widths)
    for col, width in enumerate(layout.col_widths):
        sheet.set_column(col, col, width)
    title = title_of(form, unit, period, kind)
    sheet.merge_range(0, 0, 0, last, title, fmt.title)
    rows.need(0, title_height(title, rows.width(0, last)))
    info = unit_lines(form, unit, period, kind)
    sheet.merge_range(1, 0, 1, last, info, fmt.info)
    rows.need(1, unit_lines_height(info, rows.width(0, last)))
    sheet.merge_range(2, 0, 2, last, layout.table.title, fmt.section)
    rows.text(2, 0, layout.table.title, 12, last_col=last)
    rows.need(2, 20)
    styles = {"block": fmt.heading, "column": fmt.heading, "corner": fmt.corner, "row": fmt.row_label}
    for heading in layout.headings:
        span = heading.span
        group = heading.role == "row" and span.last_row > span.row
        size = 9 if heading.role == "corner" else SIZE
        text = (
            fold(heading.text, rows.width(span.col, span.last_col), size) if heading.role == "column" else heading.text
        )
        _heading(sheet, span, text, fmt.group_label if group else styles[heading.role])
        rows.text(span.row, span.col, text, size, last_col=span.last_col, last_row=span.last_row)
    return rows


def _heading(sheet: Worksheet, span: Span, text: str, fmt: Format) -> None:
    if span.merged:
        sheet.merge_range(span.row, span.col, span.last_row, span.last_col, text, fmt)
    else:
        sheet.write_string(span.row, span.col, text, fmt)


def print_setup(sheet: Worksheet, layout: SheetLayout, last_row: int) -> None:
    """A4, one page wide, headings repeated on every page, page numbers in the footer."""
    sheet.set_paper(9)
    if layout.table.orientation == "landscape":
        sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.center_horizontally()
    sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    sheet.repeat_rows(*layout.header_rows)
    sheet.set_footer("&C第 &P 页，共 &N 页")
    sheet.print_area(0, 0, last_row, layout.width - 1)
    sheet.hide_gridlines(2)
