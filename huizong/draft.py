"""The draft (草稿) of a published 政府信息公开工作年度报告, as a Word document the office completes.

It covers either the region's consolidated totals (``region``, 汇总: the title names the government, e.g.
青石县人民政府) or the government office's own 本级 report (``own``: the title names the office). It holds the
title; an opening paragraph; 一、总体情况 with its five subsections (主动公开, 依申请公开, 政府信息管理, 平台建设,
监督保障), whose sentences carry the figures, the change from last period where there is one, and the outcome mix;
parts 二、三、四 as the form's tables with the numbers, laid out from the form (``huizong.layout``) with its merged
headings and labels; 五 and 六 as places to write, 六 with the sentence on the 信息处理费. Whatever huizong cannot know
is a marked place to write (:func:`huizong.official_doc.blank`). Every number is the one in the consolidated workbook.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Literal

from huizong import official_doc as od
from huizong.cycles import Cycle
from huizong.forms import Figure, Form, cell_code
from huizong.layout import TOP, SheetLayout, Span, layout_form
from huizong.official_doc import blank
from huizong.registry import KINDS
from huizong.warehouse import Warehouse
from huizong.workbook import KIND_ORDER, Consolidated, Number

Scope = Literal["region", "own"]
SCOPES: tuple[Scope, ...] = ("region", "own")
SCOPE_LABELS = {"region": "汇总", "own": "本级"}
ANNUAL_REPORT = "annual_report"  # the national form; its published report is what this drafts
NATURAL_PERSON = "t3.new_received.natural_person"  # cells the sentences name, where the form has them
FEE_UNPAID = "t3.other_handling.fee_unpaid.total"
FEE_RULES = 2021  # 《政府信息公开信息处理费管理办法》 applies from 1 January 2021
MIN_COLUMN = 2  # characters: a table whose value columns would be narrower in portrait is printed landscape
Parts = list[str]


@dataclass(frozen=True)
class Subject:
    """Whose report the draft is, and its numbers (every cell of the form, totals computed as in the workbook)."""

    scope: Scope
    name: str  # in the title: 青石县人民政府, or 青石县人民政府办公室
    compiler: str  # who compiles it: the government office
    who: str  # how sentences name the bodies reported on: 全县各级行政机关, or 本机关
    values: dict[str, Number]
    previous: Mapping[str, Number | None]  # last period's, in this version's codes; empty when there is none


def unavailable(data: Consolidated, scope: Scope) -> str:
    """Why no draft can be written for this cycle and scope, in one line; empty when one can."""
    cycle = data.cycle
    if cycle.form.id != ANNUAL_REPORT:
        return f"未写出年度报告草稿：{cycle.form.title}不是政府信息公开工作年度报告"
    if scope == "own" and data.own is None:
        return (
            f"未写出本级年度报告草稿：{cycle.owner.name}{cycle.period.label}没有已通过审核的本级报表"
            "（政府办公室的报表未报送或未通过）"
        )
    return ""


def file_name(cycle: Cycle, scope: Scope) -> str:
    """Named like the consolidated workbook: ``990121_青石县_汇总_年度报告草稿_annual_report-2025.docx``."""
    owner = cycle.owner
    return f"{owner.code}_{owner.name}_{SCOPE_LABELS[scope]}_年度报告草稿_{cycle.form.id}-{cycle.period}.docx"


def government(data: Consolidated) -> str:
    """The region's government as its title names it: 青石县人民政府; a development zone's 管理委员会."""
    owner = data.cycle.owner
    return owner.name + ("管理委员会" if owner.kind == "zone" else "人民政府")


def area(data: Consolidated) -> str:
    """全县, 全市, 全区 (a district or a zone), 全旗; else 全域."""
    last = data.cycle.owner.name[-1:]
    return f"全{last}" if last in "县市区旗" else "全域"


def subject(data: Consolidated, scope: Scope, own_previous: Mapping[str, Number] | None = None) -> Subject:
    form = data.cycle.form
    office = f"{government(data)}办公室"
    if scope == "own":
        assert data.own is not None, unavailable(data, scope)
        office_unit, values = data.own
        return Subject(
            scope, office_unit.name, office_unit.name, "本机关", _all(form, values), dict(own_previous or {})
        )
    compiler = data.own[0].name if data.own else office
    return Subject(
        scope, government(data), compiler, f"{area(data)}各级行政机关", _all(form, data.totals), data.previous
    )


def _all(form: Form, values: Mapping[str, Number]) -> dict[str, Number]:
    """Every cell: the inputs and the totals computed from them, exactly as the workbook's sheets show them."""
    return dict(form.compute({code: v for code, v in values.items() if not form.cells[code].computed}))


def own_previous(wh: Warehouse, cycle: Cycle) -> dict[str, Number]:
    """Last period's own report of the cycle's government office (for the own draft's change from last period)."""
    form = cycle.form
    key = {"unit_code": cycle.owner.code, "form_id": form.id, "form_version": form.version, "period": str(cycle.period)}
    rows = wh.rows("draft/own_previous", key)
    return {code: value if form.cells[code].type == "amount" else int(value) for code, value in rows}


def write_draft(
    path: Path, data: Consolidated, scope: Scope, made: dt.datetime, own_previous: Mapping[str, Number] | None = None
) -> Path:
    who = subject(data, scope, own_previous)
    cycle, form = data.cycle, data.cycle.form
    doc = od.new_document(f"{who.name}{cycle.period.label}{form.title}（草稿）", made)
    od.title(doc, [who.name, f"{cycle.period.label}{form.title}"])
    od.body(doc, opening(data, who))
    od.heading(doc, "一、总体情况")
    od.body(doc, [f"{cycle.period.label}，{who.name}深入贯彻落实《条例》和上级关于政务公开工作的部署要求，",
                  blank("本年度政府信息公开工作的总体情况和主要做法"), "。"])  # fmt: skip
    for title, paragraphs in overview(data, who):
        od.heading(doc, title, level=2)
        for parts in paragraphs:
            od.body(doc, parts)
    landscape = False
    for layout in layout_form(form).values():
        landscape = _tables_page(doc, layout, who.values, landscape)
    if landscape:
        od.section(doc, landscape=False)
    od.heading(doc, "五、存在的主要问题及改进情况")
    od.body(doc, [f"{cycle.period.label}，{who.name}的政府信息公开工作仍存在", blank("主要问题"), "等问题。"])
    od.body(doc, ["下一步，", blank("上一年度报告所列问题的改进情况和下一步的改进措施"), "。"])
    od.heading(doc, "六、其他需要报告的事项")
    od.body(doc, fee_sentence(form, who, cycle.period.year))
    od.body(doc, [blank("本年度政务公开工作要点落实情况、人大代表建议和政协提案办理结果公开情况等其他需要报告的事项")])
    return od.save(doc, path, made)


# ── the text ──


def opening(data: Consolidated, who: Subject) -> Parts:
    cycle, form = data.cycle, data.cycle.form
    parts: Parts = [f"本报告依据《中华人民共和国政府信息公开条例》（以下简称《条例》）第五十条和{form.basis}的要求，"]
    if who.scope == "own":
        parts.append(f"由{who.compiler}编制，反映本机关的政府信息公开工作情况。")
    elif data.units:
        parts.append(f"由{who.compiler}汇总{area(data)}{_kinds(data)}共{len(data.units)}个单位的{form.title}编制而成。")
        parts += _incomplete(data)
    else:
        parts += [f"由{who.compiler}编制。", *_incomplete(data)]
    contents = [
        "总体情况",
        *(_unnumbered(t.title) for t in form.tables),
        "存在的主要问题及改进情况",
        "其他需要报告的事项",
    ]
    start, end = cycle.period.start, cycle.period.end
    parts += [
        f"全文包括{'、'.join(contents)}。",
        f"本报告所列数据的统计期限为{_date(start)}至{_date(end)}。本报告电子版可在",
        blank("网站名称及网址"),
        "查阅或下载。如对本报告有疑问，请与",
        blank("联系单位、地址、邮编、电话"),
        "联系。",
    ]
    return parts


def _kinds(data: Consolidated) -> str:
    present = {unit.kind for unit, _ in data.units}
    return "、".join(KINDS[k].removesuffix("（汇总）") for k in KIND_ORDER if k in present)


def _incomplete(data: Consolidated) -> Parts:
    rows = data.completeness
    accepted = sum(1 for r in rows if r["status"] == "accepted")
    if accepted >= len(rows):
        return []
    received = sum(1 for r in rows if r["status"] != "missing")
    gap = f"应报{len(rows)}个单位，已报{received}个，通过审核{accepted}个；未报或未通过审核的单位未计入本报告"
    return [blank(gap, "请核实")]


def overview(data: Consolidated, who: Subject) -> list[tuple[str, list[Parts]]]:
    """The five subsections of 一、总体情况, each with its paragraphs."""
    supervision = "政务公开工作机构和人员、培训、工作考核、社会评议和责任追究结果等情况"
    return [
        ("（一）主动公开", proactive(data, who)),
        ("（二）依申请公开", on_request(data.cycle.form, who, data.cycle.period.label)),
        ("（三）政府信息管理", [[blank("政府信息公开审查、行政规范性文件管理、政策解读和信息动态更新等情况")]]),
        ("（四）平台建设", [[blank("政府门户网站、政务新媒体、政务公开专区和政府公报等平台的建设和运维情况")]]),
        ("（五）监督保障", [[blank(supervision)]]),
    ]


def proactive(data: Consolidated, who: Subject) -> list[Parts]:
    """Every non-zero row of the first table (part 二), with its columns' labels as the form prints them."""
    form = data.cycle.form
    first = form.tables[0]
    rows: list[str] = []
    for block in first.blocks:
        for row in block.row_lines:
            cells = [cell_code(first.code, row, col) for col in block.col_lines]
            if any(who.values[c] for c in cells):
                said = "、".join(f"{_unitless(form.cells[c].col.labels[-1])}{_n(who.values[c])}{form.cells[c].unit}"
                                 for c in cells)  # fmt: skip
                rows.append(f"{''.join(row.labels)}{said}")
    listed = "；".join(rows) if rows else "各项均为0"
    number, what = first.title.split("、", 1)
    return [
        [
            f"{data.cycle.period.label}，{who.who}主动公开政府信息",
            blank("条数"),
            "条，",
            blank("政策解读、回应关切和重点领域信息公开情况"),
            "。",
        ],
        [f"按照《条例》第二十条的规定，{who.who}{what}：{listed}（详见第{number}部分）。"],
    ]


def on_request(form: Form, who: Subject, period: str) -> list[Parts]:
    figures = {f.key: f for f in form.figures}
    now = {key: _figure(f, who.values) for key, f in figures.items()}
    new = now.get("new", 0)
    first = f"{period}，{who.who}共收到政府信息公开申请{_n(new)}件{_change(figures.get('new'), who)}"
    if new and NATURAL_PERSON in who.values:
        person = who.values[NATURAL_PERSON]
        first += f"，其中自然人提出{_n(person)}件、法人或其他组织提出{_n(new - person)}件"
    if "carried_over" in now:
        first += f"；上年结转政府信息公开申请{_n(now['carried_over'])}件"
    paragraphs = [[first + "。"], [_outcomes(form, now)]]
    paragraphs.append([_appeals(figures, now, who)])
    return paragraphs


def _outcomes(form: Form, now: Mapping[str, Number]) -> str:
    handled = now.get("handled", 0)
    text = f"本年度办理结果总计{_n(handled)}件"
    if handled:
        mix = [f"{f.label}{_n(now[f.key])}件（占{_share(now[f.key], handled)}%）" for f in form.figures if f.group]
        text += "，其中" + "，".join(mix)
    if "carried_forward" in now:
        text += f"；结转下年度继续办理{_n(now['carried_forward'])}件"
    return text + "。"


def _appeals(figures: Mapping[str, Figure], now: Mapping[str, Number], who: Subject) -> str:
    review, lawsuit = now.get("review", 0), now.get("lawsuit", 0)
    if not review and not lawsuit and not any(_before(figures.get(k), who) for k in ("review", "lawsuit")):
        return "本年度未发生因政府信息公开工作被申请行政复议、提起行政诉讼的情况。"
    return (
        f"因政府信息公开工作被申请行政复议{_n(review)}件{_change(figures.get('review'), who)}，"
        f"被提起行政诉讼{_n(lawsuit)}件{_change(figures.get('lawsuit'), who)}。"
    )


def fee_sentence(form: Form, who: Subject, year: int) -> Parts:
    """六's sentence on the 信息处理费 (《条例》第四十二条; the 办法, 国办函〔2020〕109号, from 2021). The form holds
    no amount charged (part 二's 行政事业性收费 is another thing); applications dropped for a fee not paid (2021
    format) show that fees were asked for, and then the amount is left to write. Otherwise: none, to be checked."""
    unpaid = who.values.get(FEE_UNPAID, 0) if FEE_UNPAID in form.cells else 0
    rules = "《条例》第四十二条" + ("和《政府信息公开信息处理费管理办法》" if year >= FEE_RULES else "")
    lead = f"依据{rules}，本年度"
    if not unpaid:
        return [f"{lead}{who.who}未收取信息处理费。", blank("如有收取，写明收费的申请件数和金额（元）", "请核实")]
    return [
        f"{lead}{who.who}向申请人发出收费通知",
        blank("件数"),
        "件，收取信息处理费",
        blank("金额"),
        f"元；因申请人逾期未按收费通知要求缴纳费用、行政机关不再处理的政府信息公开申请{_n(unpaid)}件。",
    ]


def _figure(fig: Figure, values: Mapping[str, Number | None]) -> Number:
    return sum((values.get(code) or 0 for code in fig.cells), start=0)


def _before(fig: Figure | None, who: Subject) -> Number | None:
    """Last period's figure, or None where last period (or any of its cells) is not known."""
    if fig is None or any(who.previous.get(code) is None for code in fig.cells):
        return None
    return _figure(fig, who.previous)


def _change(fig: Figure | None, who: Subject) -> str:
    before = _before(fig, who)
    if fig is None or before is None:
        return ""
    diff: Number = _figure(fig, who.values) - before
    if not diff:
        return "，与上年持平"
    size: Number = diff if diff > 0 else -diff
    word = "增加" if diff > 0 else "减少"
    ratio = f"、{'增长' if diff > 0 else '下降'}{_share(size, before)}%" if before else ""
    return f"，比上年{word}{_n(size)}件{ratio}"


def _share(part: Number, whole: Number) -> str:
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def _n(value: Number) -> str:
    """A number as the tables print it: counts whole, amounts without trailing zeros."""
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def _date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _unnumbered(title: str) -> str:
    return title.split("、", 1)[-1]


def _unitless(label: str) -> str:
    return label.split("（单位：", 1)[0]


# ── the tables ──


def _tables_page(doc: od.Doc, layout: SheetLayout, values: Mapping[str, Number], landscape: bool) -> bool:
    """The table's section heading and table, on a landscape page when it is too wide; returns the orientation."""
    size = od.SIZES["五号"] if layout.width <= 6 else od.SIZES["小五"]
    wide = orientation(layout, size) == "landscape"
    if wide != landscape:
        od.section(doc, wide)
    od.heading(doc, layout.table.title)
    grid = od.table(doc, layout.end_row - TOP, widths(layout, od.text_width(wide)))
    for heading in layout.headings:
        align: od.Align = "left" if heading.role == "row" and heading.span.row == heading.span.last_row else "center"
        _place(grid, heading.span, heading.text, size, align)
    for code, span in layout.cells.items():
        _place(grid, span, _n(values[code]), size)
    od.repeat_rows(grid, layout.header_rows[1] - TOP + 1)
    od.keep_together(grid)
    doc.add_paragraph()
    return wide


def widths(layout: SheetLayout, text_width: float) -> list[float]:
    """Column widths (mm) in the proportions of the form's sheet, filling the text block."""
    total = sum(layout.col_widths)
    return [text_width * w / total for w in layout.col_widths]


def orientation(layout: SheetLayout, size: float) -> Literal["portrait", "landscape"]:
    narrowest = min(widths(layout, od.text_width(False))[layout.label_cols :])
    needed = MIN_COLUMN * size * 25.4 / 72 + 2 * od.CELL_MARGIN
    return "portrait" if narrowest >= needed else "landscape"


def _place(grid: od.Doc, span: Span, text: str, size: float, align: od.Align = "center") -> None:
    cell = grid.cell(span.row - TOP, span.col)
    if span.merged:
        cell = cell.merge(grid.cell(span.last_row - TOP, span.last_col))
    od.fill(cell, text, size, align)
