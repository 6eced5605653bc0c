"""What the office prints: the layout rule, the check of printed pages, and the consolidated workbook on paper.

The printing tests render real files with LibreOffice (skipped where it is not installed) and read the PDF's text
positions; the checker itself is shown to catch text that leaves its row, so a clean page means something.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from huizong.config import Home
from huizong.look import problems, render
from huizong.paper import Rows, column_points, lines_needed
from huizong.periods import Period
from huizong.sheets import fold
from huizong.template import write_template

COUNTY = "out/990121-annual_report-2025/990121_青石县_汇总_annual_report-2025.xlsx"
CITY = "out/990100-annual_report-2025/990100_明川市_汇总_annual_report-2025.xlsx"
TABLES = ("二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况")
needs_office = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("通过", 10, 1),
        ("一二三四五六七八九十" * 2, 10, 4),  # 20 CJK characters of 10 pt in a 10-character column (56 pt)
        ("第一行\n第二行", 30, 2),
        ("国办公开办函〔2021〕30号", 60, 1),
        ("initial_990121523_annual_report-2025.xlsx", 12, 4),  # a long Latin word is broken where it must be
    ],
)
def test_the_layout_rule_counts_wrapped_lines(text: str, width: float, lines: int) -> None:
    assert lines_needed(text, column_points(width), 10) == lines


def test_closing_punctuation_never_starts_a_line() -> None:
    # "收费金额（万元）" in a column just too narrow for it: 元） go down together
    assert lines_needed("收费金额（万元）", column_points(14), 10) == 2
    assert fold("收费金额（万元）", 12) == "收费金额\n（万元）"
    assert fold("报表状态", 6) == "报表\n状态"
    assert fold("通过", 6) == "通过"


def test_rows_take_the_tallest_text_and_give_a_tall_span_its_missing_height() -> None:
    rows = Rows((10, 10))
    rows.text(0, 0, "短")
    rows.text(0, 1, "长" * 30)  # 30 characters in a 56 pt column: 6 lines
    rows.text(1, 0, "跨两行的很长很长很长的标题" * 3, last_row=2)
    heights = rows.heights()
    assert heights[0] == pytest.approx(6 * 13.5 + 4)
    assert heights.get(1, 15.0) + heights[2] >= 8 * 13.5 + 4


@needs_office
def test_the_checker_sees_text_that_leaves_its_row_and_not_text_that_stays(tmp_path: Path) -> None:
    text = "本年度共收到政府信息公开申请，其中自然人提出的申请占绝大多数，办理结果以予以公开为主。" * 2
    for name, fitted in (("cramped", False), ("fitted", True)):
        book = xlsxwriter.Workbook(str(tmp_path / f"{name}.xlsx"))
        sheet = book.add_worksheet("表")
        wrap = book.add_format({"text_wrap": True, "border": 1, "font_name": "宋体", "font_size": 10})
        sheet.set_column(0, 1, 20)
        rows = Rows((20, 20))
        for row in range(6):
            sheet.write_string(row, 0, text, wrap)
            sheet.write_string(row, 1, "通过", wrap)
            rows.text(row, 0, text)
        if fitted:
            rows.apply(sheet)
        book.close()
    cramped, fitted_pdf = render([tmp_path / "cramped.xlsx", tmp_path / "fitted.xlsx"], tmp_path / "pdf")
    assert {p.kind for p in problems(cramped)} & {"crossed", "overlap"}
    assert problems(fitted_pdf) == []


@pytest.fixture(scope="module")
def printed(played: tuple[Home, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo's consolidated workbooks, a template and a receipt, printed in one LibreOffice run."""
    home, _ = played
    out = tmp_path_factory.mktemp("printed")
    receipt = next((home.out / "990121-annual_report-2025" / "feedback").glob("990121523_*.xlsx"))
    office = home.registry.get("990121000")  # the longest name of the county: its title wraps first
    template = write_template(out / "template.xlsx", home.catalog.get("annual_report/2021"), office, Period(2025))
    files = {"county": home.root / COUNTY, "city": home.root / CITY, "receipt": receipt, "template": template}
    pdfs = render(list(files.values()), out / "pdf")
    return dict(zip(files, pdfs, strict=True))


@needs_office
@pytest.mark.parametrize("which", ["county", "city", "receipt", "template"])
def test_no_text_overlaps_or_leaves_its_cell_on_any_page(printed: dict[str, Path], which: str) -> None:
    found = problems(printed[which])
    assert found == [], "\n".join(map(str, found[:20]))


def _sheet(home: Home, workbook: str, name: str) -> list[list[object]]:
    return CalamineWorkbook.from_path(str(home.root / workbook)).get_sheet_by_name(name).to_python()


def test_the_cover_compares_with_last_period_only_where_there_is_one(played: tuple[Home, str]) -> None:
    home, _ = played
    county = {r[0]: r[1:5] for r in _sheet(home, COUNTY, "封面") if r[0]}
    city = {r[0]: r[1:5] for r in _sheet(home, CITY, "封面") if r[0]}
    now, before, change, _ = county["本年新收申请"]
    assert isinstance(before, float) and change == now - before  # the formula's cached value
    assert city["本年新收申请"][1:] == ["—", "", ""]  # no 上期, so no 增减 that Excel would turn into 本期
    assert "没有上期数据" in str(city["说明"][0])
    assert "上期为" in str(county["说明"][0])
    assert "退回 1" in str(county["报送情况"][0])
    sheets = openpyxl.load_workbook(home.root / CITY)
    assert all(cell.data_type != "f" for row in sheets["封面"].iter_rows(min_col=4, max_col=5) for cell in row)


def test_the_total_tables_are_locked_named_as_totals_and_offer_nothing_to_fill(played: tuple[Home, str]) -> None:
    home, _ = played
    sheets = openpyxl.load_workbook(home.root / COUNTY)
    for name in TABLES:
        sheet = sheets[name]
        assert sheet.protection.sheet
        assert str(sheet["A1"].value).endswith("（汇总）") and str(sheet["A2"].value).startswith("汇总单位：青石县")
        assert not sheet.data_validations.dataValidation
        unlocked = [c.coordinate for row in sheet.iter_rows() for c in row if c.protection.locked is False]
        assert unlocked == []
        fills = {c.fill.fgColor.rgb for row in sheet.iter_rows() for c in row if isinstance(c.value, int | float)}
        assert "FFFFF2CC" not in fills  # no yellow input cells
        texts = [str(c.value) for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
        assert not any("后再报送" in t for t in texts) and not any("填报单位" in t for t in texts)


def test_the_own_report_sheets_carry_the_government_offices_code(played: tuple[Home, str]) -> None:
    home, _ = played
    for workbook, office in ((COUNTY, "990121000"), (CITY, "990100000")):
        line = str(_sheet(home, workbook, f"本级·{TABLES[1]}")[1][0])
        assert f"单位代码：{office}" in line and line.startswith("填报单位：")


def test_amounts_keep_their_decimals_in_the_breakdown(played: tuple[Home, str]) -> None:
    home, _ = played
    sheets = openpyxl.load_workbook(home.root / COUNTY)
    sheet = sheets["分单位"]
    header = [str(c.value).replace("\n", "") for c in sheet[1]]
    col = header.index("收费金额（万元）") + 1
    formats = {sheet.cell(row, col).number_format for row in range(2, sheet.max_row + 1)}
    assert formats == {"#,##0.0000"}
    values = _sheet(home, COUNTY, "分单位")
    fees = [Decimal(str(r[col - 1])) for r in values[1:] if r[1]]
    assert values[-1][0] == "合计" and Decimal(str(values[-1][col - 1])) == sum(fees) > 0
