"""What the reader learns from a workbook's XML itself, beside calamine: which cells hold formulas or error values,
and a quick reading of ``_meta``.

calamine gives values, not formulas or error codes, so the data sheets' XML is scanned for them (``scan_sheets``).
``_meta`` holds about 1,900 text cells that must match the form's cell map; calamine takes over a millisecond to
parse them, while the same check on the XML, with the shared strings, takes a quarter of that (``read_meta``).

Both quick paths search for the few shapes that every writer we know produces (no namespace prefixes, an ``r`` on
every cell, shared strings as plain ``<si><t>`` items) and give up (``None``) on anything else: the reader then uses
the XML parser or calamine, so an unusual file is read the slow way, never wrongly.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress
from operator import itemgetter
from pathlib import PurePosixPath
from typing import IO, cast
from xml.etree import ElementTree
from xml.sax.saxutils import unescape

import numpy as np
from isal import isal_zlib

from huizong.meta import CELLS_HEADER_ROW
from huizong.meta import SHEET as META_SHEET

MAX_SHEET_XML = 64 * 1024 * 1024  # bytes of one sheet's XML we are willing to inflate to find formulas
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_SHARED_STRINGS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
_INFLATE_ERROR = cast(type[Exception], isal_zlib.error)  # (its stubs call it an instance)
_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    _INFLATE_ERROR,
    struct.error,
    KeyError,
    ElementTree.ParseError,
    OSError,
    EOFError,
    ValueError,
)


@dataclass(frozen=True)
class Parts:
    """Where a workbook keeps its sheets (by name) and its shared strings."""

    sheets: dict[str, str]
    shared_strings: str | None


def parts(archive: zipfile.ZipFile) -> Parts | None:
    try:
        return _parts(archive.read("xl/workbook.xml"), archive.read("xl/_rels/workbook.xml.rels"))
    except _ERRORS:
        return None


@lru_cache(maxsize=64)
def _parts(workbook: bytes, relations: bytes) -> Parts:
    """By the workbook's own XML (the same in every file from one template: worked out once, by content)."""
    book = ElementTree.fromstring(workbook)
    rels = ElementTree.fromstring(relations)
    by_id = {rel.get("Id"): _path(rel.get("Target", "")) for rel in rels}
    sheets = {sheet.get("name", ""): by_id.get(sheet.get(f"{_REL_NS}id"), "") for sheet in book.iter(f"{_NS}sheet")}
    strings = next((_path(rel.get("Target", "")) for rel in rels if rel.get("Type") == _SHARED_STRINGS), None)
    return Parts(sheets, strings)


def _path(target: str) -> str:
    return target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)


def _read(archive: zipfile.ZipFile, part: str | None) -> bytes | None:
    if not part:
        return None
    try:
        info = archive.getinfo(part)
        if info.file_size > MAX_SHEET_XML:
            return None
        if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1 or archive.fp is None:
            return archive.read(info)
        return _inflate(archive.fp, info)
    except _ERRORS:
        return None


def _inflate(fp: IO[bytes], info: zipfile.ZipInfo) -> bytes:
    """A deflated part read straight from the zip and inflated with ISA-L, bounded by its declared size and checked
    against its CRC as ``zipfile`` checks it: a workbook's five parts take half the time ``zipfile`` takes."""
    fp.seek(info.header_offset)
    header = fp.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad local file header")
    name, extra = struct.unpack("<HH", header[26:30])
    fp.seek(info.header_offset + 30 + name + extra)
    raw = fp.read(info.compress_size)
    data = isal_zlib.decompressobj(-15).decompress(raw, info.file_size + 1)
    if len(data) != info.file_size or isal_zlib.crc32(data) != info.CRC:
        raise zipfile.BadZipFile(f"{info.filename}: size or CRC does not match")
    return data


@dataclass
class SheetScan:
    """What calamine does not tell: which cells hold a formula, and which hold an error value (#REF!, ...)."""

    formulas: set[str] = field(default_factory=set)
    errors: dict[str, str] = field(default_factory=dict)


def scan_sheets(archive: zipfile.ZipFile, where: Parts | None, sheets: Sequence[str]) -> dict[str, SheetScan]:
    """Scan the XML of the named sheets once (bounded in size; ``files.open_checked`` bounded the zip)."""
    found: dict[str, SheetScan] = {}
    if where is None:
        return found
    for name in sheets:
        data = _read(archive, where.sheets.get(name))
        if data is None:
            continue
        try:
            found[name] = _scan_fast(data) or _scan_tree(data)
        except ElementTree.ParseError:
            continue
    return found


_LT, _GT = ord("<"), ord(">")
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_ADDRESS = re.compile(rb"[A-Za-z]{1,3}[0-9]{1,7}")
_OPENING = re.compile(rb"<c(?=\s)[^<>]*?\sr\s*=\s*[\"']([A-Za-z]{1,3}[0-9]{1,7})[\"'][^<>]*>")


@dataclass(frozen=True)
class _Marks:
    """Where the markup of one sheet's XML is, found at once with numpy over its bytes."""

    text: np.ndarray
    tags: np.ndarray  # positions of "<"
    cells: np.ndarray  # per tag: it opens a cell ("<c" and a space)
    formulas: np.ndarray  # per tag: it opens a formula ("<f" and ">", a space or "/")
    bare_cells: int  # "<c>" and "<c/>": cells without an address
    unusual: bool  # comments or CDATA ("<!"), or spaces around an attribute's "=", which the searches do not expect
    errors: np.ndarray  # positions of ' t="e"' (and with single quotes): error values


def _marks(data: bytes) -> _Marks:
    text = np.frombuffer(data, dtype=np.uint8)
    tags = np.flatnonzero(text[:-2] == _LT)
    second, third = text[tags + 1], text[tags + 2]
    space = (third == ord(" ")) | (third == ord("\t")) | (third == ord("\n")) | (third == ord("\r"))
    closing = (third == _GT) | (third == ord("/"))
    equals = np.flatnonzero(text[2:-3] == ord("=")) + 2
    before, after = text[equals - 1], text[equals + 1]
    quoted = (after == ord('"')) | (after == ord("'"))
    error = (before == ord("t")) & (text[equals - 2] == ord(" ")) & quoted & (text[equals + 2] == ord("e"))
    error &= text[equals + 3] == after
    return _Marks(
        text,
        tags,
        (second == ord("c")) & space,
        (second == ord("f")) & (closing | (third == ord(" "))),
        int(np.count_nonzero((second == ord("c")) & closing)),
        bool((second == ord("!")).any() or (before == ord(" ")).any() or (after == ord(" ")).any()),
        equals[error] - 2,
    )


def _scan_fast(data: bytes) -> SheetScan | None:
    if b"<worksheet" not in data[:4096] or len(data) < 16:
        return None
    marks = _marks(data)
    if marks.unusual:
        return None
    scan = SheetScan()
    formulas = _formula_cells(data, marks)
    if formulas is None:
        return None
    scan.formulas = formulas
    for pos in marks.errors.tolist():
        opening = _cell_opening(data, pos)
        if opening is None or opening.end() < pos:
            return None
        close = data.find(b"</c>", opening.end())
        closed = opening.group(0).endswith(b"/>") or close == -1
        value = None if closed else _VALUE.search(data, opening.end(), close)
        scan.errors[opening.group(1).decode()] = value.group(1).decode() if value and value.group(1) else "#VALUE!"
    return scan


def _formula_cells(data: bytes, marks: _Marks) -> set[str] | None:
    """The addresses of the cells whose first child is an ``<f>``: only the ~200 formula cells of a form are looked
    at one by one."""
    found: set[str] = set()
    at = np.flatnonzero(marks.formulas)
    if not at.size:
        return found
    if at[0] == 0 or not marks.cells[at - 1].all():  # the tag before each <f> must open its cell
        return None
    for start, stop in zip(marks.tags[at - 1].tolist(), marks.tags[at].tolist(), strict=True):
        end = data.find(b">", start, stop) + 1
        if not end or data[end:stop].strip() or data[end - 2 : end] == b"/>":
            return None
        if data.startswith(b'<c r="', start):
            quote = data.find(b'"', start + 6, end)
            if quote != -1 and _ADDRESS.fullmatch(data, start + 6, quote):
                found.add(data[start + 6 : quote].decode())
                continue
        opening = _OPENING.match(data, start)
        if opening is None or opening.end() != end:
            return None
        found.add(opening.group(1).decode())
    return found


def _cell_opening(data: bytes, pos: int) -> re.Match[bytes] | None:
    """The ``<c ...>`` tag that opens the cell around ``pos``, when it has an address."""
    start = data.rfind(b"<c", 0, pos)
    if start == -1 or data[start + 2 : start + 3] not in (b" ", b"\t", b"\n", b"\r"):
        return None
    return _OPENING.match(data, start)


def _scan_tree(data: bytes) -> SheetScan:
    scan = SheetScan()
    for _, element in ElementTree.iterparse(io.BytesIO(data)):
        if element.tag == f"{_NS}c":
            address = element.get("r", "")
            if element.find(f"{_NS}f") is not None:
                scan.formulas.add(address)
            if element.get("t") == "e":
                value = element.find(f"{_NS}v")
                scan.errors[address] = value.text or "#VALUE!" if value is not None else "#VALUE!"
            element.clear()
    return scan


def shared_strings(data: bytes | None) -> list[str] | None:
    """The workbook's shared strings, when every item is plain text (``<si><t>``): rich text, phonetic runs, escaped
    characters (``_x000D_``) and character references are left to calamine."""
    if data is None or b"\r" in data:
        return None
    for mark, unusual in ((b"!", b"<!"), (b"_", b"_x"), (b"#", b"&#")):  # one byte is found fast, two are not
        if mark in data and unusual in data:
            return None
    try:
        text = data.decode()
    except UnicodeDecodeError:
        return None
    if b"&" in data:  # these three may be turned back at once: none makes a "<" or a "&"
        text = text.replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
    items = _plain_items(text)
    if items is None:
        items = _ITEM.findall(text)
        if len(items) != text.count("<si"):
            return None
    if "&" in text:
        items = [unescape(item) if "&" in item else item for item in items]
    return items


_ITEM = re.compile(r'<si><t(?: xml:space="preserve")?>([^<]*)</t></si>')
_BETWEEN = "</t></si><si><t>"


def _plain_items(text: str) -> list[str] | None:
    """The items when they follow each other as ``<si><t>...</t></si>``, with nothing else between: by one split."""
    start, end = text.find("<si><t>"), text.rfind("</t></si>")
    if start == -1 or end < start or "<si" in text[:start] or text[end + 9 :].strip() != "</sst>":
        return None
    items = text[start + 7 : end].split(_BETWEEN)
    if text.count("<", start + 7, end) != _BETWEEN.count("<") * (len(items) - 1):
        return None
    return items


@dataclass(frozen=True)
class MetaXml:
    """``_meta`` as its XML says, when every cell holds a shared string: the cells above the cell map, and the cell
    map's non-empty cells in the order they are written, as addresses and texts (compared with the form's, as a
    whole)."""

    head: dict[tuple[int, int], str]  # 0-based (row, column) -> text
    addresses: bytes  # b"A16 B16 ... I215"
    texts: tuple[str, ...]


def read_meta(archive: zipfile.ZipFile, where: Parts | None) -> MetaXml | None:
    if where is None or META_SHEET not in where.sheets:
        return None
    data = _read(archive, where.sheets[META_SHEET])
    strings = shared_strings(_read(archive, where.shared_strings))
    if data is None or strings is None or b"<worksheet" not in data[:4096]:
        return None
    split = data.find(b'<row r="%d"' % (CELLS_HEADER_ROW + 2))
    if split == -1:
        return None
    above, body = data[:split], data[split:]
    if b"<!" in above or b"<c>" in above or b"<c/>" in above:
        return None
    found = _HEAD_CELL.findall(above)
    cell_map = _cell_map(body)
    if len(found) != above.count(b"<c ") or cell_map is None:
        return None
    addresses, pick = cell_map
    try:
        head = {(int(row) - 1, _column(col)): strings[int(index)] for col, row, index in found}
        texts = pick(strings)
    except IndexError:
        return None
    # a cell holding "" reads as an empty cell
    return MetaXml(head, b" ".join(compress(addresses, texts)), tuple(compress(texts, texts)))


_HEAD_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"(?: s="[0-9]+")? t="s"(?: s="[0-9]+")?><v>([0-9]+)</v></c>')
_MAP_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"(?: s="[0-9]+")? t="s"(?: s="[0-9]+")?><v>([0-9]+)</v></c>')
_maps: dict[bytes, tuple[list[bytes], Callable[[list[str]], tuple[str, ...]]]] = {}


def _cell_map(body: bytes) -> tuple[list[bytes], Callable[[list[str]], tuple[str, ...]]] | None:
    """The cell map's addresses, and what picks its texts out of the shared strings: worked out once per distinct
    XML (files from one template, written by one program, carry the same bytes here)."""
    known = _maps.get(body)
    if known is not None:
        return known
    if b"!" in body and b"<!" in body:
        return None
    marks = _marks(body)
    found = _MAP_CELL.findall(body)
    if not found or marks.bare_cells or len(found) != np.count_nonzero(marks.cells):
        return None
    indices = [int(index) for _, index in found]
    pick = itemgetter(*indices)
    texts: Callable[[list[str]], tuple[str, ...]] = (lambda s: (pick(s),)) if len(indices) == 1 else pick
    if len(_maps) >= 16:
        _maps.clear()
    _maps[body] = ([address for address, _ in found], texts)
    return _maps[body]


def _column(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number - 1
