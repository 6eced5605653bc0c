"""The cell values: write-once Parquet parts, read through ``cell_values``, a view over them.

``cell_values`` holds every numeric cell of every identified submission, as read. Grain: (sha256, code); period is
the file's, number holds counts and signed changes, amount decimal amounts, raw the text as read, status what it
meant (``huizong.values``), typed_over whether a total's formula was replaced by a typed number. Values are never
updated or deleted. A query that joins them on (sha256, period) reads only the parts of the periods it asks for.

They are by far the largest thing kept (200 a report, 20 million for a province's five years) and append-only, so
they are not a table of the working file: each batch of files writes its values as one Parquet part in
``published/values/`` (``write_part``), registers it in ``value_parts`` and points the view at the parts listed, all
in the batch's transaction. Writing a part costs what its rows cost (Arrow to Parquet, at millions of values a
second); a part of a batch that failed is never listed, so never read. The analysts' snapshot lists the same parts
(``huizong.publishing``). Each part's rows are in the order of sha256, in row groups of ``ROW_GROUP`` rows, so a
query for a few reports reads only the row groups that hold them.

Once more than ``MAX_SMALL`` small parts are listed (a portal writes one per batch of uploads) they are gathered into
one; ``huizong rebuild`` writes every value again, one part per form and period. A part no longer listed is removed
a day later (``remove_unlisted``), so a snapshot an analyst opened earlier keeps working. A working file from before
parts had a ``cell_values`` table, and parts from before periods had no period: either is written again as parts, one
per form and period, the first time the working file is opened (``ensure``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

from huizong.archive import sync_folder
from huizong.cells import SCHEMA as CELLS

if TYPE_CHECKING:
    from huizong.warehouse import Warehouse

SCHEMA = CELLS.insert(0, pa.field("sha256", pa.string())).insert(1, pa.field("period", pa.string()))
LAYOUT = "2"  # parts with a period column (1: without; written again when a working file is first opened)
COLUMNS = ", ".join(SCHEMA.names)
SMALL = 1_000_000  # a part of fewer rows is gathered with the other small ones once there are too many
MAX_SMALL = 32  # small parts listed at most (a portal writes one per batch of uploads)
ROW_GROUP = 20_000  # rows (100 reports) a query for one report reads at most from a part
KEEP_UNLISTED_S = 24 * 3600  # a part no snapshot lists is kept this long for analysts holding an older one
_SQL_TYPES = {"string": "VARCHAR", "int64": "BIGINT", "decimal128(22, 4)": "DECIMAL(22, 4)", "bool": "BOOLEAN"}


def folder_of(warehouse: Path) -> Path:
    """Where the parts of the working file ``warehouse`` lie: ``published/values/`` beside it."""
    return warehouse.resolve().parent / "published" / "values"


def write_part(wh: Warehouse, folder: Path, values: pa.Table) -> None:
    """Write ``values`` (rows of ``cell_values``) as a part, register it and show it, in the caller's transaction."""
    if values.num_rows == 0:
        return
    path = _new_part(folder)
    partial = path.with_name(f".{path.name}")
    table = values.select(SCHEMA.names)
    wanted = pa.schema(
        [table.schema.field(f.name) if pa.types.is_dictionary(table.schema.field(f.name).type) else f for f in SCHEMA]
    )  # a dictionary-encoded column stays so: Parquet stores it as the strings it stands for
    if table.schema != wanted:
        table = table.cast(wanted)
    with partial.open("wb") as out:
        # statistics on what queries prune row groups by (some reports, a period); LZ4: the fastest to write
        pq.write_table(table, out, compression="lz4", row_group_size=ROW_GROUP, write_statistics=["sha256", "period"])
        out.flush()
        os.fsync(out.fileno())  # on disk before the transaction that lists it commits
    os.replace(partial, path)
    sync_folder(folder)
    _register(wh, path.name, table.num_rows)
    show(wh, folder)


def rewrite_parts(wh: Warehouse, folder: Path) -> None:
    """Write every value again, one part per form and period, in place of every part there was (``cell_values``
    is read as it is: the view, or the table of a working file from before parts)."""
    _rewrite(wh, folder)
    show(wh, folder)


def _rewrite(wh: Warehouse, folder: Path) -> None:
    made = []
    for form_id, period in wh.rows("publish/value_periods"):
        columns = ", ".join("s.period" if name == "period" else f"v.{name}" for name in SCHEMA.names)
        query = (  # a part from before periods, or the table of a working file from before parts, has none
            f"SELECT {columns} FROM cell_values AS v LEFT JOIN submissions AS s USING (sha256) "
            "WHERE s.form_id IS NOT DISTINCT FROM ? AND s.period IS NOT DISTINCT FROM ? ORDER BY v.sha256, v.code"
        )
        made.append(_copy_part(wh, folder, query, [form_id, period], f"{form_id}-{period}"))
    wh.run("publish/forget_parts")
    for name, rows in made:
        _register(wh, name, rows)


def gather_small(wh: Warehouse, folder: Path) -> None:
    """Once more than ``MAX_SMALL`` small parts are listed, write them as one: what it costs is what they hold."""
    small = [row[0] for row in wh.rows("publish/small_parts", {"small": SMALL})]
    if len(small) <= MAX_SMALL:
        return
    name, rows = _copy_part(wh, folder, f"SELECT {COLUMNS} FROM {_read(folder, small)} ORDER BY sha256, code")
    wh.run("publish/forget_some_parts", incoming_parts=pa.table({"part": pa.array(small, pa.string())}))
    _register(wh, name, rows)
    show(wh, folder)


def listed(wh: Warehouse) -> list[str]:
    """The parts registered, oldest first."""
    return [row[0] for row in wh.rows("publish/parts")]


def view_sql(folder: Path, parts: Sequence[str], name: str = "cell_values") -> str:
    """The statement that makes ``name`` a view over ``parts`` (of ``folder``): no part, no row."""
    if not parts:
        empty = ", ".join(f"CAST(NULL AS {_SQL_TYPES[str(f.type)]}) AS {f.name}" for f in SCHEMA)
        return f"CREATE OR REPLACE VIEW {name} AS SELECT {empty} WHERE false"
    return f"CREATE OR REPLACE VIEW {name} AS SELECT {COLUMNS} FROM {_read(folder, parts)}"


def show(wh: Warehouse, folder: Path) -> None:
    """Point the working file's ``cell_values`` at the parts registered (unless it points there already: a view
    made again is a change of the catalog, which two transactions must not make at once)."""
    parts = listed(wh)
    digest = _digest(folder, parts)
    if _shown(wh) == digest:
        return
    wh.con.execute(view_sql(folder, parts))
    wh.con.execute(f"COMMENT ON VIEW cell_values IS '{digest}'")


def _digest(folder: Path, parts: Sequence[str]) -> str:
    return hashlib.sha256("\n".join([LAYOUT, str(folder), *parts]).encode()).hexdigest()[:16]


def _shown(wh: Warehouse) -> str | None:
    """The digest of the parts ``cell_values`` shows (None: not a view of this module's)."""
    found = wh.con.execute(
        "SELECT comment FROM duckdb_views() WHERE view_name = 'cell_values' AND schema_name = 'main' "
        "AND database_name = current_database()"
    ).fetchall()
    return found[0][0] if found else None


def ensure(wh: Warehouse, folder: Path) -> None:
    """Make ``cell_values`` the view over the parts; a working file from before parts has its table's rows written
    as parts first (unless the parts the snapshot kept already hold them all, with periods), then the table dropped;
    parts from before periods are written again with them."""
    table = wh.con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'cell_values' AND schema_name = 'main' "
        "AND database_name = current_database() AND NOT temporary"
    ).fetchall()
    if table[0][0]:
        kept = wh.rows("publish/part_rows")[0]
        if kept[0] != kept[1] or not _with_periods(folder, listed(wh)):
            _rewrite(wh, folder)
        wh.con.execute("DROP TABLE cell_values")
    elif _shown(wh) != _digest(folder, listed(wh)) and not _with_periods(folder, listed(wh)):
        _rewrite(wh, folder)  # parts from before periods
    show(wh, folder)


def _with_periods(folder: Path, parts: Sequence[str]) -> bool:
    return all("period" in pq.read_schema(folder / part).names for part in parts if (folder / part).exists())


def remove_unlisted(folder: Path, listed: set[str]) -> None:
    """Parts no snapshot lists, once older than a day (a snapshot an analyst opened earlier may still read them)."""
    if not folder.exists():
        return
    now = time.time()
    for path in folder.glob("*.parquet"):
        if path.name not in listed and now - path.stat().st_mtime > KEEP_UNLISTED_S:
            path.unlink(missing_ok=True)


def quoted(path: Path) -> str:
    """A path as an SQL string literal (ATTACH, COPY and read_parquet's list take no parameters for it)."""
    return "'" + str(path).replace("'", "''") + "'"


def _read(folder: Path, parts: Sequence[str]) -> str:
    files = ", ".join(quoted(folder / part) for part in parts)
    return f"read_parquet([{files}], union_by_name = true)"


def _new_part(folder: Path, prefix: str = "") -> Path:
    """A new part's path (written as ``.<name>`` first, then renamed)."""
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{prefix or f'{dt.datetime.now():%Y%m%d-%H%M%S}'}-{uuid.uuid4().hex[:8]}.parquet"


def _copy_part(
    wh: Warehouse, folder: Path, query: str, params: list[str] | None = None, prefix: str = ""
) -> tuple[str, int]:
    """What ``query`` selects, written as a new part by DuckDB: (its name, its rows), not yet registered."""
    path = _new_part(folder, prefix)
    partial = path.with_name(f".{path.name}")
    wh.con.execute(
        f"COPY ({query}) TO {quoted(partial)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP})", params
    )
    with partial.open("rb+") as written:
        os.fsync(written.fileno())
    os.replace(partial, path)
    sync_folder(folder)
    return path.name, pq.read_metadata(path).num_rows


def _register(wh: Warehouse, name: str, rows: int) -> None:
    wh.run("publish/register_part", incoming_parts=pa.table({"part": [name], "rows": pa.array([rows], pa.int64())}))
