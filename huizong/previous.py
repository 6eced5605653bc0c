"""Last year's accepted values of the units of a batch, for the rules that look back (S3, S4, S7).

Read from DuckDB as Arrow, one query per period wanted. Each unit's values are a ``Previous``: a mapping made from the
whole columns only when a message needs it, and, for the rules' matrix, a row of exact integers at the form's scale
placed straight from the columns (``Previous.scaled``), for the whole batch at once.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from huizong.cells import common_scale
from huizong.config import Home
from huizong.forms import Form
from huizong.periods import Period
from huizong.warehouse import WarehouseBusy

if TYPE_CHECKING:
    from huizong.assess import Values


def previous_values(
    home: Home, wanted: Iterable[tuple[str, str]], read_only: bool = False
) -> dict[tuple[str, str], Values]:
    """Accepted values of the period before, per (unit, that period), for the cross-year rules.

    ``read_only`` (for ``huizong check``) reads without taking the write lock and gives up quietly while a run holds it.
    """
    by_period: dict[str, set[str]] = {}
    for unit, period in wanted:
        if unit and period:
            by_period.setdefault(str(Period.parse(period).previous), set()).add(unit)
    found: dict[tuple[str, str], Values] = {}
    if not by_period or not home.warehouse.exists():
        return {}
    try:
        with home.connect(read_only=read_only) as wh:
            for period, units in by_period.items():
                table = wh.arrow(
                    "intake/previous_values", {"period": period}, incoming_units=pa.table({"unit_code": list(units)})
                )
                found |= {(unit, period): values for unit, values in _by_unit(table).items()}
    except (duckdb.IOException, WarehouseBusy):
        if not read_only:
            raise
    return found


class _Rows:
    """(unit_code, code, number, amount) rows sorted by unit, shared by the units' ``Previous``."""

    def __init__(self, table: pa.Table) -> None:
        self.table = table
        self._by_form: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._columns: tuple[list[str], list[int | Decimal]] | None = None

    def placed(self, form: Form) -> tuple[np.ndarray, np.ndarray]:
        """Per row, its cell's place among ``form``'s cells (-1: not a cell of this form) and its value as an exact
        integer at the form's common scale."""
        if form.key not in self._by_form:
            codes = pa.array(list(form.cells), pa.string())
            where = pc.index_in(self.table["code"], value_set=codes).fill_null(-1).to_numpy(zero_copy_only=False)
            scale = common_scale(form)
            numbers = self.table["number"].fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64) * scale
            for i, amount in self._amounts():
                numbers[i] = int(amount * scale)
            self._by_form[form.key] = (where.astype(np.int64), numbers)
        return self._by_form[form.key]

    def columns(self) -> tuple[list[str], list[int | Decimal]]:
        if self._columns is None:
            values: list[int | Decimal] = self.table["number"].to_pylist()
            for i, amount in self._amounts():
                values[i] = amount
            self._columns = (self.table["code"].to_pylist(), values)
        return self._columns

    def _amounts(self) -> list[tuple[int, Decimal]]:
        """The rows that hold an amount (few: most cells are counts), with it."""
        amounts = self.table["amount"]
        return [(int(i), amounts[int(i)].as_py()) for i in np.flatnonzero(amounts.is_valid().to_numpy(False))]


class Previous(Mapping[str, int | Decimal]):
    """One unit's values of the period before: rows ``start`` to ``stop`` of the shared rows."""

    __slots__ = ("_made", "rows", "start", "stop")

    def __init__(self, rows: _Rows, start: int, stop: int) -> None:
        self.rows, self.start, self.stop = rows, start, stop
        self._made: dict[str, int | Decimal] | None = None

    def _dict(self) -> dict[str, int | Decimal]:
        if self._made is None:
            codes, values = self.rows.columns()
            self._made = dict(zip(codes[self.start : self.stop], values[self.start : self.stop], strict=True))
        return self._made

    def __getitem__(self, code: str) -> int | Decimal:
        return self._dict()[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict())

    def __len__(self) -> int:
        return self.stop - self.start

    def scaled(self, form: Form) -> tuple[np.ndarray, np.ndarray]:
        """The unit's values as exact integers in the order of ``form``'s cells (missing: 0), and which it has."""
        where, numbers = self.rows.placed(form)
        place, value = where[self.start : self.stop], numbers[self.start : self.stop]
        inside = place >= 0
        row = np.zeros(len(form.cells), dtype=np.int64)
        row[place[inside]] = value[inside]
        have = np.zeros(len(form.cells), dtype=bool)
        have[place[inside]] = True
        return row, have


def _by_unit(table: pa.Table) -> dict[str, Previous]:
    """(unit_code, code, number, amount) rows, sorted by unit, as each unit's values."""
    if table.num_rows == 0:
        return {}
    units = table["unit_code"].to_numpy(zero_copy_only=False)
    starts = [0, *(np.flatnonzero(units[1:] != units[:-1]) + 1).tolist(), len(units)]
    rows = _Rows(table)
    return {units[a]: Previous(rows, a, b) for a, b in itertools.pairwise(starts)}
