"""Roll-up invariants on random hierarchies: a total is the sum of what lies below it, each report counts once,
superseded and rejected files never count, and neither the order of arrival nor a re-run changes anything."""

from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huizong import valuestore
from huizong.consolidate import AUDITS, FULL_AUDITS, roll_up_totals
from huizong.warehouse import Warehouse, open_warehouse

FORM = ("annual_report", "2021", "2025")


def random_tree(rng: random.Random) -> dict[str, str | None]:
    parents: dict[str, str | None] = {"P": None}
    frontier = ["P"]
    for depth in range(rng.randint(1, 3)):
        nxt = []
        for parent in frontier:
            for i in range(rng.randint(1, 4)):
                code = f"{parent}{depth}{i}"
                parents[code] = parent
                nxt.append(code)
        frontier = nxt
    return parents


def make_data(rng: random.Random, parents: dict[str, str | None]) -> tuple[list[tuple], list[tuple]]:
    aggregating = {p for p in parents.values() if p}
    submissions, values, n = [], [], 0
    for code in parents:
        scope = "aggregate" if code in aggregating else "own"
        if scope == "aggregate" and rng.random() < 0.6:
            continue
        for _ in range(rng.randint(0, 3)):
            n += 1
            status = rng.choice(["accepted", "superseded", "rejected"])
            submissions.append((f"s{n}", code, *FORM, scope, status, f"2026-01-{rng.randint(1, 28):02d} 09:00:00"))
            values.append((f"s{n}", "x", rng.randint(0, 1000), f"{rng.randint(0, 10**6)}.{rng.randint(0, 9999):04d}"))
    # at most one accepted file per unit, as supersession guarantees
    seen: set[str] = set()
    for i, row in enumerate(submissions):
        if row[6] == "accepted":
            if row[1] in seen:
                submissions[i] = (*row[:6], "superseded", row[7])
            seen.add(row[1])
    return submissions, values


def expected_totals(parents: dict[str, str | None], submissions: list[tuple], values: list[tuple]) -> dict[str, tuple]:
    children: dict[str, list[str]] = {}
    for code, parent in parents.items():
        if parent:
            children.setdefault(parent, []).append(code)
    by_sha = {v[0]: (v[2], Decimal(v[3])) for v in values}
    accepted = {s[1]: by_sha[s[0]] for s in submissions if s[6] == "accepted"}

    def below(code: str) -> Iterator[str]:
        for child in children.get(code, []):
            yield child
            yield from below(child)

    def total(code: str) -> tuple | None:
        """The region's total: its received total where nothing below it came in, else the sum over its children."""
        if code in accepted and not any(u in accepted and u not in children for u in below(code)):
            return accepted[code]
        parts = [accepted.get(c) if c not in children else total(c) for c in children[code]]
        parts = [p for p in parts if p is not None]
        return (sum(p[0] for p in parts), sum(p[1] for p in parts)) if parts else None

    return {code: t for code in children if (t := total(code)) is not None}


def load(
    wh: Warehouse, folder: Path, parents: dict[str, str | None], submissions: list[tuple], values: list[tuple]
) -> None:
    wh.con.execute("DELETE FROM submissions")
    wh.run("publish/forget_parts")
    valuestore.show(wh, folder)
    units = pa.table(
        {
            "code": list(parents),
            "name": list(parents),
            "kind": ["county"] * len(parents),
            "parent": pa.array(list(parents.values()), pa.string()),
            "valid_from": pa.array([None] * len(parents), pa.date32()),
            "valid_to": pa.array([None] * len(parents), pa.date32()),
        }
    )
    wh.run("reference/units", incoming_units=units)
    subs = (
        pa.table(
            {
                "sha256": [s[0] for s in submissions],
                "unit_code": [s[1] for s in submissions],
                "form_id": [s[2] for s in submissions],
                "form_version": [s[3] for s in submissions],
                "period": [s[4] for s in submissions],
                "scope": [s[5] for s in submissions],
                "status": [s[6] for s in submissions],
                "received_at": pa.array([s[7] for s in submissions], pa.string()).cast(pa.timestamp("us")),
                "archive_path": [""] * len(submissions),
                "file_name": [""] * len(submissions),
                "errors": [0] * len(submissions),
                "warnings": [0] * len(submissions),
                "run_id": [""] * len(submissions),
            }
        )
        if submissions
        else None
    )
    if subs is not None:
        wh.run("intake/insert_submissions", incoming_submissions=subs)
        periods = {s[0]: s[4] for s in submissions}
        vals = pa.table(
            {
                "sha256": [v[0] for v in values],
                "period": [periods[v[0]] for v in values],
                "code": [v[1] for v in values],
                "raw": [""] * len(values),
                "status": ["ok"] * len(values),
                "number": pa.array([v[2] for v in values], pa.int64()),
                "amount": pa.array([Decimal(v[3]) for v in values], pa.decimal128(22, 4)),
                "typed_over": [False] * len(values),
            }
        )
        valuestore.write_part(wh, folder, vals)
    wh.con.execute(
        "CREATE OR REPLACE TABLE rule_terms (form_id VARCHAR, form_version VARCHAR, rule VARCHAR, "
        "instance INTEGER, item VARCHAR, code VARCHAR, coefficient INTEGER)"
    )
    wh.con.execute(
        "CREATE OR REPLACE TABLE form_cells AS SELECT 'annual_report' AS form_id, '2021' AS form_version, "
        "'x' AS code, '表' AS sheet, 'A1' AS cell"
    )
    roll_up_totals(wh)


def totals(wh: Warehouse) -> list[tuple]:
    return wh.con.execute("SELECT unit_code, number, amount FROM rollup_values ORDER BY ALL").fetchall()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32))
def test_totals_are_sums_of_what_lies_below_whatever_the_order(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    parents = random_tree(rng)
    submissions, values = make_data(rng, parents)
    path = tmp_path / f"{seed}.duckdb"
    with open_warehouse(path) as wh:
        load(wh, valuestore.folder_of(path), parents, submissions, values)
        first = totals(wh)
        expected = expected_totals(parents, submissions, values)
        assert {u: (n, a) for u, n, a in first} == {u: (n, a) for u, (n, a) in expected.items()}
        for name in (*AUDITS, *FULL_AUDITS):
            assert wh.records(f"audits/{name}") == [], name
        roll_up_totals(wh)  # a re-run changes nothing
        assert totals(wh) == first
        roll_up_totals(wh, full=False)  # nor does rolling up nothing pending
        assert totals(wh) == first
        rng.shuffle(submissions)  # the same files in another order
        rng.shuffle(values)
        load(wh, valuestore.folder_of(path), parents, submissions, values)
        assert totals(wh) == first
