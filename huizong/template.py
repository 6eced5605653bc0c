"""Write a unit's template: the official tables, locked, with live totals, check cells and a hidden ``_meta``.

Input cells are unlocked and restricted by data validation; totals are formulas whose cached values are computed
here (xlsxwriter would otherwise cache 0); every rule that holds within one report gets a visible check cell that
shows 通过 or what is out of balance. ``values`` pre-fills input cells (the demo and the tests fill templates so).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.workbook import Format, Workbook
from xlsxwriter.worksheet import Worksheet

from huizong import __version__
from huizong.forms import CellDef, Form, Rule
from huizong.formulas import PASS, Value, check_formula, check_rules, check_text, numeric, sum_formula
from huizong.layout import SheetLayout, Span, layout_form, text_width
from huizong.meta import CELL_COLUMNS, HEADER_KEYS, LAYOUT_VERSION, MARKER, SCOPES, SHEET, cell_rows, template_hash
from huizong.periods import Period
from huizong.registry import Unit

INSTRUCTIONS = "填报说明"
NUMBER_FORMATS = {"count": "0", "change": "+0;-0;0"}
FONT = "宋体"
# No text ever becomes a number, a formula or a link by accident; parts are assembled in memory, not in temp files.
BOOK_OPTIONS = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False, "in_memory": True}


class Formats:
    def __init__(self, book: Workbook) -> None:
        base = {"font_name": FONT, "font_size": 10, "valign": "vcenter", "text_wrap": True}
        boxed = {**base, "border": 1}

        def make(**extra: Any) -> Format:
            return book.add_format({**boxed, **extra})

        self.title = book.add_format({**base, "font_name": "黑体", "font_size": 16, "align": "center"})
        self.info = book.add_format({**base, "font_size": 10})
        self.section = book.add_format({**base, "font_name": "黑体", "font_size": 12})
        self.heading = make(align="center", bold=True)
        self.row_label = make(align="left")
        self.corner = make(align="center", font_size=9)
        self.check_label = make(align="left", font_size=9)
        self.check = make(align="left", font_size=9, bold=True, font_color="#C00000")
        self.passed = book.add_format({"font_color": "#2E7D32"})
        self.group_label = make(align="center")
        self.text = book.add_format({**base})
        self.input: dict[str, Format] = {}
        self.computed: dict[str, Format] = {}

    def number(self, book: Workbook, cell: CellDef) -> tuple[Format, Format]:
        key = f"{cell.type}{cell.scale}"
        if key not in self.input:
            number = NUMBER_FORMATS.get(cell.type) or "0." + "0" * cell.scale
            base = {"font_name": FONT, "font_size": 10, "border": 1, "valign": "vcenter", "num_format": number}
            self.input[key] = book.add_format({**base, "locked": False, "bg_color": "#FFF2CC"})
            self.computed[key] = book.add_format({**base, "bold": True, "bg_color": "#E7E6E6"})
        return self.input[key], self.computed[key]


def write_template(
    path: Path,
    form: Form,
    unit: Unit,
    period: Period,
    *,
    deadline: dt.date | None = None,
    values: Mapping[str, Value] | None = None,
    password: str = "huizong",
    scope: str = "own",
    generated_at: dt.datetime | None = None,
) -> Path:
    """Write ``unit``'s template of ``form`` for ``period`` to ``path`` and return the path.

    ``generated_at`` (default: now) is recorded in ``_meta`` and the file properties; the same inputs and the same
    time give a byte-identical file, which intake then recognises as the same file."""
    generated_at = generated_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    book = new_book(path, f"{unit.name}{period.label}{form.title}", form.key, generated_at)
    fmt = Formats(book)
    intro = book.add_worksheet(INSTRUCTIONS)
    computed = form.compute(numeric(values or {}))
    checks = add_form_sheets(book, fmt, form, unit, period, values or {}, password)
    _write_instructions(intro, fmt, form, unit, period, deadline, checks, computed)
    intro.protect(password)
    intro.activate()
    add_meta(book, form, unit, period, scope, generated_at)
    book.close()
    return path


def new_book(path: Path, title: str, comments: str, generated_at: dt.datetime) -> Workbook:
    """A workbook in which no text ever becomes a number, a formula or a link by accident."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), BOOK_OPTIONS)
    book.set_properties(
        {"title": title, "author": "huizong", "comments": comments, "created": generated_at.replace(tzinfo=None)}
    )
    return book


def add_form_sheets(
    book: Workbook,
    fmt: Formats,
    form: Form,
    unit: Unit,
    period: Period,
    values: Mapping[str, Value],
    password: str,
    prefix: str = "",
) -> list[tuple[Rule, str, str]]:
    """One sheet per table of ``form`` with ``values`` in its input cells and live totals and checks.

    The sheets are named as the tables (``prefix`` before each name, for a second copy in the same workbook); only
    unprefixed sheets are where ``_meta`` says the cells are. Returns each check cell as (rule, sheet, cell)."""
    unknown = sorted(set(values) - set(form.inputs))
    if unknown:
        raise ValueError(f"not input cells of {form.key}: {', '.join(unknown[:5])}")
    computed = form.compute(numeric(values))
    checks: list[tuple[Rule, str, str]] = []
    for layout in layout_form(form).values():
        sheet = book.add_worksheet((prefix + layout.table.sheet)[:31])
        checks += _write_table(book, sheet, fmt, form, layout, unit, period, values, computed)
        sheet.protect(password, {"select_locked_cells": True, "select_unlocked_cells": True})
    return checks


def _heading(sheet: Worksheet, span: Span, text: str, fmt: Format) -> None:
    if span.merged:
        sheet.merge_range(span.row, span.col, span.last_row, span.last_col, text, fmt)
    else:
        sheet.write_string(span.row, span.col, text, fmt)


def _write_table(
    book: Workbook,
    sheet: Worksheet,
    fmt: Formats,
    form: Form,
    layout: SheetLayout,
    unit: Unit,
    period: Period,
    values: Mapping[str, Value],
    computed: Mapping[str, int | Decimal],
) -> list[tuple[Rule, str, str]]:
    write_frame(sheet, fmt, form, layout, unit, period)
    for code in layout.cells:
        _write_cell(book, sheet, fmt, form, code, layout, values.get(code), computed)
    checks = _write_checks(sheet, fmt, form, layout, computed)
    print_setup(sheet, layout, layout.end_row + 1 + len(checks))
    return checks


def write_frame(sheet: Worksheet, fmt: Formats, form: Form, layout: SheetLayout, unit: Unit, period: Period) -> None:
    """Everything of a table sheet but its numbers: title, unit line, section, merged headings, sizes."""
    last = layout.width - 1
    for col, width in enumerate(layout.col_widths):
        sheet.set_column(col, col, width)
    sheet.merge_range(0, 0, 0, last, f"{unit.name}{period.label}{form.title}", fmt.title)
    sheet.set_row(0, 30)
    info = f"填报单位：{unit.name}　　单位代码：{unit.code}　　报告期：{period.label}　　表式：{form.basis}"
    sheet.merge_range(1, 0, 1, last, info, fmt.info)
    sheet.set_row(1, 14.0 * max(1, round(text_width(info) / sum(layout.col_widths) + 0.49)) + 4)
    sheet.merge_range(2, 0, 2, last, layout.table.title, fmt.section)
    sheet.set_row(2, 20)
    styles = {"block": fmt.heading, "column": fmt.heading, "corner": fmt.corner, "row": fmt.row_label}
    for heading in layout.headings:
        group = heading.role == "row" and heading.span.last_row > heading.span.row
        _heading(sheet, heading.span, heading.text, fmt.group_label if group else styles[heading.role])
    for row, height in layout.row_heights().items():
        sheet.set_row(row, height)


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


def _write_cell(
    book: Workbook,
    sheet: Worksheet,
    fmt: Formats,
    form: Form,
    code: str,
    layout: SheetLayout,
    value: Value | None,
    computed: Mapping[str, int | Decimal],
) -> None:
    cell, span = form.cells[code], layout.cells[code]
    input_fmt, computed_fmt = fmt.number(book, cell)
    style = computed_fmt if cell.computed else input_fmt
    if span.merged:
        sheet.merge_range(span.row, span.col, span.last_row, span.last_col, "", style)
    if cell.computed:
        refs = [layout.cells[part] for part in form.formulas[code]]
        sheet.write_formula(span.row, span.col, sum_formula(refs), style, _cached(computed[cell.code]))
        return
    if isinstance(value, str):
        sheet.write_string(span.row, span.col, value, style)
    elif value is not None:
        sheet.write_number(span.row, span.col, value, style)
    elif not span.merged:
        sheet.write_blank(span.row, span.col, None, style)
    sheet.data_validation(span.row, span.col, span.last_row, span.last_col, _validation(cell))


def _cached(value: int | Decimal) -> int | float:
    return float(value) if isinstance(value, Decimal) else value


def _validation(cell: CellDef) -> dict[str, Any]:
    if cell.type == "amount":
        rule: dict[str, Any] = {"validate": "decimal", "criteria": ">=", "value": 0}
        hint = f"单位：{cell.unit}，大于或等于0，最多{cell.scale}位小数；没有请填0"
    elif cell.type == "change":
        rule = {"validate": "integer", "criteria": "between", "minimum": -(10**12), "maximum": 10**12}
        hint = "本年增/减：增加填正数，减少填负数（如 -3），没有变化填0"
    else:
        rule = {"validate": "integer", "criteria": ">=", "value": 0}
        hint = "请填写大于或等于0的整数；没有请填0，不要留空或填“/”"
    return {
        **rule,
        "input_title": "填写说明",
        "input_message": hint,
        "error_title": "输入有误",
        "error_message": hint,
        "error_type": "stop",
    }


def _write_checks(
    sheet: Worksheet, fmt: Formats, form: Form, layout: SheetLayout, computed: Mapping[str, int | Decimal]
) -> list[tuple[Rule, str, str]]:
    rules = check_rules(form, layout.table.code)
    if not rules:
        return []
    row = layout.end_row + 1
    split = max(layout.label_cols - 1, min(2, layout.width - 2))
    sheet.merge_range(row, 0, row, layout.width - 1, "自动校验（填写时自动计算，全部显示“通过”后再报送）", fmt.section)
    done = []
    for rule in rules:
        row += 1
        label = f"{rule.id}　{rule.message}"
        sheet.merge_range(row, 0, row, split, label, fmt.check_label)
        sheet.merge_range(row, split + 1, row, layout.width - 1, "", fmt.check)
        formula = check_formula(rule.equations, layout)
        sheet.write_formula(row, split + 1, formula, fmt.check, check_text(rule.equations, computed))
        _mark_passed(sheet, fmt, row, split + 1)
        width = sum(layout.col_widths[: split + 1])
        sheet.set_row(row, 13.0 * max(2, round(text_width(label) / (width - 1) + 0.49)) + 4)
        done.append((rule, layout.table.sheet, xl_rowcol_to_cell(row, split + 1)))
    return done


def _type_notes(form: Form) -> list[str]:
    """Filling notes for the cell types this form has beyond counts, worded from the declaration."""
    notes = []
    amounts = sorted({(c.col.labels[-1], c.unit, c.scale) for c in form.cells.values() if c.type == "amount"})
    for label, unit, scale in amounts:
        notes.append(f"“{label}”以{unit}为单位填写，最多保留{scale}位小数。")
    if any(c.type == "change" for c in form.cells.values()):
        notes.append("“本年增/减”增加填正数，减少填负数（如 -3），没有变化填0。")
    return notes


def _mark_passed(sheet: Worksheet, fmt: Formats, row: int, col: int) -> None:
    """Show 通过 in green; anything else stays red."""
    rule = {"type": "cell", "criteria": "==", "value": f'"{PASS}"', "format": fmt.passed}
    sheet.conditional_format(row, col, row, col, rule)


def _write_instructions(
    sheet: Worksheet,
    fmt: Formats,
    form: Form,
    unit: Unit,
    period: Period,
    deadline: dt.date | None,
    checks: Sequence[tuple[Rule, str, str]],
    computed: Mapping[str, int | Decimal],
) -> None:
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 60)
    sheet.set_column(2, 2, 28)
    sheet.merge_range(0, 0, 0, 2, f"{unit.name}{period.label}{form.title}", fmt.title)
    sheet.set_row(0, 30)
    facts = [
        ("填报单位", unit.name),
        ("单位代码", unit.code),
        ("报告期", period.label),
        ("表式", f"{form.title}（{form.basis}）"),
        ("报送截止", f"{deadline:%Y年%m月%d日}" if deadline else "按通知要求"),
    ]
    for row, (key, value) in enumerate(facts, start=2):
        sheet.write_string(row, 0, key, fmt.heading)
        sheet.merge_range(row, 1, row, 2, value, fmt.row_label)
    notes = [
        "1. 本文件专供上述单位填报，请直接在本文件中填写后报送，不要复制到其他文件，也不要转给其他单位使用。",
        "2. 只在黄色单元格中填写数字。灰色单元格（总计、合计）由公式自动计算，不需要也不能填写。",
        "3. 件数填写大于或等于0的整数。没有发生的请填写0，不要留空，也不要填写“/”“无”“—”或文字说明。",
        *_type_notes(form),
        "每张表下方的“自动校验”及本页下方的校验结果全部显示“通过”后再报送。",
        "请勿增删、移动工作表、行或列，不要修改表头文字。保存时请保持 .xlsx 格式，不要另存为 .xls 或 .et 格式。",
    ]
    notes = notes[:3] + [f"{number}. {note}" for number, note in enumerate(notes[3:], start=4)]
    row = len(facts) + 3
    sheet.merge_range(row, 0, row, 2, "填报要求", fmt.section)
    for note in notes:
        row += 1
        sheet.merge_range(row, 0, row, 2, note, fmt.text)
        sheet.set_row(row, 30)
    row += 2
    sheet.merge_range(row, 0, row, 2, "校验结果", fmt.section)
    row += 1
    for col, text in enumerate(("规则", "说明", "结果")):
        sheet.write_string(row, col, text, fmt.heading)
    for rule, sheet_name, cell in checks:
        row += 1
        sheet.write_string(row, 0, f"{rule.id}（{sheet_name[:1]}）", fmt.check_label)
        sheet.write_string(row, 1, rule.message, fmt.check_label)
        sheet.set_row(row, 13.0 * max(2, round(text_width(rule.message) / 58 + 0.49)) + 4)
        value = check_text(rule.equations, computed)
        sheet.write_formula(row, 2, f"={quote_sheetname(sheet_name)}!{cell}", fmt.check, value)
        _mark_passed(sheet, fmt, row, 2)
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.center_horizontally()
    sheet.hide_gridlines(2)


def add_meta(book: Workbook, form: Form, unit: Unit, period: Period, scope: str, generated_at: dt.datetime) -> None:
    """The very hidden ``_meta`` sheet (docs/meta.md): what the workbook is, and where each numeric cell is."""
    sheet = book.add_worksheet(SHEET)
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
    rows = cell_rows(form)
    header = {
        "form_id": form.id,
        "form_version": form.version,
        "form_title": form.title,
        "form_basis": form.basis,
        "unit_code": unit.code,
        "unit_name": unit.name,
        "unit_kind": unit.kind,
        "period": str(period),
        "scope": scope,
        "template_hash": template_hash(form.id, form.version, unit.code, str(period), scope, rows),
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "generator": f"huizong {__version__}",
    }
    sheet.write_string(0, 0, MARKER)
    sheet.write_string(0, 1, LAYOUT_VERSION)
    for row, key in enumerate(HEADER_KEYS, start=1):
        sheet.write_string(row, 0, key)
        sheet.write_string(row, 1, header[key])
    top = len(HEADER_KEYS) + 2
    for col, name in enumerate(CELL_COLUMNS):
        sheet.write_string(top, col, name)
    for row, cell_row in enumerate(rows, start=top + 1):
        for col, text in enumerate(cell_row.as_tuple()):
            sheet.write_string(row, col, text)
    sheet.very_hidden()
