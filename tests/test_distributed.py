"""flows/distributed.py: intake with the reading in Dask workers records exactly what the plain intake records."""

from __future__ import annotations

import random
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from huizong.config import Home
from huizong.demo import report
from huizong.intake import run_intake
from huizong.periods import Period
from huizong.template import write_template
from tests.conftest import make_home

TABLES = {
    "submissions": "sha256, unit_code, period, status, errors, warnings, late",
    "cell_values": "sha256, code, raw, status, number, amount",
    "findings": "sha256, rule, severity, sheet, cell, seen, expected, message",
    "receipts": "sha256, file_name, duplicate",
}


def received(folder: Path, home: Home) -> None:
    """A handful of files: clean ones, an unbalanced one, a typo, last year's, and the same content twice."""
    rng = random.Random(7)
    form = home.catalog.choose(Period(2025))
    units = [u for u in home.registry.below("990121", Period(2025)) if u.kind in ("department", "township")][:9]
    for unit in units[:6]:
        write_template(folder / f"{unit.code}.xlsx", form, unit, Period(2025), values=report(form, unit, rng))
    wrong = report(form, units[6], rng)
    wrong["t3.carried_forward.natural_person"] = int(wrong["t3.carried_forward.natural_person"]) + 1
    write_template(folder / "unbalanced.xlsx", form, units[6], Period(2025), values=wrong)
    typo = report(form, units[7], rng) | {"t3.granted.natural_person": "12件", "t2.fees.amount": Decimal("1.2345")}
    write_template(folder / "typo.xlsx", form, units[7], Period(2025), values=typo)
    old = home.catalog.choose(Period(2024))
    write_template(folder / "last_year.xlsx", old, units[8], Period(2024), values=report(old, units[8], rng))
    shutil.copy(folder / f"{units[0].code}.xlsx", folder / "again.xlsx")
    (folder / "note.txt").write_text("这不是报表", encoding="utf-8")


def rows(home: Home) -> dict[str, list[tuple[object, ...]]]:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return {
            table: sorted(con.execute(f"SELECT {columns} FROM {table}").fetchall(), key=repr)
            for table, columns in TABLES.items()
        }


@pytest.mark.harness
def test_reading_in_dask_workers_records_what_the_plain_intake_records(prefect_harness: None, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName

    from flows.distributed import intake_dask

    plain, dask = make_home(tmp_path / "plain"), make_home(tmp_path / "dask")
    for home in (plain, dask):
        home.inbox.mkdir(parents=True)
    received(plain.inbox, plain)
    for path in plain.inbox.iterdir():
        shutil.copy2(path, dask.inbox / path.name)

    outcomes = run_intake(plain, period=Period(2025))
    counts = intake_dask(home=str(dask.root), period=2025, workers=2)

    statuses = [o.status for o in outcomes]
    assert counts == {status: statuses.count(status) for status in ("accepted", "rejected", "duplicate")}
    assert counts["accepted"] >= 6 and counts["rejected"] >= 3 and counts["duplicate"] == 1
    expected, got = rows(plain), rows(dask)
    assert all(expected[table] for table in ("submissions", "cell_values", "findings"))
    assert got == expected
    assert sorted(p.name for p in dask.inbox.iterdir()) == ["processed"]
    with get_client(sync_client=True) as client:  # the reads ran as task runs the flow's API knows of
        reads = client.read_task_runs(task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_="read chunk")))
    assert reads and all(run.state is not None and run.state.is_completed() for run in reads)
