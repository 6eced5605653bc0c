"""The quarterly assessment (考核) in the portal: the office's form, a run, its files, and the office's earlier runs.

``huizong.assessment`` scores the units of the office's cycles from the published snapshot and writes only under
``<home>/out/assessment/<slug>/`` (the 通报 and a 督办函 per unit at the bottom), as ``huizong assess`` does. It
never writes the warehouse, so it runs in the request's thread, not the writer's; one at a time, since two runs of
the same cycles write the same folder.

An office assesses the cycles it runs itself (``permissions.allowed(actor, "assess", owner)``); a unit account is
refused (403); a cycle or a folder of another office is not found (404). What the office asked wrongly (no cycle, a
deadline before today) is refused with 422; what the library refuses (a cycle the snapshot has not seen yet, a wrong
``assessment.toml``) with 409 and its Chinese line.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from xml.etree import ElementTree

from huizong.assessment import CRITERIA, Assessment, Weights, Written, assess, load_weights, write_assessment
from huizong.assessment.output import LETTER_PREFIX, due_date
from huizong.assessment.workbook import lapses
from huizong.errors import HuizongError
from huizong.portal.errors import NotFound, Refused
from huizong.portal.permissions import Actor, allowed
from huizong.portal.shown import iso, number, plain
from huizong.registry import KINDS

if TYPE_CHECKING:
    from huizong.portal.core import Portal

FOLDER = "assessment"  # under <home>/out
NOTICE_SUFFIX = "_考核通报.xlsx"
SUFFIXES = (".xlsx", ".docx")
MOST_BOTTOM = 1000
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")
_TITLE = "{http://purl.org/dc/elements/1.1/}title"


@dataclass(frozen=True)
class Ask:
    """What the office asked for: its cycles, how many units at the bottom get a letter, and the letters' deadline
    (None: the weights' ``letter.bottom`` and ``letter.days`` after today)."""

    cycles: tuple[str, ...]
    bottom: int | None = None
    deadline: dt.date | None = None


def may_assess(portal: Portal, actor: Actor, owner: str) -> None:
    """Whether ``actor`` may assess the cycles ``owner`` runs: 403 for an account that may assess nothing (a unit),
    404 for another office's cycles."""
    if allowed(portal.registry, actor, "assess", owner):
        return
    if not allowed(portal.registry, actor, "assess", actor.code):
        raise Refused("考核通报由政务公开办公室生成，报送单位不能查看或生成")
    raise NotFound(owner)


def ask_of(cycles: Sequence[str], bottom: str, deadline: str) -> Ask:
    """The page's form as an ``Ask``: a number and a date as typed (blank: the default), or 422 saying what is wrong."""
    bottom, deadline = bottom.strip(), deadline.strip()
    if bottom and not (bottom.isdigit() and int(bottom) <= MOST_BOTTOM):
        raise Refused(f"发督办函的单位数应为 0 到 {MOST_BOTTOM} 的整数，而不是 {bottom!r}", 422)
    try:
        due = dt.date.fromisoformat(deadline) if deadline else None
    except ValueError:
        raise Refused(f"整改期限应写作 2026-03-31（年-月-日），而不是 {deadline!r}", 422) from None
    return Ask(tuple(c.strip() for c in cycles if c.strip()), int(bottom) if bottom else None, due)


# ── the form ──


def own_cycles(portal: Portal, actor: Actor) -> list[dict[str, Any]]:
    """The cycles the office runs itself (a year's annual report, its quarterly forms), newest first."""
    return [c for c in portal.cycles(actor) if c["owner"] == actor.code]


def form(portal: Portal, actor: Actor) -> dict[str, Any]:
    """What the page's form offers: the office's cycles, the defaults, the weights, and the earlier assessments;
    ``problem`` says why the weights could not be read (a wrong ``assessment.toml``)."""
    may_assess(portal, actor, actor.code)
    today = dt.date.today()
    try:
        weights: Weights | None = load_weights(portal.home.root)
    except HuizongError as exc:
        weights, problem = None, str(exc)
    else:
        problem = ""
    return {
        "cycles": own_cycles(portal, actor),
        "bottom": weights.bottom if weights else None,
        "deadline": iso(today + dt.timedelta(days=weights.days)) if weights else None,
        "rules": rules(weights) if weights else [],
        "weights_source": _source(weights) if weights else None,
        "problem": problem,
        "earlier": earlier(portal, actor),
    }


def rules(w: Weights) -> list[dict[str, Any]]:
    """Each criterion with its full points and what one lapse deducts."""
    return [
        {"key": c.key, "label": c.label, "points": number(w.points[c.key]), "rule": c.rule,
         "deducts": number(w.lapses[c.key])}
        for c in CRITERIA
    ]  # fmt: skip


def _source(w: Weights) -> str:
    return "huizong 默认考核细则" if w.shipped else f"本单位考核细则（{w.source.name}）"


# ── a run ──


def run(portal: Portal, actor: Actor, ask: Ask) -> dict[str, Any]:
    """Assess the office's units over the cycles asked for, as of today, write the 通报 and the letters, and say
    the scores and where to download the files."""
    may_assess(portal, actor, actor.code)
    ids = list(dict.fromkeys(ask.cycles))
    if not ids:
        raise Refused("请至少勾选一个填报周期", 422)
    for cycle_id in ids:
        heads = portal.read("portal/cycle_head", {"cycle_id": cycle_id})
        if not heads:
            raise NotFound(cycle_id)
        may_assess(portal, actor, heads[0]["owner"])
    if ask.bottom is not None and not 0 <= ask.bottom <= MOST_BOTTOM:
        raise Refused(f"发督办函的单位数应为 0 到 {MOST_BOTTOM} 的整数", 422)
    today = dt.date.today()
    if ask.deadline is not None and ask.deadline < today:
        raise Refused(f"整改期限 {ask.deadline} 早于今天（{today}），请重新选择", 422)
    with portal.assessing:
        try:
            found = assess(portal.home, actor.code, ids, as_of=today, bottom=ask.bottom)
            written = write_assessment(portal.home, found, today, ask.deadline)
        except HuizongError as exc:
            raise Refused(str(exc), 409) from exc
    return result(found, written, due_date(found, today, ask.deadline))


def url_of(slug: str, name: str) -> str:
    """A file's download in the API (the page's is the same without ``/api/v1``)."""
    return f"/api/v1/{FOLDER}/{quote(slug, safe='')}/{quote(name, safe='')}"


def result(a: Assessment, written: Written, deadline: dt.date) -> dict[str, Any]:
    """The run as JSON: the summary, each unit's score (kind by kind, ranked ones by rank) with what went wrong and
    its letter, and the files."""
    slug = written.folder.name
    letters = {score["unit_code"]: path.name for score, path in zip(a.bottom, written.letters, strict=True)}
    scores = [
        plain(score)
        | {"kind_label": KINDS.get(kind, kind), "lapses": lapses(a, score), "letter": letters.get(score["unit_code"])}
        for kind, group in a.groups()
        for score in group
    ]
    by_code = {s["unit_code"]: s for s in scores}
    return {
        "slug": slug,
        "summary": a.summary(),
        "office": {"code": a.owner.code, "name": a.owner.name},
        "cycles": [{"cycle_id": c.id, "title": a.title_of(c.id)} for c in a.cycles],
        "as_of": iso(a.as_of),
        "deadline": iso(deadline),
        "full": number(a.weights.full),
        "weights_source": _source(a.weights),
        "scores": scores,
        "notice": {"file_name": written.notice.name, "url": url_of(slug, written.notice.name)},
        "letters": [_letter(by_code[code], slug, name) for code, name in letters.items()],
    }


def _letter(score: dict[str, Any], slug: str, name: str) -> dict[str, Any]:
    keys = ("unit_code", "unit_name", "unit_kind", "total")
    return {k: score[k] for k in keys} | {"file_name": name, "url": url_of(slug, name)}


# ── earlier runs and their files ──


def earlier(portal: Portal, actor: Actor) -> list[dict[str, Any]]:
    """The office's assessments under ``out/assessment/`` (the folders named after its code), newest first: the
    notice's title, when it was written, and the files."""
    may_assess(portal, actor, actor.code)
    root = portal.home.out / FOLDER
    found = []
    for folder in sorted(root.iterdir()) if root.is_dir() else ():
        if folder.is_symlink() or not folder.is_dir() or not folder.name.startswith(f"{actor.code}-"):
            continue
        notices = sorted(p for p in folder.glob(f"*{NOTICE_SUFFIX}") if _regular(p))
        if not notices:
            continue
        letters = sorted(p for p in folder.glob(f"{LETTER_PREFIX}*.docx") if _regular(p))
        written = dt.datetime.fromtimestamp(notices[0].stat().st_mtime).replace(microsecond=0)
        found.append(
            {
                "slug": folder.name,
                "title": _title(notices[0]) or folder.name,
                "written_at": iso(written),
                "notice": {"file_name": notices[0].name, "url": url_of(folder.name, notices[0].name)},
                "letters": [{"file_name": p.name, "url": url_of(folder.name, p.name)} for p in letters],
            }
        )
    return sorted(found, key=lambda f: (f["written_at"], f["slug"]), reverse=True)


def _regular(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _title(notice: Path) -> str:
    """The title the 通报 carries in its properties: 青石县政府信息公开报表报送考核通报（2025年）."""
    try:
        with zipfile.ZipFile(notice) as book:
            found = ElementTree.fromstring(book.read("docProps/core.xml")).find(_TITLE)
    except (OSError, KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return ""
    return (found.text or "").strip() if found is not None else ""


def _plain_name(name: str) -> bool:
    """A folder's or file's own name: no folders, no ``..``, nothing hidden, no control characters."""
    hidden = name.startswith(".") or ".." in name
    return bool(name) and len(name) <= 255 and not hidden and not _UNSAFE.search(name)


def file_of(portal: Portal, actor: Actor, slug: str, name: str) -> Path:
    """A 通报 or 督办函 of one of the office's own assessments; anything else (another office's, a name with ``..``
    or a folder, a link out of the folder) is not found."""
    may_assess(portal, actor, actor.code)
    if not (_plain_name(slug) and _plain_name(name) and slug.startswith(f"{actor.code}-")):
        raise NotFound(name)
    root = (portal.home.out / FOLDER).resolve()
    folder = (root / slug).resolve()
    path = (folder / name).resolve()
    if folder.parent != root or path.parent != folder or path.suffix not in SUFFIXES or not path.is_file():
        raise NotFound(name)
    return path
