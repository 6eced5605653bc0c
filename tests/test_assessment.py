"""The assessment (考核): scores against a hand-computed oracle on a worked copy of the demo season, the weights file,
the 通报 read back, the 督办函's text, and both printed with LibreOffice.

The exact points of every rule (averages, rounding, excused and pending cycles, ties, the bottom) are SQL cases
(tests/sql_cases/assessment_*.toml); here the same rules are checked end to end, through intake and review.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner, Result
from docx import Document
from python_calamine import CalamineWorkbook

from huizong.assessment import (
    CRITERIA,
    Assessment,
    assess,
    compose,
    issuer_of,
    letters_of,
    load_weights,
    write_assessment,
    write_letter,
)
from huizong.assessment.commands import assess_command
from huizong.assessment.letters import PAGE_LINES
from huizong.cli import _Group, main
from huizong.config import Home
from huizong.consolidate import publish
from huizong.distribute import cycle_for
from huizong.errors import ConfigError
from huizong.periods import Period
from huizong.template import write_template
from tests.conftest import ROOT

COUNTY = "990121-annual_report-2025"
QUARTER = "990121-disclosure_by_category-2025Q4"
DAY = dt.date(2026, 3, 2)
needs_office = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
RETURN_REASON = "表三“本年新收政府信息公开申请数量”与业务台账不符，请核实后重新报送"


def cli(*args: str) -> Result:
    """``huizong assess`` as the main command will run it (its errors one line on stderr, exit 2)."""
    group = _Group(commands={"assess": assess_command})
    return CliRunner().invoke(group, ["assess", *args])


def review(home: Home, action: str, unit: str, reason: str = "") -> None:
    args = ["review", action, "--home", str(home.root), "--cycle", COUNTY, "--unit", unit]
    result = CliRunner().invoke(main, [*args, "--reason", reason] if reason else args)
    assert result.exit_code == 0, result.output


def states(home: Home) -> dict[str, str]:
    with duckdb.connect(str(home.published / "huizong.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT unit_code, state FROM review_state WHERE cycle_id = ?", [COUNTY]).fetchall()
    return dict(rows)


def warn(home: Home, code: str) -> None:
    """Hand in a report for ``code`` whose numbers are far off last year's: accepted, with S7 warnings."""
    form, unit = home.catalog.get("annual_report/2021"), home.registry.get(code)
    values = {c: 0 for c in form.inputs} | {"t3.new_received.natural_person": 30, "t3.granted.natural_person": 30}
    path = write_template(home.inbox / f"{code}.xlsx", form, unit, Period(2025), values=values)
    result = CliRunner().invoke(main, ["intake", "--home", str(home.root), str(path)])
    assert result.exit_code == 0, result.output


def explain(home: Home, code: str) -> None:
    with duckdb.connect(str(home.warehouse)) as con:
        con.execute(
            "INSERT INTO explanations SELECT sha256, ?, now()::TIMESTAMP, '本年征地拆迁集中申请' FROM submissions "
            "WHERE unit_code = ? AND status = 'accepted' AND period = '2025'",
            [code, code],
        )
    publish(home)


@pytest.fixture(scope="module")
def worked(played: tuple[Home, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A copy of the demo season the office worked on: a full-points township returned, two handing in numbers with
    warnings (one explained), and a unit that never reported excused."""
    home = Home(tmp_path_factory.mktemp("assessment") / "var")
    shutil.copytree(played[0].root, home.root, ignore=shutil.ignore_patterns("*.lock"))
    before = assess(home, "990121", [COUNTY], DAY)
    perfect = [s["unit_code"] for s in before.scores if s["unit_kind"] == "township" and s["total"] == 100]
    missing = next(i["unit_code"] for i in before.items if i["outcome"] == "missing")
    returned, warned, explained = perfect[:3]
    now = states(home)
    for code in (returned, warned, explained):
        if now[code] == "approved":
            review(home, "reopen", code, "复核")
    review(home, "return", returned, RETURN_REASON)
    warn(home, warned)
    warn(home, explained)
    explain(home, explained)
    review(home, "excuse", missing, "机构撤并，职能已划转")
    units = {"returned": returned, "warned": warned, "explained": explained, "excused": missing}
    return {"home": home, "before": before, "after": assess(home, "990121", [COUNTY], DAY), **units}


def by_code(a: Assessment) -> dict[str, dict[str, Any]]:
    return {s["unit_code"]: s for s in a.scores}


def oracle(item: dict[str, Any]) -> Decimal:
    """One cycle's points by the default weights, computed here by hand from what happened."""
    if item["outcome"] in ("missing", "failed"):
        return Decimal(0)
    timely = 20 if item["outcome"] == "late" else 40
    first = max(30 - 15 * item["rejected_files"], 0)
    returns = max(20 - 10 * item["returns"], 0)
    explained = max(10 - 5 * item["unexplained"], 0)
    return Decimal(timely + first + returns + explained)


def test_every_unit_scores_what_the_hand_rule_says(worked: dict[str, Any]) -> None:
    after: Assessment = worked["after"]
    scores = by_code(after)
    assert len(scores) == 59
    for item in after.items:
        score = scores[item["unit_code"]]
        if item["outcome"] == "excused":
            assert not score["ranked"] and score["total"] is None and score["kind_rank"] is None
        else:
            assert score["total"] == oracle(item), item
            parts = score["timeliness"] + score["first_try"] + score["returns_points"] + score["explanations"]
            assert score["total"] == parts


def test_a_return_a_warning_and_an_excuse_change_the_points_as_declared(worked: dict[str, Any]) -> None:
    before, after = by_code(worked["before"]), by_code(worked["after"])
    returned = after[worked["returned"]]
    assert returned["returns"] == 1 and returned["returns_points"] == 10 and returned["total"] == 90
    warned = after[worked["warned"]]
    assert warned["unexplained"] >= 1 and warned["explanations"] == max(10 - 5 * warned["unexplained"], 0)
    assert warned["first_try"] == 30 and warned["timeliness"] == 40  # its first report was on time and passed
    explained = after[worked["explained"]]
    assert explained["unexplained"] == 0 and explained["total"] == 100
    excused = after[worked["excused"]]
    assert before[worked["excused"]]["total"] == 0 and before[worked["excused"]]["bottom"]
    assert not excused["ranked"] and not excused["bottom"] and excused["excused"] == 1
    ranked = [s for s in after.values() if s["ranked"] and s["unit_kind"] == "township"]
    assert sorted(s["kind_rank"] for s in ranked)[0] == 1 and all(s["kind_ranked"] == len(ranked) for s in ranked)


def test_the_units_at_the_bottom_are_the_lowest_ties_included(worked: dict[str, Any]) -> None:
    after: Assessment = worked["after"]
    ranked = sorted(s["total"] for s in after.scores if s["ranked"])
    line = ranked[2]  # the third lowest: everyone at or below it gets a letter, unless at full points
    lowest = {s["unit_code"] for s in after.scores if s["ranked"] and s["total"] <= line}
    assert {s["unit_code"] for s in after.bottom} == {c for c in lowest if by_code(after)[c]["total"] < 100}
    assert all(s["total"] == 0 for s in after.bottom[:2])


def test_a_quarter_not_sent_by_anyone_halves_every_unit_over_both_cycles(worked: dict[str, Any]) -> None:
    home: Home = worked["home"]
    one, both = by_code(worked["after"]), by_code(assess(home, "990121", [COUNTY, QUARTER], DAY))
    for code, score in one.items():
        if score["ranked"]:
            assert both[code]["total"] * 2 == score["total"], code
            assert both[code]["missing"] == score["missing"] + 1 and both[code]["cycles"] == 2


def test_the_weights_file_overrides_only_the_keys_it_names(tmp_path: Path) -> None:
    shipped = load_weights(tmp_path)
    assert shipped.shipped and shipped.full == 100 and shipped.bottom == 3 and shipped.days == 7
    (tmp_path / "assessment.toml").write_text(
        "[timeliness]\nlate = 12.5\n\n[letter]\nbottom = 5\nissuer = '青石县政务公开办公室'\n", encoding="utf-8"
    )
    weights = load_weights(tmp_path)
    assert not weights.shipped and weights.source == tmp_path / "assessment.toml"
    assert weights.lapses["timeliness"] == Decimal("12.5") and weights.points["timeliness"] == 40
    assert weights.bottom == 5 and weights.issuer == "青石县政务公开办公室" and weights.lapses["returns"] == 10


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[timeliness]\nlat = 5\n", [":2:", "timeliness.lat", "late"]),
        ("[timeliness]\npoints = '40'\n", [":2:", "timeliness.points", "不小于 0 的数"]),
        ("[first_try]\nrejected = -5\n", [":2:", "first_try.rejected"]),
        ("[returns]\nreturned = 2.25\n", ["returns.returned", "最多一位小数"]),
        ("\n[timelines]\npoints = 40\n", [":2:", "[timelines]", "timeliness"]),
        ("[letter]\ndays = 0\n", ["letter.days", "正整数"]),
        ("[excused]\nranked = 'yes'\n", ["excused.ranked", "true 或 false"]),
        ("[letter]\nbottom = 3\nbottom = 4\n", ["TOML 格式错误", "第 3 行"]),
        ("[timeliness]\npoints = 0\n[first_try]\npoints = 0\n[returns]\npoints = 0\n[explanations]\npoints = 0\n",
         ["满分", "为 0"]),
    ],
)  # fmt: skip
def test_a_bad_weights_file_is_refused_naming_the_key(tmp_path: Path, text: str, words: list[str]) -> None:
    (tmp_path / "assessment.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_weights(tmp_path)
    message = str(caught.value)
    assert str(tmp_path / "assessment.toml") in message
    for word in words:
        assert word in message, message


def test_the_documented_weights_file_is_valid_and_the_defaults_are_as_documented(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "assessment.md").read_text(encoding="utf-8")
    found = re.search(r"```toml\n(.*?)```", doc, re.S)
    assert found is not None
    (tmp_path / "assessment.toml").write_text(found.group(1), encoding="utf-8")
    weights = load_weights(tmp_path)
    assert weights.lapses["timeliness"] == 10 and weights.lapses["returns"] == 5 and weights.days == 7
    assert weights.issuer == "青石县人民政府办公室" and weights.contact == "张明，0745-1234567"
    shipped = load_weights(tmp_path / "elsewhere")
    for c in CRITERIA:
        row = next(line for line in doc.splitlines() if line.startswith(f"| {c.label} "))
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[1] == str(shipped.points[c.key]) and cells[2].endswith(f": {shipped.lapses[c.key]}"), row


def test_a_letter_is_signed_and_annotated_as_the_weights_say(worked: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "assessment.toml").write_text(
        "[letter]\nissuer = '青石县政务公开领导小组办公室'\ncontact = '张明，0745-1234567'\n", encoding="utf-8"
    )
    found = replace(worked["after"], weights=load_weights(tmp_path))
    letter = letters_of(worked["home"], found, DAY)[0]
    assert letter.issuer == "青石县政务公开领导小组办公室" and "（联系人：张明，0745-1234567）" in letter.text()
    assert "书面报青石县政务公开领导小组办公室。" in letter.text() and letter.lines() <= PAGE_LINES


def test_the_command_refuses_a_bad_weights_file_in_one_line(worked: dict[str, Any], tmp_path: Path) -> None:
    home = Home(tmp_path / "var")
    shutil.copytree(worked["home"].root, home.root, ignore=shutil.ignore_patterns("*.lock", "out"))
    (home.root / "assessment.toml").write_text("[returns]\nreturnd = 5\n", encoding="utf-8")
    result = cli("--home", str(home.root), "--unit", "990121", "--cycles", COUNTY)
    assert result.exit_code == 2 and result.stderr.startswith("huizong: ") and "returns.returnd" in result.stderr
    assert "returned" in result.stderr and result.stderr.count("\n") == 1 and not (home.out / "assessment").exists()


def test_the_command_prints_the_files_and_a_summary(worked: dict[str, Any]) -> None:
    home: Home = worked["home"]
    result = cli("--home", str(home.root), "--unit", "990121", "--cycles", COUNTY, "--date", "2026-03-02")
    assert result.exit_code == 0, result.output
    paths = [Path(line) for line in result.stdout.splitlines()]
    folder = home.out / "assessment" / COUNTY
    assert paths[0] == folder / "990121_青石县_考核通报.xlsx" and all(p.exists() for p in paths)
    assert len(paths) == 1 + len(worked["after"].bottom) and all(p.name.startswith("督办函_") for p in paths[1:])
    ranked = sum(1 for s in worked["after"].scores if s["ranked"])
    assert result.stderr.startswith(f"青石县考核 59 个单位：参加排名 {ranked} 个") and "督办" in result.stderr
    first = [p.read_bytes() for p in paths]
    again = cli("--home", str(home.root), "--unit", "990121", "--cycles", COUNTY, "--date", "2026-03-02", "--json")
    data = json.loads(again.stdout)
    assert data["notice"] == str(paths[0]) and data["letters"] == [str(p) for p in paths[1:]]
    assert len(data["scores"]) == 59 and data["summary"] == result.stderr.strip()
    assert [p.read_bytes() for p in paths] == first  # the same data, the same files


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--unit", "990121", "--cycles", "990100-annual_report-2025"], ["不是 990121 的周期"]),
        (["--unit", "990121", "--cycles", "990121-2025"], ["应形如 990121-annual_report-2025"]),
        (["--unit", "990121", "--cycles", "990121-annual_report-2023"], ["还没有周期 990121-annual_report-2023"]),
        (["--unit", "990121", "--cycles", COUNTY, "--date", "2026-03-02", "--deadline", "2026-03-01"], ["整改期限"]),
        (["--unit", "990199", "--cycles", COUNTY], ["不在名录中"]),
    ],
)
def test_a_wrong_use_is_one_line_and_exit_2(worked: dict[str, Any], args: list[str], words: list[str]) -> None:
    result = cli("--home", str(worked["home"].root), *args)
    assert result.exit_code == 2 and result.stderr.startswith("huizong: "), result.output
    for word in words:
        assert word in result.stderr, result.stderr


def test_the_notice_ranks_the_units_by_kind_with_their_points(worked: dict[str, Any], tmp_path: Path) -> None:
    home: Home = worked["home"]
    after: Assessment = worked["after"]
    written = write_assessment(home, after, DAY)
    book = CalamineWorkbook.from_path(str(written.notice))
    assert book.sheet_names == ["封面", "考核排名", "问题明细"]
    rows = book.get_sheet_by_name("考核排名").to_python()
    assert rows[0][:3] == ["名次", "单位代码", "单位名称"] and rows[0][7].replace("\n", "") == "总分（100分）"
    groups = [r[0] for r in rows if r[1] == ""]
    assert groups == ["政府办公室（本级）（1 个单位）", "部门（43 个单位）", "乡镇（13 个单位）", "街道（2 个单位）"]
    scores = by_code(after)
    kind, ranks = "", []
    for row in rows[1:]:
        if row[1] == "":
            kind, ranks = row[0], []
            continue
        score = scores[row[1]]
        assert kind.startswith({"office": "政府办公室", "department": "部门", "township": "乡镇", "street": "街道"}
                               [score["unit_kind"]])  # fmt: skip
        if score["ranked"]:
            ranks.append(int(row[0]))
            assert ranks == sorted(ranks) and Decimal(str(row[7])) == score["total"]
            assert row[7] == pytest.approx(sum(row[3:7]))
        else:
            assert row[0] == "免报" and row[3:8] == ["", "", "", "", ""] and row[8].startswith("免报 1 期（")
        assert (row[9] == "是") == score["bottom"]
    assert "机构撤并" in next(r for r in rows if r[1] == worked["excused"])[8]
    returned = next(r for r in rows if r[1] == worked["returned"])
    assert returned[5] == 10 and returned[8] == "被退回 1 次"
    cover = [r for r in book.get_sheet_by_name("封面").to_python() if any(r)]
    text = "\n".join(str(c) for r in cover for c in r)
    assert "2025年政府信息公开工作年度报告：应报 59 个单位，截止日期 2026-01-31" in text
    assert cover[next(i for i, r in enumerate(cover) if r[0] == "报送及时")] == [
        "报送及时",
        "40",
        "逾期报送扣 20 分；未报送或报表至今未通过校验的周期，各项均不得分",
    ]
    details = book.get_sheet_by_name("问题明细").to_python()
    mine = next(r for r in details if r[0] == worked["returned"])
    assert RETURN_REASON in mine[9] and mine[8] == 1


def test_a_letter_names_the_unit_what_is_wrong_and_the_deadline(worked: dict[str, Any], tmp_path: Path) -> None:
    home: Home = worked["home"]
    after: Assessment = worked["after"]
    score = by_code(after)[worked["returned"]]
    letter = compose(after, score, DAY, dt.date(2026, 3, 10), issuer_of(home, after))
    text = letter.text()
    name = home.registry.get(worked["returned"]).name
    assert f"{name}人民政府：" in text and "得分 90 分（满分 100 分）" in text
    assert "（一）报表被退回。2025年政府信息公开工作年度报告于" in text and RETURN_REASON in text
    assert "于2026年3月10日前完成整改" in text and "按退回意见核实修改后重新报送" in text
    assert text.endswith("青石县人民政府办公室\n2026年3月2日")
    path = write_letter(tmp_path / "letter.docx", letter, dt.datetime(2026, 3, 2))
    paragraphs = [p.text for p in Document(str(path)).paragraphs if p.text]
    assert paragraphs[0].replace("\n", "") == "关于督促整改政府信息公开报表报送问题的函"
    assert paragraphs[1] == f"{name}人民政府：" and paragraphs[-2:] == ["青石县人民政府办公室", "2026年3月2日"]
    missing = next(s for s in after.bottom if s["missing"])
    said = compose(after, missing, DAY, dt.date(2026, 3, 9), "青石县人民政府办公室").text()
    assert "截止日期为2026年1月31日，你单位" in said and ("至今未报送" in said or "未通过校验" in said)


def test_letters_default_to_the_days_of_the_weights(worked: dict[str, Any]) -> None:
    letters = letters_of(worked["home"], worked["after"], DAY)
    assert letters and all(x.deadline == DAY + dt.timedelta(days=7) for x in letters)


def long_assessment(home: Home) -> tuple[Assessment, dict[str, Any]]:
    """A year of four quarters in which one unit did everything wrong, to make the longest letter."""
    cycles = tuple(cycle_for(home, "990121", f"2025Q{q}", "disclosure_by_category") for q in range(1, 5))
    reason = "数字与台账不符，与上季度报表衔接有误，请逐项核实并附说明后重新报送" * 2
    items = [
        {
            "cycle_id": c.id, "unit_code": "990121101", "unit_name": "梅口镇", "unit_kind": "township",
            "period": str(c.period), "deadline": c.deadline, "files": 3, "state": "returned", "excused_reason": None,
            "outcome": "late" if q % 2 else "failed", "first_received": dt.datetime(2026, 1, 25, 9), "days_late": 9,
            "rejected_files": 2, "returns": 2,
            "return_reasons": [{"reason": reason, "decided_at": dt.datetime(2026, 1, 26)}] * 2,
            "unexplained": 4,
            "unexplained_warnings": [{"rule": f"Q{n}", "sheet": "主动公开政府信息分类统计表", "cell": f"B{n}",
                                      "message": "异常"} for n in range(4)],
        }
        for q, c in enumerate(cycles)
    ]  # fmt: skip
    score = {"unit_code": "990121101", "unit_name": "梅口镇", "unit_kind": "township", "total": Decimal("12.5"),
             "kind_rank": 13, "kind_ranked": 13, "bottom": True, "ranked": True}  # fmt: skip
    found = Assessment(home.registry.get("990121"), cycles, DAY, load_weights(home.root), [score], items)
    return found, score


def test_a_letter_with_too_much_to_say_says_it_in_counts_on_one_page(demo_home: Home) -> None:
    found, score = long_assessment(demo_home)
    letter = compose(found, score, DAY, dt.date(2026, 3, 9), "青石县人民政府办公室")
    assert letter.lines() <= PAGE_LINES
    text = letter.text()
    assert (
        "未报送或报表至今未通过校验 2 期" in text
        and "逾期报送 2 期" in text
        and "被退回 8 次" in text
        and "16 条提示未附上报说明" in text
    )


@needs_office
def test_the_notice_and_letters_print_cleanly_and_each_letter_on_one_page(
    worked: dict[str, Any], demo_home: Home, tmp_path: Path
) -> None:
    import pdfplumber

    from huizong.look import problems, render

    written = write_assessment(worked["home"], worked["after"], DAY)
    found, score = long_assessment(demo_home)
    made = dt.datetime(2026, 3, 2)
    long = write_letter(tmp_path / "long.docx", compose(found, score, DAY, DAY, "青石县人民政府办公室"), made)
    short = write_letter(tmp_path / "short.docx", letters_of(worked["home"], worked["after"], DAY)[0], made)
    pdfs = render([written.notice, long, short], tmp_path / "pdf")
    for pdf in pdfs:
        assert problems(pdf) == [], pdf.name
    for pdf in pdfs[1:]:
        with pdfplumber.open(pdf) as document:
            assert len(document.pages) == 1, pdf.name


@pytest.mark.harness
def test_the_assess_flow_writes_the_notice_and_the_letters(prefect_harness: None, worked: dict[str, Any]) -> None:
    from flows.assess import assess as assess_flow

    home: Home = worked["home"]
    summary = assess_flow(unit=990121, cycles=COUNTY, date=DAY, home=str(home.root))  # as `-p unit=990121` sends it
    assert summary == worked["after"].summary()
    folder = home.out / "assessment" / COUNTY
    assert (folder / "990121_青石县_考核通报.xlsx").exists() and len(list(folder.glob("督办函_*.docx"))) >= 3
    state = assess_flow(unit="990121", cycles=["990100-annual_report-2025"], home=str(home.root), return_state=True)
    assert state.is_failed() and "不是 990121 的周期" in str(state.message)
