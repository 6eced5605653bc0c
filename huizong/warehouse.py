"""The DuckDB working file: opened by a run, written in one transaction, closed at the end of the run.

SQL lives in ``sql/`` (one statement a file, named after what it creates or does); this module only runs it. Batches
come in as Arrow tables registered under the names the statements read (``incoming_*``), never row by row.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from huizong import valuestore
from huizong.errors import HuizongError

SQL = Path(__file__).resolve().parent.parent / "sql"


class WarehouseBusy(HuizongError):
    """Another process holds the working file (DuckDB allows one writer, or many readers, never both)."""


TABLES = ("runs", "receipts", "submissions", "findings", "audit_results", "uploads", "explanations",
          "reviews", "audit_log", "cell_places", "rollup_pending", "rollup_state", "value_parts")  # fmt: skip


@cache
def statement(name: str) -> str:
    """The text of ``sql/<name>.sql``."""
    return (SQL / f"{name}.sql").read_text(encoding="utf-8")


MEMORY_LIMIT = "800MB"  # the province's roll-up needs 4 GB unbounded and runs as fast within this (docs/performance.md)


class Warehouse:
    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self.con = connection

    def run(self, name: str, params: Mapping[str, Any] | None = None, **inputs: pa.Table) -> None:
        """Execute ``sql/<name>.sql`` with named parameters and Arrow inputs registered under their names."""
        self._execute(name, params, inputs, fetch=False)

    def rows(self, name: str, params: Mapping[str, Any] | None = None, **inputs: pa.Table) -> list[tuple[Any, ...]]:
        """Like ``run``, returning the rows of a query."""
        return self._execute(name, params, inputs, fetch=True)

    def arrow(self, name: str, params: Mapping[str, Any] | None = None, **inputs: pa.Table) -> pa.Table:
        """Like ``rows``, the result as an Arrow table (no Python object per value)."""
        for table, data in inputs.items():
            self.con.register(table, data)
        try:
            return self.con.sql(statement(name), params=dict(params) if params else None).to_arrow_table()
        finally:
            for table in inputs:
                self.con.unregister(table)

    def records(self, name: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """The rows of a query as dicts, by column name."""
        result = self.con.execute(statement(name), dict(params) if params else None)
        columns = [d[0] for d in result.description or ()]
        return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]

    def _execute(
        self, name: str, params: Mapping[str, Any] | None, inputs: Mapping[str, pa.Table], fetch: bool
    ) -> list[tuple[Any, ...]]:
        for table, data in inputs.items():
            self.con.register(table, data)
        try:
            result = self.con.execute(statement(name), dict(params) if params else None)
            return result.fetchall() if fetch else []
        finally:
            for table in inputs:
                self.con.unregister(table)


def portal_holder(root: Path) -> str:
    """The portal running on the data directory ``root`` ("PID 123，http://…，自 …"), or '' when none is."""
    try:
        info = json.loads((root / "portal.json").read_text(encoding="utf-8"))
        os.kill(int(info["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return ""  # none, or a stale file left by a portal that was killed
    return f"PID {info['pid']}，{info.get('url') or '地址未知'}，自 {info.get('started_at', '')}"


def portal_busy(root: Path) -> WarehouseBusy | None:
    """The error to raise when a portal holds the warehouse of ``root`` (None when none does)."""
    holder = portal_holder(root)
    if not holder:
        return None
    return WarehouseBusy(
        f"报送平台正在运行（{holder}），数据库由它写入：请在平台上传，或把文件放进 {root / 'inbox'}，"
        "平台会自动收取 (the portal holds the warehouse)"
    )


def _connect(path: Path, read_only: bool, memory_limit: str) -> duckdb.DuckDBPyConnection:
    try:
        return _quiet(duckdb.connect(str(path), read_only=read_only, config={"memory_limit": memory_limit}))
    except duckdb.IOException as exc:
        busy = portal_busy(path.parent) if "lock" in str(exc).lower() else None
        if busy is not None:
            raise busy from exc
        if "lock" in str(exc).lower():
            pid = re.search(r"\(PID (\d+)\)", str(exc))
            who = f"（PID {pid.group(1)}）" if pid else ""
            raise WarehouseBusy(
                f"数据库 {path} 正被另一个程序{who}打开：工作库只供 huizong 的运行使用，分析请打开 published/ 中的快照 "
                "(another process holds the working file)"
            ) from exc
        raise


_held: dict[Path, duckdb.DuckDBPyConnection] = {}


def _quiet(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """No progress bar on a long query: what a run prints is its own."""
    con.execute("SET enable_progress_bar = false")
    return con


@contextmanager
def keep_open(path: Path, memory_limit: str = MEMORY_LIMIT) -> Iterator[None]:
    """Hold the working file open while a run lasts: every ``open_warehouse`` of it in this process is then a cursor
    on the one database, with its own transaction, and costs microseconds (no opening of the file, no making of the
    tables, no checkpoint each time the last connection closes). Nested holds of the same file share the first."""
    path = path.resolve()
    if path in _held:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with _connect(path, False, memory_limit) as con:
        _make_tables(con, path)
        _held[path] = con
        try:
            yield
        finally:
            del _held[path]


def _make_tables(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """The tables, and ``cell_values``, the view over the values' parts (``huizong.valuestore``)."""
    for table in TABLES:
        con.execute(statement(f"tables/{table}"))
    con.execute("BEGIN TRANSACTION")
    try:
        valuestore.ensure(Warehouse(con), valuestore.folder_of(path))
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


@contextmanager
def open_warehouse(
    path: Path, read_only: bool = False, commit: bool = True, memory_limit: str = MEMORY_LIMIT
) -> Iterator[Warehouse]:
    """Open the working file; a writer gets the tables created and one transaction, committed on success
    (rolled back instead when ``commit`` is false: a dry run). DuckDB keeps to ``memory_limit`` and spills to disk
    beyond it (its own default is 80 % of the machine). While the file is held (``keep_open``), a cursor on it."""
    held = _held.get(path.resolve()) if path.exists() else None
    if held is not None:
        with _quiet(held.cursor()) as con:
            yield from _transaction(con, commit)
        return
    if read_only:
        with _connect(path, True, memory_limit) as con:
            yield Warehouse(con)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with _connect(path, False, memory_limit) as con:
        _make_tables(con, path)
        yield from _transaction(con, commit)


def _transaction(con: duckdb.DuckDBPyConnection, commit: bool) -> Iterator[Warehouse]:
    con.execute("BEGIN TRANSACTION")
    try:
        yield Warehouse(con)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT" if commit else "ROLLBACK")
