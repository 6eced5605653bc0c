"""Where a season stands, read from the published snapshot (never from the working file)."""

from __future__ import annotations

from typing import Any

import duckdb

from huizong.config import Home
from huizong.errors import UsageError
from huizong.warehouse import Warehouse


def snapshot(home: Home) -> duckdb.DuckDBPyConnection:
    path = home.published / "huizong.duckdb"
    if not path.exists():
        raise UsageError(f"还没有发布的数据（{path}）：先运行 huizong intake")
    return duckdb.connect(str(path), read_only=True)


def cycles(home: Home) -> list[dict[str, Any]]:
    with snapshot(home) as con:
        return Warehouse(con).records("report/status")


def chase(home: Home, cycle_id: str) -> list[dict[str, Any]]:
    with snapshot(home) as con:
        return Warehouse(con).records("report/chase", {"cycle_id": cycle_id})


def line(row: dict[str, Any]) -> str:
    """应报 59 / 已报 56 / 通过 55 / 退回 1 / 逾期 4 / 未报 3, as an office says it: 已报 = 通过 + 退回."""
    return (
        f"应报 {row['expected']} / 已报 {row['received']} / 通过 {row['accepted']} / 退回 {row['rejected']} / "
        f"逾期 {row['late']} / 未报 {row['missing']}"
    )
