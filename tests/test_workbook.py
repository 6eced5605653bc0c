"""The consolidated workbooks of the demo season, read back and compared with the warehouse."""

from __future__ import annotations

import zipfile
from decimal import Decimal

import duckdb
import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from huizong.config import Home
from huizong.reader import read_workbook

COUNTY = "out/990121-annual_report-2025/990121_青石县_汇总_annual_report-2025.xlsx"
CITY = "out/990100-annual_report-2025/990100_明川市_汇总_annual_report-2025.xlsx"


def warehouse(home: Home, sql: str, *params: object) -> list[tuple]:
    with duckdb.connect(str(home.published / "huizong.duckdb"), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def totals(home: Home, unit: str) -> dict[str, int | Decimal]:
    rows = warehouse(
        home,
        "SELECT code, number, amount FROM rollup_values WHERE unit_code = ? AND period = '2025' "
        "AND form_id = 'annual_report'",
        unit,
    )
    return {code: amount if amount is not None else number for code, number, amount in rows}


@pytest.mark.parametrize(("path", "unit"), [(COUNTY, "990121"), (CITY, "990100")])
def test_the_workbook_is_a_valid_aggregate_submission_with_the_warehouse_totals(
    played: tuple[Home, str], path: str, unit: str
) -> None:
    home, _ = played
    reading = read_workbook(home.root / path, home.catalog, home.registry)
    assert reading.findings == []
    assert reading.meta["scope"] == "aggregate" and reading.meta["unit_code"] == unit
    assert reading.numbers() == totals(home, unit)


def test_the_city_total_is_the_sum_of_its_counties_and_departments(played: tuple[Home, str]) -> None:
    home, _ = played
    city = totals(home, "990100")
    parts: dict[str, int | Decimal] = {}
    children = warehouse(home, "SELECT code, aggregating FROM units WHERE parent = '990100'")
    for code, aggregating in children:
        scope = "total" if aggregating else "own"
        rows = warehouse(
            home,
            "SELECT code, value FROM report_values WHERE unit_code = ? AND scope = ? "
            "AND period = '2025' AND form_id = 'annual_report'",
            code,
            scope,
        )
        for cell, value in rows:
            parts[cell] = parts.get(cell, 0) + value
    assert {k: Decimal(v) for k, v in city.items()} == parts
    assert warehouse(home, "SELECT count(*) FROM findings WHERE rule = 'H6'") == [(0,)]  # 青石县 passed up = computed


def test_the_cover_breakdown_completeness_and_findings(played: tuple[Home, str]) -> None:
    home, _ = played
    book = CalamineWorkbook.from_path(str(home.root / COUNTY))
    assert book.sheet_names[:4] == [
        "封面",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
    ]
    assert {
        "本级·三、收到和处理政府信息公开申请情况",
        "分单位",
        "报送情况",
        "问题清单",
        "同比",
        "图表",
        "_meta",
    } <= set(book.sheet_names)
    cover = {row[0]: row[1] for row in book.get_sheet_by_name("封面").to_python() if row[0]}
    assert cover["报送情况"] == "应报 59 / 已报 56 / 通过 55 / 退回 1 / 逾期 4 / 未报 3"
    assert cover["汇总校验"] == "全部通过"
    new_total = totals(home, "990121")["t3.new_received.total"]
    figures = {row[0]: row[1:4] for row in book.get_sheet_by_name("封面").to_python() if row[0]}
    assert figures["本年新收申请"][0] == new_total
    breakdown = book.get_sheet_by_name("分单位").to_python()
    header = [str(h).replace("\n", "") for h in breakdown[0]]  # long headings are folded where they wrap
    col = header.index("本年新收申请")
    units = [row for row in breakdown[1:] if row[1]]
    assert len(units) == 55 and sum(row[col] for row in units) == new_total  # the accepted ones
    assert breakdown[-1][0] == "合计" and breakdown[-1][col] == new_total
    subtotals = [row for row in breakdown if str(row[0]).startswith("小计")]
    assert sum(row[col] for row in subtotals) == new_total
    status = [row[3] for row in book.get_sheet_by_name("报送情况").to_python()[1:]]
    assert sorted(status[:4]) == ["未报", "未报", "未报", "退回"] and status.count("通过") == 55  # 督办 first
    findings = book.get_sheet_by_name("问题清单").to_python()[1:]
    open_errors = warehouse(
        home,
        "SELECT count(*) FROM open_findings f JOIN units u ON u.code = f.unit_code "
        "WHERE u.parent = '990121' AND f.period = '2025'",
    )
    assert len(findings) == open_errors[0][0] > 0 and findings[0][5] == "错误"


def test_the_workbook_has_native_charts_and_frozen_filtered_tables(played: tuple[Home, str]) -> None:
    home, _ = played
    with zipfile.ZipFile(home.root / COUNTY) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 3
    sheets = openpyxl.load_workbook(home.root / COUNTY)
    assert sheets["分单位"].freeze_panes == "D2" and sheets["分单位"].auto_filter.ref
    assert sheets["_meta"].sheet_state == "veryHidden"


def test_text_from_submissions_never_becomes_a_formula(played: tuple[Home, str]) -> None:
    home, _ = played
    sheets = openpyxl.load_workbook(home.root / COUNTY)
    for name in ("分单位", "报送情况", "问题清单"):
        for row in sheets[name].iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert str(cell.value).startswith(("=SUBTOTAL(", "=IF(", "=SUM(")), (name, cell.coordinate)


def test_consolidating_again_changes_nothing(played: tuple[Home, str]) -> None:
    from huizong.consolidate import consolidate_cycle
    from huizong.distribute import cycle_for

    home, _ = played
    before = (home.root / COUNTY).read_bytes()
    result = consolidate_cycle(home, cycle_for(home, "990121", "2025"))
    assert result.workbook == home.root / COUNTY and result.audits_pass
    assert result.workbook.read_bytes() == before  # same data, same file: the city would see a duplicate
