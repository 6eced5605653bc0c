"""A foreign file as 2-D text grids: one per worksheet, Word table or HTML table.

Every grid keeps where it came from ("sheet 表三", "docx table 3", "html table 2") and names its cells the same way
("sheet 表三, R7C4", "docx table 3, row 7, column 2"). A merged cell's text fills every position it covers (python-docx
and the HTML expansion do this by themselves; worksheet merges are filled from the file's merged ranges), so a
column heading is seen above each column it spans. Numbers stay as text; what they mean is decided in ``locate``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Kind = Literal["sheet", "docx", "html", "pdf"]
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".ods")
HTML_SUFFIXES = (".html", ".htm")


class UnreadableFile(Exception):
    """The file is not one of the kinds a foreign report can be read from, or it cannot be opened."""


@dataclass(frozen=True)
class Grid:
    kind: Kind
    name: str  # the sheet's name, or the table's number (1-based) in the document
    rows: tuple[tuple[str, ...], ...]

    @property
    def source(self) -> str:
        return f"sheet {self.name}" if self.kind == "sheet" else f"{self.kind} table {self.name}"

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def text(self, row: int, col: int) -> str:
        line = self.rows[row] if 0 <= row < len(self.rows) else ()
        return line[col] if 0 <= col < len(line) else ""

    def where(self, row: int, col: int) -> str:
        """A cell's place for a person: 1-based row and column."""
        if self.kind == "sheet":
            return f"{self.source}, R{row + 1}C{col + 1}"
        return f"{self.source}, row {row + 1}, column {col + 1}"


def read_grids(path: Path) -> list[Grid]:
    suffix = path.suffix.lower()
    try:
        if suffix in WORKBOOK_SUFFIXES:
            return workbook_grids(path)
        if suffix == ".docx":
            return docx_grids(path)
        if suffix in HTML_SUFFIXES:
            return html_grids(path.read_bytes())
        if suffix == ".pdf":
            return pdf_grids(path)
    except UnreadableFile:
        raise
    except Exception as exc:  # a damaged file of a known kind: the libraries raise many kinds
        raise UnreadableFile(f"无法读取文件“{path.name}”：{exc}") from exc
    kinds = "Excel/WPS 表格、Word .docx、网页 .html、PDF"
    raise UnreadableFile(f"不支持的文件类型“{suffix or path.name}”（可读：{kinds}）")


def _text(value: object) -> str:
    """A worksheet value as text: whole floats without ".0", other numbers as Python prints them."""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value):
            return str(int(value))
        return repr(value)
    if value is None:
        return ""
    return str(value)


def workbook_grids(path: Path) -> list[Grid]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    grids = []
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        top, left = sheet.start or (0, 0)
        cells = [[""] * left + [_text(v) for v in row] for row in sheet.to_python()]
        rows: list[list[str]] = [[] for _ in range(top)] + cells
        for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or ():
            value = rows[r0][c0] if r0 < len(rows) and c0 < len(rows[r0]) else ""
            for r in range(r0, r1 + 1):
                while len(rows) <= r:
                    rows.append([])
                line = rows[r]
                line.extend([""] * (c1 + 1 - len(line)))
                for c in range(c0, c1 + 1):
                    line[c] = value
        grids.append(_grid("sheet", name, rows))
    return grids


def docx_grids(path: Path) -> list[Grid]:
    import docx

    document = docx.Document(str(path))
    return [
        _grid("docx", str(n), [[cell.text for cell in row.cells] for row in table.rows])
        for n, table in enumerate(document.tables, start=1)
    ]


def html_grids(data: bytes) -> list[Grid]:
    import lxml.html  # type: ignore[import-untyped]

    root = lxml.html.document_fromstring(data)
    grids = []
    for n, table in enumerate(root.iter("table"), start=1):
        rows = [tr for tr in table.iter("tr") if _owner(tr) is table]
        cells = [[_cell(td) for td in tr if td.tag in ("td", "th")] for tr in rows]
        grids.append(_grid("html", str(n), _expand(cells)))
    return grids


def _owner(element: object) -> object:
    """The nearest table an element is in (a nested table's rows belong to it, not to the outer one)."""
    parent = element.getparent()  # type: ignore[attr-defined]
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _cell(td: object) -> tuple[str, int, int]:
    def span(name: str) -> int:
        raw = str(td.get(name) or "1").strip()  # type: ignore[attr-defined]
        return max(int(raw), 1) if raw.isdigit() else 1

    return str(td.text_content()), span("rowspan"), span("colspan")  # type: ignore[attr-defined]


def _expand(rows: Sequence[Sequence[tuple[str, int, int]]]) -> list[list[str]]:
    """HTML rows with rowspan/colspan written out: a spanned cell's text at every position it covers."""
    grid: dict[tuple[int, int], str] = {}
    for r, cells in enumerate(rows):
        c = 0
        for text, rowspan, colspan in cells:
            while (r, c) in grid:
                c += 1
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid[(r + dr, c + dc)] = text
            c += colspan
    height = max((r for r, _ in grid), default=-1) + 1
    width = max((c for _, c in grid), default=-1) + 1
    return [[grid.get((r, c), "") for c in range(width)] for r in range(height)]


def pdf_grids(path: Path) -> list[Grid]:
    import pdfplumber

    grids = []
    with pdfplumber.open(str(path)) as pdf:
        for page_no, page in enumerate(pdf.pages, start=1):
            for n, table in enumerate(page.extract_tables(), start=1):
                rows = [[cell or "" for cell in row] for row in table]
                grids.append(_grid("pdf", f"{n} on page {page_no}", rows))
    return grids


def _grid(kind: Kind, name: str, rows: Sequence[Sequence[str]]) -> Grid:
    width = max((len(r) for r in rows), default=0)
    return Grid(kind, name, tuple(tuple(r) + ("",) * (width - len(r)) for r in rows))
