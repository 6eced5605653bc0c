"""Report forms declared as data: the model every other module derives from.

A form file (``schemas/forms/<id>/<version>.toml``) declares tables made of blocks; a block has a column outline and a
row outline; every (row, column) leaf pair is a numeric cell with a stable code ``<table>.<row path>.<column path>``.
Rules are linear equations over those codes (expanded here once) plus a few declarative checks. The template writer,
the reader and the validation all derive from the ``Form`` built here; nothing else knows a form's shape.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from huizong.periods import Period, PeriodKind

CellType = Literal["count", "amount", "change"]
CELL_TYPES: tuple[CellType, ...] = ("count", "amount", "change")
DEFAULT_UNIT = {"count": "件", "amount": "万元", "change": "件"}
DEFAULT_SCALE = {"count": 0, "amount": 4, "change": 0}
RULE_KINDS = ("sum", "balance", "cell_type", "blank", "expect_zero", "plausible", "period_fit", "text")
SEVERITIES = ("error", "warning")
ENUMERATOR = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.．、])")
FAILURE_PHRASE = re.compile(r"^[^：，。]{0,12}?(?:不平|不符|错误|有误|异常|不一致)：")


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
    short: str | None = None  # what a finding calls it ("办理结果总计" for "（七）总计"); else the label

    @property
    def height(self) -> int:
        return 1 + max((c.height for c in self.children), default=0)

    @property
    def name(self) -> str:
        """The heading as a finding names it: ``short``, else the label without its number ("一、", "（七）")."""
        return self.short or ENUMERATOR.sub("", self.label)


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

    @property
    def name(self) -> str:
        """What a finding calls the table: 表三 for "三、收到和处理…", else its title."""
        numbered = re.match(r"([一二三四五六七八九十]+)、", self.title)
        return f"表{numbered.group(1)}" if numbered else self.title


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
    item: str = ""  # the item's code path ("natural_person", "review")
    total_of: tuple[int, ...] = ()  # the items of its rule (by index) whose cells this item's cells are totals of

    @property
    def terms(self) -> tuple[Term, ...]:
        return self.lhs + self.rhs

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
    per: Literal["row", "column", ""] = ""  # the axis its items lie on: each row, each column, or no items
    check_label: str = ""  # what is checked, shown beside a check that passes; derived from ``message`` if empty
    explain: bool = False  # a warning of this rule needs an explanation (上报说明) before the office approves

    def __post_init__(self) -> None:
        if not self.check_label:
            object.__setattr__(self, "check_label", default_check_label(self.message))


def default_check_label(message: str) -> str:
    """A rule's message without a leading failure phrase ("本列数据不平："): what is checked, not what went wrong."""
    return FAILURE_PHRASE.sub("", message, count=1) or message


@dataclass(frozen=True)
class Phrase:
    """A way the text of a published report states a figure the tables hold (rule kind ``text``, S5): ``say`` is
    words separated by spaces, each with its alternatives split by "|", and "{}" where the number stands; a few
    characters that are neither digits nor a sentence's end may come between the words. The figure is the sum of
    ``cells``."""

    say: str
    cells: tuple[str, ...]


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

    def item_line(self, rule: Rule, eq: Equation) -> Line | None:
        """The row or column an equation's item is, when it is one leaf line (not a group such as 行政复议)."""
        cell = self.cells[eq.terms[0].code]
        line = cell.row if rule.per == "row" else cell.col
        return line if rule.per and line.key == eq.item else None

    def term_name(self, rule: Rule, eq: Equation, term: Term) -> str:
        """What a finding calls a term of an item: the heading that is not the item's (本年新收 in 自然人)."""
        cell = self.cells[term.code]
        along, across = (cell.row, cell.col) if rule.per == "row" else (cell.col, cell.row)
        # an item that is a group (行政复议) names its terms by the heading inside it (结果维持)
        line = across if along.key == eq.item and across.nodes else along
        name = line.nodes[-1].name if line.nodes else ""
        return f"上年报告的{name}" if term.prev else name


def cell_code(table: str, row: Line, col: Line) -> str:
    return ".".join(part for part in (table, row.key, col.key) if part)


def with_totals(rules: Sequence[Rule]) -> tuple[Rule, ...]:
    """The rules with ``Equation.total_of`` filled in from the form's own sums.

    An item totals others of its rule when each of its terms is a total (the ``total`` of some ``sum`` rule) whose
    parts are exactly the same term of those items: the 总计 column of 表三 for the H3 balance, whose cells are the
    sums of the applicant columns. Its imbalance is then the sum of theirs unless a total was typed over.
    """
    sums: dict[str, list[frozenset[str]]] = {}  # a total -> each set of parts it is declared the sum of, in order
    for rule in rules:
        for eq in rule.equations if rule.kind == "sum" else ():
            if all(t.sign == 1 and not t.prev for t in eq.terms):
                sums.setdefault(eq.lhs[0].code, []).append(frozenset(t.code for t in eq.rhs))
    result = []
    for rule in rules:
        found = {n: _items_totalled(rule.equations, n, sums) for n in range(len(rule.equations))}
        found = {n: parts for n, parts in found.items() if parts and not _reaches(found, parts, n)}
        result.append(
            replace(
                rule, equations=tuple(replace(eq, total_of=found.get(n, ())) for n, eq in enumerate(rule.equations))
            )
        )
    return tuple(result)


def _items_totalled(equations: Sequence[Equation], n: int, sums: Mapping[str, list[frozenset[str]]]) -> tuple[int, ...]:
    """The items equation ``n`` totals term by term, under one of the declared sums of its first term; else ()."""
    mine = equations[n].terms
    if not all(t.code in sums for t in mine):
        return ()
    shape = [(t.sign, t.prev) for t in mine], len(equations[n].lhs)
    others = [
        j for j, eq in enumerate(equations) if j != n and ([(t.sign, t.prev) for t in eq.terms], len(eq.lhs)) == shape
    ]
    for parts in sums[mine[0].code]:
        chosen = tuple(j for j in others if equations[j].terms[0].code in parts)
        if len(chosen) != len(parts):
            continue
        columns = [[equations[j].terms[k].code for j in chosen] for k in range(len(mine))]
        if all(
            len(set(codes)) == len(codes) and frozenset(codes) in sums[mine[k].code] for k, codes in enumerate(columns)
        ):
            return chosen
    return ()


def _reaches(found: Mapping[int, tuple[int, ...]], start: tuple[int, ...], target: int) -> bool:
    """Whether ``target`` is among the items totalled, directly or not, by ``start`` (a declaration going round)."""
    seen: set[int] = set()
    todo = list(start)
    while todo:
        n = todo.pop()
        if n == target:
            return True
        if n not in seen:
            seen.add(n)
            todo.extend(found.get(n, ()))
    return False
