"""What a cell's content means: one table of cases, the contract for every reader."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from huizong.catalog import FormCatalog
from huizong.values import parse

COUNT, AMOUNT, CHANGE = "t3.new_received.natural_person", "t2.fees.amount", "t2.licensing.change"


@pytest.mark.parametrize(
    ("cell", "content", "value", "status"),
    [
        (COUNT, 12.0, 12, "ok"),
        (COUNT, 12, 12, "ok"),
        (COUNT, 0.0, 0, "ok"),
        (COUNT, None, None, "blank"),
        (COUNT, "", None, "blank"),
        (COUNT, "  ", None, "blank"),
        (COUNT, "/", None, "slash"),
        (COUNT, "／", None, "slash"),
        (COUNT, "—", None, "slash"),
        (COUNT, "１２", 12, "normalized"),
        (COUNT, " 12 ", 12, "normalized"),
        (COUNT, "1,234", 1234, "normalized"),
        (COUNT, "12件", None, "invalid"),
        (COUNT, "十二", None, "invalid"),
        (COUNT, "无", None, "invalid"),
        (COUNT, 2.5, None, "not_integer"),
        (COUNT, "2.5", None, "not_integer"),
        (COUNT, -1.0, None, "negative"),
        (COUNT, 1e12, None, "too_large"),
        (COUNT, "#REF!", None, "error"),
        (COUNT, "#DIV/0!", None, "error"),
        (COUNT, True, None, "invalid"),
        (COUNT, dt.date(2025, 1, 12), None, "invalid"),
        (AMOUNT, 59237.2449, Decimal("59237.2449"), "ok"),
        (AMOUNT, 96171.6, Decimal("96171.6000"), "ok"),
        (AMOUNT, "0.12345", None, "too_precise"),
        (CHANGE, -3.0, -3, "ok"),
        (CHANGE, "+1036", 1036, "normalized"),
    ],
)
def test_cell_content_is_read_once_and_the_same_way(
    catalog: FormCatalog, cell: str, content: object, value: object, status: str
) -> None:
    form = catalog.get("annual_report/2019" if cell == CHANGE else "annual_report/2021")
    parsed = parse(content, form.cells[cell])
    assert (parsed.value, parsed.status) == (value, status)
    assert type(parsed.value) is type(value)


def test_raw_text_is_kept_as_read(catalog: FormCatalog) -> None:
    cell = catalog.get("annual_report/2021").cells[COUNT]
    assert parse(12.0, cell).raw == "12"
    assert parse("１２", cell).raw == "１２"
    assert parse(None, cell).raw == ""
