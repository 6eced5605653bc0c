"""One run at a time on a data directory: a lock held from a run's first write to its publish.

DuckDB lets one process write the working file, and refuses a second at once; between the batches of a run it is
closed, so without more a second run (or a flow triggered at the same time) could slip in. ``hold`` takes an
exclusive ``flock`` on ``<home>/warehouse.lock`` for the whole run and writes who holds it (what, PID, since when) into
the file. The kernel releases the lock when its process ends however it ends, so a lock is never stale; a run that
finds it taken waits up to ``wait_s`` seconds (flows wait, so simultaneous triggers complete in turn) or stops at
once with one line naming the holder. Within a process the lock is re-entrant (the ``season`` flow runs ``intake``
and ``consolidate`` inside its own hold).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from huizong.archive import remove_partials
from huizong.warehouse import WarehouseBusy

LOCK_FILE = "warehouse.lock"
_held: dict[Path, tuple[int, int]] = {}  # lock path -> (file descriptor, depth), in this process
_guard = threading.Lock()


def holder(root: Path) -> str:
    """Who holds the lock of ``root`` as it says itself ("intake，PID 123，自 …"), or ''."""
    try:
        info = json.loads((root / LOCK_FILE).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return ""
    if not info:
        return ""
    return f"{info.get('what', '')}，PID {info.get('pid')}，自 {info.get('since', '')}"


@contextmanager
def hold(root: Path, what: str, wait_s: float = 0) -> Iterator[None]:
    """Hold the run lock of the data directory ``root`` for the block."""
    path = (root / LOCK_FILE).resolve()
    with _guard:
        if path in _held:
            fd, depth = _held[path]
            _held[path] = (fd, depth + 1)
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            _release(path)
        return
    fd = _acquire(path, what, wait_s)
    with _guard:
        _held[path] = (fd, 1)
    try:
        yield
    finally:
        _release(path)


def _acquire(path: Path, what: str, wait_s: float) -> int:
    if not path.parent.is_dir():
        from huizong.errors import UsageError

        raise UsageError(f"数据目录 {path.parent} 不存在：先运行 huizong init (no data directory)")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                waited = f"（已等待 {wait_s:.0f} 秒）" if wait_s else ""
                raise WarehouseBusy(
                    f"另一次运行正在使用数据库{waited}：{holder(path.parent) or '未知'}；"
                    "稍后再试，或用 --wait 秒数 排队等待 (another run holds the warehouse)"
                ) from None
            time.sleep(0.2)
    since = dt.datetime.now().isoformat(timespec="seconds")
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps({"what": what, "pid": os.getpid(), "since": since}, ensure_ascii=False).encode(), 0)
    remove_partials(path.parent)
    return fd


def _release(path: Path) -> None:
    with _guard:
        fd, depth = _held[path]
        if depth > 1:
            _held[path] = (fd, depth - 1)
            return
        del _held[path]
    os.ftruncate(fd, 0)
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)
