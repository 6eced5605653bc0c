"""Report forms declared as data.

A form file (``schemas/forms/<id>/<version>.toml``) declares tables made of blocks; a block has a column outline and a
row outline; every (row, column) leaf pair is a numeric cell with a stable code ``<table>.<row path>.<column path>``.
Rules are linear equations over those codes (expanded here once) plus a few declarative checks. The template writer,
the reader and the validation all derive from the ``Form`` built here; nothing else knows a form's shape.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, cast

from huizong.errors import FormError, suggest
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

    def structure_hash(self) -> str:
        """A hash of what a template depends on: codes, types and the printed labels of every cell."""
        digest = hashlib.sha256(f"{self.key}\n".encode())
        for cell in self.cells.values():
            line = "|".join([cell.code, cell.type, str(cell.computed), *cell.row.labels, "/", *cell.col.labels])
            digest.update(line.encode() + b"\n")
        return digest.hexdigest()


# ───────────────────────────── loading ─────────────────────────────


class _Source:
    """Where we are in a form file, for error messages that point at the bad key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, problem: str) -> FormError:
        return FormError(f"表式文件 {self.path}: {where}: {problem}")

    def check_keys(self, where: str, data: Mapping[str, Any], required: Sequence[str], optional: Sequence[str]) -> None:
        allowed = (*required, *optional)
        for key in data:
            if key not in allowed:
                raise self.fail(where, f"未知的键 {key!r} (unknown key){suggest(key, allowed)}")
        for key in required:
            if key not in data:
                raise self.fail(where, f"缺少必填的键 {key!r} (missing key)")


_FORM_KEYS = ("id", "version", "title", "basis", "period", "years", "deadline_days")
_TABLE_KEYS = ("code", "sheet", "title")
_TABLE_OPTIONAL = ("orientation", "block", "label_widths", "value_width")
_NODE_KEYS = ("label",)
_NODE_OPTIONAL = ("code", "level", "type", "unit", "scale")
_RULE_KEYS = ("id", "severity", "kind", "message")
_RULE_OPTIONAL = (
    "message_en", "table", "for_each", "total", "parts", "lhs", "rhs", "cells",
    "unit_kinds", "tiers", "max_by_kind", "jump", "jump_floor",
)  # fmt: skip


def load_form(path: Path) -> Form:
    src = _Source(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise src.fail("TOML", str(exc)) from exc
    src.check_keys("文件", data, ("form", "table"), ("rule",))
    head = data["form"]
    src.check_keys("[form]", head, _FORM_KEYS, ("default_type",))
    if head["period"] not in ("year", "quarter"):
        raise src.fail("[form].period", f"应为 'year' 或 'quarter'，而不是 {head['period']!r}")
    default_type = _cell_type(src, "[form].default_type", head.get("default_type", "count"))
    tables = tuple(_load_table(src, i, t) for i, t in enumerate(data["table"]))
    cells = _build_cells(src, tables, default_type)
    rules = tuple(_load_rule(src, i, r, tables, cells) for i, r in enumerate(data.get("rule", [])))
    formulas = _formulas(src, rules, cells)
    cells = {code: _with_computed(cell, code in formulas) for code, cell in cells.items()}
    first, last = head["years"]
    return Form(
        id=head["id"],
        version=str(head["version"]),
        title=head["title"],
        basis=head["basis"],
        period_kind=head["period"],
        years=(int(first), int(last)),
        deadline_days=int(head["deadline_days"]),
        tables=tables,
        rules=rules,
        cells=cells,
        formulas=formulas,
        source=path,
    )


def _with_computed(cell: CellDef, computed: bool) -> CellDef:
    return CellDef(**{**cell.__dict__, "computed": computed})


def _cell_type(src: _Source, where: str, value: Any) -> CellType:
    if value not in CELL_TYPES:
        raise src.fail(
            where, f"单元格类型 {value!r} 无效，可选 {', '.join(CELL_TYPES)}{suggest(str(value), CELL_TYPES)}"
        )
    return cast(CellType, value)


def _load_table(src: _Source, index: int, data: Mapping[str, Any]) -> Table:
    where = f"[[table]] #{index + 1} ({data.get('code', '?')})"
    src.check_keys(where, data, _TABLE_KEYS, _TABLE_OPTIONAL)
    if len(data["sheet"]) > 31 or any(ch in data["sheet"] for ch in "[]:*?/\\"):
        raise src.fail(where, f"工作表名 {data['sheet']!r} 不能超过31个字符，也不能含有 []:*?/\\")
    blocks = tuple(_load_block(src, f"{where} block {i + 1}", b) for i, b in enumerate(data.get("block", [])))
    if not blocks:
        raise src.fail(where, "至少需要一个 [[table.block]]")
    orientation = data.get("orientation", "portrait")
    if orientation not in ("portrait", "landscape"):
        raise src.fail(where, f"orientation 应为 portrait 或 landscape，而不是 {orientation!r}")
    widths = data.get("label_widths")
    return Table(
        code=data["code"],
        sheet=data["sheet"],
        title=data["title"],
        orientation=orientation,
        blocks=blocks,
        label_widths=tuple(float(w) for w in widths) if widths else None,
        value_width=float(data["value_width"]) if "value_width" in data else None,
    )


def _load_block(src: _Source, where: str, data: Mapping[str, Any]) -> Block:
    src.check_keys(where, data, ("columns",), ("title", "corner", "rows"))
    columns = _outline(src, f"{where} columns", data["columns"])
    rows = _outline(src, f"{where} rows", data.get("rows", []))
    return Block(
        title=data.get("title"),
        corner=data.get("corner"),
        columns=columns,
        rows=rows,
        col_lines=tuple(_lines(columns)),
        row_lines=tuple(_lines(rows)) if rows else (Line("", (), ()),),
    )


def _outline(src: _Source, where: str, items: Sequence[Mapping[str, Any]]) -> tuple[Node, ...]:
    """Turn a flat list with levels into a tree: a node followed by deeper nodes is their group."""
    flat: list[tuple[int, dict[str, Any]]] = []
    previous = 0
    for i, item in enumerate(items):
        spot = f"{where} #{i + 1} ({item.get('label', '?')})"
        src.check_keys(spot, item, _NODE_KEYS, _NODE_OPTIONAL)
        level = int(item.get("level", 1))
        if level < 1 or level > previous + 1:
            raise src.fail(spot, f"level {level} 不连贯：上一项的 level 是 {previous}")
        if "type" in item:
            _cell_type(src, spot, item["type"])
        flat.append((level, dict(item)))
        previous = level

    def build(start: int, level: int) -> tuple[list[Node], int]:
        nodes: list[Node] = []
        i = start
        while i < len(flat) and flat[i][0] == level:
            item = flat[i][1]
            children, i = build(i + 1, level + 1)
            nodes.append(
                Node(
                    label=item["label"],
                    code=item.get("code"),
                    level=level,
                    type=item.get("type"),
                    unit=item.get("unit"),
                    scale=item.get("scale"),
                    children=tuple(children),
                )
            )
        return nodes, i

    roots, _ = build(0, 1)
    return tuple(roots)


def _lines(nodes: Sequence[Node], path: tuple[Node, ...] = ()) -> Iterator[Line]:
    for node in nodes:
        here = (*path, node)
        if node.children:
            yield from _lines(node.children, here)
        else:
            key = ".".join(n.code for n in here if n.code)
            yield Line(key=key, labels=tuple(n.label for n in here), nodes=here)


def cell_code(table: str, row: Line, col: Line) -> str:
    return ".".join(part for part in (table, row.key, col.key) if part)


def _build_cells(src: _Source, tables: Sequence[Table], default_type: CellType) -> dict[str, CellDef]:
    cells: dict[str, CellDef] = {}
    for table in tables:
        for b, block in enumerate(table.blocks):
            for row in block.row_lines:
                for col in block.col_lines:
                    code = cell_code(table.code, row, col)
                    if code in cells:
                        raise src.fail(f"表 {table.code}", f"单元格代码 {code!r} 重复 (duplicate cell code)")
                    kind = col.resolved("type") or row.resolved("type") or default_type
                    cells[code] = CellDef(
                        code=code,
                        table=table.code,
                        block=b,
                        row=row,
                        col=col,
                        type=kind,
                        unit=col.resolved("unit") or row.resolved("unit") or DEFAULT_UNIT[kind],
                        scale=int(col.resolved("scale") or row.resolved("scale") or DEFAULT_SCALE[kind]),
                    )
    return cells


def _items(table: Table, for_each: Any) -> list[tuple[str, str]]:
    """(code fragment, printed label) for each item a rule iterates over."""
    if for_each == "rows":
        return [(line.key, line.labels[-1]) for b in table.blocks for line in b.row_lines]
    if for_each == "columns":
        return [(line.key, line.labels[-1]) for b in table.blocks for line in b.col_lines]
    labels: dict[str, str] = {}
    for block in table.blocks:
        for line in (*block.row_lines, *block.col_lines):
            prefix: list[str] = []
            for node in line.nodes:
                if node.code:
                    prefix.append(node.code)
                    labels.setdefault(".".join(prefix), node.label)
    return [(str(item), labels.get(str(item), str(item))) for item in for_each]


def _load_rule(
    src: _Source, index: int, data: Mapping[str, Any], tables: Sequence[Table], cells: Mapping[str, CellDef]
) -> Rule:
    where = f"[[rule]] #{index + 1} ({data.get('id', '?')})"
    src.check_keys(where, data, _RULE_KEYS, _RULE_OPTIONAL)
    if data["kind"] not in RULE_KINDS:
        raise src.fail(where, f"规则类型 {data['kind']!r} 无效{suggest(data['kind'], RULE_KINDS)}")
    if data["severity"] not in SEVERITIES:
        raise src.fail(where, f"severity 应为 error 或 warning，而不是 {data['severity']!r}")
    table = None
    if "table" in data:
        table = next((t for t in tables if t.code == data["table"]), None)
        if table is None:
            raise src.fail(where, f"表 {data['table']!r} 不存在{suggest(data['table'], [t.code for t in tables])}")

    def code_of(term: str, item: str) -> Term:
        sign, prev = 1, False
        if term.startswith("-"):
            sign, term = -1, term[1:]
        if term.startswith("prev:"):
            prev, term = True, term[5:]
        assert table is not None
        code = f"{table.code}.{term.replace('{}', item)}".replace("..", ".").rstrip(".")
        if code not in cells:
            raise src.fail(where, f"单元格代码 {code!r} 不存在 (unknown cell code){suggest(code, cells)}")
        return Term(code, sign, prev)

    equations: list[Equation] = []
    if data["kind"] in ("sum", "balance"):
        if table is None or "for_each" not in data:
            raise src.fail(where, "sum 和 balance 规则需要 table 和 for_each")
        for item, label in _items(table, data["for_each"]):
            lhs: tuple[Term, ...]
            if data["kind"] == "sum":
                lhs = (code_of(data["total"], item),)
                rhs = tuple(code_of(p, item) for p in data["parts"])
            else:
                lhs = tuple(code_of(p, item) for p in data["lhs"])
                rhs = tuple(code_of(p, item) for p in data["rhs"])
            equations.append(Equation(data["id"], label, lhs, rhs))
    rule_cells = tuple(code_of(c, "").code for c in data.get("cells", []))
    params = {k: data[k] for k in ("unit_kinds", "tiers", "max_by_kind", "jump", "jump_floor") if k in data}
    return Rule(
        id=data["id"],
        severity=data["severity"],
        kind=data["kind"],
        message=data["message"],
        message_en=data.get("message_en", ""),
        table=table.code if table else None,
        equations=tuple(equations),
        cells=rule_cells,
        params=params,
    )


def _formulas(src: _Source, rules: Sequence[Rule], cells: Mapping[str, CellDef]) -> dict[str, tuple[str, ...]]:
    """Computed cells: the total of each ``sum`` rule (first rule wins), ordered so parts come first."""
    defined: dict[str, tuple[str, ...]] = {}
    for rule in rules:
        if rule.kind != "sum":
            continue
        for eq in rule.equations:
            total = eq.lhs[0].code
            if total not in defined:
                defined[total] = tuple(t.code for t in eq.rhs)
    ordered: dict[str, tuple[str, ...]] = {}
    visiting: set[str] = set()

    def visit(code: str) -> None:
        if code in ordered or code not in defined:
            return
        if code in visiting:
            raise src.fail("rules", f"合计单元格 {code!r} 循环引用自身 (circular total)")
        visiting.add(code)
        for part in defined[code]:
            visit(part)
        ordered[code] = defined[code]

    for code in cells:
        visit(code)
    return ordered


# ───────────────────────────── the catalogue ─────────────────────────────

BUNDLED_FORMS = Path(__file__).resolve().parent.parent / "schemas" / "forms"


class FormCatalog:
    """Every form version found under the given directories (earlier directories win)."""

    def __init__(self, directories: Sequence[Path]) -> None:
        self.forms: dict[str, Form] = {}
        for directory in directories:
            for path in sorted(directory.glob("*/*.toml")):
                form = load_form(path)
                self.forms.setdefault(form.key, form)

    def get(self, key: str) -> Form:
        if key in self.forms:
            return self.forms[key]
        raise FormError(f"没有表式 {key!r} (unknown form){suggest(key, self.forms)}；可用：{', '.join(self.forms)}")

    def choose(self, period: Period, family: str | None = None) -> Form:
        """The form for a period: ``family/version`` exactly, or the version of ``family`` whose years fit."""
        if family and "/" in family:
            return self.get(family)
        fitting = [f for f in self.forms.values() if f.fits(period) and (family is None or f.id == family)]
        families = sorted({f.id for f in fitting})
        if family is None and "annual_report" in families and period.kind == "year":
            families = ["annual_report"]
        known = ", ".join(self.forms)
        if not families:
            raise FormError(f"没有适用于报告期 {period} 的表式{f'（{family}）' if family else ''}；已有：{known}")
        if len(families) > 1:
            raise FormError(f"报告期 {period} 有多个适用的表式（{', '.join(families)}），请用 --form 指定")
        return max((f for f in fitting if f.id == families[0]), key=lambda f: f.version)
