"""Validation: every rule of the form, pinned to the right cells, in one pandera call per schema and batch."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huizong.assess import Verdict, assess
from huizong.config import Home
from huizong.forms import Form
from huizong.layout import layout_form
from huizong.periods import Period
from huizong.reader import read_workbook
from huizong.template import write_template
from tests.test_template import _edit, balanced, random_values

T3 = "三、收到和处理政府信息公开申请情况"


def judge(home: Home, path: Path, previous: dict | None = None, period: Period | None = None) -> Verdict:
    return assess(home, [read_workbook(path, home.catalog, home.registry)], previous, period)[0]


def consistent(form: Form, seed: int) -> dict[str, int | Decimal]:
    values = random_values(form, random.Random(seed))
    return balanced(form, values) if form.id == "annual_report" else values


def where(form: Form, code: str) -> str:
    return layout_form(form)[form.cells[code].table].cells[code].a1


def test_text_in_number_cells_is_pinned_to_the_cell(tmp_path: Path, demo_home: Home) -> None:
    form = demo_home.catalog.get("annual_report/2021")
    values = {c: 0 for c in form.inputs} | {
        "t3.new_received.natural_person": "12件",
        "t3.granted.natural_person": "/",
        "t3.new_received.commercial": "十二",
        "t3.granted.commercial": "１２",
        "t2.rules.issued": 2.5,
    }
    path = write_template(tmp_path / "t.xlsx", form, demo_home.registry.get("990121501"), Period(2025), values=values)
    found = {(f.sheet, f.cell): f for f in judge(demo_home, path).findings}
    assert found[T3, "D7"].rule == "H5" and found[T3, "D7"].seen == "12件" and "不能填写文字" in found[T3, "D7"].message
    assert found[T3, "E7"].rule == "H5" and found[T3, "E7"].seen == "十二"
    assert (found[T3, "D9"].rule, found[T3, "D9"].severity, found[T3, "D9"].seen) == ("S1", "warning", "/")
    assert found[T3, "E9"].rule == "NORM" and found[T3, "E9"].expected == "12"
    assert found["二、主动公开政府信息情况", "B6"].message == "件数应为整数，不能填写小数"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**32),
    key=st.sampled_from(["annual_report/2021", "annual_report/2019", "disclosure_by_category/2024"]),
)
def test_consistent_values_pass_and_breaking_any_identity_is_pinned(
    tmp_path: Path, demo_home: Home, seed: int, key: str
) -> None:
    form = demo_home.catalog.get(key)
    period = {"annual_report/2019": Period(2020), "annual_report/2021": Period(2025)}.get(key, Period(2025, 4))
    unit = demo_home.registry.get("990121501")
    values = consistent(form, seed)
    path = write_template(tmp_path / f"{seed}.xlsx", form, unit, period, values=values)
    assert [f for f in judge(demo_home, path).findings if f.severity == "error"] == []

    rng = random.Random(seed)
    rule = rng.choice([r for r in form.rules if r.severity == "error" and r.equations])
    equation = rng.choice([e for e in rule.equations if rule.kind == "sum" or not _all_totals(form, e)])
    if rule.kind == "sum":  # the total is a formula: the unit types over it
        target = equation.lhs[0].code
        _edit(path, form, {target: int(form.compute(values)[target]) + 1})
        expected_cells = where(form, target)
    else:  # a balance between inputs: one input changes
        target = next(t.code for t in equation.rhs if not form.cells[t.code].computed)
        _edit(path, form, {**values, target: values[target] + 1})
        expected_cells = ",".join(where(form, t.code) for t in equation.lhs + equation.rhs)
    verdict = judge(demo_home, path)
    assert not verdict.accepted
    assert any(f.rule == rule.id and f.cell == expected_cells for f in verdict.findings), (rule.id, target)


def _all_totals(form: Form, equation) -> bool:
    return all(form.cells[t.code].computed for t in equation.lhs + equation.rhs)


def test_cross_year_rules_use_last_years_accepted_values(tmp_path: Path, demo_home: Home) -> None:
    form = demo_home.catalog.get("annual_report/2021")
    values = {c: 0 for c in form.inputs} | {
        "t3.carried_over.natural_person": 2,
        "t3.granted.natural_person": 2,
        "t2.normative_docs.issued": 3,
        "t2.normative_docs.in_force": 10,
    }
    path = write_template(tmp_path / "t.xlsx", form, demo_home.registry.get("990121501"), Period(2025), values=values)
    last = form.compute({"t3.carried_forward.natural_person": 5, "t2.normative_docs.in_force": 7})
    found = {(f.rule, f.cell): f for f in judge(demo_home, path, {("990121501", "2024"): last}).findings}
    assert found["S4", "D8"].seen == "上年结转2" and found["S4", "D8"].expected == "上年报告的结转下年度继续办理5"
    assert not [f for f in found.values() if f.rule == "S3"]  # 7 + 3 - 0 = 10 holds
    assert [cell for rule, cell in found if rule == "S4"] == ["D8"]  # the 总计 column follows from 自然人
    without = judge(demo_home, path)
    assert not [f for f in without.findings if f.rule in ("S3", "S4")]  # no report last year: nothing to compare


def test_warnings_for_the_kind_of_unit_and_the_form_version(tmp_path: Path, demo_home: Home) -> None:
    form = demo_home.catalog.get("annual_report/2021")
    values = {c: 0 for c in form.inputs} | {
        "t2.rules.in_force": 6,
        "t3.new_received.natural_person": 16,
        "t3.granted.natural_person": 16,
    }
    township = demo_home.registry.get("990121101")
    path = write_template(tmp_path / "t.xlsx", form, township, Period(2025), values=values)
    verdict = judge(demo_home, path)
    assert verdict.accepted
    rules = {f.rule: f for f in verdict.findings}
    assert rules["S2"].cell == "D6" and rules["S2"].seen == "6"
    assert rules["S7"].cell == "J7" and rules["S7"].seen == "16"
    old = demo_home.catalog.get("annual_report/2019")
    path = write_template(tmp_path / "old.xlsx", old, township, Period(2022), values={c: 0 for c in old.inputs})
    s9 = [f for f in judge(demo_home, path).findings if f.rule == "S9"]
    assert len(s9) == 1 and "2019" in s9[0].seen and s9[0].severity == "warning"


def test_the_unit_must_exist_and_be_expected_in_the_period(tmp_path: Path, demo_home: Home) -> None:
    form = demo_home.catalog.get("annual_report/2021")
    merged = demo_home.registry.get("990121204")  # a 乡 merged away at the end of 2023
    path = write_template(tmp_path / "t.xlsx", form, merged, Period(2025), values={c: 0 for c in form.inputs})
    verdict = judge(demo_home, path)
    assert not verdict.accepted and any("在2025年不存在" in f.message for f in verdict.findings)
    path = write_template(tmp_path / "t.xlsx", form, merged, Period(2023), values={c: 0 for c in form.inputs})
    verdict = judge(demo_home, path)
    assert verdict.accepted and [f.rule for f in verdict.findings] == ["CYCLE"]  # 2023 has no declared cycle
    wrong = judge(demo_home, path, period=Period(2025))
    assert any(f.rule == "PERIOD" and "报告期不符" in f.message for f in wrong.findings) and not wrong.accepted


def test_a_batch_is_validated_in_one_call_per_schema(tmp_path: Path, demo_home: Home, monkeypatch) -> None:
    import pandera.pandas as pa

    calls = []
    original = pa.DataFrameSchema.validate

    def counting(self, frame, *args, **kwargs):
        calls.append((self.name, len(frame)))
        return original(self, frame, *args, **kwargs)

    monkeypatch.setattr(pa.DataFrameSchema, "validate", counting)
    form = demo_home.catalog.get("annual_report/2021")
    readings = []
    for i, unit in enumerate(demo_home.registry.below("990121", Period(2025))[:12]):
        path = write_template(tmp_path / f"{i}.xlsx", form, unit, Period(2025), values=consistent(form, i))
        readings.append(read_workbook(path, demo_home.catalog, demo_home.registry))
    verdicts = assess(demo_home, readings)
    assert len(verdicts) == 12 and all(v.accepted for v in verdicts)
    assert calls == [("annual_report/2021 cells", 12 * 200), ("annual_report/2021 rules", 12)]


SMALL = {"t3.new_received.natural_person": 3, "t3.granted.natural_person": 2, "t3.carried_forward.natural_person": 1}
LAST_YEAR = {"t3.carried_forward.natural_person": 5, "t2.normative_docs.in_force": 7}
YEAR = Period(2025)


@dataclass(frozen=True)
class Imbalance:
    """A report with one defect: its values, totals typed over its formulas, and last year's inputs if any."""

    values: dict[str, object]
    typed: dict[str, object] = field(default_factory=dict)
    last: dict[str, int] | None = None
    key: str = "annual_report/2021"
    period: Period = YEAR


IMBALANCES = {
    "one column": (
        Imbalance({**SMALL, "t3.carried_forward.natural_person": 4}),
        {
            "H3": [
                ["表三“自然人”列不平", "本年新收＋上年结转＝3", "办理结果总计＋结转下年度继续办理＝6", "左边比右边少3"]
            ]
        },
    ),
    "two columns": (
        Imbalance({**SMALL, "t3.carried_forward.natural_person": 4, "t3.new_received.commercial": 2}),
        {"H3": [["“自然人”列不平", "左边比右边少3"], ["“商业企业”列不平", "本年新收＋上年结转＝2", "左边比右边多2"]]},
    ),
    "the total column alone": (  # a typed-over total unbalances 总计 while every applicant column balances
        Imbalance(SMALL, typed={"t3.carried_forward.total": 5}),
        {
            "H3": [["“总计”列不平", "办理结果总计＋结转下年度继续办理＝7", "左边比右边少4"]],
            "H1": [["表三“四、结转下年度继续办理”行的合计不符", "总计＝5", "总计比各项之和多4"]],
        },
    ),
    "a row and the total row it makes": (  # （七）总计 typed to match a typed （一）: one H1 finding, not two
        Imbalance(SMALL, typed={"t3.granted.total": 7, "t3.results_total.total": 7}),
        {
            "H1": [["“（一）予以公开”行的合计不符", "总计＝7", "自然人＋商业企业", "总计比各项之和多5"]],
            "H2": [],
            "H3": [["“总计”列不平", "左边比右边少5"]],
        },
    ),
    "last year's carried forward": (
        Imbalance({**SMALL, "t3.carried_over.natural_person": 2, "t3.new_received.natural_person": 1}, last=LAST_YEAR),
        {"S4": [["表三“自然人”列与上年报告不衔接", "上年结转＝2，上年报告的结转下年度继续办理＝5", "左边比右边少3"]]},
    ),
    "last year's documents in force": (
        Imbalance({**SMALL, "t2.normative_docs.issued": 3, "t2.normative_docs.in_force": 12}, last=LAST_YEAR),
        {
            "S3": [
                [
                    "表二“行政规范性文件”行与上年报告不衔接",
                    "现行有效件数＝12，上年报告的现行有效件数＋本年制发件数－本年废止件数＝10",
                    "左边比右边多2",
                ]
            ]
        },
    ),
    "the 2019 format": (
        Imbalance({"t3.new_received.research": 2}, key="annual_report/2019", period=Period(2020)),
        {"H3": [["表三“科研机构”列不平", "左边比右边多2"]]},
    ),
    "a channel total of the quarterly form": (  # the 合计 column then fails too, by the same amount
        Imbalance(
            {"q.plans.portal": 2},
            typed={"q.total.portal": 5},
            key="disclosure_by_category/2024",
            period=Period(2025, 2),
        ),
        {"Q2": [["主动公开政府信息分类统计表“门户网站”列的合计不符", "合计＝5", "合计比各项之和多3"]], "Q1": []},
    ),
}


@pytest.mark.parametrize("case", sorted(IMBALANCES))
def test_one_imbalance_is_one_finding_that_says_which_side_is_off_and_by_how_much(
    tmp_path: Path, demo_home: Home, case: str
) -> None:
    report, expected = IMBALANCES[case]
    form = demo_home.catalog.get(report.key)
    values = {c: 0 for c in form.inputs} | report.values
    unit = demo_home.registry.get("990121501")
    path = write_template(tmp_path / "t.xlsx", form, unit, report.period, values=values)  # type: ignore[arg-type]
    if report.typed:
        _edit(path, form, report.typed)
    previous = {(unit.code, str(report.period.previous)): form.compute(report.last)} if report.last else None
    findings = judge(demo_home, path, previous).findings
    for rule, wanted in expected.items():
        got = [f for f in findings if f.rule == rule]
        assert len(got) == len(wanted), [str(f) for f in got]
        for finding, words in zip(got, wanted, strict=True):
            assert all(w in finding.message for w in words), finding.message
            assert finding.message_en and finding.cell and finding.seen and finding.expected


def test_a_finding_shows_both_sides_with_their_sums_and_names_the_cells(tmp_path: Path, demo_home: Home) -> None:
    form = demo_home.catalog.get("annual_report/2021")
    values = {c: 0 for c in form.inputs} | {"t3.carried_over.natural_person": 1}
    path = write_template(tmp_path / "t.xlsx", form, demo_home.registry.get("990121501"), Period(2025), values=values)
    (h3,) = [f for f in judge(demo_home, path).findings if f.rule == "H3"]
    assert h3.message == (
        "表三“自然人”列不平：本年新收＋上年结转＝1，办理结果总计＋结转下年度继续办理＝0，左边比右边多1。请核对这四项。"
    )
    assert (h3.seen, h3.expected) == ("本年新收0＋上年结转1＝1", "办理结果总计0＋结转下年度继续办理0＝0")
    assert h3.cell == "D7,D8,D30,D31" and h3.sheet == T3
    assert h3.message_en.startswith("column “自然人” of 表三 does not balance: the left side is 1, the right side 0")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32))
def test_last_years_values_placed_from_columns_equal_those_made_one_by_one(demo_home: Home, seed: int) -> None:
    """``Previous.scaled`` (straight from DuckDB's columns) gives the rules' rows ``cells.scaled`` gives from a
    dict: amounts at the form's scale, cells of another form version left out, missing cells 0 and not had."""
    import pyarrow as pa

    from huizong.cells import scaled
    from huizong.previous import _by_unit

    rng = random.Random(seed)
    form = demo_home.catalog.get("annual_report/2021")
    old = demo_home.catalog.get("annual_report/2019")
    rows = []
    for unit in ("990121101", "990121102", "990121103"):
        codes = rng.sample(sorted({*form.cells, *old.cells}), rng.randint(0, 60))
        for code in sorted(codes):
            cell = form.cells.get(code) or old.cells[code]
            amount = Decimal(rng.randint(0, 10**6)) / 10**cell.scale if cell.type == "amount" else None
            rows.append((unit, code, None if amount is not None else rng.randint(0, 10**9), amount))
    table = pa.table(
        {
            "unit_code": [r[0] for r in rows],
            "code": [r[1] for r in rows],
            "number": pa.array([r[2] for r in rows], pa.int64()),
            "amount": pa.array([r[3] for r in rows], pa.decimal128(22, 4)),
        }
    )
    for unit, previous in _by_unit(table).items():
        as_dict = {code: number if amount is None else amount for u, code, number, amount in rows if u == unit}
        assert dict(previous) == as_dict
        row, have = previous.scaled(form)
        assert row.tolist() == scaled(form, as_dict).tolist()
        assert have.tolist() == [code in as_dict for code in form.cells]
