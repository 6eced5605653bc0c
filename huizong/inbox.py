"""What a run takes in, trusting nothing about the folders: which files, into the archive, and out of the inbox.

- Only regular files are taken: symbolic links are never followed (a link could point anywhere), a folder named
  ``x.xlsx`` is a folder, and names beginning with ``.`` or ``~$`` (hidden files, Excel's lock files) are reported as
  skipped rather than silently left.
- Sizes are bounded before anything is read: a file over ``MAX_ARCHIVED`` is reported and left where it is; anything
  smaller is streamed into the archive (hashed as it goes, flushed to disk, renamed), never held whole in memory.
- Only what was found in the inbox itself is moved to ``processed/`` (by its real path, so ``inbox/../x`` is not in
  the inbox), under a name cut to fit any file system.
- Names are shown with control characters escaped, so a newline in a name cannot split a verdict line.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from huizong.archive import store_stream
from huizong.config import Home
from huizong.stages import stage

SKIPPED_PREFIXES = ("~$", ".")
MAX_ARCHIVED = 200 * 1024 * 1024  # bytes: ten times the largest file intake reads; beyond it a file is not taken
MAX_NAME_BYTES = 200  # a file name on disk (ext4 and NTFS allow 255)
_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")
BOOK_FOLDER = "名为工作簿的文件夹（可能是解压后的 .xlsx），不收取其中的文件 (a folder named like a workbook)"


def _looks_like_a_book(name: str) -> bool:
    return name.lower().endswith((".xlsx", ".xlsm", ".xls", ".et"))


@dataclass(frozen=True)
class Arrival:
    source: Path
    sha256: str
    archived: Path
    size: int
    received_at: dt.datetime
    taken_at: dt.datetime


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str


def shown(name: str) -> str:
    """A name fit for one line: control characters written as escapes (``\\n``, ``\\x07``)."""
    return "".join(repr(ch)[1:-1] if ord(ch) < 32 or ord(ch) == 127 else ch for ch in name)


def collect(home: Home, paths: Sequence[Path], skipped: list[Skipped] | None = None) -> list[Path]:
    """The regular files to take: those given, or everything in the inbox (not its ``processed`` folder). What is
    passed over is added to ``skipped`` with the reason."""
    passed = skipped if skipped is not None else []
    files: list[Path] = []
    for root in list(paths) or [home.inbox]:
        if root.is_symlink():
            passed.append(Skipped(root, "符号链接，不收取 (a symbolic link)"))
        elif root.is_dir() and _looks_like_a_book(root.name) and root != home.inbox:
            passed.append(Skipped(root, BOOK_FOLDER))
        elif root.is_dir():
            files += _walk(home, root, passed)
        else:
            files += _take(root, passed)
    return files


def _walk(home: Home, root: Path, passed: list[Skipped]) -> list[Path]:
    found: list[Path] = []
    processed = home.processed.resolve()
    for folder, dirs, names in os.walk(root, followlinks=False):
        here = Path(folder)
        if here.resolve() == processed:
            dirs[:] = []
            continue
        for name in sorted(dirs):
            if (here / name).is_symlink():
                passed.append(Skipped(here / name, "指向文件夹的符号链接，不收取 (a symbolic link)"))
            elif _looks_like_a_book(name):
                passed.append(Skipped(here / name, BOOK_FOLDER))
        dirs[:] = sorted(d for d in dirs if not _looks_like_a_book(d))
        for name in sorted(names):
            found += _take(here / name, passed)
    return found


def _take(path: Path, passed: list[Skipped]) -> list[Path]:
    try:
        info = path.lstat()
    except OSError as exc:
        passed.append(Skipped(path, f"无法读取：{exc.strerror}"))
        return []
    if stat.S_ISLNK(info.st_mode):
        passed.append(Skipped(path, "符号链接，不收取 (a symbolic link)"))
    elif not stat.S_ISREG(info.st_mode):
        passed.append(Skipped(path, "不是普通文件，不收取"))
    elif path.name.startswith(SKIPPED_PREFIXES):
        what = "Excel 的临时锁定文件" if path.name.startswith("~$") else "隐藏文件"
        passed.append(Skipped(path, f"{what}，不收取（如是报表，请去掉文件名开头的“{path.name[:2].rstrip()}”）"))
    elif info.st_size > MAX_ARCHIVED:
        passed.append(Skipped(path, f"文件过大（{info.st_size // 2**20} MB），不是报表，未收取，留在原处"))
    else:
        return [path]
    return []


def archive_files(home: Home, files: Iterable[Path]) -> list[Arrival]:
    """Stream each file into ``<home>/archive/<2 hex>/<sha256><suffix>`` (once per content) and describe it."""
    with stage("archive"):
        archiving = Archiving(home, files)
        archiving.next(archiving.total)
        archiving.flush()
        return archiving.arrivals


class Archiving:
    """A run's files archived in order as they are asked for (``next``): intake reads one batch while it archives
    the next. ``flush`` puts what was archived on disk (one ``os.sync`` for a whole batch, not one per file); a batch
    is recorded only after. Made from arrivals already archived (``archived``), it hands those out."""

    def __init__(self, home: Home, files: Iterable[Path], archived: Sequence[Arrival] = ()) -> None:
        self.home = home
        self.files = list(files)
        self.arrivals = list(archived)
        self.taken_at = dt.datetime.now()  # to the microsecond, as the time a file came: a correction made within
        # the same second as the file it corrects (a quick re-save) is still the later one
        self._given = 0
        self._archived = 0  # of ``files``
        self._unflushed = False

    @property
    def total(self) -> int:
        return len(self.arrivals) + len(self.files) - self._archived

    @property
    def left(self) -> int:
        return self.total - self._given

    def next(self, count: int) -> list[Arrival]:
        """The next ``count`` arrivals (fewer at the end), archiving the files they need."""
        short = self._given + count - len(self.arrivals)
        if short > 0 and self._archived < len(self.files):
            with stage("archive"):
                todo = self.files[self._archived : self._archived + short]
                self.arrivals += [_archive(self.home, path, self.taken_at) for path in todo]
                self._archived += len(todo)
                self._unflushed = True
        given = self.arrivals[self._given : self._given + count]
        self._given += len(given)
        return given

    def flush(self) -> None:
        if self._unflushed:
            with stage("archive"):
                os.sync()  # every copy on disk before anything that holds it is recorded
            self._unflushed = False


def _archive(home: Home, path: Path, taken_at: dt.datetime) -> Arrival:
    suffix = path.suffix.lower() if _SUFFIX.fullmatch(path.suffix.lower()) else ".bin"
    with path.open("rb") as stream:
        digest, target, size = store_stream(home.archive, stream, suffix, MAX_ARCHIVED, sync=False)
        modified = os.fstat(stream.fileno()).st_mtime
    received = min(dt.datetime.fromtimestamp(modified), taken_at)
    return Arrival(path, digest, target, size, received, taken_at)


def tidy_inbox(home: Home, arrivals: Sequence[Arrival]) -> None:
    """Move what came from the inbox itself to ``inbox/processed/<date>/`` (the archive holds every content)."""
    inbox, processed = home.inbox.resolve(), home.processed.resolve()
    folder = home.processed / dt.date.today().isoformat()
    for arrival in arrivals:
        source = arrival.source
        real = source.resolve() if source.exists() and not source.is_symlink() else None
        if real is None or inbox not in real.parents or processed in real.parents:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / fitting(source.name)
        if target.exists():
            target = folder / fitting(f"{arrival.sha256[:8]}_{source.name}")
        shutil.move(real, target)


def fitting(name: str, limit: int = MAX_NAME_BYTES) -> str:
    """``name`` without separators or control characters, cut (keeping its suffix) to ``limit`` bytes of UTF-8."""
    clean = re.sub(r"[\x00-\x1f\x7f/\\]", "_", name)
    if len(clean.encode()) <= limit:
        return clean
    stem, suffix = os.path.splitext(clean)
    suffix = suffix if len(suffix.encode()) <= 16 else ""
    cut = stem.encode()[: limit - len(suffix.encode()) - 3].decode(errors="ignore")
    return f"{cut}…{suffix}"
