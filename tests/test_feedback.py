"""The receipt (回执) sent back for each submission, read back cell by cell."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from python_calamine import CalamineWorkbook

from huizong.config import Home
from huizong.intake import run_intake
from huizong.periods import Period
from huizong.template import write_template
from tests.conftest import make_home

T3 = "三、收到和处理政府信息公开申请情况"


def test_a_rejected_file_gets_a_receipt_with_its_findings_and_marked_cells(tmp_path: Path) -> None:
    home = make_home(tmp_path / "var")
    form = home.catalog.get("annual_report/2021")
    values = {c: 0 for c in form.inputs} | {
        "t3.new_received.natural_person": 3,
        "t3.granted.natural_person": 2,
        "t3.carried_forward.natural_person": 4,
        "t2.licensing.decisions": '=HYPERLINK("http://example.invalid","点我")',
        "t2.penalty.decisions": "@SUM(1)",
    }
    write_template(home.inbox / "a.xlsx", form, home.registry.get("990121101"), Period(2025), values=values)
    outcome = run_intake(home)[0]
    assert outcome.status == "rejected" and outcome.feedback is not None
    assert outcome.feedback.parent == home.out / "990121-annual_report-2025" / "feedback"
    book = CalamineWorkbook.from_path(str(outcome.feedback))
    assert book.sheet_names == ["回执", "问题清单", *[t.sheet for t in form.tables]]
    summary = dict(row[:2] for row in book.get_sheet_by_name("回执").to_python()[1:])
    assert summary["审核结论"] == "退回，请修改后重新报送" and summary["填报单位"] == "梅口镇（990121101）"
    assert summary["问题"] == f"错误 {outcome.verdict.counts()[0]} 项，提示 {outcome.verdict.counts()[1]} 项"
    listed = book.get_sheet_by_name("问题清单").to_python()
    assert listed[0] == ["序号", "规则", "类别", "工作表", "单元格", "填写", "应为", "说明"]
    assert ["H3", "错误", T3, "D7,D8,D30,D31"] in [row[1:5] for row in listed]
    assert len(listed) - 1 == len(outcome.verdict.findings)

    sheets = openpyxl.load_workbook(outcome.feedback)
    t3 = sheets[T3]
    assert t3["D31"].value == 4 and t3["D31"].fill.fgColor.rgb.endswith("F8CBAD")
    assert "H3 错误" in t3["D31"].comment.text
    t2 = sheets["二、主动公开政府信息情况"]
    for address in ("B10", "B13"):  # text the unit wrote stays text, never a formula
        assert t2[address].data_type == "s" and t2[address].value.startswith(("=", "@"))


def test_a_file_with_only_notes_and_an_unidentified_file_get_receipts_a_clean_one_none(tmp_path: Path) -> None:
    home: Home = make_home(tmp_path / "var")
    form = home.catalog.get("annual_report/2021")
    for name, unit in (("ok.xlsx", "990121501"), ("blank.xlsx", "990121502")):
        values = {c: 0 for c in form.inputs} if name == "ok.xlsx" else {}
        write_template(home.inbox / name, form, home.registry.get(unit), Period(2025), values=values)
    (home.inbox / "报表.xlsx").write_bytes(b"not a workbook")
    outcomes = {o.arrival.source.name: o for o in run_intake(home)}
    assert outcomes["ok.xlsx"].status == "accepted" and outcomes["ok.xlsx"].feedback is None
    noted = outcomes["blank.xlsx"]
    assert noted.status == "accepted" and noted.feedback is not None  # blanks are S1 notes: worth a receipt
    summary = CalamineWorkbook.from_path(str(noted.feedback)).get_sheet_by_name("回执").to_python()
    assert summary[2][1] == "通过"
    unknown = outcomes["报表.xlsx"].feedback
    assert unknown is not None and unknown.parent == home.out / "unidentified" / "feedback"
    listed = CalamineWorkbook.from_path(str(unknown)).get_sheet_by_name("问题清单").to_python()
    assert listed[1][1:3] == ["FILE", "错误"]


def test_one_imbalance_is_one_error_on_the_receipt(tmp_path: Path) -> None:
    home = make_home(tmp_path / "var")
    form = home.catalog.get("annual_report/2021")
    values = {c: 0 for c in form.inputs} | {
        "t3.new_received.natural_person": 3,
        "t3.granted.natural_person": 2,
        "t3.carried_forward.natural_person": 4,  # 3 + 0 ≠ 2 + 4, and so the 总计 column: still one imbalance
    }
    write_template(home.inbox / "a.xlsx", form, home.registry.get("990121101"), Period(2025), values=values)
    outcome = run_intake(home)[0]
    assert outcome.status == "rejected" and outcome.feedback is not None
    book = CalamineWorkbook.from_path(str(outcome.feedback))
    summary = dict(row[:2] for row in book.get_sheet_by_name("回执").to_python()[1:])
    assert summary["问题"].startswith("错误 1 项")
    listed = [row for row in book.get_sheet_by_name("问题清单").to_python()[1:] if row[2] == "错误"]
    assert [row[1:5] for row in listed] == [["H3", "错误", T3, "D7,D8,D30,D31"]]
    seen, expected, message = listed[0][5:8]
    assert (seen, expected) == ("本年新收3＋上年结转0＝3", "办理结果总计2＋结转下年度继续办理4＝6")
    assert message.startswith("表三“自然人”列不平：") and "左边比右边少3" in message
