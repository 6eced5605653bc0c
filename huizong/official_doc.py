"""Word documents laid out as Chinese official documents (GB/T 9704《党政机关公文格式》).

A4 with the standard text block (margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm); the title in
方正小标宋简体 二号, the body in 仿宋_GB2312 三号 with a first-line indent of two characters and a fixed line
spacing of 28.9 pt (22 lines a page); first-level headings (一、) in 黑体, second-level ones (（一）) in 楷体_GB2312;
page numbers at the foot as "— 1 —" in 宋体 四号, odd pages on the right and even pages on the left, one character in
from the edge of the text block. Tables are in 宋体 五号 or 小五, one fixed width each.

Every font is declared for East Asian text (``w:eastAsia``) so Word and WPS pick it; where it is not installed
(LibreOffice on a server) the system's fallback font is used. The paragraph styles carry the formatting (公文标题,
一级标题, 二级标题, 表格文字, 页码), so an office editing the draft keeps it by using them. Text still to be written
is marked: yellow, in 【】.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from huizong.archive import write_whole

Doc = Any  # docx.document.Document: python-docx ships no type information
Align = Literal["left", "center", "right", "both"]

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONTS = ("黑体", "楷体_GB2312")
TABLE_FONT = "宋体"
LATIN_FONT = "Times New Roman"
SIZES = {"二号": 22.0, "三号": 16.0, "四号": 14.0, "五号": 10.5, "小五": 9.0}
LINE = 28.9  # pt: 22 lines in the 225 mm text block
PAGE = (210.0, 297.0)  # A4, mm
MARGINS = {"top": 37.0, "bottom": 35.0, "left": 28.0, "right": 26.0}
TEXT_WIDTH = PAGE[0] - MARGINS["left"] - MARGINS["right"]  # 156 mm
LANDSCAPE_WIDTH = PAGE[1] - MARGINS["top"] - MARGINS["bottom"]  # 225 mm: the margins turn with the page
CELL_MARGIN = 0.8  # mm, left and right inside a table cell
ROW_HEIGHT = 6.0  # mm, at least
_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "both": WD_ALIGN_PARAGRAPH.JUSTIFY,
}


class Blank(str):
    """Text for the office to write or check, shown marked (yellow, in 【】)."""

    __slots__ = ()


def blank(what: str, verb: str = "请补充") -> Blank:
    return Blank(f"【{verb}：{what}】")


def new_document(title: str, made: dt.datetime, author: str = "huizong") -> Doc:
    """An empty A4 document with the official styles, the page-number footer and its properties set."""
    doc = new_docx()
    _defaults(doc)
    _styles(doc)
    _page(doc.sections[0], landscape=False)
    doc.settings.odd_and_even_pages_header_footer = True
    _footers(doc.sections[0])
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, author, author
    props.created = props.modified = made.replace(tzinfo=None)
    props.revision, props.comments = 1, ""
    package = doc.part.package  # the template's thumbnail would show a page that is not this document
    for rid in [rid for rid, rel in package.rels.items() if rel.reltype == RT.THUMBNAIL]:
        del package.rels[rid]
    return doc


def title(doc: Doc, lines: Sequence[str]) -> Any:
    """The document's title, one paragraph, broken where the caller breaks it (a trapezoid, as 9704 asks), and an
    empty line under it."""
    paragraph = doc.add_paragraph(style="公文标题")
    for i, line in enumerate(lines):
        run = paragraph.add_run(line)
        if i < len(lines) - 1:
            run.add_break()
    doc.add_paragraph()
    return paragraph


def heading(doc: Doc, text: str, level: Literal[1, 2] = 1) -> Any:
    """A first-level (一、, 黑体) or second-level (（一）, 楷体) heading on a line of its own."""
    return doc.add_paragraph(text, style="一级标题" if level == 1 else "二级标题")


def body(doc: Doc, parts: Iterable[str], lead: str = "") -> Any:
    """A body paragraph of ``parts`` (a :class:`Blank` part is marked); ``lead`` is an inline heading in 楷体 at
    its start, as in "（一）主动公开。……"."""
    paragraph = doc.add_paragraph()
    if lead:
        _east_asian(paragraph.add_run(lead), HEADING_FONTS[1])
    for part in parts:
        run = paragraph.add_run(part)
        if isinstance(part, Blank):
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    return paragraph


def section(doc: Doc, landscape: bool) -> Any:
    """Start a new page in the given orientation; the page numbers run on."""
    new = doc.add_section(WD_SECTION.NEW_PAGE)
    _page(new, landscape)
    return new


def text_width(landscape: bool = False) -> float:
    return LANDSCAPE_WIDTH if landscape else TEXT_WIDTH


def table(doc: Doc, rows: int, widths: Sequence[float]) -> Any:
    """A bordered table of fixed column widths (mm), centred, its rows never split across pages."""
    grid = doc.add_table(rows=rows, cols=len(widths))
    grid.style = doc.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False  # w:tblLayout fixed
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), str(round(CELL_MARGIN / 25.4 * 1440)))
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    grid._tbl.tblPr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = Mm(width)
    for row in grid.rows:
        _row_property(row, "w:cantSplit")
        row.height = Mm(ROW_HEIGHT)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Mm(width)
    return grid


def repeat_rows(grid: Any, count: int) -> None:
    """The first ``count`` rows are the heading repeated on every page the table runs onto."""
    for row in grid.rows[:count]:
        _row_property(row, "w:tblHeader")


def keep_together(grid: Any) -> None:
    """Keep the table on one page where it fits (each row kept with the next, as Word and LibreOffice read it)."""
    for tr in grid._tbl.tr_lst[:-1]:
        for p in tr.iter(qn("w:p")):
            p.get_or_add_pPr().get_or_add_keepNext()


def fill(cell: Any, text: str, size: float, align: Align = "center") -> None:
    """Write ``text`` into a (possibly merged) cell in the table style, vertically centred."""
    paragraphs = cell.paragraphs
    for extra in paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    paragraph = paragraphs[0]
    paragraph.style = "表格文字"
    paragraph.alignment = _ALIGN[align]
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def save(doc: Doc, path: Path, made: dt.datetime) -> Path:
    """Write the file whole (a half-written one never appears under its name), every part stamped ``made``: the
    same content, the same bytes."""
    buffer = io.BytesIO()
    doc.save(buffer)
    stamp = max(made.replace(tzinfo=None), dt.datetime(1980, 1, 1)).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = zipfile.ZipInfo(info.filename, date_time=stamp)
            part.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(part, source.read(info.filename))
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_whole(path, out.getvalue())


# ── fonts, styles and the page ──


def _fonts(rpr: Any, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Declare both the Latin and the East Asian font of a run or style (no theme font overrides them)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for key in list(fonts.attrib):
        if key.endswith("Theme") or key.endswith("theme"):
            del fonts.attrib[key]
    for key, name in (("ascii", latin), ("hAnsi", latin), ("cs", latin), ("eastAsia", east_asian)):
        fonts.set(qn(f"w:{key}"), name)


def _east_asian(run: Any, east_asian: str) -> None:
    _fonts(run._r.get_or_add_rPr(), east_asian)


def _defaults(doc: Doc) -> None:
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts(rpr, BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    ppr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    ppr.remove(ppr.find(qn("w:spacing")))  # the template's 10 pt after and 1.15 lines


def _styles(doc: Doc) -> None:
    normal = doc.styles["Normal"]
    _style(normal, BODY_FONT, SIZES["三号"], "both", LINE, indent=2)
    styles: list[tuple[str, str, float, Align, float | None, int, int | None]] = [
        ("公文标题", TITLE_FONT, SIZES["二号"], "center", 35.0, 0, None),
        ("一级标题", HEADING_FONTS[0], SIZES["三号"], "both", LINE, 2, 0),
        ("二级标题", HEADING_FONTS[1], SIZES["三号"], "both", LINE, 2, 1),
        ("表格文字", TABLE_FONT, SIZES["五号"], "center", None, 0, None),
        ("页码", TABLE_FONT, SIZES["四号"], "right", None, 0, None),
    ]
    for name, font, size, align, line, indent, outline in styles:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        _style(style, font, size, align, line, indent, latin=font if name == "页码" else LATIN_FONT)
        style.paragraph_format.keep_with_next = outline is not None
        if outline is not None:
            level = OxmlElement("w:outlineLvl")
            level.set(qn("w:val"), str(outline))
            style.element.get_or_add_pPr().append(level)


def _style(
    style: Any, font: str, size: float, align: Align, line: float | None, indent: int, latin: str = LATIN_FONT
) -> None:
    style.font.size = Pt(size)
    _fonts(style.element.get_or_add_rPr(), font, latin)
    form = style.paragraph_format
    form.alignment = _ALIGN[align]
    form.space_before = form.space_after = Pt(0)
    if line is None:
        form.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        form.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        form.line_spacing = Pt(line)
    form.first_line_indent = Pt(size * indent)
    form.widow_control = False
    punctuation = OxmlElement("w:overflowPunct")  # no punctuation hanging past the text block
    punctuation.set(qn("w:val"), "0")
    style.element.pPr.widowControl.addnext(punctuation)  # its place in w:pPr: after w:widowControl
    style.element.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), str(indent * 100))


def _page(sect: Any, landscape: bool) -> None:
    width, height = (PAGE[1], PAGE[0]) if landscape else PAGE
    sect.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    sect.page_width, sect.page_height = Mm(width), Mm(height)
    # a landscape page is the portrait page turned: its top edge is the portrait page's left
    top, bottom, left, right = ("left", "right", "top", "bottom") if landscape else ("top", "bottom", "left", "right")
    sect.top_margin, sect.bottom_margin = Mm(MARGINS[top]), Mm(MARGINS[bottom])
    sect.left_margin, sect.right_margin = Mm(MARGINS[left]), Mm(MARGINS[right])
    sect.header_distance = Mm(15)
    sect.footer_distance = Mm(MARGINS[bottom] - 7 - 5.5)  # the number's line 7 mm below the text block


def _footers(sect: Any) -> None:
    for footer, align in ((sect.footer, "right"), (sect.even_page_footer, "left")):
        paragraph = footer.paragraphs[0]
        paragraph.style = "页码"
        paragraph.alignment = _ALIGN[align]
        one = Pt(SIZES["四号"])  # one character in from the edge of the text block
        paragraph.paragraph_format.right_indent = one if align == "right" else None
        paragraph.paragraph_format.left_indent = one if align == "left" else None
        paragraph.add_run("— ")
        _page_field(paragraph)
        paragraph.add_run(" —")


def _page_field(paragraph: Any) -> None:
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            run.text = text


def _row_property(row: Any, name: str) -> None:
    props = row._tr.get_or_add_trPr()
    props.append(OxmlElement(name))
