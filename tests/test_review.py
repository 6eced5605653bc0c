"""Review and approval (审核、退回、审定) on a copy of the demo season, through `huizong review` and intake."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from huizong.cli import main
from huizong.config import Home
from huizong.consolidate import consolidate_cycle
from huizong.distribute import cycle_for
from huizong.periods import Period
from huizong.review.core import document_status
from huizong.template import write_template
from tests.portal_kit import reopen_decided

COUNTY = "990121-annual_report-2025"
CITY = "990100-annual_report-2025"
ROOT = Path(__file__).resolve().parents[1]

# What each decision does from each state: the state it leads to, or None where it is refused.
TRANSITIONS = {
    "missing": {"approve": None, "return": None, "reopen": None, "excuse": "excused"},
    "failed": {"approve": None, "return": None, "reopen": None, "excuse": "excused"},
    "submitted": {"approve": "approved", "return": "returned", "reopen": None, "excuse": "excused"},
    "returned": {"approve": None, "return": None, "reopen": "submitted", "excuse": "excused"},
    "approved": {"approve": None, "return": None, "reopen": "submitted", "excuse": None},
    "excused": {"approve": None, "return": None, "reopen": "submitted", "excuse": None},  # back to what it sent
}


@pytest.fixture
def season(played: tuple[Home, str], tmp_path: Path) -> Home:
    """A copy of the played demo season that a test may change, its reports under review again (the demo's office
    approved or excused most of them)."""
    home, _ = played
    shutil.copytree(home.root, tmp_path / "var", ignore=shutil.ignore_patterns("*.lock"))
    copy = Home(tmp_path / "var")
    reopen_decided(copy)
    return copy


def review(home: Home, action: str, cycle: str, *units: str, reason: str = "") -> tuple[int, str]:
    args = ["review", action, "--home", str(home.root), "--cycle", cycle, *[a for u in units for a in ("--unit", u)]]
    result = CliRunner().invoke(main, [*args, "--reason", reason] if reason else args)
    return result.exit_code, result.output


def state(home: Home, unit: str, cycle: str = COUNTY) -> str:
    with duckdb.connect(str(home.published / "huizong.duckdb"), read_only=True) as con:
        found = con.execute(
            "SELECT state FROM review_state WHERE cycle_id = ? AND unit_code = ?", [cycle, unit]
        ).fetchone()
    assert found is not None
    return str(found[0])


def total(home: Home, unit: str = "990121", code: str = "t3.new_received.total") -> int:
    with duckdb.connect(str(home.published / "huizong.duckdb"), read_only=True) as con:
        found = con.execute(
            "SELECT number FROM rollup_values WHERE unit_code = ? AND code = ? AND period = '2025'", [unit, code]
        ).fetchone()
    return int(found[0]) if found else 0


def into_state(home: Home, unit: str, wanted: str) -> None:
    """Bring a submitted unit's report into ``wanted`` (missing and failed ones are taken as the demo left them)."""
    steps = {
        "submitted": [],
        "returned": [("return", "数字与台账不符")],
        "approved": [("approve", "")],
        "excused": [("excuse", "机构撤并")],
    }[wanted]
    for action, reason in steps:
        assert review(home, action, COUNTY, unit, reason=reason)[0] == 0


def restore(home: Home, unit: str, start: str) -> None:
    """Bring a unit's report back to ``start`` after a decision was taken on it."""
    for _ in range(3):
        now = state(home, unit)
        if now == start:
            return
        if now in ("excused", "approved", "returned"):
            action, reason = "reopen", "恢复"
        else:
            action, reason = {
                "returned": ("return", "恢复"),
                "approved": ("approve", ""),
                "excused": ("excuse", "恢复"),
            }[start]
        assert review(home, action, COUNTY, unit, reason=reason)[0] == 0
    assert state(home, unit) == start


def test_every_decision_from_every_state_is_taken_or_refused_as_the_table_says(season: Home) -> None:
    units = {"missing": "990121535", "failed": "990121523"}  # as the demo left them: never sent; sent in error
    submitted = ["990121101", "990121102", "990121103", "990121104"]
    for wanted, unit in zip(("submitted", "returned", "approved", "excused"), submitted, strict=True):
        into_state(season, unit, wanted)
        units[wanted] = unit
    for start, unit in units.items():
        assert state(season, unit) == start
        for action, after in TRANSITIONS[start].items():
            code, output = review(season, action, COUNTY, unit, reason="核实")
            assert (code == 0) == (after is not None), (start, action, output)
            assert state(season, unit) == (after or start), (start, action)
            if after is None:
                assert "不能" in output, output  # a refusal says why
            restore(season, unit, start)


def test_a_reason_is_required_to_return_reopen_or_excuse(season: Home) -> None:
    for action in ("return", "excuse"):
        code, output = review(season, action, COUNTY, "990121101")
        assert code == 1 and "须写明理由" in output
    assert state(season, "990121101") == "submitted"


def test_an_approved_report_takes_no_new_file_until_it_is_reopened(season: Home) -> None:
    form, unit = season.catalog.get("annual_report/2021"), season.registry.get("990121101")
    before = total(season)
    assert review(season, "approve", COUNTY, "990121101")[0] == 0
    values = {c: 0 for c in form.inputs} | {"t3.new_received.natural_person": 2, "t3.granted.natural_person": 2}
    path = write_template(season.inbox / "again.xlsx", form, unit, Period(2025), values=values)
    result = CliRunner().invoke(main, ["intake", "--home", str(season.root), str(path)])
    assert result.exit_code == 1 and "退回" in result.output
    with duckdb.connect(str(season.warehouse), read_only=True) as con:
        lock = con.execute("SELECT message FROM findings WHERE rule = 'LOCK'").fetchall()
    assert len(lock) == 1 and "已审定" in lock[0][0] and "重新打开" in lock[0][0]
    assert state(season, "990121101") == "approved" and total(season) == before
    assert review(season, "reopen", COUNTY, "990121101", reason="单位申请更正")[0] == 0
    again = write_template(
        season.inbox / "again2.xlsx",
        form,
        unit,
        Period(2025),
        values={**values, "t3.granted.natural_person": 1, "t3.carried_forward.natural_person": 1},
    )
    assert CliRunner().invoke(main, ["intake", "--home", str(season.root), str(again)]).exit_code == 0
    assert state(season, "990121101") == "submitted"


def test_a_returned_report_counts_in_no_total_until_the_unit_hands_in_again(season: Home) -> None:
    with duckdb.connect(str(season.published / "huizong.duckdb"), read_only=True) as con:
        own = con.execute(
            "SELECT number FROM report_values WHERE unit_code = '990121000' AND scope = 'own' AND period = '2025' "
            "AND code = 't3.new_received.total'"
        ).fetchone()
    assert own is not None and own[0] > 0
    before = total(season)
    code, output = review(season, "return", COUNTY, "990121000", reason="行政许可数与业务系统不符")
    assert code == 0 and "已退回" in output
    assert total(season) == before - own[0]
    result = consolidate_cycle(season, cycle_for(season, "990121", "2025"))
    assert result.data is not None and "退回 2" in result.data.summary()


def test_the_city_approves_a_county_only_once_the_county_has_approved_its_units(season: Home) -> None:
    code, output = review(season, "approve", CITY, "990121")
    assert code == 1 and "尚未定稿" in output and "应报 59 个单位" in output
    code, output = review(season, "approve", CITY, "990122")  # 白沙县 sent its 汇总 as a file: a draft
    assert code == 1 and "初稿" in output
    with duckdb.connect(str(season.published / "huizong.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT unit_code, state FROM review_state WHERE cycle_id = ?", [COUNTY]).fetchall()
    waiting = [u for u, s in rows if s == "submitted"]
    others = [u for u, s in rows if s != "submitted"]
    assert review(season, "approve", COUNTY, *waiting)[0] == 0
    assert review(season, "excuse", COUNTY, *others, reason="本期撤并")[0] == 0
    code, output = review(season, "approve", CITY, "990121")
    assert code == 0, output
    assert state(season, "990121", CITY) == "approved"


def test_the_workbook_says_draft_until_every_unit_is_approved_or_excused(season: Home) -> None:
    cycle = cycle_for(season, "990121", "2025")
    result = consolidate_cycle(season, cycle)
    assert result.workbook is not None and document_status(result.workbook) == "初稿"
    cover = {r[0]: r[1] for r in CalamineWorkbook.from_path(str(result.workbook)).get_sheet_by_name("封面").to_python()}
    assert str(cover["审定情况"]).startswith("初稿：已审定 0 个")
    with duckdb.connect(str(season.published / "huizong.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT unit_code, state FROM review_state WHERE cycle_id = ?", [COUNTY]).fetchall()
    review(season, "approve", COUNTY, *[u for u, s in rows if s == "submitted"])
    review(season, "excuse", COUNTY, *[u for u, s in rows if s != "submitted"], reason="本期不报")
    result = consolidate_cycle(season, cycle)
    assert result.workbook is not None and document_status(result.workbook) == "定稿"
    cover = {r[0]: r[1] for r in CalamineWorkbook.from_path(str(result.workbook)).get_sheet_by_name("封面").to_python()}
    assert str(cover["审定情况"]).startswith("定稿：应报 59 个单位已全部审定或免报")


def test_every_decision_is_in_the_audit_log_with_who_and_why(season: Home) -> None:
    review(season, "return", COUNTY, "990121102", reason="请核实行政许可数")
    review(season, "approve", COUNTY, "990121103")
    with duckdb.connect(str(season.published / "huizong.duckdb"), read_only=True) as con:
        log = con.execute(
            "SELECT action, unit_code, cycle_id, detail, source, actor FROM audit_log ORDER BY seq"
        ).fetchall()
    assert [r[:3] for r in log[-2:]] == [("return", "990121102", COUNTY), ("approve", "990121103", COUNTY)]
    assert log[-2][3] == "退回：请核实行政许可数" and log[-1][4] == "cli" and "命令行" in log[-1][5]


def test_no_code_updates_or_deletes_a_decision_or_an_audit_row() -> None:
    pattern = re.compile(r"\b(UPDATE|DELETE\s+FROM|TRUNCATE|DROP\s+TABLE)\s+\"?(audit_log|reviews)\b", re.I)
    sources = [*ROOT.joinpath("sql").rglob("*.sql"), *ROOT.joinpath("huizong").rglob("*.py")]
    offending = [str(p) for p in sources if pattern.search(p.read_text(encoding="utf-8"))]
    assert offending == []


def test_a_marked_warning_needs_an_explanation_before_approval(season: Home) -> None:
    form, unit = season.catalog.get("annual_report/2021"), season.registry.get("990121104")
    values = {c: 0 for c in form.inputs} | {"t3.new_received.natural_person": 30, "t3.granted.natural_person": 30}
    path = write_template(season.inbox / "many.xlsx", form, unit, Period(2025), values=values)
    assert CliRunner().invoke(main, ["intake", "--home", str(season.root), str(path)]).exit_code == 0
    code, output = review(season, "approve", COUNTY, "990121104")
    assert code == 1 and "S7" in output and "上报说明" in output
    from huizong.portal.writer import explanations_table

    with duckdb.connect(str(season.warehouse)) as con:
        sha = con.execute("SELECT sha256 FROM submissions WHERE file_name = 'many.xlsx'").fetchall()[0]
        con.register("incoming_explanations", explanations_table([(sha[0], "990121104", "本年征地拆迁集中申请")]))
        con.execute("INSERT INTO explanations SELECT * FROM incoming_explanations")
    code, output = review(season, "approve", COUNTY, "990121104")
    assert code == 0, output
    assert Decimal(total(season)) > 0


def test_uploads_consolidations_and_account_changes_are_in_the_audit_log(season: Home) -> None:
    with duckdb.connect(str(season.published / "huizong.duckdb"), read_only=True) as con:
        actions = dict(con.execute("SELECT action, count(*) FROM audit_log GROUP BY action").fetchall())
        files = con.execute("SELECT count(*) FROM submissions").fetchall()[0][0]
    assert actions["upload"] == files and actions["consolidate"] >= 2  # every judged file; the county and the city
    result = CliRunner().invoke(main, ["accounts", "create", "--home", str(season.root), "--under", "990121101"])
    assert result.exit_code == 0, result.output
    journal = list((season.root / "audit").glob("*.json"))
    assert len(journal) == 1  # the warehouse may be the portal's: the change waits in the journal
    for _ in range(2):  # the next writer drains it; the one after removes the journal, the entry logged once
        consolidate_cycle(season, cycle_for(season, "990121", "2025"))
    assert not list((season.root / "audit").glob("*.json"))
    with duckdb.connect(str(season.published / "huizong.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT 操作, 单位代码, 内容, 途径 FROM 审计日志 WHERE 操作 = '账号'").fetchall()
    assert rows == [("账号", "990121101", "开设账号（办公室）", "命令行")]  # the top of what it was asked for
