"""Where each heading and numeric cell of a form's table goes on its worksheet.

The geometry depends on the form alone (never on the unit), so the template writer places cells here, ``_meta``
records the addresses, and the reader checks a received file's ``_meta`` against this same layout.

Outlines become merged headings as on the printed form: a column group spans its leaves across and fills the header
rows down to where its children begin; a leaf column fills the remaining header rows. Row headings do the same
sideways, so part 三 shows 三、本年度办理结果 down the left, （三）不予公开 beside its eight reasons,
and leaf rows spanning the label columns they do not share with a group. A block with fewer value columns than
the table stretches its last.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal

from xlsxwriter.utility import xl_rowcol_to_cell

from huizong.forms import Block, Form, Node, Table, cell_code

TOP = 3  # rows above the table: title, unit line, section title
Role = Literal["block", "corner", "column", "row"]


@dataclass(frozen=True)
class Span:
    row: int
    col: int
    last_row: int
    last_col: int

    @property
    def a1(self) -> str:
        return str(xl_rowcol_to_cell(self.row, self.col))

    @property
    def merged(self) -> bool:
        return (self.row, self.col) != (self.last_row, self.last_col)


@dataclass(frozen=True)
class Heading:
    span: Span
    text: str
    role: Role


@dataclass(frozen=True)
class SheetLayout:
    table: Table
    width: int
    label_cols: int
    col_widths: tuple[float, ...]
    headings: tuple[Heading, ...]
    cells: dict[str, Span]
    header_rows: tuple[int, int]  # the first block's column headings, repeated on every printed page
    end_row: int  # the first row after the table

    def row_heights(self) -> dict[int, float]:
        """Heights that let wrapped headings show in full (only headings within one row count)."""
        heights: dict[int, float] = {}
        for heading in self.headings:
            if heading.span.row != heading.span.last_row or heading.role == "block":
                continue
            width = sum(self.col_widths[heading.span.col : heading.span.last_col + 1])
            lines = math.ceil(text_width(heading.text) / max(width - 1.0, 1.0))
            heights[heading.span.row] = max(heights.get(heading.span.row, 15.0), 14.0 * lines + 4)
        return heights


def text_width(text: str) -> float:
    """Width in Excel character units: a CJK character takes two."""
    return sum(2.0 if ord(ch) > 0x2E80 else 1.1 for ch in text)


@cache
def layout_form(form: Form) -> dict[str, SheetLayout]:
    return {table.code: layout_table(table) for table in form.tables}


def layout_table(table: Table) -> SheetLayout:
    label_cols = max(b.label_depth for b in table.blocks)
    width = max(b.label_depth + len(b.col_lines) for b in table.blocks)
    headings: list[Heading] = []
    cells: dict[str, Span] = {}
    row = TOP
    header_rows = (0, 0)
    for index, block in enumerate(table.blocks):
        if block.title:
            headings.append(Heading(Span(row, 0, row, width - 1), block.title, "block"))
            row += 1
        if index == 0:
            header_rows = (TOP, row + block.header_depth - 1)
        row = _place_block(table, block, row, width, headings, cells)
    return SheetLayout(
        table=table,
        width=width,
        label_cols=label_cols,
        col_widths=_col_widths(table, label_cols, width),
        headings=tuple(headings),
        cells=cells,
        header_rows=header_rows,
        end_row=row,
    )


def _place_block(
    table: Table, block: Block, top: int, width: int, headings: list[Heading], cells: dict[str, Span]
) -> int:
    depth, labels = block.header_depth, block.label_depth
    if labels:
        headings.append(Heading(Span(top, 0, top + depth - 1, labels - 1), block.corner or "", "corner"))
    leaf_cols = [labels + i for i in range(len(block.col_lines))]
    last_col = [*leaf_cols[:-1], width - 1]  # each leaf has its own column; the block's last one stretches

    def place(nodes: Sequence[Node], start: int, first_leaf: int, along: Literal["column", "row"]) -> int:
        """Place nodes whose headings start at ``start`` (row for columns, column for rows); return next leaf."""
        leaf = first_leaf
        total = depth if along == "column" else labels
        for node in nodes:
            end = total - node.height
            n_leaves = _leaves(node)
            if along == "column":
                span = Span(top + start, leaf_cols[leaf], top + end, last_col[leaf + n_leaves - 1])
            else:
                first_row = top + depth + leaf
                span = Span(first_row, start, first_row + n_leaves - 1, end)
            headings.append(Heading(span, node.label, along))
            place(node.children, end + 1, leaf, along)
            leaf += n_leaves
        return leaf

    place(block.columns, 0, 0, "column")
    if block.rows:
        place(block.rows, 0, 0, "row")
    for r, row_line in enumerate(block.row_lines):
        for c, col_line in enumerate(block.col_lines):
            row = top + depth + r
            cells[cell_code(table.code, row_line, col_line)] = Span(row, leaf_cols[c], row, last_col[c])
    return top + depth + len(block.row_lines)


def _leaves(node: Node) -> int:
    return 1 if not node.children else sum(_leaves(c) for c in node.children)


def _col_widths(table: Table, label_cols: int, width: int) -> tuple[float, ...]:
    if table.label_widths:
        labels = list(table.label_widths)
    elif label_cols == 1:
        longest = max(
            (text_width(n.label) for b in table.blocks for line in b.row_lines for n in line.nodes), default=10.0
        )
        labels = [min(max(longest + 2, 14.0), 30.0)]
    else:
        labels = [5.0] * (label_cols - 2) + [9.0, 34.0] if label_cols >= 2 else []
    values = table.value_width or (9.0 if width - label_cols > 6 else 14.0)
    return tuple(labels + [values] * (width - label_cols))
