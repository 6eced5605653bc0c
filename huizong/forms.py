"""Report forms declared as data: the model every other module derives from.

A form file (``schemas/forms/<id>/<version>.toml``) declares tables made of blocks; a block has a column outline and a
row outline; every (row, column) leaf pair is a numeric cell with a stable code ``<table>.<row path>.<column path>``.
Rules are linear equations over those codes (expanded here once) plus a few declarative checks. The template writer,
the reader and the validation all derive from the ``Form`` built here; nothing else knows a form's shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from huizong.periods import Period, PeriodKind

CellType = Literal["count", "amount", "change"]
CELL_TYPES: tuple[CellType, ...] = ("count", "amount", "change")
DEFAULT_UNIT = {"count": "件", "amount": "万元", "change": "件"}
DEFAULT_SCALE = {"count": 0, "amount": 4, "change": 0}
RULE_KINDS = ("sum", "balance", "cell_type", "blank", "expect_zero", "plausible", "period_fit")
SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Node:
    """A row or column heading of the outline."""

    label: str
    code: str | None
    level: int
    type: CellType | None = None
    unit: str | None = None
    scale: int | None = None
    children: tuple[Node, ...] = ()

    @property
    def height(self) -> int:
        return 1 + max((c.height for c in self.children), default=0)


@dataclass(frozen=True)
class Line:
    """A leaf row or column with the path of headings above it."""

    key: str  # codes along the path joined by "." ("withheld.state_secret"); "" for an anonymous row
    labels: tuple[str, ...]
    nodes: tuple[Node, ...]

    def resolved(self, attr: str) -> Any:
        for node in reversed(self.nodes):
            if getattr(node, attr) is not None:
                return getattr(node, attr)
        return None


@dataclass(frozen=True)
class Block:
    title: str | None
    corner: str | None
    columns: tuple[Node, ...]
    rows: tuple[Node, ...]  # empty: one anonymous row and no row headings (part 四)
    col_lines: tuple[Line, ...]
    row_lines: tuple[Line, ...]

    @property
    def label_depth(self) -> int:
        return max((n.height for n in self.rows), default=0)

    @property
    def header_depth(self) -> int:
        return max(n.height for n in self.columns)


@dataclass(frozen=True)
class Table:
    code: str
    sheet: str
    title: str
    orientation: Literal["portrait", "landscape"]
    blocks: tuple[Block, ...]
    label_widths: tuple[float, ...] | None = None
    value_width: float | None = None


@dataclass(frozen=True)
class CellDef:
    code: str
    table: str
    block: int
    row: Line
    col: Line
    type: CellType
    unit: str
    scale: int
    computed: bool = False


@dataclass(frozen=True)
class Term:
    code: str
    sign: int = 1
    prev: bool = False


@dataclass(frozen=True)
class Equation:
    """sum(lhs) == sum(rhs) for one item of a rule's ``for_each``."""

    rule: str
    item_label: str
    lhs: tuple[Term, ...]
    rhs: tuple[Term, ...]

    @property
    def cross_period(self) -> bool:
        return any(t.prev for t in self.lhs + self.rhs)

    def sides(self, values: Mapping[str, int | Decimal]) -> tuple[int | Decimal, int | Decimal]:
        def total(terms: tuple[Term, ...]) -> int | Decimal:
            return sum((t.sign * values.get(t.code, 0) for t in terms), start=0)

        return total(self.lhs), total(self.rhs)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Literal["error", "warning"]
    kind: str
    message: str
    message_en: str
    table: str | None
    equations: tuple[Equation, ...] = ()
    cells: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CodeMap:
    """Cells of this form that mean the same as cells of another version: same code, or a renamed prefix."""

    to: str  # form key, e.g. annual_report/2021
    prefixes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Figure:
    """A key figure: the sum of some cells, shown per unit in a consolidated workbook (and charted by ``group``)."""

    key: str
    label: str
    cells: tuple[str, ...]
    group: str = ""


@dataclass(frozen=True, eq=False)
class Form:
    id: str
    version: str
    title: str
    basis: str
    period_kind: PeriodKind
    years: tuple[int, int]
    deadline_days: int
    tables: tuple[Table, ...]
    rules: tuple[Rule, ...]
    cells: Mapping[str, CellDef]  # in printed order
    formulas: Mapping[str, tuple[str, ...]]  # computed cell -> the cells it sums, in evaluation order
    source: Path
    maps: tuple[CodeMap, ...] = ()
    figures: tuple[Figure, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.id}/{self.version}"

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(code for code, cell in self.cells.items() if not cell.computed)

    def table(self, code: str) -> Table:
        return next(t for t in self.tables if t.code == code)

    def fits(self, period: Period) -> bool:
        return period.kind == self.period_kind and self.years[0] <= period.year <= self.years[1]

    def compute(self, inputs: Mapping[str, int | Decimal]) -> dict[str, int | Decimal]:
        """Every cell's value: the inputs (missing ones are 0) and the computed totals."""
        values: dict[str, int | Decimal] = {code: inputs.get(code, 0) for code in self.inputs}
        for code, parts in self.formulas.items():
            values[code] = sum((values[p] for p in parts), start=0)
        return values


def cell_code(table: str, row: Line, col: Line) -> str:
    return ".".join(part for part in (table, row.key, col.key) if part)
