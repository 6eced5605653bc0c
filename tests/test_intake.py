"""Intake: archive first, judge once per content, record in DuckDB, supersede whole submissions."""

from __future__ import annotations

import os
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from huizong import cells, intake
from huizong.config import Home
from huizong.intake import batches, run_intake
from huizong.periods import Period
from huizong.template import write_template
from tests.conftest import make_home


@pytest.fixture()
def home(tmp_path: Path) -> Home:
    where = make_home(tmp_path / "var")
    where.inbox.mkdir(parents=True)
    return where


def fill(home: Home, code: str, name: str, period: int = 2025, **changes: int | Decimal | str) -> Path:
    form = home.catalog.choose(Period(period))
    values = (
        {c: 0 for c in form.inputs}
        | {"t3.new_received.natural_person": 3, "t3.granted.natural_person": 2, "t3.carried_forward.natural_person": 1}
        | changes
    )
    return write_template(home.inbox / name, form, home.registry.get(code), Period(period), values=values)


def query(home: Home, sql: str) -> list[tuple]:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_file_is_archived_by_hash_before_it_is_read(home: Home) -> None:
    fill(home, "990121101", "a.xlsx")
    (home.inbox / "note.txt").write_text("这不是报表", encoding="utf-8")
    originals = {p.name: p.read_bytes() for p in home.inbox.iterdir()}
    outcomes = run_intake(home)
    assert [o.status for o in outcomes] == ["accepted", "rejected"]
    for outcome in outcomes:
        archived = outcome.arrival.archived
        assert archived.read_bytes() == originals[outcome.arrival.source.name]
        assert archived.parent.parent == home.archive and archived.name.startswith(outcome.arrival.sha256)
    assert sorted(p.name for p in home.inbox.iterdir()) == ["processed"]
    assert query(home, "SELECT count(*) FROM receipts")[0][0] == 2


def test_the_same_file_twice_is_one_submission(home: Home) -> None:
    path = fill(home, "990121101", "a.xlsx")
    shutil.copy(path, home.inbox / "b-copy.xlsx")
    first = run_intake(home)
    assert [o.status for o in first] == ["accepted", "duplicate"] and first[1].same_as == path
    shutil.copy(home.processed.glob("*/a.xlsx").__next__(), home.inbox / "a-third-time.xlsx")
    second = run_intake(home)
    assert [(o.status, o.earlier_status) for o in second] == [("duplicate", "accepted")]
    assert query(home, "SELECT count(*) FROM submissions")[0][0] == 1
    assert query(home, "SELECT count(*), count(*) FILTER (duplicate) FROM receipts")[0] == (3, 2)


def test_a_later_accepted_file_supersedes_and_a_rejected_one_does_not(home: Home) -> None:
    first = fill(home, "990121101", "v1.xlsx")
    os.utime(first, (1_700_000_000, 1_700_000_000))
    run_intake(home)
    fill(home, "990121101", "v2.xlsx", **{"t3.granted.natural_person": 1, "t3.carried_forward.natural_person": 2})
    run_intake(home)
    fill(home, "990121101", "v3-bad.xlsx", **{"t3.carried_forward.natural_person": 9})
    assert [o.status for o in run_intake(home)] == ["rejected"]
    rows = query(home, "SELECT file_name, status FROM submissions ORDER BY received_at, file_name")
    assert rows == [("v1.xlsx", "superseded"), ("v2.xlsx", "accepted"), ("v3-bad.xlsx", "rejected")]
    current = query(
        home,
        "SELECT v.number FROM submissions s JOIN cell_values v USING (sha256) "
        "WHERE s.status = 'accepted' AND v.code = 't3.carried_forward.natural_person'",
    )
    assert current == [(2,)]


def test_values_are_stored_exactly_with_their_raw_text(home: Home) -> None:
    fill(
        home,
        "990121501",
        "dept.xlsx",
        **{"t2.fees.amount": Decimal("59237.2449"), "t2.licensing.decisions": 3985758, "t2.penalty.decisions": "１２"},
    )
    run_intake(home)
    rows = dict(
        (code, (raw, status, number, amount))
        for code, raw, status, number, amount in query(
            home, "SELECT code, raw, status, number, amount FROM cell_values"
        )
    )
    assert rows["t2.fees.amount"] == ("59237.2449", "ok", None, Decimal("59237.2449"))
    assert rows["t2.licensing.decisions"] == ("3985758", "ok", 3985758, None)
    assert rows["t2.penalty.decisions"] == ("１２", "normalized", 12, None)
    assert rows["t3.granted.total"][2] == 2 and len(rows) == 200
    findings = query(home, "SELECT rule, severity, sheet, cell FROM findings")
    assert ("NORM", "warning", "二、主动公开政府信息情况", "B13") in findings


def test_intake_is_idempotent(home: Home, tmp_path: Path) -> None:
    folder = tmp_path / "received"
    folder.mkdir()
    fill(home, "990121101", "a.xlsx")
    fill(home, "990121102", "b.xlsx", **{"t3.carried_forward.natural_person": 5})
    for p in home.inbox.glob("*.xlsx"):
        shutil.move(p, folder / p.name)
    run_intake(home, [folder])
    tables = ("submissions", "cell_values", "findings")
    before = {t: query(home, f"SELECT * FROM {t} ORDER BY ALL") for t in tables}
    again = run_intake(home, [folder])
    assert {o.status for o in again} == {"duplicate"}
    assert {t: query(home, f"SELECT * FROM {t} ORDER BY ALL") for t in tables} == before
    assert sorted(p.name for p in folder.iterdir()) == ["a.xlsx", "b.xlsx"]  # given paths are never moved


def test_last_years_accepted_report_feeds_the_cross_year_rules(home: Home) -> None:
    fill(home, "990121101", "2024.xlsx", period=2024)
    run_intake(home)
    fill(
        home,
        "990121101",
        "2025.xlsx",
        **{"t3.carried_over.natural_person": 4, "t3.new_received.natural_person": 0, "t3.granted.natural_person": 3},
    )
    outcome = run_intake(home)[0]
    s4 = [f for f in outcome.verdict.findings if f.rule == "S4"]
    assert {(f.cell, f.seen, f.expected) for f in s4} == {("D8", "上年结转4", "上年报告的结转下年度继续办理1")}


def test_a_file_for_another_period_is_rejected_when_collecting_one(home: Home) -> None:
    fill(home, "990121101", "old.xlsx", period=2024)
    outcome = run_intake(home, period=Period(2025))[0]
    assert outcome.status == "rejected" and any(f.rule == "PERIOD" for f in outcome.verdict.findings)


def test_reader_processes_read_exactly_what_one_process_reads(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    from huizong import readers
    from huizong.stages import STAGES

    paths = [fill(home, "990121501", "a.xlsx"), fill(home, "990121502", "b.xlsx", **{"t3.granted.natural_person": 5})]
    paths += [fill(home, "990121101", "c.xlsx", **{"t2.normative_docs.issued": "12件"})]
    (home.inbox / "d.xlsx").write_bytes(b"not a workbook")
    paths.append(home.inbox / "d.xlsx")
    alone = [readers.read_workbook(p, home.catalog, home.registry) for p in paths]
    monkeypatch.setattr(readers, "PARALLEL_FROM", 1)
    monkeypatch.setattr(readers, "CHUNK", 1)
    monkeypatch.setattr(readers, "workers", lambda _: 2)
    STAGES.reset()
    try:
        pooled = readers.read_files(home, paths)
    finally:
        readers.close()
    assert [(r.meta, r.values, r.findings, r.form) for r in pooled] == [
        (r.meta, r.values, r.findings, r.form) for r in alone
    ]
    assert pooled[0].form is home.catalog.get("annual_report/2021") and pooled[3].form is None
    assert STAGES.stages["read"].cpu_s > 0  # the workers' CPU time is counted
    cells.prepare(alone)  # the values' Arrow rows and the rules' integers, made here, as the workers made them
    for made_there, made_here in zip(pooled, alone, strict=True):
        assert (made_there.cells is None) == (made_here.cells is None)
        if made_here.cells is not None:
            assert made_there.cells is not None and made_there.cells.equals(made_here.cells)
            assert (made_there.scaled == made_here.scaled).all()


def test_receipts_the_reader_processes_write_are_those_written_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from python_calamine import CalamineWorkbook

    from huizong import readers

    def season(root: Path) -> dict[str, list[list[object]]]:
        where = make_home(root)
        where.inbox.mkdir(parents=True)
        fill(where, "990121501", "a.xlsx", **{"t3.granted.natural_person": 5})
        fill(where, "990121502", "b.xlsx", **{"t2.normative_docs.issued": "12件"})
        fill(where, "990121101", "c.xlsx")
        (where.inbox / "d.xlsx").write_bytes(b"not a workbook")
        run_intake(where)
        found = {}
        for path in sorted(where.out.rglob("feedback/*.xlsx")):
            book = CalamineWorkbook.from_path(str(path))
            sheets = [book.get_sheet_by_name(name).to_python() for name in book.sheet_names]
            found[str(sheets[0][3:5])] = sheets  # by the unit and form it names (a template's hash has its time)
        return found

    here = season(tmp_path / "here")
    monkeypatch.setattr(readers, "PARALLEL_FROM", 1)
    monkeypatch.setattr(readers, "workers", lambda _: 2)
    there = season(tmp_path / "there")
    assert len(here) == 3 and there.keys() == here.keys()
    for name, sheets in here.items():  # the same verdict, findings and tables; only the receipt time may differ
        assert len(there[name]) == len(sheets)
        assert there[name][1:] == sheets[1:], name
        assert [r for r in there[name][0] if not {"收到时间", "文件校验码"} & {str(c) for c in r}] == [
            r for r in sheets[0] if not {"收到时间", "文件校验码"} & {str(c) for c in r}
        ]


def test_the_first_batch_is_small_and_the_others_large() -> None:
    assert [len(b) for b in batches(list(range(5000)))] == [500, 2000, 2000, 500]
    assert [len(b) for b in batches(list(range(90)), 40)] == [40, 40, 10]
    assert batches([]) == []


def test_a_run_reads_its_first_batch_while_it_archives_the_next(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    codes = ["990121101", "990121102", "990121103", "990121104", "990121105", "990121106", "990121107"]
    paths = [fill(home, code, f"{n}_{code}.xlsx") for n, code in enumerate(codes)]
    shutil.copy(paths[1], home.inbox / "1b_copy.xlsx")  # the same content again, in the second batch
    monkeypatch.setattr(intake, "FIRST", 2)
    monkeypatch.setattr(intake, "BATCH", 3)
    started = []
    plain = intake.start_reading

    def watched(where: Home, batch: list[Path], progress: object = None) -> object:
        started.append((len(batch), len([p for p in where.archive.glob("*/*") if p.is_file()])))
        return plain(where, batch, progress)  # type: ignore[arg-type]

    monkeypatch.setattr(intake, "start_reading", watched)
    outcomes = run_intake(home)
    # the first two files were read when only they were archived; each later batch was archived before it was read
    assert started == [(2, 2), (3, 5), (2, 7)]
    assert [o.status for o in outcomes] == ["accepted", "accepted", "duplicate", *["accepted"] * 5]
    assert outcomes[2].same_as == paths[1] and outcomes[2].earlier_status == ""
    assert query(home, "SELECT count(*) FROM receipts")[0][0] == 8


def test_a_stage_inside_another_counts_for_itself_alone() -> None:
    import time

    from huizong.stages import Stages

    stages = Stages()
    with stages("record"):
        time.sleep(0.05)
        with stages("load"):
            time.sleep(0.1)
    load, record = stages.stages["load"].wall_s, stages.stages["record"].wall_s
    assert load >= 0.1 and 0.05 <= record < load  # record's own 0.05 s, not the 0.15 s it lasted
