"""Validate a batch of readings with pandera: two schemas per form version, one ``validate`` call each.

Both schemas are derived from the form declaration:

- the **cell schema** runs over a long frame (one row per submission and cell) of read statuses: H5 (what is not a
  usable number), S1 (blank or "/"), and a note for numbers normalised from text;
- the **rule schema** runs over a wide frame with one column per rule instance: for a linear rule (H1-H4, S3, S4, and
  a form's own sums) the column holds ``lhs - rhs`` computed exactly in int64 at a common decimal scale, and the check
  is ``== 0``; for S2, S7 and S9 the column holds what the rule bounds. Rows where a rule does not apply are null.

Failure cases come back as (column, row) pairs and become findings pinned to the cells of the rule instance. An item
that totals other items of its rule (``Equation.total_of``: the 总计 column for H3) is no finding of its own where its
imbalance is exactly the sum of theirs: one imbalance, one finding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pyarrow import concat_tables as pa_concat

from huizong.cells import common_scale, prepare, scaled
from huizong.findings import Finding
from huizong.forms import Equation, Form, Rule, Term
from huizong.formulas import excel_text
from huizong.layout import layout_form
from huizong.periods import Period
from huizong.previous import Previous
from huizong.reader import Reading
from huizong.registry import Unit
from huizong.values import USABLE

Number = int | Decimal
OK_CELL = sorted(USABLE | {"blank", "slash"})
PROBLEMS = {
    "invalid": "此格应填写数字，不能填写文字或单位（如“12件”“十二”“无”）",
    "not_integer": "件数应为整数，不能填写小数",
    "negative": "不能填写负数",
    "too_precise": "小数位数超过规定",
    "too_large": "数值超出合理范围（不能达到1万亿）",
    "error": "单元格中是出错的公式（如 #REF!、#DIV/0!），请填写数字",
    "formula_uncached": "此格填写的是公式，文件中没有计算结果，请直接填写数字",
}
EXPECTED = {"count": "大于或等于0的整数", "change": "整数（减少填负数）", "amount": "大于或等于0的数"}
HOW_MANY = dict(enumerate("一两三四五六七八九十", start=1))
AXIS = {"row": "行", "column": "列", "": ""}
LONGEST_SIDE = 6  # terms named one by one on a side of an equation; more are shortened to first＋…＋last


@dataclass(frozen=True)
class Subject:
    """One reading and what the rules need to know around it."""

    reading: Reading
    unit: Unit | None = None
    tier: str = ""
    previous: Mapping[str, Number] | None = None  # the unit's accepted values for the previous period


@dataclass(frozen=True)
class _Column:
    """One column of the rule frame: a rule instance, and how to explain a failure in it."""

    rule: Rule
    equation: Equation | None
    cells: tuple[str, ...]
    bound: Number | None = None
    parts: tuple[str, ...] = ()  # the columns of the items this item totals (Equation.total_of)


def validate(subjects: Sequence[Subject]) -> list[list[Finding]]:
    """Findings for each subject, in order; subjects whose form is unknown get none here."""
    results: list[list[Finding]] = [[] for _ in subjects]
    prepare([s.reading for s in subjects])
    groups: dict[str, list[int]] = {}
    for i, subject in enumerate(subjects):
        if subject.reading.form is not None and subject.reading.values:
            groups.setdefault(subject.reading.form.key, []).append(i)
    for indices in groups.values():
        form = subjects[indices[0]].reading.form
        assert form is not None
        batch = [subjects[i] for i in indices]
        found = _cell_findings(form, batch) + _rule_findings(form, batch)
        for position, finding in found:
            results[indices[position]].append(finding)
    return results


# ───────────────────────────── cells ─────────────────────────────


def cell_schema(form: Form) -> tuple[pa.DataFrameSchema, list[str]]:
    """The schema over read statuses, and what each of its status checks stands for, in check order."""
    by_kind = {rule.kind: rule for rule in reversed(form.rules)}
    checks = [pa.Check.isin(OK_CELL, name=by_kind["cell_type"].id if "cell_type" in by_kind else "CELL")]
    meanings = ["unusable"]
    if "blank" in by_kind:
        checks.append(pa.Check.notin(["blank", "slash"], name=by_kind["blank"].id))
        meanings.append("blank")
    checks.append(pa.Check.notin(["normalized", "formula"], name="NORM"))
    meanings.append("normalized")
    schema = pa.DataFrameSchema(
        {
            "subject": pa.Column(int),
            "code": pa.Column(str, pa.Check.isin(list(form.cells))),
            "status": pa.Column(checks=checks),
        },
        name=f"{form.key} cells",
    )
    return schema, meanings


def _cell_findings(form: Form, batch: Sequence[Subject]) -> list[tuple[int, Finding]]:
    tables = [s.reading.cells for s in batch if s.reading.cells is not None]
    assert len(tables) == len(batch), "validate prepares every reading's cells"
    lengths = np.array([t.num_rows for t in tables], dtype=np.int64)
    read = pa_concat(tables)
    kept = ~read["typed_over"].to_numpy(zero_copy_only=False)
    subjects = np.repeat(np.arange(len(batch), dtype=np.int64), lengths)[kept]
    codes = read["code"].to_numpy(zero_copy_only=False)[kept]
    statuses = read["status"].to_numpy(zero_copy_only=False)[kept]
    frame = pd.DataFrame({"subject": subjects, "code": codes, "status": pd.Categorical(statuses)})
    schema, meanings = cell_schema(form)
    failures = _failures(schema, frame)
    failures = failures[failures["column"] == "status"]
    by_kind = {rule.kind: rule for rule in reversed(form.rules)}
    layouts = layout_form(form)
    found = []
    for index, check_number in failures[["index", "check_number"]].itertuples(index=False):
        subject, code, status = subjects[index], codes[index], statuses[index]
        cell = form.cells[code]
        value = batch[subject].reading.values[code]
        place = {"sheet": form.table(cell.table).sheet, "cell": layouts[cell.table].cells[code].a1, "seen": value.raw}
        meaning = meanings[check_number]
        if meaning == "unusable":
            rule = by_kind.get("cell_type")
            expected = EXPECTED[cell.type] + (
                f"（单位：{cell.unit}，最多{cell.scale}位小数）" if cell.type == "amount" else ""
            )
            finding = Finding(
                rule.id if rule else "CELL",
                "error",
                PROBLEMS[status],
                expected=expected,
                message_en=rule.message_en if rule else "",
                **place,
            )
        elif meaning == "blank":
            rule = by_kind["blank"]
            finding = Finding(rule.id, rule.severity, rule.message, expected="0", message_en=rule.message_en, **place)
        elif status == "formula":
            message = f"此格填写的是公式，已按其计算结果 {value.value} 读取，请直接填写数字"
            finding = Finding("NORM", "warning", message, expected=str(value.value), message_en="a formula", **place)
        else:
            message = f"“{value.raw}”已按数字 {value.value} 读取，请以后直接填写数字"
            finding = Finding(
                "NORM", "warning", message, expected=str(value.value), message_en="read as a number", **place
            )
        found.append((subject, finding))
    return found


# ───────────────────────────── rules ─────────────────────────────


def _rule_columns(form: Form) -> dict[str, _Column]:
    columns: dict[str, _Column] = {}
    for rule in form.rules:
        for n, eq in enumerate(rule.equations):
            cells = tuple(t.code for t in eq.terms if not t.prev)
            columns[f"{rule.id}|{n}"] = _Column(rule, eq, cells, parts=tuple(f"{rule.id}|{j}" for j in eq.total_of))
        if rule.kind in ("expect_zero", "plausible"):
            for code in rule.cells:
                columns[f"{rule.id}|{code}"] = _Column(rule, None, (code,))
        if rule.kind == "plausible":
            for code in rule.cells:
                columns[f"{rule.id}|jump|{code}"] = _Column(
                    rule, None, (code,), bound=Decimal(str(rule.params["jump"]))
                )
        if rule.kind == "period_fit":
            columns[f"{rule.id}|fit"] = _Column(rule, None, ())
    return columns


def rule_schema(form: Form) -> pa.DataFrameSchema:
    columns = {}
    for name, column in _rule_columns(form).items():
        if column.rule.kind == "plausible":
            check = pa.Check.le(float(column.bound) if column.bound is not None else 0, name=column.rule.id)
        else:
            check = pa.Check.equal_to(0, name=column.rule.id)
        columns[name] = pa.Column(nullable=True, checks=check)
    return pa.DataFrameSchema(columns, name=f"{form.key} rules")


def _matrix(form: Form, rows: Sequence[np.ndarray]) -> np.ndarray:
    """Rows of exact int64 at the form's common scale (``huizong.cells.scaled``) as one matrix."""
    return np.vstack(rows) if rows else np.zeros((0, len(form.cells)), dtype=np.int64)


def rule_frame(form: Form, batch: Sequence[Subject]) -> pd.DataFrame:
    scale = common_scale(form)
    index = {code: i for i, code in enumerate(form.cells)}
    current = _matrix(form, [_scaled(form, s.reading) for s in batch])
    previous, known = _previous(form, batch)
    has_previous = np.array([s.previous is not None for s in batch])
    data: dict[str, pd.Series] = {}
    for name, column in _rule_columns(form).items():
        rule = column.rule
        if column.equation is not None:
            diff = np.zeros(len(batch), dtype=np.int64)
            for sign, terms in ((1, column.equation.lhs), (-1, column.equation.rhs)):
                for term in terms:
                    source = previous if term.prev else current
                    diff += sign * term.sign * source[:, index[term.code]]
            series = pd.Series(diff, dtype="Int64")
            if column.equation.cross_period:  # only where last year's report has every cell the rule needs
                needed = [index[t.code] for t in column.equation.lhs + column.equation.rhs if t.prev]
                series[(~known[:, needed].all(axis=1)).tolist()] = pd.NA
        elif rule.kind == "expect_zero":
            series = pd.Series(current[:, index[column.cells[0]]], dtype="Int64")
            series[[not _applies(rule, s) for s in batch]] = pd.NA
        elif rule.kind == "plausible" and column.bound is None:
            series = _over_maximum(rule, batch, current[:, index[column.cells[0]]] // scale)
        elif rule.kind == "plausible":
            series = _jump(
                rule,
                current[:, index[column.cells[0]]] // scale,
                previous[:, index[column.cells[0]]] // scale,
                has_previous,
            )
        else:
            series = pd.Series([0 if form.fits(_period(s)) else 1 for s in batch], dtype="Int64")
        data[name] = series
    return pd.DataFrame(data)


def _previous(form: Form, batch: Sequence[Subject]) -> tuple[np.ndarray, np.ndarray]:
    """Last year's values as rows of exact integers at the form's scale, and which cells each row has."""
    rows = np.zeros((len(batch), len(form.cells)), dtype=np.int64)
    have = np.zeros((len(batch), len(form.cells)), dtype=bool)
    for i, subject in enumerate(batch):
        before = subject.previous
        if isinstance(before, Previous):  # placed straight from the columns DuckDB gave
            rows[i], have[i] = before.scaled(form)
        elif before is not None:
            rows[i] = scaled(form, before)
            have[i] = [code in before for code in form.cells]
    return rows, have


def _scaled(form: Form, reading: Reading) -> np.ndarray:
    return reading.scaled if reading.scaled is not None else scaled(form, reading.numbers())


def _period(subject: Subject) -> Period:
    return Period.parse(subject.reading.meta["period"])


def _applies(rule: Rule, subject: Subject) -> bool:
    kind = subject.unit.kind if subject.unit else subject.reading.meta.get("unit_kind", "")
    return kind in rule.params.get("unit_kinds", []) or subject.tier in rule.params.get("tiers", [])


def _over_maximum(rule: Rule, batch: Sequence[Subject], values: np.ndarray) -> pd.Series:
    """How far a value is above the maximum for the unit's kind (<= 0 passes); null where no maximum applies."""
    limits = rule.params.get("max_by_kind", {})
    result = []
    for subject, value in zip(batch, values, strict=True):
        kind = subject.unit.kind if subject.unit else subject.reading.meta.get("unit_kind", "")
        result.append(int(value) - int(limits[kind]) if kind in limits else pd.NA)
    return pd.Series(result, dtype="Int64")


def _jump(rule: Rule, now: np.ndarray, before: np.ndarray, has_previous: np.ndarray) -> pd.Series:
    """The year-over-year factor where either year reaches ``jump_floor``; null otherwise."""
    floor = int(rule.params.get("jump_floor", 0))
    high, low = np.maximum(now, before), np.minimum(now, before)
    factor = high / np.maximum(low, 1)
    series = pd.Series(factor, dtype="Float64")
    series[(high < floor) | ~has_previous] = pd.NA
    return series


def _rule_findings(form: Form, batch: Sequence[Subject]) -> list[tuple[int, Finding]]:
    columns = _rule_columns(form)
    frame = rule_frame(form, batch)
    failures = _failures(rule_schema(form), frame).drop_duplicates(["column", "index"])
    failures = _without_consequences(columns, frame, failures)
    scale = common_scale(form)
    found = []
    for name, index in failures[["column", "index"]].itertuples(index=False):
        found.append((index, _explain(form, columns[name], batch[index], frame.at[index, name], scale)))
    return found


def _without_consequences(columns: Mapping[str, _Column], frame: pd.DataFrame, failures: pd.DataFrame) -> pd.DataFrame:
    """Failures less those of items that fail only because the items they total fail (their imbalance is the sum)."""
    keep = np.ones(len(failures), dtype=bool)
    names = failures["column"].to_numpy()
    rows = failures["index"].to_numpy()
    for name, column in columns.items():
        here = np.flatnonzero(names == name) if column.parts else np.array([], dtype=np.int64)
        if here.size:
            parts = frame.loc[rows[here], list(column.parts)]
            summed = parts.to_numpy(dtype=np.int64, na_value=0).sum(axis=1)
            own = frame.loc[rows[here], name].to_numpy(dtype=np.int64, na_value=0)
            keep[here[(summed == own) & ~parts.isna().to_numpy().any(axis=1)]] = False
    return failures[keep]


def _explain(form: Form, column: _Column, subject: Subject, failed: object, scale: int) -> Finding:
    rule = column.rule
    layouts = layout_form(form)
    addresses = [layouts[form.cells[c].table].cells[c].a1 for c in column.cells]
    sheet = form.table(form.cells[column.cells[0]].table).sheet if column.cells else ""
    numbers = subject.reading.numbers()
    seen, expected, message, message_en = "", "", rule.message, rule.message_en
    if column.equation is not None:
        seen, expected, message, message_en = _unbalanced(form, rule, column.equation, numbers, subject.previous or {})
        if rule.kind == "sum":
            addresses = addresses[:1]
    elif rule.kind == "expect_zero":
        seen, expected = str(numbers.get(column.cells[0], 0)), "0"
    elif rule.kind == "plausible":
        seen = str(numbers.get(column.cells[0], 0))
        if column.bound is not None and subject.previous is not None:
            seen += f"（上年 {subject.previous.get(column.cells[0], 0)}）"
    elif rule.kind == "period_fit":
        seen, expected = f"{form.basis}，{_period(subject).label}", f"适用年度 {form.years[0]}–{form.years[1]}"
    return Finding(rule.id, rule.severity, message, sheet, ",".join(addresses), seen, expected, message_en)


def _unbalanced(
    form: Form, rule: Rule, eq: Equation, now: Mapping[str, Number], before: Mapping[str, Number]
) -> tuple[str, str, str, str]:
    """(seen, expected, message, message_en) of an equation that does not hold: both sides, named, and the gap."""
    lhs, rhs = _Side(form, rule, eq, eq.lhs, now, before), _Side(form, rule, eq, eq.rhs, now, before)
    left, right = excel_text(lhs.total), excel_text(rhs.total)
    gap: Number = lhs.total - rhs.total
    size = excel_text(-gap if gap < 0 else gap)
    by, by_en = f"{'多' if gap > 0 else '少'}{size}", f"{size} {'more' if gap > 0 else 'less'}"
    sides = f"{lhs.names}＝{left}，{rhs.names}＝{right}"
    table = form.table(rule.table or "").name
    axis = rule.per if form.item_line(rule, eq) else ""  # a group of columns (行政复议) is neither 行 nor 列
    place = f"{table}“{eq.item_label}”{AXIS[axis]}"
    place_en = f"{axis or 'item'} “{eq.item_label}” of {table}"
    if rule.kind == "sum":
        total = form.term_name(rule, eq, eq.lhs[0])
        message = f"{place}的合计不符：{sides}，{total}比各项之和{by}。请核对{total}及各项。"
        english = f"{place_en}: the total is {left}, its parts add up to {right} ({by_en})"
    elif eq.cross_period:
        message = f"{place}与上年报告不衔接：{sides}，左边比右边{by}。请核实；如确无误，请说明原因。"
        english = f"{place_en} does not follow on from last year's report: {left} against {right} ({by_en})"
    else:
        count = len(eq.terms)
        message = f"{place}不平：{sides}，左边比右边{by}。请核对这{HOW_MANY.get(count, str(count))}项。"
        english = f"{place_en} does not balance: the left side is {left}, the right side {right} ({by_en})"
    return lhs.values, rhs.values, message, f"{english}; {rule.message_en}" if rule.message_en else english


class _Side:
    """One side of an equation as a finding shows it: its terms named (and with their values), and its sum."""

    def __init__(
        self,
        form: Form,
        rule: Rule,
        eq: Equation,
        terms: Sequence[Term],
        now: Mapping[str, Number],
        before: Mapping[str, Number],
    ) -> None:
        numbers = [(before if t.prev else now).get(t.code, 0) for t in terms]
        self.total: Number = sum((t.sign * n for t, n in zip(terms, numbers, strict=True)), start=0)
        named = [(t, form.term_name(rule, eq, t), n) for t, n in zip(terms, numbers, strict=True)]
        self.names = self._join([(t, name) for t, name, _ in named])
        self.values = self._join([(t, f"{name}{excel_text(n)}") for t, name, n in named])
        if len(terms) > 1 or terms[0].sign < 0:
            self.values += f"＝{excel_text(self.total)}"

    @staticmethod
    def _join(shown: Sequence[tuple[Term, str]]) -> str:
        def signed(i: int, term: Term, text: str) -> str:
            return ("－" if term.sign < 0 else ("＋" if i else "")) + text

        if len(shown) > LONGEST_SIDE:
            (first, a), (last, b) = shown[0], shown[-1]
            return f"{signed(0, first, a)}＋…{signed(1, last, b)}（共{len(shown)}项）"
        return "".join(signed(i, term, text) for i, (term, text) in enumerate(shown))


def _failures(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases: pd.DataFrame = errors.failure_cases
        return cases[cases["index"].notna()].astype({"index": int})
    return pd.DataFrame(columns=["column", "index", "check_number"])
