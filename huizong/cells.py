"""A reading's cell values in the two shapes the machine works with, made once, where the files are read.

- **Arrow**: the rows of ``cell_values`` (less the file's sha256, which the main process adds), one table for a whole
  chunk of files. The reader processes (``huizong.readers``) build it for the files they read and send it with the
  readings; each reading gets its slice (``Reading.cells``), and a batch's values are loaded by joining the slices.
- **Exact integers** at the form's common decimal scale, in the order of the form's cells (``Reading.scaled``): the
  rows of the matrix the rules compute over (``huizong.validate``).

Readings made in the main process (a small run, ``huizong import``, ``huizong check``) get both when first needed
(``prepare``), so every consumer finds them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import cache

import numpy as np
import pyarrow as pa

from huizong.forms import Form
from huizong.reader import Reading

NAMES = ("code", "raw", "status", "number", "amount", "typed_over")
TYPES = {"number": pa.int64(), "amount": pa.decimal128(22, 4), "typed_over": pa.bool_()}
SCHEMA = pa.schema([(name, TYPES.get(name, pa.string())) for name in NAMES])


def build(readings: Sequence[Reading]) -> pa.Table:
    """The cells of every reading with values, in order, as one table (built column by column: a reading's values
    are tuples, transposed with ``zip``); ``give`` hands the slices back. Also sets each reading's ``scaled``."""
    columns: dict[str, list[object]] = {name: [] for name in NAMES}
    for reading in _with_values(readings):
        assert reading.form is not None
        codes, raws, values, statuses, typed = zip(*reading.values.values(), strict=True)
        amounts = amount_codes(reading.form)
        columns["code"] += codes
        columns["raw"] += raws
        columns["status"] += statuses
        columns["number"] += [None if c in amounts else v for c, v in zip(codes, values, strict=True)]
        columns["amount"] += [v if c in amounts else None for c, v in zip(codes, values, strict=True)]
        columns["typed_over"] += typed
        if reading.scaled is None:
            reading.scaled = scaled(reading.form, reading.numbers())
    return pa.table({name: pa.array(columns[name], SCHEMA.field(name).type) for name in NAMES})


def give(readings: Sequence[Reading], table: pa.Table) -> None:
    """Give each reading with values its slice of ``table`` (made by ``build`` from the same readings)."""
    offset = 0
    for reading in _with_values(readings):
        reading.cells = table.slice(offset, len(reading.values))
        offset += len(reading.values)
    assert offset == table.num_rows, "the cells table was built from other readings"


def prepare(readings: Sequence[Reading]) -> None:
    """Make ``cells`` and ``scaled`` for the readings that have values and lack them."""
    todo = [r for r in _with_values(readings) if r.cells is None]
    if todo:
        give(todo, build(todo))


def values_table(readings: Sequence[Reading], shas: Sequence[str]) -> pa.Table:
    """Rows of ``cell_values`` for the readings (``shas``: each reading's file), joined from their slices, in the
    order of sha256 (so a part's row groups each cover a narrow range of files: ``huizong.valuestore``), with each
    file's period (by which a query for one period skips the others' parts). sha256 and period are
    dictionary-encoded (each file's once), as Parquet stores them anyway."""
    prepare(readings)
    slices = [
        (r.cells, sha, r.meta.get("period"))
        for r, sha in zip(readings, shas, strict=True)
        if r.cells is not None and r.values
    ]
    slices.sort(key=lambda found: found[1])
    keyed = pa.dictionary(pa.int32(), pa.string())
    if not slices:
        return SCHEMA.insert(0, pa.field("sha256", keyed)).insert(1, pa.field("period", keyed)).empty_table()
    cells = pa.concat_tables([table for table, _, _ in slices])  # the slices as chunks: nothing is copied
    lengths = np.array([table.num_rows for table, _, _ in slices], dtype=np.int64)
    which = pa.array(np.repeat(np.arange(len(slices), dtype=np.int32), lengths))
    sha256 = pa.DictionaryArray.from_arrays(which, pa.array([sha for _, sha, _ in slices], pa.string()))
    period = pa.DictionaryArray.from_arrays(which, pa.array([p for _, _, p in slices], pa.string()))
    return cells.add_column(0, "sha256", sha256).add_column(1, "period", period)


def scaled(form: Form, numbers: Mapping[str, int | Decimal] | None) -> np.ndarray:
    """``numbers`` as exact int64 at the form's common scale, in the order of its cells; missing cells are 0."""
    scale = common_scale(form)
    if not numbers:
        return np.zeros(len(form.cells), dtype=np.int64)
    return np.array([int(numbers.get(code, 0) * scale) for code in form.cells], dtype=np.int64)


@cache
def common_scale(form: Form) -> int:
    """10 to the most decimals any cell of the form has: every value times this is an exact integer."""
    return int(10 ** max(cell.scale for cell in form.cells.values()))


@cache
def amount_codes(form: Form) -> frozenset[str]:
    return frozenset(code for code, cell in form.cells.items() if cell.type == "amount")


def _with_values(readings: Sequence[Reading]) -> list[Reading]:
    return [r for r in readings if r.values and r.form is not None]
