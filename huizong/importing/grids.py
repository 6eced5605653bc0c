"""A foreign file as 2-D text grids: one per worksheet, Word table or HTML table.

Every grid keeps where it came from ("sheet 表三", "docx table 3", "html table 2") and names its cells the same way
("sheet 表三, R7C4", "docx table 3, row 7, column 2"). A merged cell's text fills every position it covers (python-docx
and the HTML expansion do this by themselves; worksheet merges are filled from the file's merged ranges), so a
column heading is seen above each column it spans. Numbers stay as text; what they mean is decided in ``locate``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal

from huizong.importing.labels import key

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
    origins: tuple[tuple[str, int], ...] = ()  # per row of a PDF table joined over pages: its page and table, its row

    @property
    def source(self) -> str:
        if self.kind == "sheet":
            return f"sheet {self.name}"
        return f"PDF {self.name}" if self.kind == "pdf" else f"{self.kind} table {self.name}"

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def text(self, row: int, col: int) -> str:
        line = self.rows[row] if 0 <= row < len(self.rows) else ()
        return line[col] if 0 <= col < len(line) else ""

    def where(self, row: int, col: int) -> str:
        """A cell's place for a person: "sheet 表三, D7", "PDF page 2, table 1, B7", "docx table 3, row 7, column 2"."""
        source, cell = self.place(row, col)
        if self.kind in ("docx", "html"):
            return f"{source}, row {row + 1}, column {col + 1}"
        return f"{source}, {cell}"

    def place(self, row: int, col: int) -> tuple[str, str]:
        """Where a finding names a cell: the table (for a PDF the page and table of that row) and the cell in it."""
        if self.kind == "pdf":
            piece, local = self.origins[row] if row < len(self.origins) else (self.name, row)
            return f"PDF {piece}", f"{column_letter(col)}{local + 1}"
        if self.kind == "sheet":
            return self.source, f"{column_letter(col)}{row + 1}"
        return self.source, f"R{row + 1}C{col + 1}"


def column_letter(col: int) -> str:
    """A 0-based column as a spreadsheet names it: 0 is A, 26 is AA."""
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class Document:
    """What a foreign file holds: its tables as grids, and its text outside them (paragraphs, a page's lines, a
    worksheet's text cells), in reading order: the title is looked for there, and the figures the text states."""

    grids: list[Grid]
    texts: list[str]


def read_grids(path: Path) -> list[Grid]:
    return read_document(path).grids


def read_document(path: Path) -> Document:
    suffix = path.suffix.lower()
    try:
        if suffix in WORKBOOK_SUFFIXES:
            return workbook_document(path)
        if suffix == ".docx":
            return docx_document(path)
        if suffix in HTML_SUFFIXES:
            return html_document(path.read_bytes())
        if suffix == ".pdf":
            return pdf_document(path)
    except UnreadableFile:
        raise
    except Exception as exc:  # a damaged file of a known kind: the libraries raise many kinds
        raise UnreadableFile(f"无法读取文件“{path.name}”：{exc}") from exc
    kinds = "Excel/WPS 表格（.xlsx .xls .et）、Word .docx、网页 .html、PDF"
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


def workbook_document(path: Path) -> Document:
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
    texts = [t for grid in grids for row in grid.rows for t in dict.fromkeys(row) if t and not _NUMBER.fullmatch(t)]
    return Document(grids, texts)


_NUMBER = re.compile(r"[\d.,\s]+")


def docx_document(path: Path) -> Document:
    import docx

    document = docx.Document(str(path))
    grids = [
        _grid("docx", str(n), [[cell.text for cell in row.cells] for row in table.rows])
        for n, table in enumerate(document.tables, start=1)
    ]
    return Document(grids, [p.text for p in document.paragraphs if p.text.strip()])


def html_document(data: bytes) -> Document:
    import lxml.html  # type: ignore[import-untyped]

    root = lxml.html.document_fromstring(data)
    grids = []
    for n, table in enumerate(root.iter("table"), start=1):
        rows = [tr for tr in table.iter("tr") if _owner(tr) is table]
        cells = [[_cell(td) for td in tr if td.tag in ("td", "th")] for tr in rows]
        grids.append(_grid("html", str(n), _expand(cells)))
    for table in list(root.iter("table")):
        if table.getparent() is not None:
            table.getparent().remove(table)
    for gone in list(root.iter("script", "style", "title")):
        gone.getparent().remove(gone)
    for block in root.iter("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "tr"):
        block.tail = "\n" + (block.tail or "")
    texts = [line.strip() for line in str(root.text_content()).splitlines() if line.strip()]
    return Document(grids, texts)


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


def pdf_document(path: Path) -> Document:
    """Every ruled table of every page, merged cells filled from their boxes. A table that goes on over a page break
    (the next page's first table, nothing printed above it, as many columns) is joined to the one it continues, and a
    row the break cut in two is put back together."""
    import pdfplumber

    pieces: list[tuple[int, int, list[list[str]], bool]] = []  # page, table number, rows, continues the one before
    texts: list[str] = []
    with pdfplumber.open(str(path)) as pdf:
        if not any(page.chars for page in pdf.pages):
            raise UnreadableFile(f"PDF“{path.name}”没有文字层（扫描件），无法读取：请提供 Word、网页或有文字层的 PDF")
        for page_no, page in enumerate(pdf.pages, start=1):
            tables = page.find_tables()
            for n, table in enumerate(tables, start=1):
                above = page.crop((0, 0, page.width, max(table.bbox[1] - 1, 1))).extract_text() or ""
                top_of_page = n == 1 and not _PAGE_NUMBER.sub("", above).strip()
                pieces.append((page_no, n, _pdf_rows(table), top_of_page))
            outside = page.filter(partial(_outside, [t.bbox for t in tables]))
            texts += [line for line in (outside.extract_text() or "").splitlines() if line.strip()]
    grids: list[Grid] = []
    for k, (page_no, n, rows, top_of_page) in enumerate(pieces):
        origins = tuple((f"page {page_no}, table {n}", r) for r in range(len(rows)))
        before = pieces[k - 1] if k else None
        if before and top_of_page and before[0] == page_no - 1 and grids and grids[-1].width == len(rows[0]):
            last = grids.pop()
            joined = [list(r) for r in last.rows]
            if rows and _cut_row(joined[-1], rows[0]):
                joined[-1] = [a + b for a, b in zip(joined[-1], rows[0], strict=True)]
                rows, origins = rows[1:], origins[1:]
            grids.append(_grid("pdf", last.name, joined + rows, last.origins + origins))
        else:
            grids.append(_grid("pdf", f"page {page_no}, table {n}", rows, origins))
    return Document(grids, texts)


def _outside(boxes: Sequence[tuple[float, float, float, float]], obj: dict[str, Any]) -> bool:
    """Whether a PDF object (a character, a line) lies outside every table's box: text beside the tables."""
    if "x0" not in obj or "top" not in obj:
        return True
    x, y = (float(obj["x0"]) + float(obj["x1"])) / 2, (float(obj["top"]) + float(obj["bottom"])) / 2
    return not any(box[0] <= x <= box[2] and box[1] <= y <= box[3] for box in boxes)


_PAGE_NUMBER = re.compile(r"[—\-–\s]*\d+[—\-–\s]*|第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?")


def _pdf_rows(table: Any) -> list[list[str]]:
    """A pdfplumber table's text with every merged cell's text at each position its box covers."""
    texts = table.extract()
    tops = [min((c[1] for c in row.cells if c), default=0.0) for row in table.rows]
    width = max(len(row.cells) for row in table.rows)
    lefts = [min((row.cells[j][0] for row in table.rows if j < len(row.cells) and row.cells[j]), default=0.0)
             for j in range(width)]  # fmt: skip
    grid = [["" for _ in range(width)] for _ in table.rows]
    for i, row in enumerate(table.rows):
        for j, box in enumerate(row.cells):
            if box is None:
                continue
            x0, top, x1, bottom = box
            text = texts[i][j] or ""
            for r, y in enumerate(tops):
                if top - 0.5 <= y < bottom - 0.5:
                    for c, x in enumerate(lefts):
                        if x0 - 0.5 <= x < x1 - 0.5:
                            grid[r][c] = text
    return grid


def _cut_row(last: Sequence[str], first: Sequence[str]) -> bool:
    """Whether ``first`` (a page's first row) is the rest of ``last`` (the page before's last): it holds no number,
    and text only where the row before has text (a label the page break cut)."""
    filled = [c for c, text in enumerate(first) if text.strip()]
    return bool(filled) and all(not key(first[c]).replace(",", "").isdigit() and last[c].strip() for c in filled)


def _grid(kind: Kind, name: str, rows: Sequence[Sequence[str]], origins: Sequence[tuple[str, int]] = ()) -> Grid:
    width = max((len(r) for r in rows), default=0)
    return Grid(kind, name, tuple(tuple(r) + ("",) * (width - len(r)) for r in rows), tuple(origins))
