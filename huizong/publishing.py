"""The analysts' snapshot, published after every run in time that does not grow with the years kept.

``published/huizong.duckdb`` is swapped whole with one rename: an analyst holding the old one keeps reading it. It
holds a copy of every table of the working file and every view made again, ``cell_values`` among them: a view over
the same write-once Parquet parts the working file reads (``huizong.valuestore``). The values are by far the largest
thing kept and are never copied, so publishing costs what the small tables hold, whatever the history. Before the
copy, many small parts are gathered into one (or, for ``huizong rebuild``, every value is written again, one part
per form and period); a part no snapshot lists any more is removed a day later, so an analyst who opened an older
snapshot is not cut off.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from huizong import valuestore
from huizong.config import Home
from huizong.stages import stage
from huizong.warehouse import Warehouse

STORAGE = "v1.5.0"  # DuckDB 1.5 and later open the snapshot


def parts_folder(home: Home) -> Path:
    return valuestore.folder_of(home.warehouse)


def publish(home: Home, rewrite: bool = False) -> Path:
    """Write the snapshot and swap it in with one rename; ``rewrite`` writes every value's part again first."""
    with stage("write"):
        return _publish(home, rewrite)


def _publish(home: Home, rewrite: bool) -> Path:
    target = home.published / "huizong.duckdb"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".huizong.{uuid.uuid4().hex}.duckdb")
    # The working file through the same settings as every other connection, so that in a process that holds it
    # already (the portal) this is one more connection to the same database, not a second attachment of the file.
    folder = parts_folder(home)
    with home.connect() as wh:
        if rewrite:
            valuestore.rewrite_parts(wh, folder)
        else:
            valuestore.gather_small(wh, folder)
        listed = valuestore.listed(wh)
        name = wh.con.execute("SELECT current_database()").fetchone()
        assert name is not None
        wh.con.execute("COMMIT")  # ATTACH runs outside the connection's transaction
        try:
            _snapshot(wh, name[0], partial)
        finally:
            wh.con.execute("BEGIN TRANSACTION")
    os.replace(partial, target)
    valuestore.remove_unlisted(folder, set(listed))
    return target


def _snapshot(wh: Warehouse, database: str, path: Path) -> None:
    """Every table of the working file copied into ``path`` and every view made again there, ``cell_values`` among
    them: the view over the parts (``huizong.valuestore``). Outside a transaction: a view that cannot be made yet is
    tried again once the views it reads are there. A snapshot left half made is removed with the other partial
    files."""
    con = wh.con
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
        "AND NOT temporary ORDER BY table_name", [database]).fetchall()]  # fmt: skip
    views = [r[0] for r in con.execute(
        "SELECT sql FROM duckdb_views() WHERE database_name = ? AND schema_name = 'main' AND NOT internal "
        "AND NOT temporary ORDER BY view_oid", [database]).fetchall()]  # fmt: skip
    con.execute(f"ATTACH {valuestore.quoted(path)} AS snapshot (STORAGE_VERSION '{STORAGE}')")
    try:
        for table in tables:
            con.execute(f'CREATE TABLE snapshot."{table}" AS FROM "{database}".main."{table}"')
        con.execute("USE snapshot")
        try:
            _make_views(wh, views)
        finally:
            con.execute(f'USE "{database}"')
    finally:
        con.execute("DETACH snapshot")


def _make_views(wh: Warehouse, views: list[str]) -> None:
    """Make ``views`` in the current database, each once the views it reads exist."""
    waiting = list(views)
    while waiting:
        failed = []
        for sql in waiting:
            try:
                wh.con.execute(sql)
            except Exception:  # a view it reads is not made yet: DuckDB raises a catalog error
                failed.append(sql)
        if len(failed) == len(waiting):
            wh.con.execute(failed[0])  # raises the error of the first that cannot be made
        waiting = failed
