"""Last year's accepted values of the units of a batch, for the rules that look back (S3, S4, S7).

Read from DuckDB as Arrow, one query per period wanted, and turned into each unit's values from whole columns.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from decimal import Decimal

import duckdb
import numpy as np
import pyarrow as pa

from huizong.assess import Values
from huizong.config import Home
from huizong.periods import Period
from huizong.warehouse import WarehouseBusy


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


def _by_unit(table: pa.Table) -> dict[str, dict[str, int | Decimal]]:
    """(unit_code, code, number, amount) rows, sorted by unit, as each unit's values: built from whole columns."""
    if table.num_rows == 0:
        return {}
    units = table["unit_code"].to_numpy(zero_copy_only=False)
    codes = table["code"].to_pylist()
    values: list[int | Decimal] = table["number"].to_pylist()
    amounts = table["amount"]
    for i in np.flatnonzero(amounts.is_valid().to_numpy(zero_copy_only=False)):
        values[i] = amounts[int(i)].as_py()
    starts = [0, *(np.flatnonzero(units[1:] != units[:-1]) + 1).tolist(), len(units)]
    return {units[a]: dict(zip(codes[a:b], values[a:b], strict=True)) for a, b in itertools.pairwise(starts)}
