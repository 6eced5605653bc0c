"""The reader's quick paths over the workbook's XML (``huizong.sheetxml``) read what calamine and an XML parser read,
or give up: a file is never read differently because it took the quick path."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from huizong import reader, sheetxml
from huizong.config import Home
from huizong.meta import CELLS_HEADER_ROW, SHEET
from huizong.periods import Period
from huizong.reader import read_workbook
from huizong.template import write_template

FORM = "annual_report/2021"


def _rewrite(path: Path, part: str, change: dict[bytes, bytes]) -> None:
    """Replace bytes in one part of the workbook's zip (each replacement must happen)."""
    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    data = members[part]
    for old, new in change.items():
        assert old in data, old
        data = data.replace(old, new, 1)
    members[part] = data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in members.items():
            target.writestr(name, content)


def _template(tmp_path: Path, home: Home) -> Path:
    form = home.catalog.get(FORM)
    values = {code: 1 for code in form.inputs}
    return write_template(tmp_path / "t.xlsx", form, home.registry.get("990121101"), Period(2025), values=values)


def _meta_part(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        where = sheetxml.parts(archive)
    assert where is not None
    return where.sheets[SHEET]


def _quick(path: Path) -> sheetxml.MetaXml | None:
    with zipfile.ZipFile(path) as archive:
        return sheetxml.read_meta(archive, sheetxml.parts(archive))


def _resaved_by_openpyxl(path: Path) -> None:
    openpyxl.load_workbook(path).save(path)


def _edited_by_openpyxl(path: Path) -> None:
    book = openpyxl.load_workbook(path)
    book[SHEET]["E16"] = "C99"
    book.save(path)


def _first_map_text(path: Path) -> bytes:
    """The shared string of the cell map's first code (A16), as it stands in sharedStrings.xml."""
    grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SHEET).to_python()
    return f"<si><t>{grid[CELLS_HEADER_ROW + 1][0]}</t></si>".encode()


EDITS = {
    "as written": (lambda path: None, True),
    "saved by openpyxl": (_resaved_by_openpyxl, None),
    "a cell address edited": (_edited_by_openpyxl, None),
    "a code as rich text": (
        lambda path: _rewrite(
            path, "xl/sharedStrings.xml", {_first_map_text(path): _first_map_text(path).replace(b"<t>", b"<r><t>")}
        ),
        False,
    ),
    "a code with an escaped character": (
        lambda path: _rewrite(
            path, "xl/sharedStrings.xml", {_first_map_text(path): _first_map_text(path).replace(b".", b"_x002E_", 1)}
        ),
        False,
    ),
    "a code with entities": (
        lambda path: _rewrite(
            path, "xl/sharedStrings.xml", {_first_map_text(path): _first_map_text(path).replace(b".", b"&amp;lt;", 1)}
        ),
        True,
    ),
    "a comment in the cell map": (
        lambda path: _rewrite(path, _meta_part(path), {b'<row r="17"': b'<!-- x --><row r="17"'}),
        False,
    ),
    "a cell map cell as a number": (
        lambda path: _rewrite(path, _meta_part(path), {b'<c r="C17" t="s"><v>': b'<c r="C17"><v>7'}),
        False,
    ),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_a_workbook_reads_the_same_with_and_without_the_quick_meta_path(
    tmp_path: Path, demo_home: Home, monkeypatch: pytest.MonkeyPatch, edit: str
) -> None:
    path = _template(tmp_path, demo_home)
    change, quick_expected = EDITS[edit]
    change(path)
    quick = _quick(path)
    if quick_expected is True:
        assert quick is not None
    if quick_expected is False:
        assert quick is None
    if quick is not None:  # the head agrees with calamine, cell by cell
        grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SHEET).to_python(skip_empty_area=False)
        for r, row in enumerate(grid[: CELLS_HEADER_ROW + 1]):
            for c, content in enumerate(row):
                assert reader._text(quick.head.get((r, c))) == reader._text(content), (r, c)
    fast = read_workbook(path, demo_home.catalog, demo_home.registry)
    monkeypatch.setattr(reader, "read_meta", lambda archive, where: None)
    slow = read_workbook(path, demo_home.catalog, demo_home.registry)
    assert (fast.meta, fast.values, fast.findings) == (slow.meta, slow.values, slow.findings)
    if edit == "a cell address edited":
        assert "与表式不一致" in fast.findings[0].message
    if edit in ("as written", "saved by openpyxl"):
        assert fast.ok and fast.values


@pytest.mark.parametrize(
    ("xml", "items"),
    [
        ("<sst><si><t>甲</t></si><si><t>乙 &gt; 丙</t></si></sst>", ["甲", "乙 > 丙"]),
        ('<sst><si><t xml:space="preserve"> 甲 </t></si><si><t></t></si></sst>', [" 甲 ", ""]),
        ("<sst><si><t>&amp;lt;&lt;&amp;</t></si><si><t>&quot;&apos;</t></si></sst>", ["&lt;<&", "\"'"]),
        ("<sst>\n<si><t>a</t></si>\n<si><t>b</t></si>\n</sst>", ["a", "b"]),
        ("<sst></sst>", []),
        ("<sst><si><r><t>a</t></r><r><t>b</t></r></si></sst>", None),
        ("<sst><si><t>a_x000D_b</t></si></sst>", None),
        ("<sst><si><t>&#20013;</t></si></sst>", None),
        ("<sst><!-- <si><t>x</t></si> --><si><t>a</t></si></sst>", None),
        ("<sst><si><t>a</t><rPh><t>ア</t></rPh></si></sst>", None),
    ],
)
def test_shared_strings_are_read_as_plain_text_or_left_to_calamine(xml: str, items: list[str] | None) -> None:
    assert sheetxml.shared_strings(xml.encode()) == items


def test_a_part_is_inflated_as_zipfile_inflates_it_or_not_at_all(tmp_path: Path) -> None:
    path = tmp_path / "parts.zip"
    text = ("<worksheet>" + "<c r='A1'><v>1</v></c>" * 2000 + "</worksheet>").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/a.xml", text)
        archive.writestr("xl/b.xml", b"stored as it is", compress_type=zipfile.ZIP_STORED)
    with zipfile.ZipFile(path) as archive:
        assert sheetxml._read(archive, "xl/a.xml") == text == archive.read("xl/a.xml")
        assert sheetxml._read(archive, "xl/b.xml") == b"stored as it is"
        assert sheetxml._read(archive, "xl/missing.xml") is None
        start = archive.getinfo("xl/a.xml").header_offset + 30 + len("xl/a.xml")
    damaged = bytearray(path.read_bytes())
    damaged[start + 40] ^= 0xFF  # one byte of the deflated data: a wrong CRC, or no deflate stream at all
    path.write_bytes(bytes(damaged))
    with zipfile.ZipFile(path) as archive:
        assert sheetxml._read(archive, "xl/a.xml") is None
        with pytest.raises((zipfile.BadZipFile, zlib.error)):
            archive.read("xl/a.xml")
