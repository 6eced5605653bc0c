"""Read a filled template back into (cell code, raw text, value), trusting nothing but the input cells.

``_meta`` says which form, unit and period the file is for and where every cell is; it must match the form's own
layout and its hash, else the file is not read further. Values are read with python-calamine; totals are recomputed
from the input cells (formula caches may be missing or stale). A total whose formula was replaced by a typed number is
kept as typed, so the identities check it like any other figure; a total that was cleared is a finding.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple
from xml.etree import ElementTree

import numpy as np
import pyarrow as pa
from python_calamine import CalamineWorkbook

from huizong.catalog import FormCatalog
from huizong.errors import FormError, UsageError
from huizong.files import open_checked
from huizong.findings import Finding
from huizong.forms import Form
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
from huizong.values import USABLE, Parsed, parse

MAX_SHEET_XML = 64 * 1024 * 1024  # bytes of one sheet's XML we are willing to inflate to find formulas
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


class CellValue(NamedTuple):
    code: str
    raw: str
    value: int | Decimal | None  # None: blank, "/" or unreadable; see ``status``
    status: str
    typed_over: bool = False  # a computed cell whose formula was replaced by a typed value


@dataclass
class Reading:
    path: Path
    meta: dict[str, str] = field(default_factory=dict)
    form: Form | None = None
    values: dict[str, CellValue] = field(default_factory=dict)
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
        state["values"] = tuple(zip(*self.values.values(), strict=True))
        state["cells"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        columns = state.pop("values")
        self.__dict__.update(state)
        self.values = {cell[0]: CellValue._make(cell) for cell in zip(*columns, strict=True)}

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
    try:
        if not _read_meta(book, reading, catalog, registry):
            return reading
        assert reading.form is not None
        _read_values(book, archive, reading, reading.form)
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


@dataclass(frozen=True)
class _Plan:
    """What reading a template of one form needs, worked out once per form: the ``_meta`` cell map it must carry
    (as rows and as the JSON its hash covers) and where each cell sits, table by table."""

    rows: list[list[str]]
    rows_json: str
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
        cells = tuple(_Place(code, span.row, span.col, span.a1) for code, span in layout.cells.items())
        tables.append((table.sheet, layout.end_row, cells))
        places |= {place.code: (table.sheet, place.a1) for place in cells}
    return _Plan([list(r.as_tuple()) for r in expected], rows_json(expected), tuple(tables), places)


def _read_meta(book: CalamineWorkbook, reading: Reading, catalog: FormCatalog, registry: Registry | None) -> bool:
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
    grid = book.get_sheet_by_name(SHEET).to_python(skip_empty_area=False)

    def cell(r: int, c: int) -> str:
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
    width = len(CELL_COLUMNS)
    if [row[:width] for row in grid[CELLS_HEADER_ROW + 1 :]] != plan.rows:  # else compare as text, row by row
        rows = [[cell(r, c) for c in range(width)] for r in range(CELLS_HEADER_ROW + 1, len(grid))]
        if [r for r in rows if r[0]] != plan.rows:
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


def _address(key: str) -> str:
    """Where a header key's value sits in ``_meta`` (column B, after the marker row)."""
    return f"B{HEADER_KEYS.index(key) + 2}"


def _text(content: Any) -> str:
    return "" if content is None else str(content).strip()


def _read_values(book: CalamineWorkbook, archive: zipfile.ZipFile, reading: Reading, form: Form) -> None:
    plan = _plan(form)
    scans = scan_sheets(archive, [sheet for sheet, _, _ in plan.tables])
    parsed: dict[str, Parsed] = {}
    names = set(book.sheet_names)
    for sheet, end_row, places in plan.tables:
        if sheet not in names:
            reading.findings.append(
                Finding("META", "error", f"缺少工作表“{sheet}”", sheet=sheet, message_en="sheet missing")
            )
            continue
        grid = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=end_row)
        errors = scans[sheet].errors if sheet in scans else {}
        for place in places:
            row = grid[place.row] if place.row < len(grid) else ()
            content = errors.get(place.a1) or (row[place.col] if place.col < len(row) else None)
            parsed[place.code] = parse(content, form.cells[place.code])
    _resolve(reading, form, parsed, {name: scan.formulas for name, scan in scans.items()})


def _resolve(reading: Reading, form: Form, parsed: Mapping[str, Parsed], formulas: Mapping[str, set[str]]) -> None:
    places = _plan(form).places
    values: dict[str, CellValue] = {}
    numbers: dict[str, int | Decimal] = {}
    for code in form.inputs:
        if code in parsed:
            p = parsed[code]
            sheet, address = places[code]
            if address in formulas.get(sheet, ()):
                p = _input_formula(p)
            values[code] = CellValue(code, p.raw, p.value, p.status)
            numbers[code] = p.value if p.value is not None else 0
    for code, parts in form.formulas.items():
        if code not in parsed:
            continue
        sheet, address = places[code]
        p = parsed[code]
        total = sum((numbers.get(part, 0) for part in parts), start=0)
        if address in formulas.get(sheet, ()):
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


@dataclass
class SheetScan:
    """What calamine does not tell: which cells hold a formula, and which hold an error value (#REF!, ...)."""

    formulas: set[str] = field(default_factory=set)
    errors: dict[str, str] = field(default_factory=dict)


def scan_sheets(archive: zipfile.ZipFile, sheets: Sequence[str]) -> dict[str, SheetScan]:
    """Scan the XML of the named sheets once (bounded in size; ``files.open_checked`` bounded the zip)."""
    found: dict[str, SheetScan] = {}
    try:
        targets = _sheet_targets(archive)
        for name in sheets:
            target = targets.get(name)
            if target is None or archive.getinfo(target).file_size > MAX_SHEET_XML:
                continue
            data = archive.read(target)
            found[name] = _scan_fast(data) or _scan_tree(data)
    except (zipfile.BadZipFile, zlib.error, KeyError, ElementTree.ParseError, OSError, EOFError):
        return found
    return found


# Cells are found by searching for the few tags that matter in the common case (no namespace prefixes, an ``r`` on
# every formula or error cell: every writer we know); anything unusual is parsed as XML instead.
_VALUE = re.compile(rb"<v>([^<]*)</v>")


def _scan_fast(data: bytes) -> SheetScan | None:
    # comments or CDATA ("<!"), or spaces around an attribute's "=", which the searches below do not expect
    if b"<worksheet" not in data[:4096] or b"<!" in data or b" =" in data or b"= " in data:
        return None
    scan = SheetScan()
    pos = data.find(b"<f")
    while pos != -1:
        if data[pos + 2 : pos + 3] in (b">", b" ", b"/"):
            opening = _cell_opening(data, pos)
            if opening is None or data[opening.end() : pos].strip():  # <f> must be the cell's first child
                return None
            scan.formulas.add(opening.group(1).decode())
        pos = data.find(b"<f", pos + 2)
    for quote in (b'"', b"'"):
        pos = data.find(b" t=" + quote + b"e" + quote)
        while pos != -1:
            opening = _cell_opening(data, pos)
            if opening is None or opening.end() < pos:
                return None
            close = data.find(b"</c>", opening.end())
            closed = opening.group(0).endswith(b"/>") or close == -1
            value = None if closed else _VALUE.search(data, opening.end(), close)
            scan.errors[opening.group(1).decode()] = value.group(1).decode() if value and value.group(1) else "#VALUE!"
            pos = data.find(b" t=" + quote + b"e" + quote, pos + 6)
    return scan


_OPENING = re.compile(rb"<c(?=\s)[^<>]*?\sr\s*=\s*[\"']([A-Za-z]{1,3}[0-9]{1,7})[\"'][^<>]*>")


def _cell_opening(data: bytes, pos: int) -> re.Match[bytes] | None:
    """The ``<c ...>`` tag that opens the cell around ``pos``, when it has an address."""
    start = data.rfind(b"<c", 0, pos)
    if start == -1 or data[start + 2 : start + 3] not in (b" ", b"\t", b"\n", b"\r"):
        return None
    return _OPENING.match(data, start)


def _scan_tree(data: bytes) -> SheetScan:
    scan = SheetScan()
    for _, element in ElementTree.iterparse(io.BytesIO(data)):
        if element.tag == f"{_NS}c":
            address = element.get("r", "")
            if element.find(f"{_NS}f") is not None:
                scan.formulas.add(address)
            if element.get("t") == "e":
                value = element.find(f"{_NS}v")
                scan.errors[address] = value.text or "#VALUE!" if value is not None else "#VALUE!"
            element.clear()
    return scan


def _sheet_targets(archive: zipfile.ZipFile) -> dict[str, str]:
    return _targets(archive.read("xl/workbook.xml"), archive.read("xl/_rels/workbook.xml.rels"))


@lru_cache(maxsize=64)
def _targets(workbook: bytes, relations: bytes) -> dict[str, str]:
    """Sheet name to the part that holds it, by the workbook's own XML (the same in every file from one template:
    worked out once, by content)."""
    book = ElementTree.fromstring(workbook)
    rels = ElementTree.fromstring(relations)
    by_id = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    targets = {}
    for sheet in book.iter(f"{_NS}sheet"):
        target = by_id.get(sheet.get(f"{_REL_NS}id"), "")
        path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        targets[sheet.get("name", "")] = path
    return targets
