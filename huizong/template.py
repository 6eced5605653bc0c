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
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from huizong import __version__
from huizong.forms import CellDef, Form, Rule
from huizong.formulas import PASS, Value, check_formula, check_rules, check_text, numeric, sum_formula
from huizong.frame import CHECKS, Formats, Kind, print_setup, short_title, title_height, title_of, write_frame
from huizong.layout import SheetLayout, layout_form
from huizong.meta import CELL_COLUMNS, HEADER_KEYS, LAYOUT_VERSION, MARKER, SCOPES, SHEET, cell_rows, template_hash
from huizong.paper import Rows, height_of
from huizong.periods import Period
from huizong.registry import Unit

INSTRUCTIONS = "填报说明"
INSTRUCTION_WIDTHS = (14, 56, 18)  # portrait A4 at full size
# No text ever becomes a number, a formula or a link by accident; parts are assembled in memory, not in temp files.
BOOK_OPTIONS = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False, "in_memory": True}


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
    book = new_book(path, title_of(form, unit, period, "template"), form.key, generated_at)
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


def new_book(path: Path, title: str, comments: str, generated_at: dt.datetime, status: str = "") -> Workbook:
    """A workbook in which no text ever becomes a number, a formula or a link by accident. ``status`` goes into its
    properties (a consolidated workbook's 定稿 or 初稿, which the tier above reads)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), BOOK_OPTIONS)
    properties = {
        "title": title,
        "author": "huizong",
        "comments": comments,
        "created": generated_at.replace(tzinfo=None),
    }
    if status:
        properties["status"] = status
    book.set_properties(properties)
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
    kind: Kind = "template",
) -> list[tuple[Rule, str, str]]:
    """One sheet per table of ``form`` with ``values`` in its input cells and live totals and checks.

    The sheets are named as the tables (``prefix`` before each name, for a second copy in the same workbook); only
    unprefixed sheets are where ``_meta`` says the cells are. ``kind`` (see ``huizong.frame``) says whether they are a
    form to fill or locked totals or a copy. Returns each check cell as (rule, sheet, cell)."""
    unknown = sorted(set(values) - set(form.inputs))
    if unknown:
        raise ValueError(f"not input cells of {form.key}: {', '.join(unknown[:5])}")
    computed = form.compute(numeric(values))
    checks: list[tuple[Rule, str, str]] = []
    for layout in layout_form(form).values():
        sheet = book.add_worksheet((prefix + layout.table.sheet)[:31])
        checks += _write_table(sheet, fmt, form, layout, unit, period, values, computed, kind)
        sheet.protect(password, {"select_locked_cells": True, "select_unlocked_cells": True})
    return checks


def _write_table(
    sheet: Worksheet,
    fmt: Formats,
    form: Form,
    layout: SheetLayout,
    unit: Unit,
    period: Period,
    values: Mapping[str, Value],
    computed: Mapping[str, int | Decimal],
    kind: Kind,
) -> list[tuple[Rule, str, str]]:
    rows = write_frame(sheet, fmt, form, layout, unit, period, kind)
    for code in layout.cells:
        _write_cell(sheet, fmt, form, code, layout, values.get(code), computed, kind)
    checks = _write_checks(sheet, fmt, form, layout, computed, rows, kind)
    rows.apply(sheet)
    print_setup(sheet, layout, layout.end_row + 1 + len(checks))
    return checks


def _write_cell(
    sheet: Worksheet,
    fmt: Formats,
    form: Form,
    code: str,
    layout: SheetLayout,
    value: Value | None,
    computed: Mapping[str, int | Decimal],
    kind: Kind,
) -> None:
    cell, span = form.cells[code], layout.cells[code]
    style = fmt.number(cell, kind)
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
    if kind == "template":
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
    sheet: Worksheet,
    fmt: Formats,
    form: Form,
    layout: SheetLayout,
    computed: Mapping[str, int | Decimal],
    rows: Rows,
    kind: Kind,
) -> list[tuple[Rule, str, str]]:
    rules = check_rules(form, layout.table.code)
    if not rules:
        return []
    row = layout.end_row + 1
    last = layout.width - 1
    split = max(layout.label_cols - 1, min(2, layout.width - 2))
    sheet.merge_range(row, 0, row, last, CHECKS[kind], fmt.section)
    rows.text(row, 0, CHECKS[kind], 12, last_col=last)
    done = []
    for rule in rules:
        row += 1
        label = f"{rule.id}　{rule.check_label}"
        shown = check_text(rule.equations, computed)
        sheet.merge_range(row, 0, row, split, label, fmt.check_label)
        sheet.merge_range(row, split + 1, row, last, "", fmt.check)
        sheet.write_formula(row, split + 1, check_formula(rule.equations, layout), fmt.check, shown)
        _mark_passed(sheet, fmt, row, split + 1)
        rows.text(row, 0, label, 9, last_col=split)
        rows.need(row, height_of(2, 9))  # room for two lines of what the check shows
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
    widths = INSTRUCTION_WIDTHS
    rows = Rows(widths)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    title = title_of(form, unit, period, "template")
    sheet.merge_range(0, 0, 0, 2, title, fmt.title)
    rows.need(0, title_height(title, rows.width(0, 2)))
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
        rows.text(row, 1, value, last_col=2)
    notes = [
        "1. 本文件专供上述单位填报，请直接在本文件中填写后报送，不要复制到其他文件，也不要转给其他单位使用。",
        "2. 只在黄色单元格中填写数字。灰色单元格（总计、合计）由公式自动计算，不需要也不能填写。",
        "3. 件数填写大于或等于0的整数。没有发生的请填写0，不要留空，也不要填写“/”“无”“—”或文字说明。",
        *_type_notes(form),
        "每张表下方的“自动校验”及本页下方的校验结果全部显示“通过”后再报送。",
        "请勿增删、移动工作表、行或列，不要修改表头文字。请保持 .xlsx 格式，不要另存为 .xls 或 .et 格式。",
    ]
    notes = notes[:3] + [f"{number}. {note}" for number, note in enumerate(notes[3:], start=4)]
    row = len(facts) + 3
    sheet.merge_range(row, 0, row, 2, "填报要求", fmt.section)
    rows.need(row, 22)
    for note in notes:
        row += 1
        sheet.merge_range(row, 0, row, 2, note, fmt.text)
        rows.text(row, 0, note, last_col=2)
        rows.need(row, 22)  # notes apart from each other
    row += 2
    sheet.merge_range(row, 0, row, 2, "校验结果", fmt.section)
    rows.need(row, 22)
    row += 1
    for col, text in enumerate(("规则", "说明", "结果")):
        sheet.write_string(row, col, text, fmt.heading)
    for rule, sheet_name, cell in checks:
        row += 1
        value = check_text(rule.equations, computed)
        table = next(t for t in form.tables if t.sheet == sheet_name)
        sheet.write_string(row, 0, f"{rule.id}（{short_title(table.title)}）", fmt.check_label)
        sheet.write_string(row, 1, rule.check_label, fmt.check_label)
        sheet.write_formula(row, 2, f"={quote_sheetname(sheet_name)}!{cell}", fmt.check, value)
        _mark_passed(sheet, fmt, row, 2)
        rows.text(row, 1, rule.check_label, 9)
        rows.need(row, height_of(2, 9))
    rows.apply(sheet)
    sheet.set_paper(9)
    sheet.set_margins(left=0.6, right=0.6, top=0.7, bottom=0.7)
    sheet.center_horizontally()
    sheet.print_area(0, 0, row, 2)
    sheet.fit_to_pages(1, 0)
    sheet.set_footer("&C第 &P 页，共 &N 页")
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
