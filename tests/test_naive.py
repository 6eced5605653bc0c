"""bench/naive.py, the office script huizong is benchmarked against: it must judge and sum as huizong does."""

from __future__ import annotations

import os
import random
import shutil
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from bench.naive import judge_file, naive_consolidate
from huizong.config import Home
from huizong.demo import report
from huizong.forms import Form
from huizong.formulas import Value
from huizong.intake import run_intake
from huizong.periods import Period
from huizong.template import write_template
from tests.conftest import make_home

T0 = 1_767_600_000  # 2026-01-05
DAY = 86_400


@dataclass
class Batch:
    form: Form
    folder: Path
    files: list[Path]
    bad: dict[str, str]  # file name -> what the naive script must say about it
    expected: dict[str, int | Decimal]  # the sum of the latest accepted report of each unit, computed here


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    home = make_home(tmp_path_factory.mktemp("registry"))
    period = Period(2025)
    form = home.catalog.choose(period)
    folder = tmp_path_factory.mktemp("received")
    rng = random.Random(2025)

    def send(name: str, code: str, values: dict[str, Value], mtime: int, when: Period = period) -> dict[str, Value]:
        path = write_template(folder / name, form, home.registry.get(code), when, values=values)
        os.utime(path, (mtime, mtime))
        return values

    def filled(code: str) -> dict[str, Value]:
        return report(form, home.registry.get(code), rng)

    latest = []
    send("a_office_v1.xlsx", "990121000", filled("990121000"), T0)  # superseded by v2
    latest.append(send("b_office_v2.xlsx", "990121000", filled("990121000"), T0 + 2 * DAY))
    shutil.copy(folder / "a_office_v1.xlsx", folder / "c_office_v1_again.xlsx")  # the same content once more, later
    os.utime(folder / "c_office_v1_again.xlsx", (T0 + 3 * DAY, T0 + 3 * DAY))
    development = filled("990121501") | {"t2.fees.amount": Decimal("1234.5678")}
    latest.append(send("d_development.xlsx", "990121501", development, T0))
    typo = filled("990121501") | {"t2.licensing.decisions": "12件"}
    send("e_development_typo.xlsx", "990121501", typo, T0 + DAY)  # rejected: never replaces d
    wrong = filled("990121502")
    wrong["t3.carried_forward.natural_person"] = int(wrong["t3.carried_forward.natural_person"]) + 1
    send("f_education_unbalanced.xlsx", "990121502", wrong, T0)
    send("g_science_2024.xlsx", "990121503", filled("990121503"), T0, Period(2024))
    latest.append(send("h_township.xlsx", "990121101", filled("990121101"), T0 + DAY))
    fraction = filled("990121504") | {"t3.granted.natural_person": Decimal("2.5")}
    send("i_industry_fraction.xlsx", "990121504", fraction, T0)

    expected: dict[str, int | Decimal] = {}
    for values in latest:
        for code, value in form.compute({c: v for c, v in values.items() if isinstance(v, int | Decimal)}).items():
            expected[code] = expected.get(code, 0) + value
    bad = {
        "e_development_typo.xlsx": "value: a number",
        "f_education_unbalanced.xlsx": "H3",
        "g_science_2024.xlsx": "period",
        "i_industry_fraction.xlsx": "whole number",
    }
    return Batch(form, folder, sorted(folder.glob("*.xlsx")), bad, expected)


def test_bad_files_are_rejected_with_the_reason(batch: Batch) -> None:
    for path in batch.files:
        verdict = judge_file(path, batch.form, "2025")
        if path.name in batch.bad:
            assert not verdict.accepted, path.name
            assert any(batch.bad[path.name] in reason for reason in verdict.reasons), (path.name, verdict.reasons)
        else:
            assert verdict.accepted, (path.name, verdict.reasons)
            assert verdict.frame is not None and len(verdict.frame) == len(batch.form.cells)


def test_totals_are_the_latest_accepted_report_of_each_unit(batch: Batch, tmp_path: Path) -> None:
    db = tmp_path / "naive.duckdb"
    result = naive_consolidate(batch.files, batch.form, db, "2025")
    assert (result.files, result.accepted, result.rejected) == (9, 4, 4)  # the repeated content is taken once
    assert result.totals == batch.expected
    assert result.totals["t2.fees.amount"] == Decimal("1234.5678")
    assert result.seconds > 0
    with duckdb.connect(str(db), read_only=True) as con:
        units = con.execute("SELECT unit, count(*) FROM cell_values GROUP BY unit ORDER BY unit").fetchall()
    assert units == [(code, len(batch.form.cells)) for code in ("990121000", "990121101", "990121501")]
    again = naive_consolidate(batch.files, batch.form, db, "2025")  # the same database again: starts afresh
    assert again.totals == batch.expected


def test_same_totals_and_verdicts_as_huizong(batch: Batch, tmp_path: Path) -> None:
    home: Home = make_home(tmp_path / "var")
    home.inbox.mkdir(parents=True)
    outcomes = run_intake(home, [batch.folder], Period(2025))
    statuses = {o.arrival.source.name: o.status for o in outcomes}
    assert {name for name, status in statuses.items() if status == "rejected"} == set(batch.bad)
    assert statuses["c_office_v1_again.xlsx"] == "duplicate"
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        rows = con.execute(
            "SELECT code, number, amount FROM rollup_values WHERE unit_code = ? AND period = ?", ["990121", "2025"]
        ).fetchall()
    huizong = {code: amount if amount is not None else number for code, number, amount in rows}
    naive = naive_consolidate(batch.files, batch.form, tmp_path / "naive.duckdb", "2025")
    assert naive.totals == huizong
