"""Reading a form declaration (``schemas/forms/<id>/<version>.toml``) into a ``Form``.

Errors point at the file and the key, and suggest the key that was probably meant. The syntax is explained in the
header of each bundled form file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, cast

from huizong.errors import FormError, suggest
from huizong.forms import (
    CELL_TYPES,
    DEFAULT_SCALE,
    DEFAULT_UNIT,
    RULE_KINDS,
    SEVERITIES,
    Block,
    CellDef,
    CellType,
    CodeMap,
    Equation,
    Figure,
    Form,
    Line,
    Node,
    Phrase,
    Rule,
    Table,
    Term,
    cell_code,
    with_totals,
)


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
_NODE_OPTIONAL = ("code", "level", "type", "unit", "scale", "short")
_RULE_KEYS = ("id", "severity", "kind", "message")
_RULE_OPTIONAL = (
    "label",
    "explain",
    "message_en",
    "table",
    "for_each",
    "total",
    "parts",
    "lhs",
    "rhs",
    "cells",
    "unit_kinds",
    "tiers",
    "max_by_kind",
    "jump",
    "jump_floor",
    "phrases",
)


def load_form(path: Path) -> Form:
    src = _Source(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise src.fail("TOML", str(exc)) from exc
    src.check_keys("文件", data, ("form", "table"), ("rule", "map", "figure"))
    head = data["form"]
    src.check_keys("[form]", head, _FORM_KEYS, ("default_type",))
    if head["period"] not in ("year", "quarter"):
        raise src.fail("[form].period", f"应为 'year' 或 'quarter'，而不是 {head['period']!r}")
    default_type = _cell_type(src, "[form].default_type", head.get("default_type", "count"))
    tables = tuple(_load_table(src, i, t) for i, t in enumerate(data["table"]))
    cells = _build_cells(src, tables, default_type)
    rules = with_totals([_load_rule(src, i, r, tables, cells) for i, r in enumerate(data.get("rule", []))])
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
        maps=tuple(_load_map(src, i, m) for i, m in enumerate(data.get("map", []))),
        figures=tuple(_load_figure(src, i, f, cells) for i, f in enumerate(data.get("figure", []))),
    )


def _load_figure(src: _Source, index: int, data: Mapping[str, Any], cells: Mapping[str, CellDef]) -> Figure:
    where = f"[[figure]] #{index + 1} ({data.get('key', '?')})"
    src.check_keys(where, data, ("key", "label", "cells"), ("group",))
    for code in data["cells"]:
        if code not in cells:
            raise src.fail(where, f"单元格代码 {code!r} 不存在 (unknown cell code){suggest(code, cells)}")
    return Figure(key=data["key"], label=data["label"], cells=tuple(data["cells"]), group=data.get("group", ""))


def _load_map(src: _Source, index: int, data: Mapping[str, Any]) -> CodeMap:
    where = f"[[map]] #{index + 1}"
    src.check_keys(where, data, ("to",), ("prefixes",))
    pairs = data.get("prefixes", [])
    if not all(isinstance(p, list) and len(p) == 2 for p in pairs):
        raise src.fail(where, 'prefixes 应为 [["旧前缀", "新前缀"], ...]')
    return CodeMap(to=data["to"], prefixes=tuple((str(a), str(b)) for a, b in pairs))


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
        _text(src, spot, item, "short")
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
                    short=item.get("short"),
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
    for key in ("message", "message_en", "label"):
        _text(src, where, data, key)
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
            equations.append(Equation(data["id"], label, lhs, rhs, item=item))
    rule_cells = tuple(code_of(c, "").code for c in data.get("cells", []))
    params: dict[str, Any] = {
        k: data[k] for k in ("unit_kinds", "tiers", "max_by_kind", "jump", "jump_floor") if k in data
    }
    if data["kind"] == "text":
        params["phrases"] = _phrases(src, where, data.get("phrases"), cells)
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
        per=_axis(table, data["for_each"]) if equations and table else "",
        check_label=data.get("label", ""),
        explain=_flag(src, where, data, "explain"),
    )


def _phrases(src: _Source, where: str, data: Any, cells: Mapping[str, CellDef]) -> tuple[Phrase, ...]:
    """A text rule's phrases: each says "{}" once and names cells of the form (full codes)."""
    if not isinstance(data, list) or not data:
        raise src.fail(where, 'text 规则需要 phrases：[{ say = "收到 政府信息公开申请 {}件", cells = [...] }, …]')
    phrases = []
    for n, item in enumerate(data, start=1):
        at = f"{where} phrases #{n}"
        if not isinstance(item, dict):
            raise src.fail(at, "应为 { say = …, cells = […] }")
        src.check_keys(at, item, ("say", "cells"), ())
        if not isinstance(item["say"], str) or item["say"].count("{}") != 1:
            raise src.fail(at, f"say 应为含一个 {{}} 的文字，而不是 {item['say']!r}")
        for code in item["cells"]:
            if code not in cells:
                raise src.fail(at, f"单元格代码 {code!r} 不存在 (unknown cell code){suggest(code, cells)}")
        phrases.append(Phrase(item["say"], tuple(item["cells"])))
    return tuple(phrases)


def _flag(src: _Source, where: str, data: Mapping[str, Any], key: str) -> bool:
    """An optional true/false key."""
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise src.fail(where, f"{key} 应为 true 或 false，而不是 {value!r}")
    return value


def _text(src: _Source, where: str, data: Mapping[str, Any], key: str) -> None:
    """An optional text key must be a non-empty string."""
    if key in data and (not isinstance(data[key], str) or not data[key].strip()):
        raise src.fail(where, f"{key} 应为非空的文字（字符串），而不是 {data[key]!r}")


def _axis(table: Table, for_each: Any) -> Literal["row", "column", ""]:
    """Whether a rule's items are rows or columns of its table (or groups of them)."""
    if for_each in ("rows", "columns"):
        return "row" if for_each == "rows" else "column"

    def within(keys: set[str]) -> bool:
        return all(any(k == str(i) or k.startswith(f"{i}.") for k in keys) for i in for_each)

    if within({line.key for b in table.blocks for line in b.row_lines}):
        return "row"
    return "column" if within({line.key for b in table.blocks for line in b.col_lines}) else ""


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
