"""Reading many workbooks at once: in worker processes, one per core, when a batch is large enough to pay for them.

Reading (calamine, the ``_meta`` check, the formula scan, parsing 200 cells) is the cost that grows with the number of
files, and it is independent per file, so it spreads over cores; checking, recording and rolling up stay in the one
process that holds the warehouse. The workers also turn each chunk's values into the Arrow table that is loaded and
the integers the rules compute with (``huizong.cells``), so the main process only joins them. Workers are started
once per run (``forkserver``: a clean process, not a copy of one with Prefect's and DuckDB's threads), load the
registry and forms from the data directory themselves, read chunks of files, and send back plain readings (the form
travels as its key). The CPU time they spend is added to the ``read`` stage. ``close()`` ends them at the end of a
run, so a long-lived process (``flows.serve``) never reads with an old registry. As with any ``multiprocessing``, a
script that calls intake on that many files needs an ``if __name__ == "__main__":`` guard (the workers import the
main module).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from multiprocessing import forkserver
from pathlib import Path

import pyarrow as pa

from huizong import cells
from huizong.assess import Verdict
from huizong.catalog import FormCatalog
from huizong.config import Home
from huizong.feedback import Receipt, write_feedback
from huizong.reader import Reading, read_workbook
from huizong.registry import Registry
from huizong.stages import STAGES

RUN = "HUIZONG_RUN_PID"  # as huizong.reader_process reads it (not imported here: it acts on import)

CHUNK = 25  # files per task sent to a worker
READER_NICENESS = 10
PRELOAD = ["huizong.forkserver", "huizong.cells", "huizong.feedback", "huizong.config"]  # imported once
PARALLEL_FROM = 400  # fewer files than this are read here: starting the workers (about 1 s) would cost more

_pool: tuple[Path, ProcessPoolExecutor] | None = None
_catalog: FormCatalog | None = None
_registry: Registry | None = None
_root = ""


def workers(home: Home) -> int:
    return home.settings.readers or os.cpu_count() or 1


def read_files(home: Home, paths: Sequence[Path], progress: Callable[[int], None] | None = None) -> list[Reading]:
    """Readings of ``paths``, in order. ``progress`` hears how many files were just read."""
    return start_reading(home, paths, progress)()


def start_reading(
    home: Home, paths: Sequence[Path], progress: Callable[[int], None] | None = None
) -> Callable[[], list[Reading]]:
    """Start reading ``paths`` in the reader processes (when there are enough files to pay for them) and return what
    waits for the readings: the caller checks and records the previous batch meanwhile."""
    if workers(home) < 2 or len(paths) < PARALLEL_FROM:

        def here() -> list[Reading]:
            readings = []
            for path in paths:
                readings.append(read_workbook(path, home.catalog, home.registry))
                if progress:
                    progress(1)
            return readings

        return here
    pool = _pool_for(home)
    futures = [pool.submit(_read_chunk, list(paths[i : i + CHUNK])) for i in range(0, len(paths), CHUNK)]

    def collect() -> list[Reading]:
        readings = []
        for future in futures:
            chunk, table, cpu_s = future.result()
            found = attach(home, chunk)
            if table is not None:
                cells.give(found, table)
            readings += found
            STAGES.add("read", cpu_s=cpu_s)
            if progress:
                progress(len(chunk))
        return readings

    return collect


def warm(home: Home, files: int) -> None:
    """Start the reader processes now, when ``files`` files are about to be read (they load the registry and the
    forms while this process archives the files), so the first batch does not wait for them."""
    if workers(home) >= 2 and files >= PARALLEL_FROM:
        pool = _pool_for(home)
        # The forkserver is started here: it ends with the thread that starts it (PR_SET_PDEATHSIG is per thread).
        # The readers are started from a thread of their own, as starting one waits until the forkserver has
        # imported what they need (about a second).
        forkserver.ensure_running()
        threading.Thread(target=_spawn, args=(pool, workers(home)), name="readers-start", daemon=True).start()


def _spawn(pool: ProcessPoolExecutor, count: int) -> None:
    with suppress(Exception):  # a pool that cannot start says so to the first real task, in the run's own thread
        for _ in range(count):
            pool.submit(_ready)


def _ready() -> None:
    """Nothing: a task that makes a reader process start (``warm``)."""


def read_chunk(root: str, paths: Sequence[Path]) -> tuple[list[tuple[Reading, str]], float]:
    """Read ``paths`` in whatever process this runs in (a reader process, a Dask worker), loading the data
    directory's registry and forms once per process. Returns (reading without its form, form key) pairs and the CPU
    seconds spent; ``attach`` puts the forms back (and ``huizong.cells.prepare`` makes their cells where needed)."""
    global _root
    if _root != root:
        _start(root)
        _root = root
    found, _, cpu_s = _read_chunk(paths, with_cells=False)
    return found, cpu_s


def attach(home: Home, chunk: Sequence[tuple[Reading, str]]) -> list[Reading]:
    readings = []
    for reading, form_key in chunk:
        reading.form = home.catalog.get(form_key) if form_key else None
        readings.append(reading)
    return readings


@dataclass(frozen=True)
class ReceiptJob:
    path: Path
    verdict: Verdict
    receipt: Receipt


_writing: list[Future[float]] = []


def write_feedbacks(home: Home, jobs: Sequence[ReceiptJob]) -> None:
    """Write the receipts of ``jobs``: in the reader processes when the run has them (``finish_receipts`` waits for
    them), else here. A worker gets each verdict without its form and cycle (the form travels as its key, the cycle
    as the deadline the receipt already carries)."""
    if _pool is None or _pool[0] != home.root or len(jobs) < 2:
        for job in jobs:
            write_feedback(job.path, job.verdict, job.receipt)
        return
    sent = []
    for job in jobs:
        reading, verdict = job.verdict.reading, job.verdict
        bare = Reading(reading.path, reading.meta, None, reading.values, reading.findings)
        key = reading.form.key if reading.form is not None else ""
        sent.append((job.path, Verdict(bare, verdict.unit, None, verdict.findings), key, job.receipt))
    _writing.extend(_pool[1].submit(_write_chunk, sent[i : i + CHUNK]) for i in range(0, len(sent), CHUNK))


def finish_receipts() -> None:
    """Wait for the receipts the reader processes are writing (their CPU time counts in the ``write`` stage)."""
    while _writing:
        STAGES.add("write", cpu_s=_writing.pop(0).result())


def close() -> None:
    """End the workers (at the end of every run), once the receipts they write are written."""
    global _pool
    try:
        finish_receipts()
    finally:
        _writing.clear()
        if _pool is not None:
            _pool[1].shutdown()
            _pool = None


def _pool_for(home: Home) -> ProcessPoolExecutor:
    global _pool
    if _pool is not None and _pool[0] != home.root:
        close()
    if _pool is None:
        os.environ[RUN] = str(os.getpid())  # the forkserver ends at once if this process is gone (reader_process)
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        root = str(home.root.resolve())
        executor = ProcessPoolExecutor(workers(home), context, initializer=_start_reader, initargs=(root,))
        _pool = (home.root, executor)
    return _pool[1]


def _start_reader(root: str) -> None:
    """A reader process's start: tied to the run's life first (``huizong.reader_process``), then loaded."""
    from huizong.reader_process import reader_started

    reader_started()
    with suppress(OSError):  # the process that holds the run's transaction goes first; readers use what it leaves
        os.nice(READER_NICENESS)
    _start(root)


def _start(root: str) -> None:
    global _catalog, _registry
    from huizong.reader_process import die_with_parent

    die_with_parent()
    home = Home(Path(root))
    _catalog, _registry = home.catalog, home.registry


def _write_chunk(jobs: Sequence[tuple[Path, Verdict, str, Receipt]]) -> float:
    assert _catalog is not None
    started = time.process_time()
    for path, verdict, key, receipt in jobs:
        verdict.reading.form = _catalog.get(key) if key else None
        write_feedback(path, verdict, receipt)
    return time.process_time() - started


def _read_chunk(
    paths: Sequence[Path], with_cells: bool = True
) -> tuple[list[tuple[Reading, str]], pa.Table | None, float]:
    """Readings of ``paths`` without their forms, with their form keys; the cells of all of them as one table (and
    each reading's ``scaled``), ready to be loaded; and the CPU seconds spent."""
    assert _catalog is not None
    started = time.process_time()
    readings = [read_workbook(path, _catalog, _registry) for path in paths]
    table = cells.build(readings) if with_cells else None
    found = []
    for reading in readings:
        key = reading.form.key if reading.form is not None else ""
        reading.form = None  # the parent has the same form: send its key, not the whole declaration
        found.append((reading, key))
    return found, table, time.process_time() - started
