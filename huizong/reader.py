"""Read a filled template back into (cell code, raw text, value), trusting nothing but the input cells.

``_meta`` says which form, unit and period the file is for and where every cell is; it must match the form's own
layout and its hash, else the file is not read further. Values are read with python-calamine; totals are recomputed
from the input cells (formula caches may be missing or stale). A total whose formula was replaced by a typed number is
kept as typed, so the identities check it like any other figure; a total that was cleared is a finding.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

from python_calamine import CalamineWorkbook

from huizong.catalog import FormCatalog
from huizong.errors import FormError, UsageError
from huizong.files import inspect
from huizong.findings import Finding
from huizong.forms import Form
from huizong.layout import layout_form
from huizong.meta import CELL_COLUMNS, CELLS_HEADER_ROW, HEADER_KEYS, MARKER, SHEET, CellRow, cell_rows, template_hash
from huizong.periods import Period
from huizong.registry import Registry
from huizong.values import USABLE, Parsed, parse

MAX_SHEET_XML = 64 * 1024 * 1024  # bytes of one sheet's XML we are willing to inflate to find formulas
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


@dataclass(frozen=True)
class CellValue:
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

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def numbers(self) -> dict[str, int | Decimal]:
        """Every cell as a number for arithmetic: blanks and unreadable cells count as 0."""
        return {code: cell.value if cell.value is not None else 0 for code, cell in self.values.items()}


def read_workbook(path: Path, catalog: FormCatalog, registry: Registry | None = None) -> Reading:
    reading = Reading(path)
    problem = inspect(path)
    if problem is not None:
        reading.findings.append(problem)
        return reading
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
        _read_values(book, reading, reading.form)
    finally:
        book.close()
    return reading


def _meta_finding(reading: Reading, message: str, english: str, cell: str = "") -> bool:
    reading.findings.append(
        Finding("META", "error", message, sheet=SHEET if cell else "", cell=cell, message_en=english)
    )
    return False


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
    rows = [CellRow(*(cell(r, c) for c in range(len(CELL_COLUMNS)))) for r in range(CELLS_HEADER_ROW + 1, len(grid))]
    rows = [r for r in rows if r.code]
    expected = cell_rows(form)
    if [r.as_tuple() for r in rows] != [r.as_tuple() for r in expected]:
        return _meta_finding(
            reading,
            "模板识别信息（_meta）与表式不一致，模板可能被改动，请重新下载模板填报",
            "_meta cell map was edited",
            "A1",
        )
    digest = template_hash(form.id, form.version, meta["unit_code"], meta["period"], meta["scope"], rows)
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


def _read_values(book: CalamineWorkbook, reading: Reading, form: Form) -> None:
    layouts = layout_form(form)
    scans = scan_sheets(reading.path, [t.sheet for t in form.tables])
    parsed: dict[str, Parsed] = {}
    for table in form.tables:
        if table.sheet not in book.sheet_names:
            reading.findings.append(
                Finding("META", "error", f"缺少工作表“{table.sheet}”", sheet=table.sheet, message_en="sheet missing")
            )
            continue
        layout = layouts[table.code]
        grid = book.get_sheet_by_name(table.sheet).to_python(skip_empty_area=False, nrows=layout.end_row)
        errors = scans[table.sheet].errors if table.sheet in scans else {}
        for code, span in layout.cells.items():
            row = grid[span.row] if span.row < len(grid) else []
            content = errors.get(span.a1) or (row[span.col] if span.col < len(row) else None)
            parsed[code] = parse(content, form.cells[code])
    _resolve(reading, form, parsed, {name: scan.formulas for name, scan in scans.items()})


def _resolve(reading: Reading, form: Form, parsed: Mapping[str, Parsed], formulas: Mapping[str, set[str]]) -> None:
    layouts = layout_form(form)
    values: dict[str, CellValue] = {}
    numbers: dict[str, int | Decimal] = {}
    for code in form.inputs:
        if code in parsed:
            p = parsed[code]
            cell = form.cells[code]
            if layouts[cell.table].cells[code].a1 in formulas.get(form.table(cell.table).sheet, set()):
                p = _input_formula(p)
            values[code] = CellValue(code, p.raw, p.value, p.status)
            numbers[code] = p.value if p.value is not None else 0
    for code, parts in form.formulas.items():
        if code not in parsed:
            continue
        cell = form.cells[code]
        sheet = form.table(cell.table).sheet
        address = layouts[cell.table].cells[code].a1
        p = parsed[code]
        total = sum((numbers.get(part, 0) for part in parts), start=0)
        if address in formulas.get(sheet, set()):
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


def scan_sheets(path: Path, sheets: Sequence[str]) -> dict[str, SheetScan]:
    """Scan the XML of the named sheets once (bounded in size; ``files.inspect`` bounded the zip)."""
    found: dict[str, SheetScan] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            targets = _sheet_targets(archive)
            for name in sheets:
                target = targets.get(name)
                if target is None or archive.getinfo(target).file_size > MAX_SHEET_XML:
                    continue
                scan = found[name] = SheetScan()
                with archive.open(target) as stream:
                    for _, element in ElementTree.iterparse(stream):
                        if element.tag == f"{_NS}c":
                            address = element.get("r", "")
                            if element.find(f"{_NS}f") is not None:
                                scan.formulas.add(address)
                            if element.get("t") == "e":
                                value = element.find(f"{_NS}v")
                                scan.errors[address] = value.text or "#VALUE!" if value is not None else "#VALUE!"
                            element.clear()
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError):
        return found
    return found


def _sheet_targets(archive: zipfile.ZipFile) -> dict[str, str]:
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    by_id = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    targets = {}
    for sheet in book.iter(f"{_NS}sheet"):
        target = by_id.get(sheet.get(f"{_REL_NS}id"), "")
        path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        targets[sheet.get("name", "")] = path
    return targets
