"""The consolidated workbook of an aggregating unit for a cycle: what a county office publishes and sends up.

Sheets: a cover (completeness in one line, key figures against last period, contents), the official tables filled
with the totals (汇总, live totals and checks, exactly as a template), the unit's own 本级 report if it has one, the
breakdown by reporting unit with subtotals, completeness with the 督办 list first, the open findings, year-over-year,
charts, and a very hidden ``_meta`` that makes the file a valid 汇总 submission of this unit one tier up.

Every number comes from the warehouse (``sql/workbook/*.sql``); text from submissions is written as text only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from huizong.cycles import Cycle
from huizong.findings import SEVERITY_LABELS, STATUS_LABELS
from huizong.forms import Figure, Form
from huizong.registry import KINDS, Unit
from huizong.status import line
from huizong.template import Formats, add_form_sheets, add_meta, new_book
from huizong.warehouse import Warehouse

Number = int | Decimal
KIND_ORDER = ("office", "department", "township", "street", "county", "zone", "city", "province")


@dataclass
class Consolidated:
    """Everything the workbook shows, read from the warehouse in one go."""

    cycle: Cycle
    totals: dict[str, Number]
    previous: dict[str, Number | None]
    own: tuple[Unit, dict[str, Number]] | None  # (the government office, its own 本级 report)
    units: list[tuple[Unit, dict[str, Number]]]  # every expected unit that has numbers
    completeness: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    as_of: dt.datetime | None = None
    audits_pass: bool = True

    def summary(self) -> str:
        rows = self.completeness
        received = sum(1 for r in rows if r["status"] != "missing")
        return line(
            {
                "expected": len(rows),
                "received": received,
                "missing": len(rows) - received,
                "accepted": sum(1 for r in rows if r["status"] == "accepted"),
                "late": sum(1 for r in rows if r["late"]),
            }
        )


def _values(rows: Sequence[tuple[Any, ...]]) -> dict[str, Number]:
    return {code: amount if amount is not None else number for code, number, amount in rows}


def _typed(form: Form, code: str, value: Decimal | None) -> Number | None:
    """The warehouse compares in DECIMAL; counts are shown as whole numbers again."""
    if value is None or form.cells[code].type == "amount":
        return value
    return int(value)


def gather(wh: Warehouse, cycle: Cycle, units: Mapping[str, Unit], audits_pass: bool) -> Consolidated:
    form = cycle.form
    key = {"unit_code": cycle.owner.code, "form_id": form.id, "form_version": form.version, "period": str(cycle.period)}
    in_cycle = {"cycle_id": cycle.id, "form_id": form.id, "form_version": form.version, "period": str(cycle.period)}
    own_rows = wh.rows("workbook/own_report", key)
    by_unit: dict[str, dict[str, Number]] = {}
    for code, _name, _kind, cell, number, amount in wh.rows("workbook/breakdown", in_cycle):
        by_unit.setdefault(code, {})[cell] = amount if amount is not None else number
    as_of = wh.rows("workbook/as_of", {"cycle_id": cycle.id})
    return Consolidated(
        cycle=cycle,
        totals=_values(wh.rows("workbook/totals", key)),
        previous={code: _typed(form, code, value) for code, value in wh.rows("workbook/previous_totals", key)},
        own=(units[own_rows[0][0]], _values([r[2:] for r in own_rows])) if own_rows else None,
        units=[(units[c], v) for c, v in sorted(by_unit.items())],
        completeness=wh.records("workbook/cycle_completeness", {"cycle_id": cycle.id}),
        findings=wh.records("workbook/cycle_findings", {"cycle_id": cycle.id}),
        as_of=as_of[0][0] if as_of else None,
        audits_pass=audits_pass,
    )


def figure(fig: Figure, values: Mapping[str, Number | None]) -> Number:
    return sum((values.get(code) or 0 for code in fig.cells), start=0)


def write_consolidated(path: Path, data: Consolidated, password: str, made: dt.datetime | None = None) -> Path:
    cycle, form, owner = data.cycle, data.cycle.form, data.cycle.owner
    made = made or dt.datetime.now().replace(microsecond=0)
    title = f"{owner.name}{cycle.period.label}{form.title}（汇总）"
    book = new_book(path, title, f"{form.key} aggregate", made)
    fmt = Formats(book)
    styles = _Styles(book)
    cover = book.add_worksheet("封面")
    inputs = {code: value for code, value in data.totals.items() if not form.cells[code].computed}
    add_form_sheets(book, fmt, form, owner, cycle.period, inputs, password)
    if data.own is not None:
        office, values = data.own
        own_inputs = {code: value for code, value in values.items() if not form.cells[code].computed}
        add_form_sheets(
            book,
            fmt,
            form,
            office,
            cycle.period,
            own_inputs,
            password,
            prefix="本级·",
        )
    _breakdown(book.add_worksheet("分单位"), styles, form, data)
    _completeness(book.add_worksheet("报送情况"), styles, data)
    _findings(book.add_worksheet("问题清单"), styles, data)
    _year_over_year(book.add_worksheet("同比"), styles, form, data)
    charts = book.add_worksheet("图表")
    _charts(book, charts, styles, form, data)
    _cover(cover, styles, title, data)
    cover.activate()
    add_meta(book, form, owner, cycle.period, "aggregate", made)
    book.close()
    return path


class _Styles:
    def __init__(self, book: Workbook) -> None:
        base = {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter"}
        self.head = book.add_format({**base, "bold": True, "align": "center", "bg_color": "#D9E1F2", "text_wrap": True})
        self.text = book.add_format({**base, "text_wrap": True})
        self.int = book.add_format({**base, "num_format": "#,##0"})
        self.dec = book.add_format({**base, "num_format": "#,##0.0000"})
        self.pct = book.add_format({**base, "num_format": "0.0%"})
        self.sub_text = book.add_format({**base, "bold": True, "bg_color": "#F2F2F2"})
        self.sub_int = book.add_format({**base, "bold": True, "bg_color": "#F2F2F2", "num_format": "#,##0"})
        self.sub_dec = book.add_format({**base, "bold": True, "bg_color": "#F2F2F2", "num_format": "#,##0.0000"})
        self.alert = book.add_format({**base, "font_color": "#C00000", "bold": True})
        self.date = book.add_format({**base, "num_format": "yyyy-mm-dd"})
        self.time = book.add_format({**base, "num_format": "yyyy-mm-dd hh:mm"})
        self.title = book.add_format({"font_name": "黑体", "font_size": 16, "align": "center", "valign": "vcenter"})

    def number(self, value: Number | None, subtotal: bool = False) -> Any:
        if isinstance(value, Decimal):
            return self.sub_dec if subtotal else self.dec
        return self.sub_int if subtotal else self.int


def _number(sheet: Worksheet, row: int, col: int, value: Number | None, style: Any) -> None:
    if value is None:
        sheet.write_blank(row, col, None, style)
    else:
        sheet.write_number(row, col, float(value) if isinstance(value, Decimal) else value, style)


def _header(sheet: Worksheet, styles: _Styles, row: int, names: Sequence[str], widths: Sequence[float]) -> None:
    for col, (name, width) in enumerate(zip(names, widths, strict=True)):
        sheet.set_column(col, col, width)
        sheet.write_string(row, col, name, styles.head)
    sheet.set_row(row, 30)


def _print(sheet: Worksheet, header_row: int, landscape: bool = True) -> None:
    sheet.set_paper(9)
    if landscape:
        sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header_row)
    sheet.set_footer("&C第 &P 页，共 &N 页")


def _cover(sheet: Worksheet, styles: _Styles, title: str, data: Consolidated) -> None:
    form, cycle = data.cycle.form, data.cycle
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 3, 16)
    sheet.set_column(4, 4, 12)
    sheet.merge_range(0, 0, 0, 4, title, styles.title)
    sheet.set_row(0, 36)
    facts = [
        ("汇总单位", f"{cycle.owner.name}（{cycle.owner.code}）"),
        ("报告期", cycle.period.label),
        ("表式", f"{form.title}（{form.basis}）"),
        ("数据截至", f"{data.as_of:%Y-%m-%d %H:%M}" if data.as_of else "尚未收到报表"),
        ("报送情况", data.summary()),
        ("汇总校验", "全部通过" if data.audits_pass else "发现问题，请查看 audit_results"),
        ("说明", "本表按各单位已通过审核的报表逐项相加得出（本级报表为政府办公室自身的数字）；退回和未报单位不计入。"),
    ]
    for row, (key, value) in enumerate(facts, start=2):
        sheet.write_string(row, 0, key, styles.head)
        sheet.merge_range(row, 1, row, 4, value, styles.text)
        sheet.set_row(row, 32 if len(value) > 36 else 18)
    row = len(facts) + 3
    _header(sheet, styles, row, ("主要指标", "本期", "上期", "增减", "增减率"), (22, 16, 16, 16, 12))
    for fig in form.figures:
        row += 1
        now, before = figure(fig, data.totals), figure(fig, data.previous)
        sheet.write_string(row, 0, fig.label, styles.text)
        _number(sheet, row, 1, now, styles.number(now))
        _number(sheet, row, 2, before if data.previous else None, styles.number(before))
        change = f"={xl_rowcol_to_cell(row, 1)}-{xl_rowcol_to_cell(row, 2)}"
        sheet.write_formula(row, 3, change, styles.number(now), float(now - before) if data.previous else 0)
        ratio = f'=IF({xl_rowcol_to_cell(row, 2)}=0,"",{xl_rowcol_to_cell(row, 3)}/{xl_rowcol_to_cell(row, 2)})'
        sheet.write_formula(row, 4, ratio, styles.pct, float((now - before) / before) if before else "")
    row += 2
    sheet.write_string(row, 0, "本工作簿包括", styles.head)
    contents = [f"{t.sheet}：{cycle.owner.name}汇总数" for t in form.tables]
    contents += [
        "本级·…：政府办公室本级报表（如有）",
        "分单位：各报送单位主要指标及小计",
        "报送情况：应报单位报送情况（督办名单在前）",
        "问题清单：各单位报表中尚未解决的问题",
        "同比：汇总数与上期对比",
        "图表：办理结果构成、各单位申请量、同比",
    ]
    for entry in contents:
        sheet.merge_range(row, 1, row, 4, entry, styles.text)
        row += 1
    _print(sheet, 0, landscape=False)


def _units_in_order(data: Consolidated) -> list[tuple[str, list[tuple[Unit, dict[str, Number]]]]]:
    groups: dict[str, list[tuple[Unit, dict[str, Number]]]] = {}
    for unit, values in data.units:
        groups.setdefault(unit.kind, []).append((unit, values))
    return [(kind, groups[kind]) for kind in KIND_ORDER if kind in groups]


def _breakdown(sheet: Worksheet, styles: _Styles, form: Form, data: Consolidated) -> None:
    figures = form.figures
    _header(
        sheet,
        styles,
        0,
        ("类别", "单位代码", "单位名称", *(f.label for f in figures)),
        (14, 12, 26, *[11] * len(figures)),
    )
    row, subtotal_rows = 1, []
    for kind, members in _units_in_order(data):
        first = row
        for unit, values in members:
            sheet.write_string(row, 0, KINDS[kind], styles.text)
            sheet.write_string(row, 1, unit.code, styles.text)
            sheet.write_string(row, 2, unit.name, styles.text)
            for col, fig in enumerate(figures, start=3):
                value = figure(fig, values)
                _number(sheet, row, col, value, styles.number(value))
            row += 1
        sheet.merge_range(row, 0, row, 2, f"小计：{KINDS[kind]}（{len(members)}）", styles.sub_text)
        for col, fig in enumerate(figures, start=3):
            value = sum((figure(fig, v) for _, v in members), start=0)
            cells = f"{xl_rowcol_to_cell(first, col)}:{xl_rowcol_to_cell(row - 1, col)}"
            sheet.write_formula(row, col, f"=SUBTOTAL(9,{cells})", styles.number(value, True), float(value))
        subtotal_rows.append(row)
        row += 1
    sheet.merge_range(row, 0, row, 2, "合计", styles.sub_text)
    for col, fig in enumerate(figures, start=3):
        value = sum((figure(fig, v) for _, v in data.units), start=0)
        cells = f"{xl_rowcol_to_cell(1, col)}:{xl_rowcol_to_cell(row - 1, col)}"
        sheet.write_formula(row, col, f"=SUBTOTAL(9,{cells})", styles.number(value, True), float(value))
    sheet.autofilter(0, 0, max(row - 1, 1), 2 + len(figures))
    sheet.freeze_panes(1, 3)
    _print(sheet, 0)


def _completeness(sheet: Worksheet, styles: _Styles, data: Consolidated) -> None:
    names = (
        "单位代码",
        "单位名称",
        "类别",
        "状态",
        "截止日期",
        "首次报送",
        "最近报送",
        "报送次数",
        "逾期",
        "超期未报",
        "错误",
        "提示",
    )
    _header(sheet, styles, 0, names, (12, 26, 10, 8, 12, 16, 16, 8, 6, 8, 6, 6))
    for row, r in enumerate(data.completeness, start=1):
        chase = r["status"] != "accepted"
        sheet.write_string(row, 0, r["unit_code"], styles.text)
        sheet.write_string(row, 1, r["unit_name"], styles.text)
        sheet.write_string(row, 2, KINDS.get(r["unit_kind"], r["unit_kind"]), styles.text)
        sheet.write_string(row, 3, STATUS_LABELS[r["status"]], styles.alert if chase else styles.text)
        sheet.write_datetime(row, 4, dt.datetime.combine(r["deadline"], dt.time()), styles.date)
        for col, key in ((5, "first_received"), (6, "last_received")):
            if r[key] is None:
                sheet.write_blank(row, col, None, styles.text)
            else:
                sheet.write_datetime(row, col, r[key], styles.time)
        sheet.write_number(row, 7, r["files"], styles.int)
        sheet.write_string(row, 8, "是" if r["late"] else "", styles.alert if r["late"] else styles.text)
        sheet.write_string(row, 9, "是" if r["overdue"] else "", styles.alert if r["overdue"] else styles.text)
        sheet.write_number(row, 10, r["errors"], styles.int)
        sheet.write_number(row, 11, r["warnings"], styles.int)
    sheet.autofilter(0, 0, max(len(data.completeness), 1), len(names) - 1)
    sheet.freeze_panes(1, 2)
    _print(sheet, 0)


def _findings(sheet: Worksheet, styles: _Styles, data: Consolidated) -> None:
    names = ("单位代码", "单位名称", "报表状态", "文件", "规则", "类别", "位置", "填写", "应为", "说明")
    _header(sheet, styles, 0, names, (12, 22, 8, 24, 7, 6, 30, 12, 12, 60))
    for row, f in enumerate(data.findings, start=1):
        where = f"{f['sheet']}!{f['cell']}" if f["cell"] else f["sheet"]
        cells = (
            f["unit_code"],
            f["unit_name"] or "",
            STATUS_LABELS.get(f["status"], f["status"]),
            f["file_name"],
            f["rule"],
            SEVERITY_LABELS[f["severity"]],
            where,
            f["seen"],
            f["expected"],
            f["message"],
        )
        for col, text in enumerate(cells):
            style = styles.alert if col == 5 and f["severity"] == "error" else styles.text
            sheet.write_string(row, col, str(text), style)
    if not data.findings:
        sheet.merge_range(1, 0, 1, len(names) - 1, "没有未解决的问题。", styles.text)
    sheet.autofilter(0, 0, max(len(data.findings), 1), len(names) - 1)
    sheet.freeze_panes(1, 2)
    _print(sheet, 0)


def _year_over_year(sheet: Worksheet, styles: _Styles, form: Form, data: Consolidated) -> None:
    _header(sheet, styles, 0, ("表", "项目", "栏目", "本期", "上期", "增减", "增减率"), (26, 48, 26, 12, 12, 12, 10))
    row = 1
    for code, cell in form.cells.items():
        now, before = data.totals.get(code, 0), data.previous.get(code)
        sheet.write_string(row, 0, form.table(cell.table).title, styles.text)
        sheet.write_string(row, 1, " > ".join(cell.row.labels), styles.text)
        sheet.write_string(row, 2, " > ".join(cell.col.labels), styles.text)
        _number(sheet, row, 3, now, styles.number(now))
        _number(sheet, row, 4, before, styles.number(now))
        if before is not None:
            _number(sheet, row, 5, now - before, styles.number(now))
            sheet.write_formula(
                row,
                6,
                f'=IF(E{row + 1}=0,"",F{row + 1}/E{row + 1})',
                styles.pct,
                float((now - before) / before) if before else "",
            )
        else:
            sheet.write_blank(row, 5, None, styles.text)
            sheet.write_blank(row, 6, None, styles.text)
        row += 1
    sheet.autofilter(0, 0, row - 1, 6)
    sheet.freeze_panes(1, 0)
    _print(sheet, 0)


def _charts(book: Workbook, sheet: Worksheet, styles: _Styles, form: Form, data: Consolidated) -> None:
    """Native charts with their data beside them: outcome mix, applications by unit, this period against the last."""
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 2, 12)
    grouped = [f for f in form.figures if f.group]
    _header(sheet, styles, 0, ("构成", "本期"), (24, 12))
    for row, fig in enumerate(grouped, start=1):
        sheet.write_string(row, 0, fig.label, styles.text)
        _number(sheet, row, 1, figure(fig, data.totals), styles.int)
    if grouped:
        pie = book.add_chart({"type": "pie"})
        pie.add_series(
            {
                "name": "构成",
                "categories": ["图表", 1, 0, len(grouped), 0],
                "values": ["图表", 1, 1, len(grouped), 1],
                "data_labels": {"percentage": True},
            }
        )
        pie.set_title({"name": f"{data.cycle.owner.name}{data.cycle.period.label}构成"})
        sheet.insert_chart(0, 4, pie, {"x_scale": 1.2, "y_scale": 1.1})
    main = form.figures[0] if form.figures else None
    top = max(len(grouped) + 3, 18)  # each chart beside its data, none over another
    ranked = sorted(data.units, key=lambda uv: (-figure(main, uv[1]), uv[0].code))[:20] if main else []
    _header(sheet, styles, top, ("单位", main.label if main else ""), (24, 12))
    for i, (unit, values) in enumerate(ranked, start=1):
        sheet.write_string(top + i, 0, unit.name, styles.text)
        _number(sheet, top + i, 1, figure(main, values) if main else 0, styles.int)
    if ranked and main:
        bar = book.add_chart({"type": "bar"})
        bar.add_series(
            {
                "name": main.label,
                "categories": ["图表", top + 1, 0, top + len(ranked), 0],
                "values": ["图表", top + 1, 1, top + len(ranked), 1],
            }
        )
        bar.set_title({"name": f"各单位{main.label}（前{len(ranked)}名）"})
        bar.set_y_axis({"reverse": True})
        bar.set_legend({"none": True})
        sheet.insert_chart(top, 4, bar, {"x_scale": 1.2, "y_scale": 1.6})
    last = top + max(len(ranked) + 3, 26)
    compared = [f for f in form.figures if not f.group][:6]
    _header(sheet, styles, last, ("指标", "本期"), (24, 12))
    sheet.write_string(last, 2, "上期", styles.head)
    for i, fig in enumerate(compared, start=1):
        sheet.write_string(last + i, 0, fig.label, styles.text)
        _number(sheet, last + i, 1, figure(fig, data.totals), styles.number(figure(fig, data.totals)))
        _number(sheet, last + i, 2, figure(fig, data.previous) if data.previous else None, styles.int)
    if compared:
        column = book.add_chart({"type": "column"})
        for col, name in ((1, "本期"), (2, "上期")):
            column.add_series(
                {
                    "name": name,
                    "categories": ["图表", last + 1, 0, last + len(compared), 0],
                    "values": ["图表", last + 1, col, last + len(compared), col],
                }
            )
        column.set_title({"name": "与上期对比"})
        sheet.insert_chart(last, 4, column, {"x_scale": 1.2, "y_scale": 1.1})
    _print(sheet, 0)
