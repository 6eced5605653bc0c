"""Templates: written, filled, read back. Workbooks are checked by reading cells, never by bytes."""

from __future__ import annotations

import random
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from huizong.catalog import FormCatalog
from huizong.config import Home
from huizong.forms import Form
from huizong.layout import layout_form
from huizong.meta import SHEET
from huizong.periods import Period
from huizong.reader import read_workbook
from huizong.template import PASS, check_text, write_template

FORMS = [
    ("annual_report/2021", Period(2025)),
    ("annual_report/2019", Period(2020)),
    ("disclosure_by_category/2024", Period(2025, 4)),
]


def random_values(form: Form, rng: random.Random) -> dict[str, int | Decimal]:
    values: dict[str, int | Decimal] = {}
    for code in form.inputs:
        cell = form.cells[code]
        if cell.type == "amount":
            values[code] = Decimal(rng.randrange(0, 10**9)).scaleb(-cell.scale)
        elif cell.type == "change":
            values[code] = rng.randrange(-5000, 5000)
        else:
            values[code] = rng.choice([0, 0, 1, 3, rng.randrange(0, 10**7)])
    return values


def grid(path: Path, sheet: str) -> list[list[object]]:
    book = CalamineWorkbook.from_path(str(path))
    return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def assert_totals_shown(path: Path, form: Form, expected: dict[str, int | Decimal]) -> None:
    """Every total cell of ``path`` shows (caches) the expected value."""
    for table, layout in layout_form(form).items():
        cells = grid(path, form.table(table).sheet)
        for code in form.formulas:
            if form.cells[code].table == table:
                span = layout.cells[code]
                assert Decimal(repr(cells[span.row][span.col])) == expected[code], code


@pytest.mark.parametrize(("key", "period"), FORMS)
def test_a_filled_template_reads_back_exactly(tmp_path: Path, demo_home: Home, key: str, period: Period) -> None:
    form = demo_home.catalog.get(key)
    unit = demo_home.registry.get("990121101")
    values = random_values(form, random.Random(key))
    path = write_template(tmp_path / "t.xlsx", form, unit, period, values=values)
    reading = read_workbook(path, demo_home.catalog, demo_home.registry)
    assert reading.findings == []
    assert reading.meta["unit_code"] == "990121101" and reading.meta["period"] == str(period)
    expected = form.compute(values)
    assert {code: v.value for code, v in reading.values.items()} == expected
    assert all(type(v.value) is type(expected[c]) for c, v in reading.values.items())


@pytest.mark.parametrize(("key", "period"), FORMS)
def test_formula_caches_hold_the_right_totals_before_any_recalculation(
    tmp_path: Path, demo_home: Home, key: str, period: Period
) -> None:
    form = demo_home.catalog.get(key)
    values = random_values(form, random.Random(7))
    path = write_template(tmp_path / "t.xlsx", form, demo_home.registry.get("990121501"), period, values=values)
    assert_totals_shown(path, form, form.compute(values))


def test_check_cells_show_pass_or_what_is_out_of_balance(tmp_path: Path, demo_home: Home) -> None:
    form = demo_home.catalog.get("annual_report/2021")
    unit = demo_home.registry.get("990121101")
    balanced = {
        "t3.new_received.natural_person": 5,
        "t3.granted.natural_person": 4,
        "t3.carried_forward.natural_person": 1,
    }
    path = write_template(tmp_path / "ok.xlsx", form, unit, Period(2025), values=balanced)
    texts = [str(c) for row in grid(path, form.table("t3").sheet) for c in row]
    assert texts.count(PASS) == 3  # H1, H2, H3
    broken = {**balanced, "t3.carried_forward.natural_person": 3}
    path = write_template(tmp_path / "bad.xlsx", form, unit, Period(2025), values=broken)
    texts = [str(c) for row in grid(path, form.table("t3").sheet) for c in row]
    assert "不平：自然人：5≠7；总计：5≠7；" in texts
    summary = [str(c) for row in grid(path, "填报说明") for c in row]
    assert "不平：自然人：5≠7；总计：5≠7；" in summary and summary.count(PASS) == 3  # H1, H2, H4


def test_only_input_cells_are_unlocked_and_each_is_validated(tmp_path: Path, demo_home: Home) -> None:
    form = demo_home.catalog.get("annual_report/2019")
    path = write_template(tmp_path / "t.xlsx", form, demo_home.registry.get("990121101"), Period(2020))
    book = openpyxl.load_workbook(path)
    assert book[SHEET].sheet_state == "veryHidden"
    layouts = layout_form(form)
    for table in form.tables:
        sheet = book[table.sheet]
        assert sheet.protection.sheet and sheet.protection.password
        rules = {}
        for dv in sheet.data_validations.dataValidation:
            for ref in dv.sqref.ranges:
                rules[ref.coord.split(":")[0]] = (dv.type, dv.operator, dv.formula1)
        for code, span in layouts[table.code].cells.items():
            cell = form.cells[code]
            assert sheet[span.a1].protection.locked is cell.computed, code
            if cell.computed:
                assert str(sheet[span.a1].value).startswith("=SUM("), code
                assert span.a1 not in rules
            else:
                kind = {
                    "count": ("whole", "greaterThanOrEqual", "0"),
                    "amount": ("decimal", "greaterThanOrEqual", "0"),
                    "change": ("whole", None, "-1000000000000"),
                }[cell.type]  # between: the default
                assert rules[span.a1] == kind, code
        labels = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
        assert "990121101" in " ".join(labels) and "2020年" in " ".join(labels)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0  # one page wide


def test_headings_are_merged_as_on_the_printed_form(tmp_path: Path, demo_home: Home) -> None:
    form = demo_home.catalog.get("annual_report/2021")
    path = write_template(tmp_path / "t.xlsx", form, demo_home.registry.get("990121101"), Period(2025))
    book = openpyxl.load_workbook(path)
    t3 = book[form.table("t3").sheet]
    merged = {str(r) for r in t3.merged_cells.ranges}
    assert "A4:C6" in merged  # the 勾稽关系 note over three header rows and the three label columns
    assert "D4:J4" in merged  # 申请人情况 over the seven columns
    assert "E5:I5" in merged  # 法人或其他组织 over its five
    assert "A9:A30" in merged  # 三、本年度办理结果 down the result rows
    assert t3["A9"].value == "三、本年度办理结果" and t3["B11"].value == "（三）不予公开"
    t4 = book[form.table("t4").sheet]
    assert {"A4:E5", "F4:O4", "F5:J5", "K5:O5"} <= {str(r) for r in t4.merged_cells.ranges}
    assert t4.page_setup.orientation == "landscape"


def test_a_template_filled_by_a_tool_without_a_calculation_engine_is_recomputed(
    tmp_path: Path, demo_home: Home
) -> None:
    form = demo_home.catalog.get("annual_report/2021")
    path = write_template(tmp_path / "t.xlsx", form, demo_home.registry.get("990121101"), Period(2025))
    values = random_values(form, random.Random(3))
    book = openpyxl.load_workbook(path)  # openpyxl saves formulas without cached values
    layouts = layout_form(form)
    for code, value in values.items():
        cell = form.cells[code]
        book[form.table(cell.table).sheet][layouts[cell.table].cells[code].a1] = value
    book.save(path)
    reading = read_workbook(path, demo_home.catalog)
    assert reading.findings == []
    assert reading.numbers() == form.compute(values)


def _edit(path: Path, form: Form, changes: dict[str, object]) -> None:
    book = openpyxl.load_workbook(path)
    layouts = layout_form(form)
    for code, value in changes.items():
        cell = form.cells[code]
        book[form.table(cell.table).sheet][layouts[cell.table].cells[code].a1] = value
    book.save(path)


def test_a_total_typed_over_is_kept_and_a_cleared_one_is_a_finding(tmp_path: Path, demo_home: Home) -> None:
    form = demo_home.catalog.get("annual_report/2021")
    values = {"t3.granted.natural_person": 4, "t3.granted.commercial": 1}
    path = write_template(tmp_path / "t.xlsx", form, demo_home.registry.get("990121101"), Period(2025), values=values)
    _edit(path, form, {"t3.granted.total": 9, "t4.review.total": None})
    reading = read_workbook(path, demo_home.catalog)
    typed = reading.values["t3.granted.total"]
    assert typed.value == 9 and typed.typed_over
    found = {(f.rule, f.severity, f.cell): f for f in reading.findings}
    assert found[("FORMULA", "warning", "J9")].seen == "9" and found[("FORMULA", "warning", "J9")].expected == "5"
    assert "清空" in found[("FORMULA", "error", "E7")].message
    assert not reading.ok


def test_a_foreign_workbook_is_a_finding(tmp_path: Path, demo_home: Home) -> None:
    path = tmp_path / "someone-else.xlsx"
    book = openpyxl.Workbook()
    book.active["A1"] = "政府信息公开工作年度报告"
    book.save(path)
    reading = read_workbook(path, demo_home.catalog)
    assert [f.rule for f in reading.findings] == ["META"]
    assert "不是本系统下发的填报模板" in reading.findings[0].message


def test_a_file_that_is_not_a_workbook_is_a_finding(tmp_path: Path, demo_home: Home) -> None:
    path = tmp_path / "report.xlsx"
    path.write_bytes(b"%PDF-1.4 not a spreadsheet")
    reading = read_workbook(path, demo_home.catalog)
    assert [f.rule for f in reading.findings] == ["FILE"] and "不是 Excel 工作簿" in reading.findings[0].message


@pytest.mark.parametrize(
    ("cell", "value", "words"),
    [
        ("B6", "990121102", "校验码不符"),  # the unit code changed to another township's
        ("B9", "2024", "校验码不符"),  # the year changed
        ("E16", "C99", "与表式不一致"),  # a cell address changed
        ("B3", "1999", "表式 annual_report/1999 不存在"),
    ],
)
def test_an_edited_meta_is_a_finding(tmp_path: Path, demo_home: Home, cell: str, value: str, words: str) -> None:
    form = demo_home.catalog.get("annual_report/2021")
    path = write_template(tmp_path / "t.xlsx", form, demo_home.registry.get("990121101"), Period(2025))
    book = openpyxl.load_workbook(path)
    book[SHEET][cell] = value
    book.save(path)
    reading = read_workbook(path, demo_home.catalog)
    assert [f.rule for f in reading.findings] == ["META"] and words in reading.findings[0].message
    assert reading.values == {}


def test_a_unit_missing_from_the_registry_is_a_finding(tmp_path: Path, demo_home: Home, catalog: FormCatalog) -> None:
    from huizong.registry import Unit

    stranger = Unit("990199999", "外地某镇", "township", "990100")
    path = write_template(tmp_path / "t.xlsx", catalog.get("annual_report/2021"), stranger, Period(2025))
    reading = read_workbook(path, catalog, demo_home.registry)
    assert "不在单位名录中" in reading.findings[0].message


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32), key=st.sampled_from([k for k, _ in FORMS]))
def test_any_consistent_filling_reads_back(tmp_path: Path, demo_home: Home, seed: int, key: str) -> None:
    form = demo_home.catalog.get(key)
    period = dict(FORMS)[key]
    values = random_values(form, random.Random(seed))
    path = write_template(tmp_path / f"{seed}.xlsx", form, demo_home.registry.get("990121501"), period, values=values)
    assert read_workbook(path, demo_home.catalog).numbers() == form.compute(values)


RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item></oor:items>
"""


def soffice(tmp_path: Path, *args: str, outdir: Path | None = None) -> None:
    profile = tmp_path / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
    command = [
        "soffice",
        f"-env:UserInstallation=file://{profile}",
        "--headless",
        *args,
        "--outdir",
        str(outdir or tmp_path),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=180)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_a_template_and_prints_it(tmp_path: Path, demo_home: Home) -> None:
    form = demo_home.catalog.get("annual_report/2021")
    path = write_template(tmp_path / "t.xlsx", form, demo_home.registry.get("990121101"), Period(2025))
    soffice(tmp_path, "--convert-to", "pdf", str(path))
    assert (tmp_path / "t.pdf").stat().st_size > 10_000


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_real_spreadsheet_engine_computes_the_totals_and_checks_we_cache(tmp_path: Path, demo_home: Home) -> None:
    """Fill with openpyxl (no caches), let LibreOffice recalculate, and compare with what huizong computes."""
    form = demo_home.catalog.get("annual_report/2021")
    path = write_template(tmp_path / "t.xlsx", form, demo_home.registry.get("990121101"), Period(2025))
    values = balanced(form, random_values(form, random.Random(11)))
    values["t3.carried_forward.research"] += 1  # unbalance one column of 表三
    _edit(path, form, values)
    soffice(tmp_path, "--convert-to", "xlsx:Calc MS Excel 2007 XML", str(path), outdir=tmp_path / "lo")
    recalculated = tmp_path / "lo" / "t.xlsx"
    expected = form.compute(values)
    assert_totals_shown(recalculated, form, expected)
    t3 = [str(c) for row in grid(recalculated, form.table("t3").sheet) for c in row]
    h3 = next(r for r in form.rules if r.id == "H3")
    left = expected["t3.new_received.research"]
    assert check_text(h3.equations, expected).startswith(f"不平：科研机构：{left}≠{left + 1}；总计：")
    assert check_text(h3.equations, expected) in t3
    assert t3.count(PASS) == 2  # H1 and H2 hold: their totals are formulas


def balanced(form: Form, values: dict[str, int | Decimal]) -> dict[str, int | Decimal]:
    """Make 表三 satisfy 一+二=三+四 in every column: nothing carried over, new = results + carried forward."""
    totals = form.compute(values)
    for col in ("natural_person", "commercial", "research", "public_interest", "legal_services", "other"):
        values[f"t3.carried_over.{col}"] = 0
        values[f"t3.new_received.{col}"] = totals[f"t3.results_total.{col}"] + values[f"t3.carried_forward.{col}"]
    return values
