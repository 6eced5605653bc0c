"""Runs roll up only the periods their files touch, and give the tables a full rebuild gives (issue 15)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from huizong.cli import main
from huizong.config import Home
from huizong.intake import archive_files, collect, new_run_id, run_intake, take_in
from huizong.periods import Period
from huizong.template import write_template
from tests.conftest import make_home
from tests.test_intake import fill

DERIVED = {
    "rollup_sources": "SELECT * FROM rollup_sources ORDER BY ALL",
    "rollup_values": "SELECT * FROM rollup_values ORDER BY ALL",
    "reconciliation": "SELECT * FROM reconciliation ORDER BY ALL",
    "H6": "SELECT sha256, sheet, cell, seen, expected FROM findings WHERE rule = 'H6' ORDER BY ALL",
}


@pytest.fixture()
def home(tmp_path: Path) -> Home:
    where = make_home(tmp_path / "var")
    where.inbox.mkdir(parents=True)
    return where


def tables(home: Home) -> dict[str, list[tuple[Any, ...]]]:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return {name: con.execute(sql).fetchall() for name, sql in DERIVED.items()}


def value(home: Home, unit: str, period: str, code: str = "t3.new_received.natural_person") -> int | None:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        row = con.execute(
            "SELECT number FROM rollup_values WHERE unit_code = ? AND period = ? AND code = ?", [unit, period, code]
        ).fetchone()
    return row[0] if row else None


def rebuild(home: Home) -> None:
    result = CliRunner().invoke(main, ["rebuild", "--home", str(home.root)])
    assert result.exit_code == 0, result.output


def report(home: Home, code: str, name: str, period: int, new: int = 3, scope: str = "own") -> Path:
    """A balanced report: ``new`` applications, all granted but one carried forward."""
    form = home.catalog.choose(Period(period))
    values = {c: 0 for c in form.inputs} | {
        "t3.new_received.natural_person": new,
        "t3.granted.natural_person": new - 1,
        "t3.carried_forward.natural_person": 1,
    }
    unit = home.registry.get(code)
    return write_template(home.inbox / name, form, unit, Period(period), values=values, scope=scope)


def season(home: Home) -> None:
    """Two years of two townships and a department, a correction, and a rejected file."""
    for period in (2024, 2025):
        report(home, "990121101", f"a{period}.xlsx", period, 3 + period % 2)
        report(home, "990121102", f"b{period}.xlsx", period, 1)
        report(home, "990121501", f"c{period}.xlsx", period, 1)
        run_intake(home)
    report(home, "990121102", "b-fixed.xlsx", 2025, 5)
    fill(home, "990121501", "bad.xlsx", 2025, **{"t3.granted.natural_person": 9})  # unbalanced: rejected
    run_intake(home)


def test_runs_give_the_tables_a_full_rebuild_gives(home: Home) -> None:
    season(home)
    report(home, "990121", "county.xlsx", 2025, 7, scope="aggregate")
    run_intake(home)  # the county's 汇总 differs from its units' reports here: H6 findings
    after_runs = tables(home)
    assert after_runs["H6"] and after_runs["reconciliation"]
    rebuild(home)
    assert tables(home) == after_runs


def test_a_run_rolls_up_the_periods_it_touches_and_leaves_the_others_unread(home: Home) -> None:
    season(home)
    assert value(home, "990121", "2024") == 3 + 1 + 1
    with duckdb.connect(str(home.warehouse)) as con:  # a wrong 2024 total that only a full roll-up would notice
        con.execute("UPDATE rollup_values SET number = 999 WHERE unit_code = '990121' AND period = '2024' "
                    "AND code = 't3.new_received.natural_person'")  # fmt: skip
    report(home, "990121103", "d2025.xlsx", 2025, 1)
    run_intake(home)
    assert value(home, "990121", "2024") == 999  # not read: the run touched 2025 only
    assert value(home, "990121", "2025") == 4 + 5 + 1 + 1
    rebuild(home)
    assert value(home, "990121", "2024") == 5


def test_a_run_that_stopped_after_recording_leaves_its_periods_for_the_next(home: Home) -> None:
    season(home)
    report(home, "990121103", "d2025.xlsx", 2025, 6)
    arrivals = archive_files(home, collect(home, []))
    take_in(home, new_run_id(), arrivals)  # recorded, then the run stops before rolling up
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        assert con.execute("SELECT DISTINCT period FROM rollup_pending").fetchall() == [("2025",)]
    assert value(home, "990121", "2025") == 4 + 5 + 1
    run_intake(home)  # nothing new (the same file is a duplicate now): the pending period is rolled up
    assert value(home, "990121", "2025") == 4 + 5 + 1 + 6
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM rollup_pending").fetchone() == (0,)


def test_a_change_in_the_registry_tree_rolls_up_every_period(home: Home) -> None:
    season(home)
    units = home.root / "registry" / "units.csv"
    moved = units.read_text(encoding="utf-8").replace(
        "990121101,梅口镇,township,990121", "990121101,梅口镇,township,990122"
    )
    assert moved != units.read_text(encoding="utf-8")
    shutil.copy(units, units.with_suffix(".bak"))
    units.write_text(moved, encoding="utf-8")
    run_intake(Home(home.root))  # no new file: the tree changed, so every period is rolled up again
    moved_home = Home(home.root)
    assert value(moved_home, "990121", "2024") == 1 + 1
    assert value(moved_home, "990122", "2024") == 3
    assert value(moved_home, "990122", "2025") == 4
