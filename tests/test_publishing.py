"""The analysts' snapshot: every table and view of the working file, its values read from write-once parts."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from huizong.cli import main
from huizong.config import Home
from huizong.intake import run_intake
from huizong.publishing import parts_folder, publish
from huizong.valuestore import KEEP_UNLISTED_S, write_part
from tests.conftest import make_home
from tests.test_incremental import report


@pytest.fixture()
def home(tmp_path: Path) -> Home:
    where = make_home(tmp_path / "var")
    where.inbox.mkdir(parents=True)
    return where


def objects(path: Path) -> set[tuple[str, str]]:
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute("SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main'")
        return set(rows.fetchall())


def rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return sorted(con.execute(sql).fetchall(), key=str)


def parts(home: Home) -> dict[str, float]:
    return {p.name: p.stat().st_mtime for p in parts_folder(home).glob("*.parquet")}


def snapshot(home: Home) -> Path:
    return home.published / "huizong.duckdb"


def test_the_snapshot_has_every_table_and_view_with_the_values_read_from_parts(home: Home) -> None:
    report(home, "990121101", "a.xlsx", 2025, 3)
    report(home, "990121102", "b.xlsx", 2025, 2)
    run_intake(home)
    assert objects(snapshot(home)) == objects(home.warehouse) and ("cell_values", "VIEW") in objects(home.warehouse)
    everything = "SELECT * FROM cell_values"
    assert rows(snapshot(home), everything) == rows(home.warehouse, everything) and rows(home.warehouse, everything)
    totals = "SELECT unit_code, total FROM t3_requests WHERE row_code = 'new_received' ORDER BY ALL"
    assert rows(snapshot(home), totals) == rows(home.warehouse, totals)


def test_a_run_adds_a_part_and_leaves_the_earlier_ones_as_they_were(home: Home) -> None:
    report(home, "990121101", "a.xlsx", 2024, 3)
    run_intake(home)
    first = parts(home)
    assert len(first) == 1
    report(home, "990121101", "a2025.xlsx", 2025, 4)
    run_intake(home)
    second = parts(home)
    assert len(second) == 2 and {k: second[k] for k in first} == first
    assert rows(snapshot(home), "SELECT count(*) FROM cell_values") == [(400,)]


def test_a_working_file_from_before_parts_has_its_values_written_as_parts_when_opened(home: Home) -> None:
    report(home, "990121101", "a.xlsx", 2025, 3)
    report(home, "990121102", "b.xlsx", 2025, 2)
    run_intake(home)
    everything = "SELECT * FROM cell_values"
    before = rows(home.warehouse, everything)
    with duckdb.connect(str(home.warehouse)) as con:  # as it was: a table of values, no part listed
        con.execute("CREATE TABLE old_values AS SELECT * FROM cell_values")
        con.execute("DROP VIEW cell_values")
        con.execute("ALTER TABLE old_values RENAME TO cell_values")
        con.execute("DELETE FROM value_parts")
    for part in parts(home):
        (parts_folder(home) / part).unlink()
    with home.connect():
        pass
    assert objects(home.warehouse) >= {("cell_values", "VIEW")}
    assert rows(home.warehouse, everything) == before and len(before) == 400
    assert len(parts(home)) == 1  # one part for the form and period
    publish(home)
    assert rows(snapshot(home), everything) == before


def test_a_part_of_a_transaction_that_failed_is_never_read(home: Home) -> None:
    report(home, "990121101", "a.xlsx", 2025, 3)
    run_intake(home)
    ghost = pa.table({"sha256": ["x" * 64], "period": ["2025"], "code": ["t3.new_received.total"], "raw": ["9"],
                      "status": ["ok"], "number": pa.array([9], pa.int64()),
                      "amount": pa.array([None], pa.decimal128(22, 4)), "typed_over": [False]})  # fmt: skip
    with pytest.raises(RuntimeError), home.connect() as wh:
        write_part(wh, parts_folder(home), ghost)
        raise RuntimeError("the batch fails after its part was written")
    assert len(parts(home)) == 2  # written, then its transaction rolled back
    publish(home)
    assert rows(snapshot(home), "SELECT count(*) FROM cell_values WHERE sha256 = 'xxxx'") == [(0,)]
    assert rows(snapshot(home), "SELECT count(*) FROM cell_values") == [(200,)]


def test_rebuild_gathers_the_parts_and_keeps_the_old_ones_a_day_for_open_snapshots(home: Home) -> None:
    for n, unit in enumerate(("990121101", "990121102", "990121103"), start=1):
        report(home, unit, f"{unit}.xlsx", 2025, n)
        run_intake(home)
    before = parts(home)
    assert len(before) == 3
    result = CliRunner().invoke(main, ["rebuild", "--home", str(home.root)])
    assert result.exit_code == 0, result.output
    after = parts(home)
    gathered = set(after) - set(before)
    assert len(gathered) == 1 and set(before) <= set(after)  # one part for 2025; the old ones kept for now
    assert rows(snapshot(home), "SELECT count(*) FROM cell_values") == [(600,)]
    old = time.time() - KEEP_UNLISTED_S - 60
    for name in before:
        os.utime(parts_folder(home) / name, (old, old))
    publish(home)
    assert set(parts(home)) == gathered


def test_many_small_parts_are_gathered_into_one(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    import huizong.valuestore

    monkeypatch.setattr(huizong.valuestore, "MAX_SMALL", 2)  # a portal's season of single uploads, in short
    for n, unit in enumerate(("990121101", "990121102", "990121103"), start=1):
        report(home, unit, f"{unit}.xlsx", 2025, n)
        run_intake(home)
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        listed = con.execute("SELECT part, rows FROM value_parts").fetchall()
    assert len(listed) == 1 and listed[0][1] == 600  # the third run's publish gathered the three
    assert rows(snapshot(home), "SELECT * FROM cell_values") == rows(home.warehouse, "SELECT * FROM cell_values")


def test_a_data_directory_moved_elsewhere_reads_its_values_once_opened(home: Home, tmp_path: Path) -> None:
    report(home, "990121101", "a.xlsx", 2025, 3)
    run_intake(home)
    everything = "SELECT * FROM cell_values"
    before = rows(home.warehouse, everything)
    moved = Home(tmp_path / "elsewhere")
    home.root.rename(moved.root)  # the view named the parts where they were
    with moved.connect():  # the first opening points the view at the parts where they are now
        pass
    assert rows(moved.warehouse, everything) == before and len(before) == 200
    publish(moved)
    assert rows(snapshot(moved), everything) == before


def test_parts_from_before_periods_are_written_again_with_them_when_opened(home: Home) -> None:
    report(home, "990121101", "a.xlsx", 2024, 3)
    report(home, "990121102", "b.xlsx", 2025, 2)
    run_intake(home)
    everything = "SELECT sha256, code, raw, status, number, amount, typed_over FROM cell_values"
    before = rows(home.warehouse, everything)
    folder = parts_folder(home)
    for part in parts(home):  # as the parts of the first stop with parts were: no period column
        path = folder / part
        pq.write_table(pq.read_table(path).drop_columns(["period"]), path)
    files = ", ".join(f"'{folder / part}'" for part in parts(home))
    with duckdb.connect(str(home.warehouse)) as con:
        con.execute(f"CREATE OR REPLACE VIEW cell_values AS SELECT * FROM read_parquet([{files}])")
    with home.connect():
        pass
    assert rows(home.warehouse, everything) == before
    assert rows(
        home.warehouse, "SELECT DISTINCT v.period = s.period FROM cell_values v JOIN submissions s USING (sha256)"
    ) == [(True,)]
