"""The warehouse after real intake runs: totals, reconciliation, and the analysts' snapshot."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from huizong.config import Home
from huizong.intake import run_intake
from huizong.periods import Period
from huizong.template import write_template
from tests.conftest import make_home


@pytest.fixture()
def home(tmp_path: Path) -> Home:
    return make_home(tmp_path / "var")


def send(home: Home, code: str, natural_person: int, period: int = 2025, scope: str = "own") -> None:
    form = home.catalog.choose(Period(period))
    values = {c: 0 for c in form.inputs} | {
        "t3.new_received.natural_person": natural_person,
        "t3.granted.natural_person": natural_person,
    }
    unit = home.registry.get(code)
    write_template(home.inbox / f"{code}-{period}.xlsx", form, unit, Period(period), values=values, scope=scope)


def snapshot(home: Home, sql: str) -> list[tuple]:
    with duckdb.connect(str(home.published / "huizong.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_snapshot_has_the_totals_the_views_and_passing_audits(home: Home) -> None:
    for code, n in (("990121101", 2), ("990121102", 3), ("990121501", 7), ("990100501", 1)):
        send(home, code, n)
    run_intake(home)
    rows = snapshot(home, "SELECT unit_code, total FROM t3_requests WHERE row_code = 'new_received' ORDER BY 1")
    assert rows == [
        ("990100", 13),
        ("990100501", 1),
        ("990121", 12),
        ("990121101", 2),
        ("990121102", 3),
        ("990121501", 7),
    ]
    assert snapshot(home, "SELECT count(*) FROM audit_results") == [(0,)]
    summary = snapshot(
        home,
        "SELECT expected, received, accepted FROM completeness_summary WHERE cycle_id = '990121-annual_report-2025'",
    )
    assert summary == [(59, 3, 3)]
    chinese = (
        "SELECT 单位名称, 总计 FROM 表三_依申请公开 WHERE 口径 = '汇总' AND 项目 = '一、本年新收政府信息公开申请数量'"
    )
    assert sorted(snapshot(home, chinese)) == [("明川市", 13), ("青石县", 12)]


def test_a_received_county_total_stands_in_or_is_reconciled(home: Home) -> None:
    send(home, "990122", 40, scope="aggregate")  # 云溪县's total from its own instance; nothing below it here
    send(home, "990121", 99, scope="aggregate")  # 青石县's total, but its townships' reports are here too
    send(home, "990121101", 2)
    run_intake(home)
    totals = dict(
        snapshot(home, "SELECT unit_code, total FROM t3_requests WHERE row_code = 'new_received' AND scope = 'total'")
    )
    assert totals == {"990122": 40, "990121": 2, "990100": 42}
    h6 = snapshot(home, "SELECT unit_code, cell, seen, expected FROM open_findings WHERE rule = 'H6' ORDER BY cell")
    assert ("990121", "D7", "99.0000", "2.0000") in h6


def test_an_analyst_holding_the_snapshot_open_does_not_stop_a_run(home: Home) -> None:
    send(home, "990121101", 2)
    run_intake(home)
    published = home.published / "huizong.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import duckdb, sys, time\n"
                f"con = duckdb.connect({str(published)!r}, read_only=True)\n"
                "print(con.execute('SELECT count(*) FROM submissions').fetchone()[0], flush=True)\n"
                "sys.stdin.readline()\n"
                "print(con.execute('SELECT count(*) FROM submissions').fetchone()[0], flush=True)\n"
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "1"
        send(home, "990121102", 3)
        started = time.perf_counter()
        assert [o.status for o in run_intake(home)] == ["accepted"]
        assert time.perf_counter() - started < 30
        assert snapshot(home, "SELECT count(*) FROM submissions") == [(2,)]  # a new connection sees the new data
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "1"  # the open one keeps the snapshot it had
    finally:
        holder.kill()
        holder.wait()


def test_the_working_file_is_not_held_open_between_runs(home: Home) -> None:
    send(home, "990121101", 2)
    run_intake(home)
    other = subprocess.run(
        [sys.executable, "-c", f"import duckdb; duckdb.connect({str(home.warehouse)!r}).execute('CHECKPOINT')"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert other.returncode == 0, other.stderr


def test_the_snapshot_is_written_for_duckdb_1_5_and_later(home: Home, tmp_path: Path) -> None:
    """DuckDB 2.0 writes a storage version 1.x cannot read unless asked for v1.5.0: the snapshot must be the latter."""
    send(home, "990121101", 2)
    run_intake(home)
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{tmp_path / 'old.duckdb'}' AS old (STORAGE_VERSION 'v1.5.0')")
        con.execute("CREATE TABLE old.t (x INTEGER)")
    version = lambda path: path.read_bytes()[12:20]  # noqa: E731  (the header's storage version number)
    assert version(home.published / "huizong.duckdb") == version(tmp_path / "old.duckdb")
    assert version(home.published / "huizong.duckdb") != version(home.warehouse)
