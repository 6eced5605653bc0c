"""The corpus of bad submissions (fixtures/bad): each defect gets its finding, in words a clerk understands."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from huizong.assess import assess
from huizong.config import Home
from huizong.intake import run_intake
from huizong.periods import Period
from huizong.reader import read_workbook
from huizong.template import write_template
from tests.conftest import ROOT, make_home

BAD = ROOT / "fixtures" / "bad"
CASES = tomllib.loads((BAD / "expected.toml").read_text(encoding="utf-8"))


def test_every_file_in_the_corpus_has_an_expectation() -> None:
    files = {p.name for p in BAD.iterdir() if p.suffix not in (".py", ".toml")}
    assert files == {case["file"] for case in CASES.values()}


@pytest.mark.parametrize("defect", sorted(CASES))
def test_each_defect_gets_its_finding(demo_home: Home, defect: str) -> None:
    case = CASES[defect]
    reading = read_workbook(BAD / case["file"], demo_home.catalog, demo_home.registry)
    verdict = assess(demo_home, [reading], expect_period=Period(2025))[0]
    assert verdict.status == case["status"]
    matching = [f for f in verdict.findings if f.rule == case["rule"]]
    assert matching, [str(f) for f in verdict.findings]
    assert any(case["words"] in f.message for f in matching), [str(f) for f in matching]
    assert len(matching) == case.get("count", len(matching)), [str(f) for f in matching]
    for finding in verdict.findings:
        assert finding.message and any("\u4e00" <= ch <= "\u9fff" for ch in finding.message)
        if finding.cell:
            assert finding.sheet, finding


def test_taking_in_the_whole_corpus_loses_nothing(tmp_path: Path) -> None:
    home = make_home(tmp_path / "var")
    shutil.copytree(BAD, home.inbox, ignore=shutil.ignore_patterns("*.py", "*.toml"))
    outcomes = run_intake(home, period=Period(2025))
    assert len(outcomes) == len(CASES)
    archived = {p.read_bytes() for p in home.archive.rglob("*") if p.is_file()}
    for case in CASES.values():
        assert (BAD / case["file"]).read_bytes() in archived, case["file"]
    by_name = {o.arrival.source.name: o.status for o in outcomes}
    assert by_name == {case["file"]: case["status"] for case in CASES.values()}


def test_a_very_large_sheet_is_read_without_reading_it_all(tmp_path: Path, demo_home: Home) -> None:
    """Someone pastes 100,000 rows below the table: the form is still read, and quickly."""
    import time

    import openpyxl

    form = demo_home.catalog.get("annual_report/2021")
    path = write_template(
        tmp_path / "t.xlsx", form, demo_home.registry.get("990121101"), Period(2025), values={c: 1 for c in form.inputs}
    )
    book = openpyxl.load_workbook(path)
    sheet = book[form.table("t3").sheet]
    for row in range(40, 100_040):
        sheet.cell(row=row, column=1, value=f"第{row}行 粘贴的内容")
    book.save(path)
    started = time.perf_counter()
    reading = read_workbook(path, demo_home.catalog, demo_home.registry)
    assert reading.findings == [] and reading.values["t3.results_total.total"].value == 6 * 21
    assert time.perf_counter() - started < 10


@pytest.mark.parametrize(
    "cells",
    [
        '<c r="B2" s="1"><f>SUM(A1:A2)</f><v>3</v></c><c r="C2" t="e"><v>#REF!</v></c>',
        '<c r="B2"><f t="shared" ref="B2:B3" si="0">A1</f><v>1</v></c><c r="B3"><f t="shared" si="0"/><v>2</v></c>',
        '<c r="D4" t="e"/><c r="D5" s="2" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="D6" t="s"><v>0</v></c>',
        '<!-- <c r="A9"><f>X</f></c> --><c r="A1"><v>1</v></c>',
        '<c r="A1" t = "e"><v>#N/A</v></c>',
        '<c r="A1" t="str"><f>"a&lt;f&gt;"</f><v>a&lt;f&gt;</v></c><c r="A2"><v>5</v></c>',
        '<c r="B2"/><f>SUM(A1)</f><c r="B3"><f>A1</f></c>',
        '<c s="1" r="B2"><f>A1</f><v>1</v></c><c\tr="B3"><f>A2</f></c><c r="B4" t=\'e\'><v>#N/A</v></c>',
        '<c r="B2" x="a>b"><f>A1</f></c>',
        '<c r="B2"><v>1</v><f>A1</f></c><c r="b3"><f/></c>',
    ],
)
def test_the_quick_formula_scan_finds_what_an_xml_parser_finds(cells: str) -> None:
    from huizong.sheetxml import _scan_fast, _scan_tree

    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        f'<row r="1">{cells}</row></sheetData></worksheet>'
    ).encode()
    quick = _scan_fast(xml)
    assert (quick or _scan_tree(xml)) == _scan_tree(xml)
    if "<!--" in cells or " = " in cells:
        assert quick is None  # unusual markup goes to the XML parser
