"""Excel formulas a template carries, and the values they show, computed the same way in Python.

xlsxwriter caches 0 as every formula's value unless it is given one, and readers then see 0; so each formula written
here has a twin that computes its cached value from the same declaration.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from xlsxwriter.utility import xl_rowcol_to_cell

from huizong.forms import Equation, Form, Rule, Term
from huizong.layout import SheetLayout, Span

Value = int | Decimal | str
PASS = "通过"


def check_rules(form: Form, table: str) -> list[Rule]:
    """The rules a template can check live: equations within one report, on this table."""
    return [r for r in form.rules if r.table == table and r.equations and not r.equations[0].cross_period]


def numeric(values: Mapping[str, Value]) -> dict[str, int | Decimal]:
    return {code: v for code, v in values.items() if isinstance(v, int | Decimal)}


def check_text(equations: Sequence[Equation], values: Mapping[str, int | Decimal]) -> str:
    """What a check cell shows, computed as its formula would: 通过, or each unbalanced item with both sides."""
    failing = []
    for eq in equations:
        left, right = eq.sides(values)
        if left != right:
            failing.append(f"{eq.item_label}：{excel_text(left)}≠{excel_text(right)}；")
    return PASS if not failing else "不平：" + "".join(failing)


def excel_text(value: int | Decimal) -> str:
    """A number as Excel's ``&`` turns it into text (general format)."""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "0") else text
    return str(value)


def sum_formula(spans: Sequence[Span]) -> str:
    """=SUM(...) over the anchors of ``spans``, runs of neighbouring cells written as ranges."""
    cells = [(s.row, s.col) for s in spans]
    parts: list[str] = []
    i = 0
    while i < len(cells):
        j = i
        while j + 1 < len(cells) and _next_to(cells[j], cells[j + 1], cells[i]):
            j += 1
        first, last = xl_rowcol_to_cell(*cells[i]), xl_rowcol_to_cell(*cells[j])
        parts.append(first if i == j else f"{first}:{last}")
        i = j + 1
    return f"=SUM({','.join(parts)})"


def _next_to(a: tuple[int, int], b: tuple[int, int], start: tuple[int, int]) -> bool:
    same_row = a[0] == b[0] == start[0] and b[1] == a[1] + 1
    same_col = a[1] == b[1] == start[1] and b[0] == a[0] + 1
    return same_row or same_col


def _term(term: Term, layout: SheetLayout, first: bool) -> str:
    ref = layout.cells[term.code].a1
    return ("-" if term.sign < 0 else ("" if first else "+")) + ref


def _side(terms: Sequence[Term], layout: SheetLayout) -> str:
    return "".join(_term(t, layout, i == 0) for i, t in enumerate(terms))


def check_formula(equations: Sequence[Equation], layout: SheetLayout) -> str:
    """=IF(all balanced, "通过", "不平：" & each failing item with both sides)."""
    conditions, messages = [], []
    for eq in equations:
        left, right = _side(eq.lhs, layout), _side(eq.rhs, layout)
        condition = f"ROUND(({left})-({right}),4)=0"
        conditions.append(condition)
        messages.append(f'IF({condition},"","{eq.item_label}："&({left})&"≠"&({right})&"；")')
    return f'=IF(AND({",".join(conditions)}),"{PASS}","不平："&{"&".join(messages)})'
