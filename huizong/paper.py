"""How text lies on paper: widths, wrapped lines and the row heights every written workbook sets from them.

Spreadsheet programs do not grow a row for wrapped text that was written by a program (Excel does on edit, WPS and
LibreOffice keep the stored height), so each sheet huizong writes sets every row's height from the text it holds and
the width of the columns it spans. The rule is deliberately on the safe side of all three programs and of the fonts
they fall back to: a CJK character (and full-width punctuation) is one em wide, others as ``char_ems`` says; lines break
between CJK characters, at spaces and after hyphens, never before closing punctuation (、，。）》” and the like) nor
after an opening one, as the programs' Asian line-breaking rules do; a line is 1.35 em high.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from xlsxwriter.worksheet import Worksheet

LINE = 1.35  # line height, in ems
PAD = 4.0  # points above and below the text of a row
SIDE = 2.0  # points of a cell's width lost to its margins, each side
CLOSING = set("、，。；：！？）》」』】〕〉”’％,.;:!?)]}%·…—")
OPENING = set("（《「『【〔〈“‘([{")
_TOKEN = re.compile(r"[A-Za-z0-9.,:;%+\-/_@#&*'\"=<>~|\\^$()\[\]{}]+|\s|.", re.S)


def is_wide(ch: str) -> bool:
    """CJK ideographs, kana, full-width forms and CJK punctuation take a whole em."""
    code = ord(ch)
    return code >= 0x2E80 or 0x2010 <= code <= 0x2027 or 0x3000 <= code <= 0x303F


NARROW = set(" il.,:;'|!()[]{}-")
BROAD = set("%@MWmw<>=+~#&")


def char_ems(ch: str) -> float:
    """A character's width in ems, as the widest of the fonts the programs use or fall back to (SimSun, Calibri,
    WenQuanYi Micro Hei) draws it."""
    if is_wide(ch):
        return 1.0
    if ch in NARROW:
        return 0.4
    return 0.86 if ch in BROAD else 0.65


def text_points(text: str, size: float) -> float:
    return sum(char_ems(ch) for ch in text) * size


def column_points(width: float) -> float:
    """A column of ``width`` characters as Excel stores it, in points (Excel's own pixel rule at 96 dpi)."""
    pixels = int(width * 7 + 5) if width >= 1 else int(width * 12)
    return pixels * 0.75


def _words(line: str) -> list[str]:
    """Unbreakable pieces: a run of Latin letters and digits, or one CJK character, with the opening marks before
    it and the closing marks after it."""
    words: list[str] = []
    held = ""
    for piece in _TOKEN.findall(line):
        if piece in OPENING:
            held += piece
        elif words and piece in CLOSING and not held:
            words[-1] += piece
        else:
            words.append(held + piece)
            held = ""
    return [*words, held] if held else words


@lru_cache(maxsize=8192)
def lines_needed(text: str, width_points: float, size: float) -> int:
    """How many lines ``text`` wraps to in a cell ``width_points`` wide, font ``size`` points (remembered: a form's
    labels are measured again for every receipt and template)."""
    room = max(width_points - 2 * SIDE, size)
    total = 0
    for paragraph in text.split("\n"):
        lines, used = 1, 0.0
        for word in _words(paragraph):
            width = text_points(word, size)
            if used and used + width > room and not word.isspace():
                lines, used = lines + 1, 0.0
            while width > room:  # a word longer than the line is broken where it must be
                lines, width = lines + 1, width - room
            used += width
        total += lines
    return total


def fold(text: str, width_points: float, size: float) -> str:
    """A heading with its line breaks written in where it must wrap, so every program breaks it at the same place:
    before an opening bracket when the part in brackets fits a line (收费金额 / （万元）), else in the middle of a
    short heading (社会公益 / 组织, not 社会公益组 / 织)."""
    if "\n" in text or lines_needed(text, width_points, size) == 1:
        return text
    for mark in "（(":
        head, sep, tail = text.partition(mark)
        if sep and head and lines_needed(sep + tail, width_points, size) == 1:
            return f"{fold(head, width_points, size)}\n{sep}{tail}"
    middle = len(text) // 2
    middle += middle % 2 and middle + 1 < len(text)  # Chinese words are mostly two characters: 社会公益 / 组织
    halves = (text[:middle], text[middle:])
    fits = all(lines_needed(h, width_points, size) == 1 for h in halves)
    return "\n".join(halves) if len(text) <= 12 and halves[1][0] not in CLOSING and fits else text


def height_of(lines: int, size: float) -> float:
    return round(lines * LINE * size + PAD, 1)


@dataclass
class Rows:
    """The heights a sheet's rows need for the text written in them, applied at the end with ``apply``.

    ``widths`` are the sheet's column widths in characters; columns not given are 8.43 wide (Excel's default)."""

    widths: Sequence[float]
    base: float = 15.0
    _single: dict[int, float] = field(default_factory=dict)
    _spans: list[tuple[int, int, float]] = field(default_factory=list)

    def width(self, first_col: int, last_col: int) -> float:
        cols = range(first_col, last_col + 1)
        return sum(column_points(self.widths[c] if c < len(self.widths) else 8.43) for c in cols)

    def need(self, row: int, height: float, last_row: int | None = None) -> None:
        if last_row is None or last_row == row:
            self._single[row] = max(self._single.get(row, self.base), height)
        else:
            self._spans.append((row, last_row, height))

    def text(
        self,
        row: int,
        col: int,
        text: str,
        size: float = 10,
        *,
        last_col: int | None = None,
        last_row: int | None = None,
    ) -> None:
        """Note ``text`` written at ``row``/``col`` (or across to ``last_col``, down to ``last_row``)."""
        lines = lines_needed(text, self.width(col, col if last_col is None else last_col), size)
        self.need(row, height_of(lines, size), last_row)

    def heights(self) -> dict[int, float]:
        heights = dict(self._single)
        for first, last, needed in sorted(self._spans, key=lambda s: s[1] - s[0]):
            have = sum(heights.get(r, self.base) for r in range(first, last + 1))
            if needed > have:  # the span's last row takes what is missing
                heights[last] = heights.get(last, self.base) + math.ceil(needed - have)
        return heights

    def apply(self, sheet: Worksheet) -> None:
        for row, height in sorted(self.heights().items()):
            sheet.set_row(row, height)


def page_points(landscape: bool, margins: float = 0.5) -> float:
    """The printable width of an A4 page, in points, with ``margins`` inches left and right."""
    return (842.0 if landscape else 595.0) - 2 * 72 * margins
