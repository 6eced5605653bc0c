"""Where an assessment's files go, and writing them: the 通报 and one 督办函 per unit at the bottom.

``<home>/out/assessment/<slug>/``: ``990121_青石县_考核通报.xlsx`` and ``督办函_990121505_县公安局.docx``; letters
left there by an earlier run for units no longer at the bottom are removed, so the folder says what stands now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from huizong.assessment.core import Assessment
from huizong.assessment.letters import Letter, compose, write_letter
from huizong.assessment.workbook import write_notice
from huizong.config import Home
from huizong.distribute import safe_name
from huizong.errors import UsageError

LETTER_PREFIX = "督办函_"


@dataclass(frozen=True)
class Written:
    folder: Path
    notice: Path
    letters: tuple[Path, ...]


def folder_of(home: Home, a: Assessment) -> Path:
    return home.out / "assessment" / a.slug


def issuer_of(home: Home, a: Assessment) -> str:
    """Who signs the letters: the weights' issuer, else the owner's government office, else 〈owner〉人民政府办公室."""
    if a.weights.issuer:
        return a.weights.issuer
    offices = [u for u in home.registry.below(a.owner.code) if u.kind == "office"]
    return offices[0].name if offices else f"{a.owner.name}人民政府办公室"


def due_date(a: Assessment, issued: dt.date, deadline: dt.date | None = None) -> dt.date:
    """The deadline to fix: as given, else the weights' days after ``issued``; never before ``issued``."""
    due = deadline or issued + dt.timedelta(days=a.weights.days)
    if due < issued:
        raise UsageError(f"整改期限 {due} 早于发函日期 {issued}：请检查整改期限 (the deadline is before the date)")
    return due


def letters_of(home: Home, a: Assessment, issued: dt.date, deadline: dt.date | None = None) -> list[Letter]:
    """The letters to the units at the bottom, issued on ``issued`` (``due_date`` says the deadline)."""
    due, issuer = due_date(a, issued, deadline), issuer_of(home, a)
    return [compose(a, score, issued, due, issuer) for score in a.bottom]


def write_assessment(home: Home, a: Assessment, issued: dt.date, deadline: dt.date | None = None) -> Written:
    """Write the 通报 and the letters; the files carry ``issued`` as their time, so the same data gives the same
    files."""
    due_date(a, issued, deadline)  # a wrong deadline stops before anything is written
    folder = folder_of(home, a)
    folder.mkdir(parents=True, exist_ok=True)
    made = dt.datetime.combine(issued, dt.time())
    notice = write_notice(folder / f"{a.owner.code}_{safe_name(a.owner.name)}_考核通报.xlsx", a, made)
    letters = letters_of(home, a, issued, deadline)
    paths = [folder / f"{LETTER_PREFIX}{x.unit_code}_{safe_name(x.unit_name)}.docx" for x in letters]
    for stale in sorted(folder.glob(f"{LETTER_PREFIX}*.docx")):
        if stale not in paths:
            stale.unlink()
    for letter, path in zip(letters, paths, strict=True):
        write_letter(path, letter, made)
    return Written(folder, notice, tuple(paths))
