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
from xlsxwriter.worksheet import Worksheet

from huizong.charts import write_charts
from huizong.cycles import Cycle
from huizong.findings import SEVERITY_LABELS, STATUS_LABELS
from huizong.forms import Figure, Form
from huizong.frame import Formats, short_title
from huizong.paper import Rows
from huizong.registry import KINDS, Unit
from huizong.review.core import DRAFT, FINAL, finality
from huizong.sheets import Col, Kind, Marked, Styles, heading_row, print_list, widths, write_list
from huizong.status import line
from huizong.template import add_form_sheets, add_meta, new_book
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
    previous_count: tuple[int, int] | None = None  # (accepted, expected) of last period's cycle, if it ran one
    review: dict[str, Any] | None = None  # expected, approved, excused, final (review/cycle_final)

    @property
    def final(self) -> bool:
        """定稿: every expected unit approved or excused; until then the workbook is a 初稿."""
        return bool(self.review and self.review["final"])

    def review_line(self) -> str:
        r = self.review or {"expected": len(self.completeness), "approved": 0, "excused": 0}
        decided = r["approved"] + r["excused"]
        if self.final:
            return f"{FINAL}：应报 {r['expected']} 个单位已全部审定或免报（审定 {r['approved']}，免报 {r['excused']}）"
        return (
            f"{DRAFT}：已审定 {r['approved']} 个、免报 {r['excused']} 个，尚有 {r['expected'] - decided} 个单位"
            "未审定；全部审定或免报后重新汇总即为定稿"
        )

    def summary(self) -> str:
        rows = self.completeness
        received = sum(1 for r in rows if r["status"] != "missing")
        return line(
            {
                "expected": len(rows),
                "received": received,
                "missing": len(rows) - received,
                "accepted": sum(1 for r in rows if r["status"] == "accepted"),
                "rejected": sum(1 for r in rows if r["status"] == "rejected"),
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
    last = {"unit_code": cycle.owner.code, "form_id": form.id, "period": str(cycle.period.previous)}
    counted = wh.rows("workbook/previous_count", last)
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
        previous_count=(int(counted[0][0]), int(counted[0][1])) if counted else None,
        review=finality(wh, cycle.owner.code, form.id, str(cycle.period)),
    )


def figure(fig: Figure, values: Mapping[str, Number | None]) -> Number:
    return sum((values.get(code) or 0 for code in fig.cells), start=0)


def write_consolidated(path: Path, data: Consolidated, password: str, made: dt.datetime | None = None) -> Path:
    cycle, form, owner = data.cycle, data.cycle.form, data.cycle.owner
    made = made or dt.datetime.now().replace(microsecond=0)
    title = f"{owner.name}{cycle.period.label}{form.title}（汇总）"
    book = new_book(path, title, f"{form.key} aggregate", made, status=FINAL if data.final else DRAFT)
    fmt = Formats(book)
    styles = Styles(book)
    cover = book.add_worksheet("封面")
    inputs = {code: value for code, value in data.totals.items() if not form.cells[code].computed}
    add_form_sheets(book, fmt, form, owner, cycle.period, inputs, password, kind="aggregate")
    if data.own is not None:
        office, values = data.own
        own_inputs = {code: value for code, value in values.items() if not form.cells[code].computed}
        add_form_sheets(book, fmt, form, office, cycle.period, own_inputs, password, prefix="本级·", kind="copy")
    _breakdown(book.add_worksheet("分单位"), styles, form, data)
    _completeness(book.add_worksheet("报送情况"), styles, data)
    _findings(book.add_worksheet("问题清单"), styles, data)
    _year_over_year(book.add_worksheet("同比"), styles, form, data)
    charts = book.add_worksheet("图表")
    write_charts(book, charts, styles, form, owner.name, data.totals, data.previous, data.units, figure)
    _cover(cover, styles, title, data)
    cover.activate()
    add_meta(book, form, owner, cycle.period, "aggregate", made)
    book.close()
    return path


def _number(sheet: Worksheet, row: int, col: int, value: Number | None, style: Any) -> None:
    if value is None:
        sheet.write_blank(row, col, None, style)
    else:
        sheet.write_number(row, col, float(value) if isinstance(value, Decimal) else value, style)


def _coverage(data: Consolidated) -> str:
    """What the totals are made of, now and last period, so that a change in the number of units is explained."""
    accepted = sum(1 for r in data.completeness if r["status"] == "accepted")
    text = f"本期汇总数为 {accepted} 个单位已通过审核的报表之和，退回和未报单位不计入；"
    if data.previous and data.previous_count is not None:
        before, expected = data.previous_count
        text += f"上期为 {before} 个单位（应报 {expected} 个）的报表之和"
        text += "，两期单位数不同，增减中含单位变化的影响。" if before != accepted else "。"
    elif not data.previous:
        text += "没有上期数据，不计算增减。"
    return text


def _cover(sheet: Worksheet, styles: Styles, title: str, data: Consolidated) -> None:
    form, cycle = data.cycle.form, data.cycle
    sizes = (22, 16, 16, 16, 12)
    rows = Rows(sizes)
    for col, width in enumerate(sizes):
        sheet.set_column(col, col, width)
    sheet.merge_range(0, 0, 0, 4, title, styles.title)
    rows.text(0, 0, title, 16, last_col=4)
    rows.need(0, 36)
    facts = [
        ("汇总单位", f"{cycle.owner.name}（{cycle.owner.code}）"),
        ("报告期", cycle.period.label),
        ("表式", f"{form.title}（{form.basis}）"),
        ("数据截至", f"{data.as_of:%Y-%m-%d %H:%M}" if data.as_of else "尚未收到报表"),
        ("报送情况", data.summary()),
        ("审定情况", data.review_line()),
        ("汇总校验", "全部通过" if data.audits_pass else "发现问题，请查看 audit_results"),
        ("说明", _coverage(data)),
    ]
    for row, (key, value) in enumerate(facts, start=2):
        sheet.write_string(row, 0, key, styles.head)
        sheet.merge_range(row, 1, row, 4, value, styles.text)
        rows.text(row, 1, value, last_col=4)
    row = len(facts) + 3
    for col, name in enumerate(("主要指标", "本期", "上期", "增减", "增减率")):
        sheet.write_string(row, col, name, styles.head)
    rows.need(row, 20)
    for fig in form.figures:
        row += 1
        _cover_figure(sheet, styles, row, fig, data)
    row += 2
    sheet.write_string(row, 0, "本工作簿包括", styles.head)
    for entry in _contents(data):
        sheet.merge_range(row, 1, row, 4, entry, styles.text)
        rows.text(row, 1, entry, last_col=4)
        row += 1
    rows.apply(sheet)
    print_list(sheet, None, landscape=False)
    sheet.hide_gridlines(2)


def _cover_figure(sheet: Worksheet, styles: Styles, row: int, fig: Figure, data: Consolidated) -> None:
    """A key figure beside last period's, with the change; blank where there is no last period to compare."""
    now = figure(fig, data.totals)
    sheet.write_string(row, 0, fig.label, styles.text)
    _number(sheet, row, 1, now, styles.number(now))
    if not data.previous:
        sheet.write_string(row, 2, "—", styles.centred)
        sheet.write_blank(row, 3, None, styles.text)
        sheet.write_blank(row, 4, None, styles.text)
        return
    before = figure(fig, data.previous)
    _number(sheet, row, 2, before, styles.number(before))
    change = f"={xl_rowcol_to_cell(row, 1)}-{xl_rowcol_to_cell(row, 2)}"
    sheet.write_formula(row, 3, change, styles.number(now), float(now - before))
    ratio = f'=IF({xl_rowcol_to_cell(row, 2)}=0,"",{xl_rowcol_to_cell(row, 3)}/{xl_rowcol_to_cell(row, 2)})'
    sheet.write_formula(row, 4, ratio, styles.pct, float((now - before) / before) if before else "")


def _contents(data: Consolidated) -> list[str]:
    form, owner = data.cycle.form, data.cycle.owner
    entries = [f"{t.sheet}：{owner.name}汇总数" for t in form.tables]
    if data.own is not None:
        entries.append(f"本级·表二至表四：{data.own[0].name}本级报表")
    entries += [
        "分单位：各报送单位主要指标及小计",
        "报送情况：应报单位报送情况（督办名单在前）",
        "问题清单：各单位报表中尚未解决的问题",
        "同比：汇总数与上期对比" if data.previous else "同比：汇总数（没有上期数据）",
        "图表：办理结果构成、各单位申请量、主要指标",
    ]
    return entries


def _units_in_order(data: Consolidated) -> list[tuple[str, list[tuple[Unit, dict[str, Number]]]]]:
    groups: dict[str, list[tuple[Unit, dict[str, Number]]]] = {}
    for unit, values in data.units:
        groups.setdefault(unit.kind, []).append((unit, values))
    return [(kind, groups[kind]) for kind in KIND_ORDER if kind in groups]


def _breakdown(sheet: Worksheet, styles: Styles, form: Form, data: Consolidated) -> None:
    figures = form.figures
    groups = _units_in_order(data)
    cols = [Col("类别", most=22), Col("单位代码", most=13), Col("单位名称", most=26)]
    cols += [Col(f.label, "dec" if _is_amount(form, f) else "int", most=12, least=8) for f in figures]
    records = [(KINDS[k], u.code, u.name, *(_shown(form, f, v) for f in figures)) for k, m in groups for u, v in m]
    sums = [(f"小计：{KINDS[k]}（{len(m)}）", m) for k, m in groups] + [("合计", data.units)]
    totals = [(label, "", "", *(_summed(form, f, m) for f in figures)) for label, m in sums]
    sizes = widths(cols, [*records, *totals])
    rows = heading_row(sheet, styles.head, cols, sizes)
    row = 1
    for kind, members in groups:
        first = row
        for unit, values in members:
            for col, text in enumerate((KINDS[kind], unit.code, unit.name)):
                sheet.write_string(row, col, text, styles.text)
                rows.text(row, col, text)
            for col, fig in enumerate(figures, start=3):
                value = _shown(form, fig, values)
                _number(sheet, row, col, value, styles.number(value))
            row += 1
        _subtotal(sheet, styles, form, row, f"小计：{KINDS[kind]}（{len(members)}）", first, members)
        rows.text(row, 0, f"小计：{KINDS[kind]}（{len(members)}）", last_col=2)
        row += 1
    _subtotal(sheet, styles, form, row, "合计", 1, data.units)
    rows.apply(sheet)
    sheet.autofilter(0, 0, max(row - 1, 1), 2 + len(figures))
    sheet.freeze_panes(1, 3)
    print_list(sheet, 0)


def _is_amount(form: Form, fig: Figure) -> bool:
    return any(form.cells[c].type == "amount" for c in fig.cells)


def _shown(form: Form, fig: Figure, values: Mapping[str, Number]) -> Number:
    """A figure as it is shown: an amount keeps its four decimals even when it is nothing."""
    value = figure(fig, values)
    return Decimal(value) if _is_amount(form, fig) else value


def _summed(form: Form, fig: Figure, members: Sequence[tuple[Unit, Mapping[str, Number]]]) -> Number:
    return sum((_shown(form, fig, v) for _, v in members), start=Decimal(0) if _is_amount(form, fig) else 0)


def _subtotal(
    sheet: Worksheet,
    styles: Styles,
    form: Form,
    row: int,
    label: str,
    first: int,
    members: Sequence[tuple[Unit, Mapping[str, Number]]],
) -> None:
    sheet.merge_range(row, 0, row, 2, label, styles.sub_text)
    for col, fig in enumerate(form.figures, start=3):
        value = _summed(form, fig, members)
        cells = f"{xl_rowcol_to_cell(first, col)}:{xl_rowcol_to_cell(row - 1, col)}"
        sheet.write_formula(row, col, f"=SUBTOTAL(9,{cells})", styles.number(value, True), float(value))


COMPLETENESS = (
    Col("单位代码", most=13),
    Col("单位名称", most=28),
    Col("类别", most=20),
    Col("状态", most=6, center=True),
    Col("截止日期", "date", most=12, least=12),
    Col("首次报送", "time", most=17, least=17),
    Col("最近报送", "time", most=17, least=17),
    Col("报送次数", "int", most=6),
    Col("逾期", most=5, center=True),
    Col("超期未报", most=6, center=True),
    Col("错误", "int", most=5),
    Col("提示", "int", most=5),
)


def _completeness(sheet: Worksheet, styles: Styles, data: Consolidated) -> None:
    def mark(flag: bool) -> Marked | str:
        return Marked("是") if flag else ""

    records = [
        (
            r["unit_code"],
            r["unit_name"],
            KINDS.get(r["unit_kind"], r["unit_kind"]),
            Marked(STATUS_LABELS[r["status"]]) if r["status"] != "accepted" else STATUS_LABELS[r["status"]],
            r["deadline"],
            r["first_received"],
            r["last_received"],
            r["files"],
            mark(r["late"]),
            mark(r["overdue"]),
            r["errors"],
            r["warnings"],
        )
        for r in data.completeness
    ]
    write_list(sheet, styles, COMPLETENESS, records, freeze=2)


FINDINGS = (
    Col("单位代码", most=13),
    Col("单位名称", most=16),
    Col("报表状态", most=6, center=True),
    Col("文件", most=18),
    Col("规则", most=6, center=True),
    Col("类别", most=5, center=True),
    Col("位置", most=18),
    Col("填写", most=14),
    Col("应为", most=14),
    Col("说明", most=40, least=30),
)


def _findings(sheet: Worksheet, styles: Styles, data: Consolidated) -> None:
    records = [
        (
            f["unit_code"],
            f["unit_name"] or "",
            STATUS_LABELS.get(f["status"], f["status"]),
            f["file_name"],
            f["rule"],
            Marked(SEVERITY_LABELS[f["severity"]]) if f["severity"] == "error" else SEVERITY_LABELS[f["severity"]],
            f"{f['sheet']}!{f['cell']}" if f["cell"] else f["sheet"],
            f["seen"],
            f["expected"],
            f["message"],
        )
        for f in data.findings
    ]
    write_list(sheet, styles, FINDINGS, records, empty="没有未解决的问题。", freeze=2)


def _year_over_year(sheet: Worksheet, styles: Styles, form: Form, data: Consolidated) -> None:
    kind: Kind = "int"  # or "dec": each value is shown as what it is
    cols = (
        Col("表", most=6),
        Col("项目", most=46),
        Col("栏目", most=30),
        Col("本期", kind, most=13, least=9),
        Col("上期", kind, most=13, least=9),
        Col("增减", kind, most=13, least=9),
        Col("增减率", "pct", most=9, least=8),
    )
    records = []
    for code, cell in form.cells.items():
        now, before = data.totals.get(code, 0), data.previous.get(code)
        change = None if before is None else now - before
        ratio = float(change / before) if before and change is not None else None
        labels = (" > ".join(cell.row.labels), " > ".join(cell.col.labels))
        records.append((short_title(form.table(cell.table).title), *labels, now, before, change, ratio))
    write_list(sheet, styles, cols, records, freeze=0)
