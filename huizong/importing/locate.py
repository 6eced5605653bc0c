"""Find each declared cell of a form in foreign grids by its printed labels, and read its number.

Everything comes from the form: for each block of each table, its leaf rows are looked for by their labels (with
their group headings to the left as a tie-break), the header rows are the rows just above the first of them, and
each leaf column is the grid column whose headings, read top-down, end in its label and hold its group headings
(结果维持 under 行政复议 is not 结果维持 under 复议后起诉). A block without row headings (part 四) is found by the row
holding most of its column labels. Matches are given out best first, each grid row and column once, so a printed
label close to two declared ones goes to the closer; a label is never taken for another by its position alone.
Several tables stacked in one grid are kept apart by their section titles when printed, else by their labels.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from huizong.findings import Finding, Severity
from huizong.forms import Block, Form, Line, Table, cell_code
from huizong.importing.grids import Grid
from huizong.importing.labels import CUTOFF, bare, closeness, key, numbering
from huizong.values import USABLE, Parsed, parse

Number = int | Decimal
NOTE = re.compile(r"(\d[\d,]*(?:\.\d+)?)(\(.*\)|,?(?:其中|含).*|[:;].*)")  # "22（其中修订16件）" read as 22
HEADER_SLACK = 2  # header rows looked at above a block's first row, beyond its declared depth
PROBLEMS = {
    "invalid": "应填写数字，却填写了文字",
    "not_integer": "件数应为整数，不能填写小数",
    "negative": "不能填写负数",
    "too_precise": "小数位数超过规定",
    "too_large": "数值超出合理范围（不能达到1万亿）",
    "error": "是出错的公式",
}


@dataclass(frozen=True)
class Place:
    grid: int  # index into the grids
    row: int
    col: int


@dataclass
class Located:
    """Where each cell of the form was found, what it holds, and what could not be found or read."""

    places: dict[str, Place] = field(default_factory=dict)
    values: dict[str, Number | None] = field(default_factory=dict)
    parsed: dict[str, Parsed] = field(default_factory=dict)  # each cell as read: raw text, number, status
    findings: list[Finding] = field(default_factory=list)


def locate(grids: Sequence[Grid], form: Form) -> Located:
    result = Located()
    used: dict[int, int] = {}  # grid -> the last row a block of the current table took
    for table in form.tables:
        regions = [_region(grid, table, form) for grid in grids]
        used.clear()
        for block in table.blocks:
            _block(grids, regions, table, block, used, result)
    for code, cell in form.cells.items():
        place = result.places.get(code)
        if place is None:
            result.values[code] = None
            result.parsed[code] = Parsed("", None, "blank")
            continue
        grid = grids[place.grid]
        text = grid.text(place.row, place.col)
        noted = NOTE.fullmatch(key(text))
        if noted:
            result.findings.append(_noted(grid, place, form, code, text, noted.group(1)))
            text = noted.group(1)
        parsed = parse(text, cell)
        if noted:  # the number is read, the note kept with it as printed
            parsed = parsed._replace(raw=grid.text(place.row, place.col))
        result.parsed[code] = parsed
        result.values[code] = parsed.value if parsed.status in USABLE else None
        if parsed.status in PROBLEMS:
            result.findings.append(_bad_value(grid, place, form, code, text, PROBLEMS[parsed.status]))
    return result


def _region(grid: Grid, table: Table, form: Form) -> tuple[int, int]:
    """The rows of ``grid`` the table may lie in: from its printed section title to the next table's, if printed."""
    titles = {t.code: _title_row(grid, t.title) for t in form.tables}
    start = titles[table.code]
    if start is None:
        return 0, len(grid.rows)
    after = [r for r in titles.values() if r is not None and r > start]
    return start, min(after, default=len(grid.rows))


def _title_row(grid: Grid, title: str) -> int | None:
    for r, row in enumerate(grid.rows):
        texts = {t for t in row if t}
        if len(texts) == 1 and closeness(texts.pop(), title) >= CUTOFF:
            return r
    return None


def _block(
    grids: Sequence[Grid],
    regions: Sequence[tuple[int, int]],
    table: Table,
    block: Block,
    used: dict[int, int],
    result: Located,
) -> None:
    best: tuple[float, int, dict[int, int], int, int] | None = None  # score, grid, row line -> grid row, top, first
    for g, grid in enumerate(grids):
        lo, hi = regions[g]
        lo = max(lo, used.get(g, -1) + 1)
        if block.rows:
            rows, score = _match_rows(grid, block.row_lines, lo, hi)
            if not rows:
                continue
            top = min(rows.values())
            first_value = 1 + max(_label_end(grid, r, c) for r, c in _label_cells(grid, block.row_lines, rows))
        else:
            header = _header_row(grid, block, lo, hi)
            if header is None:
                continue
            score, bottom = header
            data = _next_filled(grid, bottom + 1, hi)
            if data is None:
                continue
            top, rows, first_value = data, {0: data}, 0
        if best is None or score > best[0]:
            best = (score, g, rows, top, first_value)
    if best is None:
        _missing_block(table, block, result)
        return
    _, g, rows, top, first_value = best
    grid = grids[g]
    header_top = max(regions[g][0], used.get(g, -1) + 1, top - block.header_depth - HEADER_SLACK)
    cols = _match_columns(grid, block.col_lines, range(header_top, top), first_value)
    used[g] = max(rows.values())
    for i, row_line in enumerate(block.row_lines):
        for j, col_line in enumerate(block.col_lines):
            if i in rows and j in cols:
                result.places[cell_code(table.code, row_line, col_line)] = Place(g, rows[i], cols[j])
    for i, row_line in enumerate(block.row_lines):
        if i not in rows and row_line.labels:
            result.findings.append(_missing(table, "行", row_line, len(block.col_lines), grid.source))
    for j, col_line in enumerate(block.col_lines):
        if j not in cols:
            result.findings.append(_missing(table, "列", col_line, len(block.row_lines), grid.source))


def _match_rows(grid: Grid, lines: Sequence[Line], lo: int, hi: int) -> tuple[dict[int, int], float]:
    """Each leaf row's grid row, best matches first (each grid row once), and the sum of their scores."""
    candidates: list[tuple[float, float, int, int]] = []  # label score, group score, -row, line
    for r in range(lo, hi):
        for c, text in enumerate(grid.rows[r]):
            if not text or (c and grid.rows[r][c - 1] == text):
                continue
            for i, line in enumerate(lines):
                score = closeness(text, line.labels[-1])
                if score and not _inner_label(grid.rows[r][c + 1 :], text, lines):
                    groups = _groups(line.labels[:-1], grid.rows[r][:c])
                    candidates.append((score, groups, -r, i))
    rows: dict[int, int] = {}
    total = 0.0
    for score, groups, neg_row, i in sorted(candidates, reverse=True):
        if i not in rows and -neg_row not in rows.values():
            rows[i] = -neg_row
            total += score + groups / 10
    return rows, total


def _inner_label(right: Sequence[str], text: str, lines: Sequence[Line]) -> bool:
    """Whether another row label is printed to the right (a declared one, or any numbered one such as "1.其他"):
    ``text`` is then a group heading there, not this row's label (a 2019 form's leaf （六）其他处理 read from a 2021
    table, where it heads three rows)."""
    others = [t for t in right if t and t != text]
    numbered = any(numbering(t) and not bare(t).isdigit() for t in others)
    return numbered or any(closeness(t, line.labels[-1]) >= CUTOFF for t in others for line in lines)


def _groups(declared: Sequence[str], seen: Sequence[str]) -> float:
    """How well the headings printed before a label match the groups it is declared under (1 when it has none)."""
    if not declared:
        return 1.0
    return sum(max((closeness(s, d) for s in seen if s), default=0.0) for d in declared) / len(declared)


def _label_cells(grid: Grid, lines: Sequence[Line], rows: dict[int, int]) -> list[tuple[int, int]]:
    """The (row, column) of each matched row label: its leftmost cell holding the closest text."""
    cells = []
    for i, r in rows.items():
        scores = [closeness(text, lines[i].labels[-1]) for text in grid.rows[r]]
        cells.append((r, scores.index(max(scores))))
    return cells


def _label_end(grid: Grid, row: int, col: int) -> int:
    """The last column of a label that a merge repeats to its right."""
    text = grid.text(row, col)
    while grid.text(row, col + 1) == text:
        col += 1
    return col


def _header_row(grid: Grid, block: Block, lo: int, hi: int) -> tuple[float, int] | None:
    """For a block without row labels: the lowest row holding the most of its column labels, and how many."""
    leaves = {line.labels[-1] for line in block.col_lines}
    best: tuple[float, int] | None = None
    for r in range(lo, hi):
        found = sum(1 for leaf in leaves if any(closeness(t, leaf) >= CUTOFF for t in grid.rows[r] if t))
        if found * 2 >= len(leaves) and (best is None or found >= best[0]):
            best = (float(found), r)
    return best


def _next_filled(grid: Grid, start: int, hi: int) -> int | None:
    return next((r for r in range(start, hi) if any(t.strip() for t in grid.rows[r])), None)


def _match_columns(grid: Grid, lines: Sequence[Line], header: range, first: int) -> dict[int, int]:
    """Each leaf column's grid column: the headings above it, top-down, end in its label and hold its groups."""
    candidates: list[tuple[float, float, int, int]] = []  # label score, group score, -column, line
    for c in range(first, grid.width):
        path = _dedupe([grid.text(r, c) for r in header])
        for j, line in enumerate(lines):
            for k in range(len(path) - 1, -1, -1):
                score = closeness(path[k], line.labels[-1])
                if score:
                    candidates.append((score, _groups(line.labels[:-1], path[:k]), -c, j))
                    break
    cols: dict[int, int] = {}
    for _score, _groups_score, neg_col, j in sorted(candidates, reverse=True):
        if j not in cols and -neg_col not in cols.values():
            cols[j] = -neg_col
    return cols


def _dedupe(texts: Sequence[str]) -> list[str]:
    path: list[str] = []
    for text in texts:
        if text.strip() and (not path or path[-1] != text):
            path.append(text)
    return path


def _named(table: Table, line: Line) -> str:
    return "—".join(line.labels) if line.labels else table.title


def _missing(table: Table, axis: str, line: Line, cells: int, source: str) -> Finding:
    return Finding(
        "LABEL",
        "error",
        f"{table.name}中找不到{axis}“{_named(table, line)}”，其{cells}个数据格未能读取",
        sheet=source,
        expected="/".join(line.labels),
        message_en=f"{table.code}: {'row' if axis == '行' else 'column'} not found",
    )


def _missing_block(table: Table, block: Block, result: Located) -> None:
    heading = block.title or table.title
    labels = [line.labels[-1] for line in (block.row_lines if block.rows else block.col_lines) if line.labels]
    result.findings.append(
        Finding(
            "LABEL",
            "error",
            f"找不到{table.name}“{heading}”的表格（应有：{'、'.join(labels)}）",
            expected=heading,
            message_en=f"{table.code}: block not found",
        )
    )


def _noted(grid: Grid, place: Place, form: Form, code: str, text: str, number: str) -> Finding:
    said = f"的数字后附有说明“{text.strip()}”，已按{number}读取，请核实"
    english = "a number with a note; the number was read"
    return _about(grid, place, form, code, ("NOTE", "warning"), said, (text, number), english)


def _bad_value(grid: Grid, place: Place, form: Form, code: str, text: str, problem: str) -> Finding:
    return _about(grid, place, form, code, ("VALUE", "error"), problem, (text, "数字"), "not a number")


def _about(
    grid: Grid, place: Place, form: Form, code: str, rule: tuple[str, Severity], said: str, values: tuple[str, str],
    english: str,
) -> Finding:  # fmt: skip
    """A finding on one printed cell: the table and the cell's labels, then ``said``; where it is in the file;
    ``values`` what was seen and what was expected."""
    cell = form.cells[code]
    name = "—".join((*cell.row.labels, *cell.col.labels))
    sheet, address = grid.place(place.row, place.col)
    message = f"{form.table(cell.table).name}“{name}”{said}"
    return Finding(rule[0], rule[1], message, sheet, address, values[0], values[1], f"{code}: {english}")
