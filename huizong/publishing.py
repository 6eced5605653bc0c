"""The analysts' snapshot, published after every run in time that does not grow with the years kept.

``published/huizong.duckdb`` is swapped whole with one rename, as before: an analyst holding the old one keeps
reading it. It holds every table and view of the working file but one: the cell values, by far the largest and
append-only, are a view over write-once Parquet parts in ``published/values/``. A run writes the values it records
as a part of their own, in the transaction that records them (``write_part``: the part is registered in
``value_parts`` there, so a part of a run that failed is never read), and a snapshot lists the parts; so publishing
copies the small tables and names the parts, whatever the history.

The parts always hold exactly the rows of ``cell_values`` (checked by count at every publish: values are never
updated or deleted). Where they do not, as in a warehouse from before parts or one filled by other means, every
value is written again as one part per period, as ``huizong rebuild`` does. Once a snapshot would list more than
``MAX_SMALL`` small parts (a portal writes one per batch of uploads), they are gathered into one. A part that no
snapshot lists any more is removed a day later, so an analyst who opened an older snapshot is not cut off.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from huizong.config import Home
from huizong.stages import stage
from huizong.warehouse import Warehouse

VALUES = "values"  # folder of the parts, under published/
SMALL = 1_000_000  # a part of fewer rows is gathered with the other small ones once there are too many
MAX_SMALL = 32  # small parts a snapshot lists at most (a portal writes one per batch of uploads)
KEEP_UNLISTED_S = 24 * 3600  # a part no snapshot lists is kept this long for analysts holding an older one
STORAGE = "v1.5.0"  # DuckDB 1.5 and later open the snapshot


def parts_folder(home: Home) -> Path:
    return home.published / VALUES


def write_part(home: Home, wh: Warehouse, values: pa.Table) -> None:
    """Write ``values`` (rows of ``cell_values``) as a part and register it in the caller's transaction."""
    if values.num_rows == 0:
        return
    folder, name = _new_part(home)
    pq.write_table(values, folder / f".{name}", compression="zstd")
    os.replace(folder / f".{name}", folder / name)
    _register(wh, name, values.num_rows)


def rewrite_parts(home: Home, wh: Warehouse) -> None:
    """Write every value again, one part per form and period, in place of every part there was."""
    wh.run("publish/forget_parts")
    for form_id, period in wh.rows("publish/value_periods"):
        query = (
            "SELECT v.* FROM cell_values AS v LEFT JOIN submissions AS s USING (sha256) "
            "WHERE s.form_id IS NOT DISTINCT FROM ? AND s.period IS NOT DISTINCT FROM ?"
        )
        _copy_part(home, wh, query, [form_id, period], f"{form_id}-{period}")


def gather_small(home: Home, wh: Warehouse) -> None:
    """Once more than ``MAX_SMALL`` small parts are listed, write them as one: what it costs is what they hold."""
    small = [row[0] for row in wh.rows("publish/small_parts", {"small": SMALL})]
    if len(small) <= MAX_SMALL:
        return
    files = ", ".join(_quoted(parts_folder(home) / part) for part in small)
    _copy_part(home, wh, f"SELECT * FROM read_parquet([{files}], union_by_name = true)")
    wh.run("publish/forget_some_parts", incoming_parts=pa.table({"part": pa.array(small, pa.string())}))


def _new_part(home: Home, prefix: str = "") -> tuple[Path, str]:
    """The parts' folder and a new part's name in it (written as ``.<name>`` first, then renamed)."""
    folder = parts_folder(home)
    folder.mkdir(parents=True, exist_ok=True)
    return folder, f"{prefix or f'{dt.datetime.now():%Y%m%d-%H%M%S}'}-{uuid.uuid4().hex[:8]}.parquet"


def _copy_part(home: Home, wh: Warehouse, query: str, params: list[str] | None = None, prefix: str = "") -> None:
    """What ``query`` selects, written as a new part by DuckDB and registered."""
    folder, name = _new_part(home, prefix)
    wh.con.execute(f"COPY ({query}) TO {_quoted(folder / f'.{name}')} (FORMAT parquet, COMPRESSION zstd)", params)
    os.replace(folder / f".{name}", folder / name)
    _register(wh, name, pq.read_metadata(folder / name).num_rows)


def _register(wh: Warehouse, name: str, rows: int) -> None:
    wh.run("publish/register_part", incoming_parts=pa.table({"part": [name], "rows": pa.array([rows], pa.int64())}))


def _quoted(path: Path) -> str:
    """A path as an SQL string literal (ATTACH and COPY take no parameters for it)."""
    return "'" + str(path).replace("'", "''") + "'"


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
    with home.connect() as wh:
        counted = wh.rows("publish/part_rows")[0]
        if rewrite or counted[0] != counted[1]:
            rewrite_parts(home, wh)
        else:
            gather_small(home, wh)
        listed = [row[0] for row in wh.rows("publish/parts")]
        name = wh.con.execute("SELECT current_database()").fetchone()
        assert name is not None
        wh.con.execute("COMMIT")  # ATTACH runs outside the connection's transaction
        try:
            _snapshot(wh, name[0], partial, [parts_folder(home) / part for part in listed])
        finally:
            wh.con.execute("BEGIN TRANSACTION")
    os.replace(partial, target)
    _remove_unlisted(parts_folder(home), set(listed))
    return target


def _snapshot(wh: Warehouse, database: str, path: Path, parts: list[Path]) -> None:
    """Every table of the working file but ``cell_values`` copied into ``path``, ``cell_values`` a view over the
    parts, and every view made again there. Outside a transaction: a view that cannot be made yet is tried again
    once the views it reads are there. A snapshot left half made is removed with the other partial files."""
    con = wh.con
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
        "AND NOT temporary ORDER BY table_name", [database]).fetchall()]  # fmt: skip
    views = [r[0] for r in con.execute(
        "SELECT sql FROM duckdb_views() WHERE database_name = ? AND schema_name = 'main' AND NOT internal "
        "AND NOT temporary ORDER BY view_oid", [database]).fetchall()]  # fmt: skip
    con.execute(f"ATTACH {_quoted(path)} AS snapshot (STORAGE_VERSION '{STORAGE}')")
    try:
        for table in tables:
            if table != "cell_values":
                con.execute(f'CREATE TABLE snapshot."{table}" AS FROM "{database}".main."{table}"')
        if parts:
            files = ", ".join(_quoted(part) for part in parts)
            con.execute(
                f"CREATE VIEW snapshot.cell_values AS SELECT * FROM read_parquet([{files}], union_by_name = true)"
            )
        else:
            con.execute(f'CREATE TABLE snapshot.cell_values AS FROM "{database}".main.cell_values LIMIT 0')
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


def _remove_unlisted(folder: Path, listed: set[str]) -> None:
    """Parts no snapshot lists, once older than a day (a snapshot an analyst opened earlier may still read them)."""
    if not folder.exists():
        return
    now = time.time()
    for path in folder.glob("*.parquet"):
        if path.name not in listed and now - path.stat().st_mtime > KEEP_UNLISTED_S:
            path.unlink(missing_ok=True)
