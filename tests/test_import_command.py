"""``huizong import``: published reports read, placed, checked and recorded as transcribed submissions (issue 13)."""

from __future__ import annotations

import json
import os
import shutil
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from huizong.cli import main
from huizong.config import Home
from huizong.forms import Form
from huizong.importing.identify import Names, find_title
from huizong.importing.sentences import check_text
from huizong.periods import Period
from huizong.template import write_template
from tests.conftest import make_home
from tests.test_import import FOREIGN, maker

STYLES = {"docx": "report.docx", "pdf": "report.pdf", "html": "report.html", "xlsx": "stacked.xlsx"}
S1_CELLS = 11  # the stacked sheet's "—" in 表四 (10) and its one blank cell


@pytest.fixture()
def home(tmp_path: Path) -> Home:
    return make_home(tmp_path / "var")


@pytest.fixture(scope="module")
def form() -> Form:
    result: Form = maker.form()
    return result


def run(home: Home, *args: str) -> tuple[int, Any]:
    result = CliRunner().invoke(main, ["import", "--home", str(home.root), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    output = result.output
    return result.exit_code, json.loads(output) if "--json" in args else output


def numbers(values: dict[str, Any]) -> dict[str, Any]:
    return {code: Decimal(str(v)) if isinstance(v, float) else v for code, v in values.items()}


def query(home: Home, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.parametrize("style", list(STYLES))
def test_a_dry_run_gives_the_values_put_in_every_cell_located_and_the_expected_findings(
    home: Home, form: Form, style: str
) -> None:
    code, (report,) = run(home, str(FOREIGN / STYLES[style]), "--dry-run", "--json")
    assert code == 0
    assert (report["status"], report["unit"], report["period"], report["form"]) == (
        "accepted",
        "990121",
        "2024",
        "annual_report/2021",
    )
    assert numbers(report["values"]) == maker.expected(form, "xlsx" if style == "xlsx" else "docx")
    assert set(report["located"]) == set(form.cells)
    rules = sorted(f["rule"] for f in report["findings"])
    expected = {
        "docx": ["CYCLE", "S5"],
        "pdf": ["CYCLE", "S5"],
        "html": ["CYCLE"],
        "xlsx": ["CYCLE", *["S1"] * S1_CELLS],
    }[style]
    assert rules == expected
    assert not home.warehouse.exists() and not any(home.archive.rglob("*.*"))  # a dry run stores nothing


@pytest.mark.parametrize("suffix", [".xls", ".et"])
def test_old_excel_and_wps_workbooks_are_read_like_the_stacked_sheet(
    home: Home, form: Form, tmp_path: Path, suffix: str
) -> None:
    copy = tmp_path / f"年报表格{suffix}"  # WPS saves .et in the old Excel format
    shutil.copy(FOREIGN / "stacked.xls", copy)
    _, (report,) = run(home, str(copy), "--dry-run", "--json")
    assert report["status"] == "accepted" and numbers(report["values"]) == maker.expected(form, "xlsx")
    assert report["located"]["t3.new_received.natural_person"] == "sheet 年报表格, E25"


def test_a_pdf_table_over_three_pages_is_one_table_with_cells_named_by_page(home: Home) -> None:
    _, (report,) = run(home, str(FOREIGN / "report.pdf"), "--dry-run", "--json")
    located = report["located"]
    assert located["t2.rules.issued"] == "PDF page 1, table 1, B3"
    pages = {place.split(",")[0] for code, place in located.items() if code.startswith("t3.")}
    assert pages == {"PDF page 1", "PDF page 2", "PDF page 3", "PDF page 4"}
    # a row the page break cut in two is read once, with its numbers
    assert (
        report["values"]["t3.unavailable.still_unclear.total"]
        == maker.values(maker.form())["t3.unavailable.still_unclear.total"]
    )


def test_a_hand_made_2019_page_is_read_as_2019_with_its_unit_and_year_from_the_title(home: Home) -> None:
    of = maker.messy_form()
    code, (report,) = run(home, str(FOREIGN / maker.MESSY), "--dry-run", "--json")
    assert code == 0
    assert (report["unit"], report["period"], report["form"]) == ("990121101", "2020", "annual_report/2019")
    assert numbers(report["values"]) == maker.messy_expected(of)
    assert set(report["located"]) == set(of.cells)
    (note,) = [f for f in report["findings"] if f["rule"] == "NOTE"]
    assert note["seen"] == "3（其中修订1件）" and note["expected"] == "3" and note["severity"] == "warning"
    assert sorted(f["rule"] for f in report["findings"]) == ["CYCLE", "NOTE", "S1"]


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("青石县人民政府", "990121000"),  # the government's own report: its office
        ("青石县", "990121"),  # the county as a region
        ("梅口镇人民政府", "990121101"),  # a township without an office of its own
        ("青石县发展和改革局", "990121501"),  # 县发展和改革局 under 青石县
        ("明川市人民政府办公室", "990100000"),
    ],
)
def test_the_unit_is_found_from_the_title_by_the_registry_names(home: Home, name: str, unit: str) -> None:
    title = find_title(["", f"{name}2024年政府信息公开工作年度报告"])
    assert title is not None and title.year == 2024
    assert [u.code for u in Names(home.registry, Period(2024)).units(title.name)] == [unit]


def test_a_unit_or_year_the_file_does_not_tell_is_asked_for_not_guessed(home: Home, form: Form, tmp_path: Path) -> None:
    nameless = tmp_path / "nameless.docx"
    maker.write_docx(nameless, form, title="政府信息公开工作年度报告", paragraphs=[])
    code, (report,) = run(home, str(nameless), "--dry-run", "--json")
    assert code == 1 and report["status"] == "rejected" and report["unit"] is None
    (finding,) = report["findings"]
    assert finding["rule"] == "PERIOD" and "--period" in finding["message"]
    _, (report,) = run(home, str(nameless), "--period", "2024", "--dry-run", "--json")
    (finding,) = report["findings"]
    assert finding["rule"] == "UNIT" and "--unit" in finding["message"]
    # several counties have a 县发展和改革局: the title alone does not say which
    shared = tmp_path / "shared.docx"
    maker.write_docx(shared, form, title="县发展和改革局2024年政府信息公开工作年度报告", paragraphs=[])
    _, (report,) = run(home, str(shared), "--dry-run", "--json")
    (finding,) = report["findings"]
    assert finding["rule"] == "UNIT" and "990121501" in finding["message"] and "990122501" in finding["message"]
    # given on the command line, the file is taken for that unit
    code, (report,) = run(home, str(shared), "--unit", "990121501", "--dry-run", "--json")
    assert report["unit"] == "990121501" and report["status"] == "accepted"
    # a title naming another unit or year than the one given is refused
    _, (report,) = run(
        home, str(FOREIGN / "report.docx"), "--unit", "990122", "--period", "2023", "--dry-run", "--json"
    )
    assert {f["rule"] for f in report["findings"] if f["severity"] == "error"} == {"UNIT", "PERIOD"}
    assert report["status"] == "rejected"


def test_the_form_version_is_the_one_whose_labels_fit_and_the_wrong_one_is_a_finding_per_label(home: Home) -> None:
    _, (report,) = run(home, str(FOREIGN / "report.docx"), "--form", "annual_report/2019", "--dry-run", "--json")
    labels = [f for f in report["findings"] if f["rule"] == "LABEL"]
    assert report["status"] == "rejected" and labels
    assert any("规范性文件" in f["message"] or "本年新制作数量" in f["message"] for f in labels)


def test_text_that_agrees_with_the_tables_is_quiet_and_text_that_differs_names_sentence_and_cell(form: Form) -> None:
    values = maker.values(form)
    new, carried = values["t3.new_received.total"], values["t3.carried_over.total"]
    agree = f"2024年，共收到政府信息公开申请{new}件，上年结转{carried}件。"
    assert check_text(form, [agree], values) == []
    differ = "本机关全年共受理政府信息公开申请 17 件。"
    (finding,) = check_text(form, [differ], values)
    assert finding.rule == "S5" and finding.severity == "warning"
    assert (
        "本机关全年共受理政府信息公开申请17件" in finding.message
        and "表三“一、本年新收政府信息公开申请数量—" in finding.message
    )
    assert "本机关" in finding.message and "汇总" in finding.message  # says the likely cause
    assert (finding.seen, finding.expected) == ("17", str(values["t3.new_received.total"]))
    # a sentence a PDF wrapped over two lines is one sentence
    assert check_text(form, ["本机关全年共受理政府信息", "公开申请 17 件。"], values)[0].seen == "17"
    # 行政诉讼 is both lawsuit groups together
    lawsuits = values["t4.lawsuit_direct.total"] + values["t4.lawsuit_after_review.total"]
    assert check_text(form, [f"被提起行政诉讼{lawsuits}件。"], values) == []


def test_imported_reports_are_recorded_as_transcribed_supersede_and_count_in_totals(
    home: Home, form: Form, tmp_path: Path
) -> None:
    code, _ = run(home, str(FOREIGN / "report.docx"))
    assert code == 0
    rows = query(home, "SELECT unit_code, period, scope, source, status, late FROM submissions")
    assert rows == [("990121", "2024", "aggregate", "transcribed", "accepted", None)]
    places = dict(query(home, "SELECT code, place FROM cell_places"))
    assert len(places) == len(form.cells) and places["t4.review.upheld"] == "docx table 3, row 4, column 1"
    total = query(
        home, "SELECT number FROM rollup_values WHERE unit_code = '990100' AND code = 't3.new_received.total'"
    )
    assert total == [(maker.values(form)["t3.new_received.total"],)]
    assert (home.archive).exists() and len(list(home.archive.rglob("*.docx"))) == 1
    (receipt,) = home.out.glob("*/feedback/*.xlsx")  # its findings (S5, CYCLE) are answered with a receipt
    book = CalamineWorkbook.from_path(str(receipt))
    lines = {row[0]: row[1] for row in book.get_sheet_by_name(book.sheet_names[0]).to_python() if len(row) > 1}
    assert lines["收到的文件"] == "report.docx" and "逾期" not in str(
        lines["收到时间"]
    )  # a published report is never late
    # the same figures from the web page, received later, replace the Word file as a second template would
    later = tmp_path / "report.html"
    shutil.copy(FOREIGN / "report.html", later)
    os.utime(later, (time.time(), time.time()))
    run(home, str(later))
    assert sorted(query(home, "SELECT file_name, status FROM submissions")) == [
        ("report.docx", "superseded"),
        ("report.html", "accepted"),
    ]
    code, output = run(home, str(later))
    assert code == 0 and output.startswith("重复")


def test_a_year_taken_in_from_its_published_report_feeds_next_years_checks(
    home: Home, form: Form, tmp_path: Path
) -> None:
    township = home.registry.get("990121101")
    last = {code: 0 for code in form.inputs} | {
        "t3.new_received.natural_person": 4,
        "t3.granted.natural_person": 2,
        "t3.carried_forward.natural_person": 2,
    }
    printed = {code: str(v) for code, v in form.compute(last).items()}
    published = tmp_path / "梅口镇2024.docx"
    maker.write_docx(
        published, form, texts=printed, title="梅口镇人民政府2024年政府信息公开工作年度报告", paragraphs=[]
    )
    code, _ = run(home, str(published))
    assert code == 0
    this_year = {code: 0 for code in form.inputs} | {
        "t3.new_received.natural_person": 1,
        "t3.granted.natural_person": 1,
    }
    template = write_template(tmp_path / "2025.xlsx", form, township, Period(2025), values=this_year)
    result = CliRunner().invoke(main, ["check", "--home", str(home.root), str(template), "--json"])
    s4 = [f for f in json.loads(result.output)["findings"] if f["rule"] == "S4"]
    assert s4 and "自然人" in s4[0]["message"]  # 上年结转 0, but last year's report carried 2 forward


def test_a_folder_of_past_reports_loads_with_its_index(home: Home, form: Form, tmp_path: Path) -> None:
    folder = tmp_path / "往年年报"
    folder.mkdir()
    for year in (2022, 2023):  # pages without a title: the index says whose and which year
        penalties = {"t2.penalty.decisions": str(year - 2000)}
        maker.write_html(folder / f"{year}.html", form, texts=penalties, title="年度报告", paragraphs=[])
    shutil.copy(FOREIGN / "report.docx", folder / "2024.docx")  # its title says whose and which year
    (folder / "index.csv").write_text("file,unit,period\n2022.html,990121,2022\n2023.html,990121,2023\n", "utf-8")
    code, reports = run(home, str(folder), "--json")
    assert code == 0, reports
    assert [(r["file"].rsplit("/", 1)[-1], r["unit"], r["period"], r["status"]) for r in reports] == [
        ("2022.html", "990121", "2022", "accepted"),
        ("2023.html", "990121", "2023", "accepted"),
        ("2024.docx", "990121", "2024", "accepted"),
    ]
    assert query(home, "SELECT count(*) FROM submissions WHERE source = 'transcribed'") == [(3,)]
    # the same figures three years running: S4 holds where 上年结转 equals last year's 结转, else it says so
    s4 = [f for r in reports for f in r["findings"] if f["rule"] == "S4"]
    assert all(r["period"] != "2022" for r in reports if any(f["rule"] == "S4" for f in r["findings"]))
    assert s4


def test_a_file_that_cannot_be_read_is_a_finding_and_is_kept(home: Home, tmp_path: Path) -> None:
    broken = tmp_path / "年报.docx"
    broken.write_bytes(b"PK\x03\x04 not really a Word file")
    scanned = tmp_path / "扫描件.pdf"
    scanned.write_bytes(_blank_pdf())
    code, reports = run(home, str(broken), str(scanned), "--json")
    assert code == 1
    assert [(r["status"], r["findings"][0]["rule"]) for r in reports] == [("rejected", "FILE"), ("rejected", "FILE")]
    assert "文字层" in reports[1]["findings"][0]["message"]
    assert query(home, "SELECT file_name, status FROM submissions ORDER BY file_name") == [
        ("年报.docx", "rejected"),
        ("扫描件.pdf", "rejected"),
    ]
    assert len(list(home.archive.rglob("*.*"))) == 2


def _blank_pdf() -> bytes:
    """A one-page PDF with no text layer, as a scanner without OCR makes."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length 22 >>\nstream\n0 0 m 100 100 l S\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
