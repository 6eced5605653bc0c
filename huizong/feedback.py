"""The receipt (回执) an office sends back for a submission: the verdict, the findings, and the unit's own tables
as they were read, with every cell that has a finding highlighted and commented. A report the office returned (退回)
after review carries the office's reason, who returned it and when, on the 回执 sheet.

Everything a unit wrote is written back as text or numbers, never as a formula (``strings_to_formulas`` is off and
text goes through ``write_string``), so a cell that starts with ``=``, ``+``, ``-`` or ``@`` stays inert.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
from xlsxwriter.workbook import Format
from xlsxwriter.worksheet import Worksheet

from huizong.archive import write_whole
from huizong.assess import Verdict
from huizong.distribute import safe_name
from huizong.findings import SEVERITY_LABELS as SEVERITY
from huizong.findings import Finding
from huizong.forms import Form
from huizong.frame import Formats, print_setup, write_frame
from huizong.layout import layout_form
from huizong.paper import Rows
from huizong.periods import Period
from huizong.registry import Unit
from huizong.sheets import Col, Marked, Styles, print_list, write_list
from huizong.template import BOOK_OPTIONS


@dataclass(frozen=True)
class Returned:
    """The office's return of a report after review: why, by whom, when."""

    reason: str
    by: str
    at: dt.datetime

    def line(self) -> str:
        return f"{self.reason}（{self.by}，{self.at:%Y-%m-%d %H:%M}）"


@dataclass(frozen=True)
class Receipt:
    """What the office knows about the file beside its verdict (and its return, when the office sent it back)."""

    file_name: str
    sha256: str
    received_at: dt.datetime
    late: bool | None = None
    returned: Returned | None = None
    deadline: dt.date | None = None  # when known apart from the verdict's cycle (a receipt written by a reader process)


def feedback_path(out: Path, verdict: Verdict, receipt: Receipt) -> Path:
    """``<out>/<cycle>/feedback/<unit>_<name>_<hash8>.xlsx``; files nobody could identify go to ``unidentified``."""
    meta = verdict.reading.meta
    cycle = verdict.cycle.id if verdict.cycle else None
    name = verdict.unit.name if verdict.unit else meta.get("unit_name", "")  # as submissions.unit_name keeps it
    return receipt_file(out, cycle, meta.get("unit_code"), name, receipt.file_name, receipt.sha256)


def receipt_file(
    out: Path, cycle_id: str | None, unit_code: str | None, unit_name: str | None, file_name: str, sha256: str
) -> Path:
    """Where the receipt of a submission lies, from what ``submissions`` keeps of it."""
    folder = out / (cycle_id or "unidentified") / "feedback"
    if unit_code:
        return folder / f"{unit_code}_{safe_name(unit_name or '')[:40]}_{sha256[:8]}.xlsx"
    return folder / f"{sha256[:8]}_{safe_name(Path(file_name).stem)[:60]}.xlsx"  # a name is no path: cut short


def write_feedback(path: Path, verdict: Verdict, receipt: Receipt) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()  # made in memory, then written whole: a full disk leaves no half receipt behind
    book = xlsxwriter.Workbook(buffer, BOOK_OPTIONS)
    fmt = Formats(book)
    red = book.add_format({"bg_color": "#F8CBAD", "border": 1, "font_name": "宋体", "font_size": 10})
    amber = book.add_format({"bg_color": "#FFE699", "border": 1, "font_name": "宋体", "font_size": 10})
    _summary(book.add_worksheet("回执"), fmt, verdict, receipt)
    _findings(book.add_worksheet("问题清单"), Styles(book), verdict.findings)
    form, unit = verdict.reading.form, verdict.unit
    if form is not None and verdict.reading.values:
        shown = unit or Unit(verdict.reading.meta["unit_code"], verdict.reading.meta.get("unit_name", ""), "", None)
        period = Period.parse(verdict.reading.meta["period"])
        _tables(book, fmt, form, shown, period, verdict, {"error": red, "warning": amber})
    book.close()
    return write_whole(path, buffer.getvalue())


def _summary(sheet: Worksheet, fmt: Formats, verdict: Verdict, receipt: Receipt) -> None:
    meta = verdict.reading.meta
    form = verdict.reading.form
    errors, warnings = verdict.counts()
    name = verdict.unit.name if verdict.unit else meta.get("unit_name", "")  # the registry's name, when known
    who = f"{name}（{meta['unit_code']}）" if "unit_code" in meta else "无法识别"
    title = f"{name}{Period.parse(meta['period']).label if 'period' in meta else ''}"
    rows = Rows((14, 70))
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, 70)
    heading = f"{title}{form.title if form else '报表'}审核回执"
    sheet.merge_range(0, 0, 0, 1, heading, fmt.title)
    rows.text(0, 0, heading, 16, last_col=1)
    rows.need(0, 30)
    verdict_text, advice = _conclusion(verdict, receipt, warnings)
    returned = [("退回", receipt.returned.line())] if receipt.returned else []
    facts = [
        ("审核结论", verdict_text),
        *returned,
        ("填报单位", who),
        ("表式", f"{form.title}（{form.basis}）" if form else "无法识别"),
        ("报告期", Period.parse(meta["period"]).label if "period" in meta else "无法识别"),
        ("收到的文件", receipt.file_name),
        ("收到时间", f"{receipt.received_at:%Y-%m-%d %H:%M}" + ("（已逾期）" if receipt.late else "")),
        ("截止日期", f"{deadline:%Y-%m-%d}" if (deadline := receipt.deadline or verdict.deadline) else "—"),
        ("问题", f"错误 {errors} 项，提示 {warnings} 项"),
        ("处理意见", advice),
        ("文件校验码", " ".join(receipt.sha256[i : i + 16] for i in range(0, len(receipt.sha256), 16))),  # SHA-256
    ]
    for row, (key, value) in enumerate(facts, start=2):
        sheet.write_string(row, 0, key, fmt.heading)
        marked = key == "退回" or (key == "审核结论" and (not verdict.accepted or receipt.returned))
        sheet.write_string(row, 1, value, fmt.check if marked else fmt.row_label)
        rows.text(row, 1, value)
    rows.apply(sheet)
    print_list(sheet, None, landscape=False)
    sheet.hide_gridlines(2)
    sheet.activate()


def _conclusion(verdict: Verdict, receipt: Receipt, warnings: int) -> tuple[str, str]:
    """The verdict in a few words, and what the unit should do next."""
    if receipt.returned:
        return (
            "退回（政务公开办公室审核后退回），请修改后重新报送",
            "请按“退回”一行所写的理由核实修改，在原模板中修改后重新报送（不要复制到新文件）。",
        )
    if verdict.accepted:
        notes = "“提示”各项请核实，如有误请修改后重新报送。" if warnings else ""
        return "通过", "已通过审核，无需重新报送。" + notes
    return "退回，请修改后重新报送", "请按“问题清单”逐项修改，在原模板中修改后重新报送（不要复制到新文件）。"


FINDING_COLUMNS = (
    Col("序号", "int", most=6, least=5),
    Col("规则", most=8),
    Col("类别", most=6),
    Col("工作表", most=16),
    Col("单元格", most=14),
    Col("填写", most=18),
    Col("应为", most=18),
    Col("说明", most=56, least=40),
)


def _findings(sheet: Worksheet, styles: Styles, findings: Sequence[Finding]) -> None:
    ordered = sorted(findings, key=lambda f: (f.severity != "error", f.sheet, f.rule))
    records = [
        (n, f.rule, Marked(SEVERITY[f.severity]) if f.severity == "error" else SEVERITY[f.severity], f.sheet,
         f.cell, f.seen, f.expected, f.message)
        for n, f in enumerate(ordered, start=1)
    ]  # fmt: skip
    write_list(sheet, styles, FINDING_COLUMNS, records, empty="没有发现问题。")


def _tables(
    book: xlsxwriter.Workbook,
    fmt: Formats,
    form: Form,
    unit: Unit,
    period: Period,
    verdict: Verdict,
    marks: dict[str, Format],
) -> None:
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for finding in verdict.findings:
        for address in filter(None, finding.cell.split(",")):
            by_cell.setdefault((finding.sheet, address), []).append(finding)
    for layout in layout_form(form).values():
        sheet = book.add_worksheet(layout.table.sheet)
        rows = write_frame(sheet, fmt, form, layout, unit, period, "copy")
        for cell_code, span in layout.cells.items():
            cell = form.cells[cell_code]
            value = verdict.reading.values.get(cell_code)
            found = by_cell.get((layout.table.sheet, span.a1), [])
            plain = fmt.number(cell, "copy")
            style = marks["error" if any(f.severity == "error" for f in found) else "warning"] if found else plain
            if span.merged:
                sheet.merge_range(span.row, span.col, span.last_row, span.last_col, "", style)
            if value is not None and value.value is not None:
                sheet.write_number(span.row, span.col, float(value.value), style)
            elif value is not None and value.raw:
                sheet.write_string(span.row, span.col, value.raw, style)
            else:
                sheet.write_blank(span.row, span.col, None, style)
            if found:
                note = "\n".join(f"{f.rule} {SEVERITY[f.severity]}：{f.message}" for f in found)
                sheet.write_comment(span.row, span.col, note, {"x_scale": 3, "y_scale": 2, "font_name": "宋体"})
        rows.apply(sheet)
        print_setup(sheet, layout, layout.end_row)
