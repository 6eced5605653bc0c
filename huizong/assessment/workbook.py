"""The 通报 workbook of an assessment: a cover, the ranking by kind, and the lapses behind the points.

- 封面: who assessed, the cycles covered with their deadlines, the day, how the units stand, the letters sent, and
  the rules with the weights used (each criterion's full points and what one lapse deducts);
- 考核排名: the units grouped by kind (政府办公室、部门、乡镇、街道…), each group ranked, with each criterion's
  points, the total, what went wrong in words, and 督办 marking the units that get a letter;
- 问题明细: one row per unit and cycle with a lapse (or excused, or not due yet), with its dates and reasons.

Text is written as text; every row is as high as its text needs (``huizong.paper``); A4, one page wide.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from huizong.assessment.core import OUTCOMES, Assessment
from huizong.assessment.weights import CRITERIA, Weights
from huizong.frame import short_title
from huizong.paper import Rows, column_points, page_points
from huizong.registry import KINDS
from huizong.sheets import Col, Marked, Styles, heading_row, print_list, widths, write_list
from huizong.template import new_book

COVER, RANKING, DETAILS = "封面", "考核排名", "问题明细"
UNRANKED = {"excused": "免报", "pending": "未到期"}
SCORED = ("timeliness", "first_try", "returns_points", "explanations", "total")  # the columns of points


class NoticeStyles(Styles):
    def __init__(self, book: Workbook) -> None:
        super().__init__(book)
        base = {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter", "align": "center"}
        self.points = book.add_format({**base, "num_format": "General"})
        self.total = book.add_format({**base, "num_format": "General", "bold": True})
        self.group = book.add_format({**base, "bold": True, "align": "left", "bg_color": "#F2F2F2"})
        self.subtitle = book.add_format({"font_name": "楷体", "font_size": 12, "align": "center", "valign": "vcenter"})


def points(value: Decimal | None) -> str:
    """Points as a clerk writes them: 40, 37.5 (no trailing .0)."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def title_of(a: Assessment) -> str:
    return f"{a.owner.name}政府信息公开报表报送考核通报"


def write_notice(path: Path, a: Assessment, made: dt.datetime) -> Path:
    book = new_book(path, f"{title_of(a)}（{a.periods}）", f"assessment {a.slug}", made)
    styles = NoticeStyles(book)
    cover = book.add_worksheet(COVER)
    _ranking(book.add_worksheet(RANKING), styles, a)
    _details(book.add_worksheet(DETAILS), styles, a)
    _cover(cover, styles, a)
    cover.activate()
    book.close()
    return path


# ── the cover ──


def _cover(sheet: Worksheet, styles: NoticeStyles, a: Assessment) -> None:
    sizes = (14, 9, 62)
    rows = Rows(sizes)
    for col, width in enumerate(sizes):
        sheet.set_column(col, col, width)
    sheet.merge_range(0, 0, 0, 2, title_of(a), styles.title)
    rows.text(0, 0, title_of(a), 16, last_col=2)
    rows.need(0, 36)
    sheet.merge_range(1, 0, 1, 2, f"（{a.periods}）", styles.subtitle)
    rows.text(1, 0, f"（{a.periods}）", 12, last_col=2)
    row = 3
    for key, value in _facts(a):
        row = _fact(sheet, styles, rows, row, key, value)
    row += 1
    for col, name in enumerate(("考核项目", "满分", "扣分标准")):
        sheet.write_string(row, col, name, styles.head)
    for label, full, rule in _rules(a.weights):
        row += 1
        sheet.write_string(row, 0, label, styles.text)
        sheet.write_string(row, 1, full, styles.centred)
        sheet.write_string(row, 2, rule, styles.text)
        rows.text(row, 2, rule)
    row += 2
    for key, value in _notes(a):
        row = _fact(sheet, styles, rows, row, key, value)
    rows.apply(sheet)
    print_list(sheet, None, landscape=False)
    sheet.hide_gridlines(2)


def _fact(sheet: Worksheet, styles: Styles, rows: Rows, row: int, key: str, value: str) -> int:
    sheet.write_string(row, 0, key, styles.head)
    sheet.merge_range(row, 1, row, 2, value, styles.text)
    rows.text(row, 1, value, last_col=2)
    return row + 1


def _facts(a: Assessment) -> list[tuple[str, str]]:
    ranked = [s for s in a.scores if s["ranked"]]
    totals = [s["total"] for s in ranked]
    full = sum(1 for t in totals if t == a.weights.full)
    mean = sum(totals, start=Decimal(0)) / len(totals) if totals else None
    average = points(mean.quantize(Decimal("0.1"), ROUND_HALF_UP)) if mean is not None else "—"
    lowest = points(min(totals)) if totals else "—"
    excused = sum(1 for s in a.scores if not s["ranked"] and s["excused"])
    pending = len(a.scores) - len(ranked) - excused
    left_out = "、".join(
        text for text, n in ((f"免报 {excused} 个", excused), (f"未到截止日期 {pending} 个", pending)) if n
    )
    standing = f"参加考核 {len(a.scores)} 个单位，参加排名 {len(ranked)} 个"
    standing += f"（{left_out}不参加排名）" if left_out else ""
    bottom = "、".join(f"{s['unit_name']}（{points(s['total'])} 分）" for s in a.bottom)
    return [
        ("考核单位", f"{a.owner.name}（{a.owner.code}）"),
        ("考核周期", "\n".join(_cycle_line(a, c.id) for c in a.cycles)),
        ("考核日期", f"{a.as_of:%Y-%m-%d}"),
        ("报送情况", tally(a)),
        ("考核情况", standing),
        ("得分情况", f"满分 {points(a.weights.full)} 分的有 {full} 个，平均 {average} 分，最低 {lowest} 分"),
        ("督办", f"{bottom}：各发督办函一份" if bottom else "无须督办"),
    ]


def tally(a: Assessment) -> str:
    """How the reports of all units and cycles stand: 按时报送 51 期、逾期报送 3 期、未报送 2 期……"""
    counts = {key: sum(1 for i in a.items if i["outcome"] == key) for key in OUTCOMES}
    returned = sum(i["returns"] for i in a.items)
    parts = [f"{OUTCOMES[key]} {n} 期" for key, n in counts.items() if n]
    parts += [f"被退回 {returned} 次"] if returned else []
    return f"应报 {len(a.items)} 期：" + "、".join(parts)


def _cycle_line(a: Assessment, cycle_id: str) -> str:
    cycle = a.by_cycle[cycle_id]
    special = "，".join(
        f"{KINDS.get(kind, kind)} {day:%Y-%m-%d}" for kind, day in cycle.deadlines.items() if day != cycle.deadline
    )
    expected = sum(1 for item in a.items if item["cycle_id"] == cycle_id)
    when = f"截止日期 {cycle.deadline:%Y-%m-%d}" + (f"（{special}）" if special else "")
    return f"{a.title_of(cycle_id)}：应报 {expected} 个单位，{when}"


def _rules(w: Weights) -> list[tuple[str, str, str]]:
    found = []
    for c in CRITERIA:
        rule = f"{c.rule} {points(w.lapses[c.key])} 分，扣完为止"
        if c.key == "timeliness":
            rule = f"{c.rule} {points(w.lapses[c.key])} 分；未报送或报表至今未通过校验的周期，各项均不得分"
        found.append((c.label, points(w.points[c.key]), rule))
    found.append(("合计", points(w.full), "各项得分之和"))
    return found


def _notes(a: Assessment) -> list[tuple[str, str]]:
    w = a.weights
    excused = "免报的周期按满分计" if w.excused_ranked else "免报的周期不评分，各周期均免报的单位不参加排名"
    method = (
        "每个周期单独评分，单位得分为其各周期得分的平均数（逐项计算，保留一位小数），总分为各项得分之和；"
        f"截止日期未到的周期不评分；{excused}；按单位类别分别排名，得分相同的名次并列；"
        "报表退回后又重新打开的，不计为退回。"
    )
    basis = "huizong 默认考核细则" if w.shipped else f"本单位考核细则（{w.source}）"
    contents = f"{RANKING}：各单位按类别排名及各项得分\n{DETAILS}：各单位各周期存在的问题"
    return [("评分办法", method), ("考核细则", basis), ("本工作簿包括", contents)]


# ── the ranking ──


def _columns(w: Weights) -> list[Col]:
    cols = [Col("名次", most=6, least=5, center=True), Col("单位代码", most=13), Col("单位名称", most=22, least=12)]
    cols += [Col(f"{c.label}（{points(w.points[c.key])}分）", most=9, least=9, center=True) for c in CRITERIA]
    cols += [Col(f"总分（{points(w.full)}分）", most=10, least=10, center=True)]
    return [*cols, Col("存在问题", most=30, least=16), Col("督办", most=5, least=5, center=True)]


def lapses(a: Assessment, score: dict[str, Any]) -> str:
    """What went wrong, in words: 未报送或未通过校验 1 期；逾期报送 1 期；被退回 1 次……; and why a cycle was excused."""
    excused = [i["excused_reason"] or "" for i in a.items_of(score["unit_code"]) if i["outcome"] == "excused"]
    parts = [
        ("未报送或未通过校验 {} 期", score["missing"]),
        ("逾期报送 {} 期", score["late"]),
        ("未通过校验 {} 份", score["rejected_files"]),
        ("被退回 {} 次", score["returns"]),
        ("提示未说明 {} 条", score["unexplained"]),
    ]
    said = [text.format(n) for text, n in parts if n]
    if excused:
        why = "、".join(dict.fromkeys(r for r in excused if r))
        said.append(f"免报 {len(excused)} 期" + (f"（{why}）" if why else ""))
    return "；".join(said)


def _ranking(sheet: Worksheet, styles: NoticeStyles, a: Assessment) -> None:
    cols = _columns(a.weights)
    groups = a.groups()
    records = [_record(a, s) for _, members in groups for s in members]
    sizes = widths(cols, records)
    rows = heading_row(sheet, styles.head, cols, sizes)
    row = 1
    for kind, members in groups:
        label = f"{KINDS.get(kind, kind)}（{len(members)} 个单位）"
        sheet.merge_range(row, 0, row, len(cols) - 1, label, styles.group)
        row += 1
        for score in members:
            _unit_row(sheet, styles, rows, row, score, lapses(a, score))
            row += 1
    rows.apply(sheet)
    sheet.freeze_panes(1, 3)
    print_list(sheet, 0, landscape=sum(map(column_points, sizes)) > page_points(False))


def _record(a: Assessment, score: dict[str, Any]) -> tuple[str, ...]:
    shown = [points(score[k]) for k in SCORED]
    return (
        _rank(score),
        score["unit_code"],
        score["unit_name"],
        *shown,
        lapses(a, score),
        "是" if score["bottom"] else "",
    )


def _rank(score: dict[str, Any]) -> str:
    if score["ranked"]:
        return str(score["kind_rank"])
    return UNRANKED["excused" if score["excused"] else "pending"]


def _unit_row(
    sheet: Worksheet, styles: NoticeStyles, rows: Rows, row: int, score: dict[str, Any], problems: str
) -> None:
    sheet.write_string(row, 0, _rank(score), styles.centred)
    sheet.write_string(row, 1, score["unit_code"], styles.text)
    sheet.write_string(row, 2, score["unit_name"], styles.text)
    rows.text(row, 2, score["unit_name"])
    for col, key in enumerate(SCORED, start=3):
        value = score[key]
        style = styles.total if key == "total" else styles.points
        if value is None:
            sheet.write_blank(row, col, None, style)
        else:
            sheet.write_number(row, col, float(value), style)
    sheet.write_string(row, 8, problems, styles.alert if score["bottom"] else styles.text)
    rows.text(row, 8, problems)
    if score["bottom"]:
        sheet.write_string(row, 9, "是", styles.centred_alert)
    else:
        sheet.write_blank(row, 9, None, styles.centred)


# ── the lapses, unit by unit and cycle by cycle ──

DETAIL_COLUMNS = (
    Col("单位代码", most=13),
    Col("单位名称", most=16),
    Col("周期", most=22),
    Col("截止日期", "date", most=11),
    Col("首次报送", "time", most=18, least=17),
    Col("报送情况", most=7, center=True),
    Col("逾期天数", "int", most=5),
    Col("未通过校验文件", "int", most=6),
    Col("退回次数", "int", most=5),
    Col("退回或免报理由", most=28, least=14),
    Col("未说明的提示", most=28, least=14),
)


def _details(sheet: Worksheet, styles: Styles, a: Assessment) -> None:
    ranked = [s["unit_code"] for _, members in a.groups() for s in members]
    place = {code: i for i, code in enumerate(ranked)}
    wrong = [item for item in a.items if _has_lapse(item)]
    wrong.sort(key=lambda item: (place[item["unit_code"]], item["period"], item["cycle_id"]))
    records = [_detail(a, item) for item in wrong]
    write_list(sheet, styles, DETAIL_COLUMNS, records, empty="各单位各周期均按时报送、一次通过，没有问题。", freeze=2)


def _has_lapse(item: dict[str, Any]) -> bool:
    return item["outcome"] != "on_time" or bool(item["rejected_files"] or item["returns"] or item["unexplained"])


def _detail(a: Assessment, item: dict[str, Any]) -> tuple[Any, ...]:
    outcome = OUTCOMES[item["outcome"]]
    reasons = [f"{r['decided_at']:%Y-%m-%d} 退回：{r['reason']}" for r in item["return_reasons"]]
    reasons += [f"免报：{item['excused_reason']}"] if item["excused_reason"] else []
    places = dict.fromkeys(f"{w['rule']} {short_title(w['sheet'])}!{w['cell']}" if w["cell"] else w["rule"]
                           for w in item["unexplained_warnings"])  # fmt: skip
    warnings = f"{item['unexplained']} 条：" + "；".join(places) if places else ""
    return (
        item["unit_code"],
        item["unit_name"],
        a.title_of(item["cycle_id"]),
        item["deadline"],
        item["first_received"],
        Marked(outcome) if item["outcome"] in ("late", "missing", "failed") else outcome,
        item["days_late"],
        item["rejected_files"] or None,
        item["returns"] or None,
        "\n".join(reasons),
        warnings,
    )
