"""Validation: every rule of the form, pinned to the right cells, in one pandera call per schema and batch."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

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
    assert found["S4", "D8"].seen == "自然人：2" and found["S4", "D8"].expected == "5"
    assert found["S4", "J8"].seen == "总计：2" and found["S4", "J8"].expected == "5"
    assert not [f for f in found.values() if f.rule == "S3"]  # 7 + 3 - 0 = 10 holds
    assert len([f for f in found.values() if f.rule == "S4"]) == 2
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
