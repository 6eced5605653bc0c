"""The documentation is checked: every example query of docs/analysts.md runs on the demo's snapshot."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from huizong.config import Home
from tests.conftest import ROOT

QUERIES = re.findall(r"```sql\n(.*?)```", (ROOT / "docs" / "analysts.md").read_text(encoding="utf-8"), re.S)


@pytest.fixture(scope="module")
def snapshot(played: tuple[Home, str]) -> Path:
    home, output = played
    assert "青石县汇总：应报 59 / 已报 56 / 通过 55 / 退回 1 / 逾期 4 / 未报 3" in output
    return home.published / "huizong.duckdb"


def test_the_doc_has_example_queries() -> None:
    assert len(QUERIES) >= 8


@pytest.mark.parametrize("query", QUERIES, ids=[f"query{i}" for i in range(len(QUERIES))])
def test_each_example_query_answers_on_the_demo(snapshot: Path, query: str) -> None:
    with duckdb.connect(str(snapshot), read_only=True) as con:
        rows = con.execute(query).fetchall()
    if "-- expect: no rows" in query:
        assert rows == []
    else:
        assert rows, query


def test_the_county_total_in_the_doc_equals_the_sum_of_its_units(snapshot: Path) -> None:
    with duckdb.connect(str(snapshot), read_only=True) as con:
        total = con.execute(
            "SELECT 总计 FROM 表三_依申请公开 WHERE 单位代码 = '990121' AND 口径 = '汇总' AND 报告期 = '2025' "
            "AND 项目 = '一、本年新收政府信息公开申请数量'"
        ).fetchone()
        units = con.execute(
            "SELECT sum(total) FROM t3_requests AS t JOIN units AS u ON u.code = t.unit_code "
            "WHERE u.parent = '990121' AND t.scope = 'own' AND t.period = '2025' AND t.row_code = 'new_received'"
        ).fetchone()
    assert total is not None and units is not None and total[0] == units[0] > 0
