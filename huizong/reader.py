"""Read a filled template back into (cell code, raw text, value), trusting nothing but the input cells.

``_meta`` says which form, unit and period the file is for and where every cell is; it must match the form's own
layout and its hash, else the file is not read further. Values are read with python-calamine; totals are recomputed
from the input cells (formula caches may be missing or stale). A total whose formula was replaced by a typed number is
kept as typed, so the identities check it like any other figure; a total that was cleared is a finding.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
from python_calamine import CalamineWorkbook
from xlsxwriter.utility import xl_rowcol_to_cell

from huizong import sheetxml
from huizong.catalog import FormCatalog
from huizong.errors import FormError, UsageError
from huizong.files import open_checked
from huizong.findings import Finding
from huizong.forms import CellDef, Form
from huizong.layout import layout_form
from huizong.meta import (
    CELL_COLUMNS,
    CELLS_HEADER_ROW,
    HEADER_KEYS,
    MARKER,
    SHEET,
    cell_rows,
    hash_with_rows,
    rows_json,
)
from huizong.periods import Period
from huizong.registry import Registry
from huizong.sheetxml import MetaXml, Parts, read_meta, scan_sheets
from huizong.values import USABLE, Parsed, parse


class CellValue(NamedTuple):
    code: str
    raw: str
    value: int | Decimal | None  # None: blank, "/" or unreadable; see ``status``
    status: str
    typed_over: bool = False  # a computed cell whose formula was replaced by a typed value


class CellValues(Mapping[str, CellValue]):
    """A reading's values as they travel from a reader process: five columns, made into cells only when asked for.
    Most readings reach the main process only to be checked over ``Reading.scaled`` and loaded from ``Reading.cells``:
    making their 200 cells each (4 million at province scale) cost more there than everything else they do."""

    __slots__ = ("_cells", "columns")

    def __init__(self, columns: tuple[tuple[Any, ...], ...]) -> None:
        self.columns = columns  # code, raw, value, status, typed_over
        self._cells: dict[str, CellValue] | None = None

    def _made(self) -> dict[str, CellValue]:
        if self._cells is None:
            self._cells = {cell[0]: CellValue._make(cell) for cell in zip(*self.columns, strict=True)}
        return self._cells

    def __getitem__(self, code: str) -> CellValue:
        return self._made()[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self.columns[0] if self.columns else ())

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def __contains__(self, code: object) -> bool:
        return code in self._made()


@dataclass
class Reading:
    path: Path
    meta: dict[str, str] = field(default_factory=dict)
    form: Form | None = None
    values: Mapping[str, CellValue] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    # the values as Arrow rows and as exact integers for the rules (``huizong.cells``): made once, where it is read
    cells: pa.Table | None = field(default=None, repr=False, compare=False)
    scaled: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (to and from reader processes) with the values as columns: five tuples of 200 pickle in a tenth of
        the time of 200 tuples of five. ``cells`` stays behind: a chunk's cells travel as one table
        (``huizong.cells.give``), or are made again where needed."""
        state = dict(self.__dict__)
        values = self.values
        columns = values.columns if isinstance(values, CellValues) else tuple(zip(*values.values(), strict=True))
        state["values"] = columns
        state["cells"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        columns = state.pop("values")
        self.__dict__.update(state)
        self.values = CellValues(columns)

    def numbers(self) -> dict[str, int | Decimal]:
        """Every cell as a number for arithmetic: blanks and unreadable cells count as 0."""
        return {code: cell.value if cell.value is not None else 0 for code, cell in self.values.items()}


def read_workbook(path: Path, catalog: FormCatalog, registry: Registry | None = None) -> Reading:
    reading = Reading(path)
    opened = open_checked(path)
    if isinstance(opened, Finding):
        reading.findings.append(opened)
        return reading
    with opened as archive:
        return _read_checked(path, archive, reading, catalog, registry)


def _read_checked(
    path: Path, archive: zipfile.ZipFile, reading: Reading, catalog: FormCatalog, registry: Registry | None
) -> Reading:
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several types for damaged files; all mean "cannot open"
        reading.findings.append(
            Finding(
                "FILE",
                "error",
                f"文件无法作为 Excel 工作簿打开（文件损坏、加密或不是 .xlsx 格式）：{exc}",
                message_en="the file cannot be opened as an xlsx workbook",
            )
        )
        return reading
    where = sheetxml.parts(archive)
    try:
        if not _read_meta(book, read_meta(archive, where), reading, catalog, registry):
            return reading
        assert reading.form is not None
        _read_values(book, archive, where, reading, reading.form)
    finally:
        book.close()
    return reading


def _meta_finding(reading: Reading, message: str, english: str, cell: str = "") -> bool:
    reading.findings.append(
        Finding("META", "error", message, sheet=SHEET if cell else "", cell=cell, message_en=english)
    )
    return False


@dataclass(frozen=True)
class _Place:
    code: str
    row: int
    col: int
    a1: str
    cell: CellDef
    count: bool  # a count: most cells, read on the quick path when calamine gives a whole float


@dataclass(frozen=True)
class _Plan:
    """What reading a template of one form needs, worked out once per form: the ``_meta`` cell map it must carry
    (as rows and as the JSON its hash covers) and where each cell sits, table by table."""

    rows: list[list[str]]
    rows_json: str
    addresses: bytes  # the cell map's non-empty cells in ``_meta``, as ``MetaXml`` gives them
    texts: tuple[str, ...]
    tables: tuple[tuple[str, int, tuple[_Place, ...]], ...]  # (sheet, end row, cells)
    places: dict[str, tuple[str, str]]  # code -> (sheet, A1)


@cache
def _plan(form: Form) -> _Plan:
    layouts = layout_form(form)
    expected = cell_rows(form)
    tables = []
    places: dict[str, tuple[str, str]] = {}
    for table in form.tables:
        layout = layouts[table.code]
        cells = tuple(
            _Place(code, span.row, span.col, span.a1, form.cells[code], form.cells[code].type == "count")
            for code, span in layout.cells.items()
        )
        tables.append((table.sheet, layout.end_row, cells))
        places |= {place.code: (table.sheet, place.a1) for place in cells}
    rows = [list(r.as_tuple()) for r in expected]
    filled = [
        (xl_rowcol_to_cell(CELLS_HEADER_ROW + 1 + r, c).encode(), text)
        for r, row in enumerate(rows)
        for c, text in enumerate(row)
        if text
    ]
    addresses = b" ".join(address for address, _ in filled)
    return _Plan(rows, rows_json(expected), addresses, tuple(t for _, t in filled), tuple(tables), places)


def _read_meta(
    book: CalamineWorkbook, quick: MetaXml | None, reading: Reading, catalog: FormCatalog, registry: Registry | None
) -> bool:
    """Check ``_meta`` and take the form, unit and period from it. ``quick`` is ``_meta`` as read from its XML: when
    its cell map equals the form's, calamine need not parse the sheet's 1,900 cells; else calamine's reading is
    checked, and its findings given."""
    if SHEET not in book.sheet_names:
        ours = any({t.sheet for t in form.tables} <= set(book.sheet_names) for form in catalog.forms.values())
        if ours:
            return _meta_finding(
                reading,
                "文件的识别信息（_meta）已丢失（可能把表格复制到了新文件中）：请直接在下发的模板中填写后报送",
                "the tables are ours but the _meta sheet was removed",
            )
        return _meta_finding(
            reading,
            "不是本系统下发的填报模板（缺少识别信息 _meta）：请使用下发的模板填报，不要复制到其他文件",
            "not a huizong template: the _meta sheet is missing",
        )
    grid: list[list[Any]] = []
    if quick is None:
        grid = book.get_sheet_by_name(SHEET).to_python(skip_empty_area=False)

    def cell(r: int, c: int) -> str:
        if quick is not None:
            return _text(quick.head.get((r, c)))
        return _text(grid[r][c]) if r < len(grid) and c < len(grid[r]) else ""

    if cell(0, 0) != MARKER:
        return _meta_finding(reading, "模板识别信息（_meta）已损坏", "the _meta sheet is damaged", "A1")
    meta = {cell(r, 0): cell(r, 1) for r in range(1, len(HEADER_KEYS) + 1)}
    reading.meta = meta
    missing = [k for k in HEADER_KEYS if not meta.get(k) and k not in ("unit_kind", "generated_at", "generator")]
    if missing:
        return _meta_finding(reading, f"模板识别信息（_meta）缺少：{', '.join(missing)}", "_meta lacks keys", "A2")
    try:
        form = catalog.get(f"{meta['form_id']}/{meta['form_version']}")
    except FormError:
        return _meta_finding(
            reading,
            f"模板声明的表式 {meta['form_id']}/{meta['form_version']} 不存在，请使用下发的模板",
            "unknown form in _meta",
            _address("form_id"),
        )
    plan = _plan(form)
    quick_same = quick is not None and quick.addresses == plan.addresses and quick.texts == plan.texts
    if not quick_same and not _same_cell_map(book.get_sheet_by_name(SHEET).to_python(skip_empty_area=False), plan):
        return _meta_finding(
            reading,
            "模板识别信息（_meta）与表式不一致，模板可能被改动，请重新下载模板填报",
            "_meta cell map was edited",
            "A1",
        )
    digest = hash_with_rows(form.id, form.version, meta["unit_code"], meta["period"], meta["scope"], plan.rows_json)
    if digest != meta["template_hash"]:
        return _meta_finding(
            reading,
            "模板识别信息（_meta）被改动（校验码不符），请重新下载模板填报",
            "_meta was edited (hash mismatch)",
            _address("template_hash"),
        )
    try:
        Period.parse(meta["period"])
    except UsageError:
        return _meta_finding(
            reading, f"模板中的报告期 {meta['period']!r} 无法识别", "bad period in _meta", _address("period")
        )
    if registry is not None and meta["unit_code"] not in registry.units:
        return _meta_finding(
            reading,
            f"单位代码 {meta['unit_code']}（{meta['unit_name']}）不在单位名录中",
            "unit not registered",
            _address("unit_code"),
        )
    reading.form = form
    return True


def _same_cell_map(grid: list[list[Any]], plan: _Plan) -> bool:
    width = len(CELL_COLUMNS)
    if [row[:width] for row in grid[CELLS_HEADER_ROW + 1 :]] == plan.rows:
        return True
    rows = [[_text(row[c]) if c < len(row) else "" for c in range(width)] for row in grid[CELLS_HEADER_ROW + 1 :]]
    return [r for r in rows if r[0]] == plan.rows  # compared as text, row by row


def _address(key: str) -> str:
    """Where a header key's value sits in ``_meta`` (column B, after the marker row)."""
    return f"B{HEADER_KEYS.index(key) + 2}"


def _text(content: Any) -> str:
    return "" if content is None else str(content).strip()


def _read_values(
    book: CalamineWorkbook, archive: zipfile.ZipFile, where: Parts | None, reading: Reading, form: Form
) -> None:
    plan = _plan(form)
    scans = scan_sheets(archive, where, [sheet for sheet, _, _ in plan.tables])
    inputs: dict[str, CellValue] = {}
    computed: dict[str, tuple[Parsed, bool]] = {}  # code -> (as typed, still a formula)
    names = set(book.sheet_names)
    for sheet, end_row, places in plan.tables:
        if sheet not in names:
            reading.findings.append(
                Finding("META", "error", f"缺少工作表“{sheet}”", sheet=sheet, message_en="sheet missing")
            )
            continue
        grid = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=end_row)
        scan = scans.get(sheet)
        errors, formulas = (scan.errors, scan.formulas) if scan is not None else ({}, set())
        for place in places:
            row = grid[place.row] if place.row < len(grid) else ()
            content = errors.get(place.a1) or (row[place.col] if place.col < len(row) else None)
            if place.cell.computed:
                computed[place.code] = (parse(content, place.cell), place.a1 in formulas)
            elif place.a1 in formulas:  # a formula typed into an input cell
                p = _input_formula(parse(content, place.cell))
                inputs[place.code] = CellValue(place.code, p.raw, p.value, p.status)
            elif place.count and type(content) is float and content.is_integer() and 0 <= content < 1e12:
                whole = int(content)  # what ``parse`` would make of it, without making it twice
                inputs[place.code] = CellValue(place.code, str(whole), whole, "ok")
            else:
                p = parse(content, place.cell)
                inputs[place.code] = CellValue(place.code, p.raw, p.value, p.status)
    _resolve(reading, form, inputs, computed)


def _resolve(
    reading: Reading, form: Form, inputs: dict[str, CellValue], computed: Mapping[str, tuple[Parsed, bool]]
) -> None:
    """Recompute the totals from the input cells; a total whose formula is gone is taken as typed, or is a
    finding."""
    places = _plan(form).places
    values = inputs
    numbers: dict[str, int | Decimal] = {code: v.value if v.value is not None else 0 for code, v in inputs.items()}
    for code, parts in form.formulas.items():
        if code not in computed:
            continue
        sheet, address = places[code]
        p, formula = computed[code]
        try:
            total = sum(map(numbers.__getitem__, parts))
        except KeyError:  # a sheet is missing
            total = sum((numbers.get(part, 0) for part in parts), start=0)
        if formula:
            values[code] = CellValue(code, p.raw, total, "ok")
            numbers[code] = total
        elif p.status in USABLE:
            values[code] = CellValue(code, p.raw, p.value, p.status, typed_over=True)
            numbers[code] = p.value if p.value is not None else 0
            reading.findings.append(
                Finding(
                    "FORMULA",
                    "warning",
                    "合计单元格的公式被改成了填写的数字，已按填写的数字参与校验",
                    sheet=sheet,
                    cell=address,
                    seen=p.raw,
                    expected=str(total),
                    message_en="a total's formula was replaced by a typed number",
                )
            )
        else:
            values[code] = CellValue(code, p.raw, None, p.status, typed_over=True)
            numbers[code] = 0
            reading.findings.append(
                Finding(
                    "FORMULA",
                    "error",
                    "合计单元格的公式被删除或清空，请使用下发的模板重新填报",
                    sheet=sheet,
                    cell=address,
                    seen=p.raw,
                    expected=str(total),
                    message_en="a total's formula was removed",
                )
            )
    reading.values = {code: values[code] for code in form.cells if code in values}


def _input_formula(parsed: Parsed) -> Parsed:
    """A formula typed into an input cell: its cached result is read like a typed number (with a note), and
    without a cached result (saved by a tool that does not calculate) there is nothing to read."""
    if parsed.status in USABLE:
        return Parsed(parsed.raw, parsed.value, "formula")
    if parsed.status == "blank":
        return Parsed(parsed.raw, None, "formula_uncached")
    return parsed
