"""Printed labels made comparable: what real reports do to a label must not stop it matching its declaration.

``key`` unifies full- and half-width characters and brackets (NFKC, then the CJK brackets NFKC leaves alone) and drops
every space and line break; ``bare`` also drops a leading number ("（一）", "(一)", "一、", "1.", "1、", "（1）"), so a
label numbered differently still matches. ``closeness`` scores two labels from 0 to 1: equal keys score highest,
equal bare texts next, and otherwise the similarity of the bare texts, so a long label with a wrong or missing
character or two still matches while a short one must be exact.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache

BRACKETS = str.maketrans(
    {
        "〔": "(",
        "〕": ")",
        "［": "[",
        "］": "]",
        "【": "[",
        "】": "]",
        "〈": "<",
        "〉": ">",
        "《": "<",
        "》": ">",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "、": ",",
        "，": ",",
        "。": ".",
        "．": ".",
        "：": ":",
        "；": ";",
        "－": "-",
        "—": "-",
        "–": "-",
    }
)
_SPACE = re.compile(r"\s+")
NUMBERING = re.compile(r"^(?:\([一二三四五六七八九十\d]+\)|[一二三四五六七八九十]+[,.]|\d+[.,](?!\d))")
EXACT = 1.0
BARE = 0.98
CUTOFF = 0.8  # below this two different labels are not the same label
SHORT = 4  # a bare label this short must match exactly: a changed character makes another word


@lru_cache(maxsize=8192)
def key(text: str) -> str:
    """The label with width, brackets and punctuation unified and no whitespace at all."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text).translate(BRACKETS))


@lru_cache(maxsize=8192)
def bare(text: str) -> str:
    """The key without its leading number: "（一）予以公开", "(一)予以公开" and "一、予以公开" all give "予以公开"."""
    normal = key(text)
    return NUMBERING.sub("", normal, count=1) or normal


def numbering(text: str) -> str:
    """The leading number of a label as ``key`` writes it ("(一)", "1."), or ""."""
    found = NUMBERING.match(key(text))
    return found.group(0) if found else ""


@lru_cache(maxsize=65536)
def closeness(seen: str, declared: str) -> float:
    """How surely the printed label ``seen`` is the declared label: 1 the same, 0 unrelated."""
    if not seen or not declared:
        return 0.0
    if key(seen) == key(declared):
        return EXACT
    a, b = bare(seen), bare(declared)
    if a == b:
        return BARE
    if min(len(a), len(b)) <= SHORT:
        return 0.0
    ratio = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    return ratio * 0.95 if ratio >= CUTOFF else 0.0


def best(seen: str, declared: list[str]) -> tuple[int, float]:
    """The declared label ``seen`` is closest to, by index, and its score; (-1, 0) when none is close."""
    scores = [closeness(seen, d) for d in declared]
    top = max(scores, default=0.0)
    return (scores.index(top), top) if top > 0 else (-1, 0.0)
