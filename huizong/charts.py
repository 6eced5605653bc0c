"""The 图表 sheet of a consolidated workbook: native charts, each with its data beside it and on a page of its own.

The outcome mix of applications (a pie), applications by unit (bars: the regions' 汇总 and the units reporting for
themselves apart, since one county's total dwarfs any single department) and the key figures against last period
(columns; this period alone when there is no last one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from huizong.forms import Figure, Form
from huizong.paper import Rows
from huizong.registry import REGION_KINDS, Unit
from huizong.sheets import Styles, print_list

SHEET = "图表"
ROWS_PER_PAGE = 30  # rows of 15 pt on a landscape A4 page; every block starts a page
WIDTHS = (30, 12, 12, 2)  # the data: name, this period, last period; then a gap and the chart
Number = int | Decimal
Values = Mapping[str, Number | None]
FigureOf = Callable[[Figure, Values], Number]


def write_charts(
    book: Workbook,
    sheet: Worksheet,
    styles: Styles,
    form: Form,
    title: str,
    totals: Values,
    previous: Values,
    units: Sequence[tuple[Unit, Values]],
    figure: FigureOf,
) -> None:
    rows = Rows(WIDTHS)
    for col, width in enumerate(WIDTHS):
        sheet.set_column(col, col, width)
    blocks: list[int] = []
    row = _outcomes(book, sheet, styles, rows, form, title, totals, figure, blocks, 0)
    main = form.figures[0] if form.figures else None
    if main is not None:
        regions = [(u, v) for u, v in units if u.kind in REGION_KINDS]
        own = [(u, v) for u, v in units if u.kind not in REGION_KINDS]
        for members, who in ((regions, "各地区（汇总）"), (own, "各单位")):
            row = _ranking(book, sheet, styles, rows, main, members, who, figure, blocks, row)
    row = _against_last(book, sheet, styles, rows, form, totals, previous, figure, blocks, row)
    for block in blocks:  # a blank row on top, so that nothing of a block reaches back onto the page before
        rows.need(block, 6)
    sheet.set_h_pagebreaks([b for b in blocks if b > 0])
    rows.apply(sheet)
    print_list(sheet, None)


def _table(
    sheet: Worksheet, styles: Styles, rows: Rows, top: int, names: Sequence[str], values: Sequence[Sequence[object]]
) -> None:
    for col, name in enumerate(names):
        sheet.write_string(top, col, name, styles.head)
    for i, line in enumerate(values, start=top + 1):
        sheet.write_string(i, 0, str(line[0]), styles.text)
        rows.text(i, 0, str(line[0]))
        for col, value in enumerate(line[1:], start=1):
            if value is None:
                sheet.write_blank(i, col, None, styles.text)
            else:
                assert isinstance(value, int | Decimal)
                sheet.write_number(i, col, float(value) if isinstance(value, Decimal) else value, styles.number(value))


def _outcomes(
    book: Workbook,
    sheet: Worksheet,
    styles: Styles,
    rows: Rows,
    form: Form,
    title: str,
    totals: Values,
    figure: FigureOf,
    blocks: list[int],
    top: int,
) -> int:
    grouped = [f for f in form.figures if f.group]
    if not grouped:
        return top
    blocks.append(top)
    top += 1
    _table(sheet, styles, rows, top, ("办理结果构成", "本期"), [(f.label, figure(f, totals)) for f in grouped])
    pie = book.add_chart({"type": "pie"})
    pie.add_series(
        {
            "name": "办理结果构成",
            "categories": [SHEET, top + 1, 0, top + len(grouped), 0],
            "values": [SHEET, top + 1, 1, top + len(grouped), 1],
            "data_labels": {"percentage": True, "leader_lines": True},
        }
    )
    pie.set_title({"name": f"{title}办理结果构成", "name_font": {"size": 12}})
    sheet.insert_chart(top, 4, pie, {"x_scale": 1.2, "y_scale": 1.2})
    return top - 1 + ROWS_PER_PAGE


def _ranking(
    book: Workbook,
    sheet: Worksheet,
    styles: Styles,
    rows: Rows,
    main: Figure,
    members: Sequence[tuple[Unit, Values]],
    who: str,
    figure: FigureOf,
    blocks: list[int],
    top: int,
) -> int:
    ranked = sorted(members, key=lambda uv: (-figure(main, uv[1]), uv[0].code))[:20]
    if not ranked:
        return top
    blocks.append(top)
    top += 1
    _table(sheet, styles, rows, top, ("单位", main.label), [(u.name, figure(main, v)) for u, v in ranked])
    bar = book.add_chart({"type": "bar"})
    bar.add_series(
        {
            "name": main.label,
            "categories": [SHEET, top + 1, 0, top + len(ranked), 0],
            "values": [SHEET, top + 1, 1, top + len(ranked), 1],
            "data_labels": {"value": True},
        }
    )
    shown = f"前{len(ranked)}名" if len(members) > len(ranked) else f"共{len(ranked)}个"
    bar.set_title({"name": f"{who}{main.label}（{shown}）", "name_font": {"size": 12}})
    bar.set_y_axis({"reverse": True})
    bar.set_x_axis({"major_gridlines": {"visible": False}})
    bar.set_legend({"none": True})
    height = min(0.8 + len(ranked) * 0.04, 1.6)
    sheet.insert_chart(top, 4, bar, {"x_scale": 1.2, "y_scale": height})
    return top - 1 + ROWS_PER_PAGE


def _against_last(
    book: Workbook,
    sheet: Worksheet,
    styles: Styles,
    rows: Rows,
    form: Form,
    totals: Values,
    previous: Values,
    figure: FigureOf,
    blocks: list[int],
    top: int,
) -> int:
    compared = [f for f in form.figures if not f.group][:6]
    if not compared:
        return top
    blocks.append(top)
    top += 1
    has_last = bool(previous)
    names = ("主要指标", "本期", "上期") if has_last else ("主要指标", "本期")
    lines = [(f.label, figure(f, totals), figure(f, previous)) if has_last else (f.label, figure(f, totals))
             for f in compared]  # fmt: skip
    _table(sheet, styles, rows, top, names, lines)
    column = book.add_chart({"type": "column"})
    for col, name in enumerate(names[1:], start=1):
        column.add_series(
            {
                "name": name,
                "categories": [SHEET, top + 1, 0, top + len(compared), 0],
                "values": [SHEET, top + 1, col, top + len(compared), col],
                "data_labels": {"value": True},
            }
        )
    name = "主要指标与上期对比" if has_last else "主要指标（无上期数据）"
    column.set_title({"name": name, "name_font": {"size": 12}})
    column.set_y_axis({"major_gridlines": {"visible": False}})
    if not has_last:
        column.set_legend({"none": True})
    sheet.insert_chart(top, 4, column, {"x_scale": 1.2, "y_scale": 1.2})
    return top - 1 + ROWS_PER_PAGE
