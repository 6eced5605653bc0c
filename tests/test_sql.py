"""Each SQL file tested with a few input rows and the expected output rows, kept as data in tests/sql_cases/.

A case names the statements to run (``sql/<name>.sql``, in order; ``table:<name>`` keeps a query's rows in the table
of its name, as the roll-up does), its input tables (columns, optional types, rows;
an empty string is NULL), a query (or ``query_file`` with ``params``), and the rows the query must return. Files that
only insert or delete the rows they are given are exercised by the intake tests instead.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from huizong.warehouse import statement

EMPTY_UNLESS_GIVEN = {"reviews", "audit_log"}
CASES = sorted((Path(__file__).parent / "sql_cases").glob("*.toml"))
PYTHON_TYPES = {
    str: "VARCHAR",
    int: "BIGINT",
    float: "DOUBLE",
    bool: "BOOLEAN",
    dt.date: "DATE",
    dt.datetime: "TIMESTAMP",
}


def normal(value: Any) -> Any:
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text == "-0" else text
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def load(con: duckdb.DuckDBPyConnection, name: str, table: dict[str, Any]) -> None:
    columns, rows, types = table["columns"], table.get("rows", []), table.get("types", {})
    declared = []
    for i, column in enumerate(columns):
        sample = next((row[i] for row in rows if row[i] != ""), "")
        declared.append(f'"{column}" {types.get(column) or PYTHON_TYPES[type(sample)]}')
    con.execute(f'CREATE TABLE "{name}" ({", ".join(declared)})')
    if rows:
        marks = ", ".join("?" for _ in columns)
        con.executemany(f'INSERT INTO "{name}" VALUES ({marks})', [[None if v == "" else v for v in r] for r in rows])


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_sql_file(path: Path) -> None:
    case = tomllib.loads(path.read_text(encoding="utf-8"))
    with duckdb.connect() as con:
        for name, table in case.get("input", {}).items():
            load(con, name, table)
        given = set(case.get("input", {}))
        for name in EMPTY_UNLESS_GIVEN - given:  # tables a case need not fill: nothing decided, nothing logged
            con.execute(statement(f"tables/{name}"))
        for name in case["run"]:
            if name.startswith("table:"):  # a query whose rows a roll-up keeps in the table of its name
                name = name.removeprefix("table:")
                con.execute(f"CREATE TABLE {Path(name).name} AS\n{statement(name)}")
            else:
                con.execute(statement(name))
        query = statement(case["query_file"]) if "query_file" in case else case["query"]
        result = con.execute(query, case.get("params") or None)
        columns = [d[0] for d in result.description]
        rows = [[normal(v) for v in row] for row in result.fetchall()]
    assert columns == case["expected"]["columns"]
    assert rows == [[normal(v) if v != "" else None for v in row] for row in case["expected"]["rows"]]


def test_every_sql_file_has_a_case_or_is_a_plain_insert() -> None:
    sql = Path(__file__).resolve().parents[1] / "sql"
    cases = [tomllib.loads(path.read_text(encoding="utf-8")) for path in CASES]
    covered = {name.removeprefix("table:") for case in cases for name in [*case["run"], case.get("query_file", "")]}
    plain = {
        f"{p.parent.name}/{p.stem}"
        for p in sql.glob("*/*.sql")
        if _body(p).startswith(("INSERT", "DELETE", "CREATE TABLE IF"))
    }
    everything = {f"{p.parent.name}/{p.stem}" for p in sql.glob("*/*.sql")}
    missing = sorted(everything - covered - plain)
    assert not missing, f"SQL files without a case in tests/sql_cases: {missing}"


def _body(path: Path) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if not line.startswith("--")).strip()
