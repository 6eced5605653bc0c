"""Reading the official tables from foreign files (issue 13, first step): cells found by their printed labels."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from huizong.forms import Form
from huizong.importing import read_foreign, read_grids
from huizong.importing.labels import bare, closeness, key
from huizong.layout import TOP, layout_form

FOREIGN = Path(__file__).resolve().parents[1] / "fixtures" / "foreign"


def _load_maker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_foreign", FOREIGN / "make_foreign.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_foreign"] = module
    spec.loader.exec_module(module)
    return module


maker = _load_maker()


@pytest.fixture(scope="module")
def form() -> Form:
    result: Form = maker.form()
    return result


@pytest.mark.parametrize("style", ["xlsx", "docx", "html", "pdf"])
def test_each_fixture_gives_the_values_put_in_and_every_cell_located(form: Form, style: str) -> None:
    name = maker.WRITERS[style][0]
    result = read_foreign(FOREIGN / name, form)
    assert result.findings == []
    assert result.values == maker.expected(form, style)
    assert set(result.located) == set(form.cells)


def test_docx_cells_are_located_where_the_official_layout_prints_them(form: Form) -> None:
    result = read_foreign(FOREIGN / "report.docx", form)
    layouts = layout_form(form)
    tables = [t.code for t in form.tables]
    for code, cell in form.cells.items():
        span = layouts[cell.table].cells[code]
        number = tables.index(cell.table) + 1
        assert result.located[code] == f"docx table {number}, row {span.row - TOP + 1}, column {span.col + 1}"
    # the same heading 结果维持 under three groups goes to three columns
    assert result.located["t4.review.upheld"].endswith("column 1")
    assert result.located["t4.lawsuit_after_review.upheld"].endswith("column 11")


def test_the_stacked_sheet_holds_numbers_as_text_and_nothing_as_a_dash(form: Form) -> None:
    (grid,) = read_grids(FOREIGN / "stacked.xlsx")
    texts = {t for row in grid.rows for t in row}
    assert {"—", "4,982"} <= texts and any("１" <= ch <= "９" for t in texts for ch in t)
    result = read_foreign(FOREIGN / "stacked.xlsx", form)
    assert result.values["t2.licensing.decisions"] == 4982
    assert result.values["t4.lawsuit_direct.upheld"] is None  # printed "—"
    assert result.values["t3.withheld.state_secret.research"] is None  # left blank
    assert result.located["t3.new_received.natural_person"].startswith("sheet 年报表格, E")


def test_a_missing_row_is_a_finding_naming_its_labels(form: Form, tmp_path: Path) -> None:
    path = tmp_path / "missing.docx"
    maker.write_docx(path, form, drop="2.重复申请")
    result = read_foreign(path, form)
    (finding,) = result.findings
    assert finding.rule == "LABEL" and "三、本年度办理结果—（五）不予处理—2.重复申请" in finding.message
    assert "表三" in finding.message and "7个数据格" in finding.message
    assert result.values["t3.not_processed.repeated.total"] is None
    assert "t3.not_processed.repeated.total" not in result.located
    others = {c: v for c, v in maker.expected(form, "docx").items() if ".repeated." not in c}
    assert {c: result.values[c] for c in others} == others


def test_a_label_with_a_typo_still_matches_the_closest_declared_label(form: Form) -> None:
    (_, table3, _) = read_grids(FOREIGN / "report.docx")
    assert any("2.其他法律行政止公开" in row for row in table3.rows)
    result = read_foreign(FOREIGN / "report.docx", form)
    assert result.located["t3.withheld.law_prohibited.total"].startswith("docx table 2, row 9,")
    assert closeness("2.其他法律行政止公开", "2.其他法律行政法规禁止公开") > closeness(
        "2.其他法律行政止公开", "1.属于国家秘密"
    )


def test_text_in_a_number_cell_is_a_finding_naming_the_cell(form: Form, tmp_path: Path) -> None:
    path = tmp_path / "text.html"
    maker.write_html(path, form, texts={"t3.granted.total": "十二件"})
    result = read_foreign(path, form)
    (finding,) = result.findings
    assert finding.rule == "VALUE" and finding.seen == "十二件"
    assert "（一）予以公开" in finding.message and "总计" in finding.message
    assert finding.sheet == "html table 2" and finding.cell.startswith("R")
    assert result.values["t3.granted.total"] is None


def test_a_file_of_another_kind_is_a_finding_not_a_traceback(form: Form, tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_text("不是表格", encoding="utf-8")
    result = read_foreign(path, form)
    assert [f.rule for f in result.findings] == ["FILE"]
    assert set(result.values) == set(form.cells) and not any(result.values.values())


def test_a_group_heading_is_not_read_as_a_row_of_another_version(tmp_path: Path) -> None:
    """The 2019 form's one row （六）其他处理 is a group of three rows in a 2021 table: not found, never guessed."""
    old = maker.load_form(maker.FORM.with_name("2019.toml"))
    result = read_foreign(FOREIGN / "report.docx", old)
    assert "t3.other_handling.total" not in result.located
    assert any("（六）其他处理" in f.message and f.rule == "LABEL" for f in result.findings)
    assert result.values["t3.granted.total"] == maker.expected(maker.form(), "docx")["t3.granted.total"]


@pytest.mark.parametrize(
    ("printed", "declared"),
    [
        ("(一)予以公开", "（一）予以公开"),
        ("一、予以公开", "（一）予以公开"),
        ("商 业\n企 业", "商业企业"),
        ("3、危及“三安全一稳定”", "3.危及“三安全一稳定”"),
        ("（区分处理的,只计这一情况,不计其他情形）", "（区分处理的，只计这一情形，不计其他情形）"),
    ],
)
def test_labels_match_across_width_numbering_spaces_and_small_typos(printed: str, declared: str) -> None:
    assert closeness(printed, declared) > 0.8


def test_short_labels_must_match_exactly() -> None:
    assert closeness("规草", "规章") == 0
    assert closeness("其他", "3.其他") < closeness("3.其他", "3.其他")
    assert key("（一） 予以\n公开") == "(一)予以公开" and bare("1.属于国家秘密") == "属于国家秘密"
