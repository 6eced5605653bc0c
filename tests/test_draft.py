"""The annual report's draft (.docx): the form's tables with the consolidated workbook's numbers, sentences whose every
figure is the workbook's, for the region and for the office's own report, with and without a previous period; and a
LibreOffice print that looks like an official document (title and headings there, nothing overlapping, nothing past
the edge of the text block, a page number on every page)."""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import docx
import pytest
from click.testing import CliRunner
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from python_calamine import CalamineWorkbook

from huizong import draft as drafting
from huizong import official_doc as od
from huizong.cli import main
from huizong.config import Home
from huizong.consolidate import roll_up_cycle
from huizong.distribute import cycle_for
from huizong.forms import Form, cell_code
from huizong.layout import TOP, layout_form
from huizong.workbook import Consolidated, Number, figure, write_consolidated
from tests.conftest import make_home

MADE = dt.datetime(2026, 3, 1, 9, 0)


@dataclass
class Case:
    data: Consolidated
    scope: drafting.Scope
    draft: Path
    workbook: Path
    sheets: str  # the prefix of the workbook's sheets that show the draft's numbers
    previous: Mapping[str, Number | None]

    @property
    def form(self) -> Form:
        return self.data.cycle.form


CASES = {  # (unit, period, scope): county and its office with a previous period, the city and 2024 without
    "county": ("990121", "2025", "region"),
    "county-own": ("990121", "2025", "own"),
    "city": ("990100", "2025", "region"),
    "county-2024": ("990121", "2024", "region"),
    "county-2024-own": ("990121", "2024", "own"),
}


@pytest.fixture(scope="session")
def cases(played: tuple[Home, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    """The demo's drafts: the county's and city's 2025 region drafts as `huizong demo` wrote them, the others written
    from a dry-run consolidation (nothing in the played data directory changes)."""
    home, _ = played
    out = tmp_path_factory.mktemp("drafts")
    made: dict[str, Case] = {}
    for name, (unit, period, scope) in CASES.items():
        result = roll_up_cycle(home, cycle_for(home, unit, period), dry_run=True)
        data = result.data
        assert data is not None
        folder = home.out / data.cycle.id
        workbook = folder / f"{unit}_{data.cycle.owner.name}_汇总_annual_report-{period}.xlsx"
        if period == "2024":
            workbook = write_consolidated(out / f"{name}.xlsx", data, home.settings.template_password, MADE)
        path = folder / drafting.file_name(data.cycle, scope)
        if scope == "own" or period == "2024":
            path = drafting.write_draft(out / f"{name}.docx", data, scope, MADE, result.own_previous)
        previous = data.previous if scope == "region" else result.own_previous
        made[name] = Case(data, scope, path, workbook, "本级·" if scope == "own" else "", previous)
    assert made["county"].previous and made["county-own"].previous  # the cases cover both
    assert not made["city"].previous and not made["county-2024"].previous and not made["county-2024-own"].previous
    return made


def workbook_values(case: Case) -> dict[str, Number]:
    """Every numeric cell of the case's tables as the consolidated workbook shows it."""
    book = CalamineWorkbook.from_path(str(case.workbook))
    values: dict[str, Number] = {}
    for layout in layout_form(case.form).values():
        grid = book.get_sheet_by_name((case.sheets + layout.table.sheet)[:31]).to_python(skip_empty_area=False)
        for code, span in layout.cells.items():
            shown = grid[span.row][span.col]
            values[code] = Decimal(str(shown)) if case.form.cells[code].type == "amount" else int(shown)
    return values


def consolidated_values(case: Case) -> Mapping[str, Number]:
    if case.scope == "own":
        assert case.data.own is not None
        return case.data.own[1]
    return case.data.totals


def body_text(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def share(part: Number, whole: Number) -> str:
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def check_tables(path: Path, form: Form, values: Mapping[str, Number]) -> None:
    """One Word table per form table, with every heading merged over the form's span and worded as the form, and
    every number in its cell."""
    tables = docx.Document(str(path)).tables
    layouts = list(layout_form(form).values())
    assert len(tables) == len(layouts)
    for grid, layout in zip(tables, layouts, strict=True):
        assert len(grid.rows) == layout.end_row - TOP and len(grid.columns) == layout.width
        seen: list[Any] = []  # the Word cells used (kept, so that lxml keeps their proxies)
        spans = [(h.span, h.text) for h in layout.headings]
        spans += [(span, values[code]) for code, span in layout.cells.items()]
        for span, expected in spans:
            cell = grid.cell(span.row - TOP, span.col)
            assert cell._tc is grid.cell(span.last_row - TOP, span.last_col)._tc, (layout.table.code, expected)
            assert not any(tc is cell._tc for tc in seen)  # no two spans share a Word cell
            seen.append(cell._tc)
            if isinstance(expected, str):
                assert cell.text == expected
            else:
                assert Decimal(cell.text) == expected and re.fullmatch(r"-?\d+(\.\d+)?", cell.text), cell.text


@pytest.mark.parametrize("name", CASES)
def test_the_tables_show_the_workbooks_numbers_under_the_forms_headings(cases: dict[str, Case], name: str) -> None:
    case = cases[name]
    shown = workbook_values(case)
    consolidated = consolidated_values(case)
    assert all(shown[code] == value for code, value in consolidated.items())  # the workbook is the warehouse's
    assert set(shown) == set(case.form.cells)
    check_tables(case.draft, case.form, shown)


@pytest.mark.parametrize("name", CASES)
def test_every_figure_in_the_sentences_is_the_workbooks(cases: dict[str, Case], name: str) -> None:
    case = cases[name]
    text = body_text(case.draft)
    values = workbook_values(case)
    figures = {f.key: f for f in case.form.figures}
    now = {key: figure(f, values) for key, f in figures.items()}

    def said(pattern: str) -> list[str]:
        found = re.findall(pattern, text)
        assert found, pattern
        return found

    assert said(r"共收到政府信息公开申请(\d+)件") == [str(now["new"])]
    person = values["t3.new_received.natural_person"]
    assert said(r"其中自然人提出(\d+)件、法人或其他组织提出(\d+)件") == [(str(person), str(now["new"] - person))]
    assert said(r"上年结转政府信息公开申请(\d+)件") == [str(now["carried_over"])]
    assert said(r"本年度办理结果总计(\d+)件") == [str(now["handled"])]
    for fig in (f for f in case.form.figures if f.group):
        assert said(rf"{fig.label}(\d+)件（占([\d.]+)%）") == [(str(now[fig.key]), share(now[fig.key], now["handled"]))]
    assert said(r"结转下年度继续办理(\d+)件") == [str(now["carried_forward"])]
    assert said(r"被申请行政复议(\d+)件") == [str(now["review"])]
    assert said(r"被提起行政诉讼(\d+)件") == [str(now["lawsuit"])]
    for key, pattern in (
        ("new", "共收到政府信息公开申请"),
        ("review", "被申请行政复议"),
        ("lawsuit", "被提起行政诉讼"),
    ):
        change = re.search(rf"{pattern}\d+件(，比上年(增加|减少)(\d+)件(、(增长|下降)([\d.]+)%)?|，与上年持平)?", text)
        assert change is not None
        if not case.previous:
            assert change.group(1) is None
            continue
        before = figure(figures[key], case.previous)
        diff = now[key] - before
        if diff == 0:
            assert change.group(1) == "，与上年持平"
        else:
            assert change.group(2) == ("增加" if diff > 0 else "减少") and int(change.group(3)) == abs(diff)
            assert change.group(6) == (share(abs(diff), before) if before else None)
    unpaid = values["t3.other_handling.fee_unpaid.total"]
    assert f"不再处理的政府信息公开申请{unpaid}件" in text if unpaid else "未收取信息处理费" in text
    if not case.previous:
        assert "比上年" not in text and "与上年持平" not in text


@pytest.mark.parametrize("name", CASES)
def test_part_two_and_the_opening_say_the_workbooks_numbers_and_nothing_else(cases: dict[str, Case], name: str) -> None:
    case = cases[name]
    text = body_text(case.draft)
    values = workbook_values(case)
    first = case.form.tables[0]
    for block in first.blocks:
        for row in block.row_lines:
            codes = [cell_code(first.code, row, col) for col in block.col_lines]
            cell = case.form.cells[codes[0]]
            said = f"{row.labels[-1]}{cell.col.labels[-1].split('（单位：')[0]}"
            if any(values[c] for c in codes):
                assert f"{said}{values[codes[0]]}{cell.unit}" in text, said
            else:
                assert said not in text
    rows = case.data.completeness
    accepted = sum(1 for r in rows if r["status"] == "accepted")
    if case.scope == "region":
        assert f"共{len(case.data.units)}个单位" in text and len(case.data.units) == accepted
        if accepted < len(rows):
            assert f"【请核实：应报{len(rows)}个单位" in text and f"通过审核{accepted}个" in text
    else:
        assert "个单位" not in text
    # every number in the text is one of the workbook's, a change or share of them, a count of units, or a date
    figures = {f.key: f for f in case.form.figures}
    allowed = {str(v) for v in values.values()} | {str(figure(f, values)) for f in figures.values()}
    allowed |= {str(figure(figures["new"], values) - values["t3.new_received.natural_person"])}  # 法人或其他组织
    allowed |= {str(len(rows)), str(accepted), str(sum(1 for r in rows if r["status"] != "missing"))}
    allowed |= {str(case.data.cycle.period.year), "1", "12", "31"} | set(re.findall(r"\d+", case.form.basis))
    for key in ("new", "review", "lawsuit"):
        if case.previous:
            before = figure(figures[key], case.previous)
            allowed |= {str(abs(figure(figures[key], values) - before))}
            allowed |= {share(abs(figure(figures[key], values) - before), before)} if before else set()
    handled = figure(figures["handled"], values)
    allowed |= {share(figure(f, values), handled) for f in figures.values() if f.group and handled}
    numbers = re.findall(r"\d+(?:\.\d+)?", text.replace("第五十条", "").replace("第四十二条", ""))
    assert set(numbers) <= allowed, set(numbers) - allowed
    assert "（详见第二部分）" in text


def test_the_title_names_the_government_or_the_office(cases: dict[str, Case]) -> None:
    titles = {name: docx.Document(str(case.draft)).paragraphs[0] for name, case in cases.items()}
    assert titles["county"].text == "青石县人民政府\n2025年政府信息公开工作年度报告"
    assert titles["county-own"].text == "青石县人民政府办公室\n2025年政府信息公开工作年度报告"
    assert titles["city"].text == "明川市人民政府\n2025年政府信息公开工作年度报告"
    assert all(t.style.name == "公文标题" for t in titles.values())
    text = body_text(cases["county-own"].draft)
    assert "由青石县人民政府办公室编制，反映本机关" in text and "本机关共收到政府信息公开申请" in text
    parts = [p for p in docx.Document(str(cases["county"].draft)).paragraphs if p.style.name == "一级标题"]
    assert [p.text for p in parts] == [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]


@pytest.mark.parametrize(("key", "period"), [("annual_report/2019", "2020"), ("annual_report/2021", "2025")])
def test_both_formats_come_out_of_their_form_files(tmp_path: Path, demo_home: Home, key: str, period: str) -> None:
    form = demo_home.catalog.get(key)
    cycle = cycle_for(demo_home, "990121", period, key)
    rng = random.Random(7)
    inputs: dict[str, Number] = {}
    for code in form.inputs:
        kind = form.cells[code].type
        inputs[code] = Decimal(rng.randint(0, 10**6)).scaleb(-2) if kind == "amount" else rng.randint(-3, 40)
        inputs[code] = abs(inputs[code]) if kind == "count" else inputs[code]
    totals = dict(form.compute(inputs))
    data = Consolidated(cycle=cycle, totals=totals, previous={}, own=None, units=[])
    path = drafting.write_draft(tmp_path / "draft.docx", data, "region", MADE)
    check_tables(path, form, totals)
    text = body_text(path)
    assert ("《政府信息公开信息处理费管理办法》" in text) == (period >= "2021")
    assert f"第二十条的规定，全县各级行政机关{form.tables[0].title.split('、')[1]}：" in text
    wide = [drafting.orientation(layout, 9.0) for layout in layout_form(form).values()]
    assert wide == ["portrait"] * 3  # 15 columns of 表四 still take two characters a line


def test_the_document_is_set_as_an_official_document(cases: dict[str, Case], tmp_path: Path) -> None:
    document = docx.Document(str(cases["county"].draft))
    sect = document.sections[0]
    assert (round(sect.page_width.mm), round(sect.page_height.mm)) == (210, 297)
    margins = [round(m.mm) for m in (sect.top_margin, sect.bottom_margin, sect.left_margin, sect.right_margin)]
    assert margins == [37, 35, 28, 26]
    paragraphs = [s for s in document.styles if s.type == WD_STYLE_TYPE.PARAGRAPH and s.element.rPr is not None]
    fonts = {s.name: s.element.rPr.rFonts.get(qn("w:eastAsia")) for s in paragraphs if s.element.rPr.rFonts is not None}
    assert fonts["Normal"] == "仿宋_GB2312" and fonts["公文标题"] == "方正小标宋简体"
    assert fonts["一级标题"] == "黑体" and fonts["二级标题"] == "楷体_GB2312"
    normal = document.styles["Normal"]
    assert normal.font.size.pt == 16 and normal.paragraph_format.line_spacing.pt == pytest.approx(28.9, abs=0.05)
    assert normal.element.pPr.ind.get(qn("w:firstLineChars")) == "200"
    assert document.styles["公文标题"].font.size.pt == 22
    for footer in (sect.footer, sect.even_page_footer):
        assert "PAGE" in footer._element.xml and footer.paragraphs[0].text == "— 1 —"
    once, twice = (od.save(docx.Document(str(cases["county"].draft)), tmp_path / n, MADE) for n in ("a.docx", "b.docx"))
    assert once.read_bytes() == twice.read_bytes()  # the same content, the same bytes
    turned = od.new_document("x", MADE)
    wide = od.section(turned, landscape=True)
    assert (round(wide.page_width.mm), round(wide.page_height.mm)) == (297, 210) and round(wide.left_margin.mm) == 37


def test_consolidate_writes_the_draft_before_the_workbook_or_says_why_not(tmp_path: Path) -> None:
    home = make_home(tmp_path / "var")
    runner = CliRunner()
    own = runner.invoke(main, ["consolidate", "--home", str(home.root), "--unit", "990171", "--period", "2025",
                               "--draft", "own"])  # fmt: skip
    assert own.exit_code == 0, own.output
    assert own.stderr.strip().startswith("huizong: 未写出本级年度报告草稿") and own.stderr.count("\n") == 1
    folder = home.out / "990171-annual_report-2025"
    assert not list(folder.glob("*.docx"))
    region = runner.invoke(main, ["consolidate", "--home", str(home.root), "--unit", "990171", "--period", "2025"])
    lines = region.stdout.splitlines()
    assert region.exit_code == 0 and region.stderr == ""
    assert lines[-2] == str(folder / "990171_明川高新技术产业开发区_汇总_年度报告草稿_annual_report-2025.docx")
    assert lines[-1].endswith("_汇总_annual_report-2025.xlsx")  # the workbook stays the last line
    title = docx.Document(lines[-2]).paragraphs[0].text
    assert title == "明川高新技术产业开发区管理委员会\n2025年政府信息公开工作年度报告"


def test_the_flows_take_the_draft_as_a_typed_parameter() -> None:
    from prefect.utilities.callables import parameter_schema

    from flows.consolidate import consolidate, season

    for flow in (consolidate, season):
        draft = parameter_schema(flow.fn).properties["draft"]
        assert draft["enum"] == ["region", "own"] and draft["default"] == "region" and "本级" in draft["description"]


# ── printed by LibreOffice ──

MM = 72 / 25.4
HANGING = "，。、；：？！）】》”’"  # may hang past the text block's right edge, as Chinese typesetting allows


@pytest.fixture(scope="session")
def printed(cases: dict[str, Case], demo_home: Home, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The county's region and own drafts and a 2019-format one, printed to PDF by one LibreOffice run."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed")
    folder = tmp_path_factory.mktemp("printed")
    sources = {name: shutil.copy(cases[name].draft, folder / f"{name}.docx") for name in ("county", "county-own")}
    form = demo_home.catalog.get("annual_report/2019")
    totals = dict(form.compute({code: 3 for code in form.inputs}))
    old = Consolidated(cycle_for(demo_home, "990121", "2020"), totals, {}, None, [])
    sources["2019"] = drafting.write_draft(folder / "2019.docx", old, "region", MADE)
    profile = folder / "lo-profile"
    command = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
               "--outdir", str(folder), *map(str, sources.values())]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=180)
    return {name: folder / f"{name}.pdf" for name in sources}


@pytest.mark.parametrize("name", ["county", "county-own", "2019"])
def test_libreoffice_prints_it_as_an_official_document(printed: dict[str, Path], name: str) -> None:
    import pdfplumber

    with pdfplumber.open(printed[name]) as pdf:
        pages = list(pdf.pages)
        assert 4 <= len(pages) <= 8, len(pages)
        texts = [re.sub(r"\s", "", page.extract_text() or "") for page in pages]
        whole = "".join(texts)
        title = "青石县人民政府办公室" if name == "county-own" else "青石县人民政府"
        assert texts[0].startswith(title + ("2020" if name == "2019" else "2025") + "年政府信息公开工作年度报告")
        for heading in ("一、总体情况", "（一）主动公开", "（二）依申请公开", "（三）政府信息管理", "（四）平台建设",
                        "（五）监督保障", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                        "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况",
                        "六、其他需要报告的事项"):  # fmt: skip
            assert heading in whole, heading
        for number, (page, text) in enumerate(zip(pages, texts, strict=True), start=1):
            assert page.width < page.height and text.endswith(f"—{number}—"), (number, text[-20:])
            _nothing_overlaps_or_overflows(page)


def _nothing_overlaps_or_overflows(page: Any) -> None:
    left, right = 28 * MM - 1, page.width - 26 * MM + 1
    top, bottom = 37 * MM - 1, page.height - 35 * MM + 1
    for char in page.chars:  # within the text block (a closing punctuation mark may hang); only the page number below
        hang = 16.5 if char["text"] in HANGING else 0
        assert left <= char["x0"] and char["x1"] <= right + hang and top <= char["top"], char
        assert char["bottom"] <= bottom or char["top"] >= bottom + 5 * MM, char
    words = sorted(page.extract_words(x_tolerance=1.5), key=lambda w: w["x0"])
    for i, a in enumerate(words):
        for b in words[i + 1 :]:
            if b["x0"] >= a["x1"] - 0.5:
                break
            across = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
            down = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            assert across <= 0.5 or down <= 0.5, (a["text"], b["text"])
    rules = [line for line in page.lines if abs(line["x0"] - line["x1"]) < 0.1]  # the tables' vertical rules
    for drawn in page.lines + page.rects:  # the tables' rules, and highlights (under text that may hang)
        hang = 16.5 if drawn in page.rects else 0
        assert left <= drawn["x0"] and drawn["x1"] <= right + hang, drawn
        assert top <= drawn["top"] <= drawn["bottom"] <= bottom, drawn
    for word in words:  # no text runs over a table's rule into the next cell
        for rule in rules:
            inside = word["x0"] + 0.5 < rule["x0"] < word["x1"] - 0.5
            assert not (inside and rule["top"] < word["bottom"] - 0.5 and rule["bottom"] > word["top"] + 0.5), word
