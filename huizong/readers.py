"""Reading many workbooks at once: in worker processes, one per core, when a batch is large enough to pay for them.

Reading (calamine, the ``_meta`` check, the formula scan, parsing 200 cells) is the cost that grows with the number of
files, and it is independent per file, so it spreads over cores; checking, recording and rolling up stay in the one
process that holds the warehouse. Workers are started once per run (``forkserver``: a clean process, not a copy of one
with Prefect's and DuckDB's threads), load the registry and forms from the data directory themselves, read chunks of
files, and send back plain readings (the form travels as its key). The CPU time they spend is added to the ``read``
stage. ``close()`` ends them at the end of a run, so a long-lived process (``flows.serve``) never reads with an old
registry. As with any ``multiprocessing``, a script that calls intake on that many files needs an
``if __name__ == "__main__":`` guard (the workers import the main module).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from huizong.catalog import FormCatalog
from huizong.config import Home
from huizong.reader import Reading, read_workbook
from huizong.registry import Registry
from huizong.stages import STAGES

CHUNK = 25  # files per task sent to a worker
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
            chunk, cpu_s = future.result()
            readings += attach(home, chunk)
            STAGES.add("read", cpu_s=cpu_s)
            if progress:
                progress(len(chunk))
        return readings

    return collect


def read_chunk(root: str, paths: Sequence[Path]) -> tuple[list[tuple[Reading, str]], float]:
    """Read ``paths`` in whatever process this runs in (a reader process, a Dask worker), loading the data
    directory's registry and forms once per process. Returns (reading without its form, form key) pairs and the CPU
    seconds spent; ``attach`` puts the forms back."""
    global _root
    if _root != root:
        _start(root)
        _root = root
    return _read_chunk(paths)


def attach(home: Home, chunk: Sequence[tuple[Reading, str]]) -> list[Reading]:
    readings = []
    for reading, form_key in chunk:
        reading.form = home.catalog.get(form_key) if form_key else None
        readings.append(reading)
    return readings


def close() -> None:
    """End the workers (at the end of every run)."""
    global _pool
    if _pool is not None:
        _pool[1].shutdown()
        _pool = None


def _pool_for(home: Home) -> ProcessPoolExecutor:
    global _pool
    if _pool is not None and _pool[0] != home.root:
        close()
    if _pool is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["huizong.reader_process", "huizong.reader", "huizong.config"])
        executor = ProcessPoolExecutor(workers(home), context, initializer=_start, initargs=(str(home.root.resolve()),))
        _pool = (home.root, executor)
    return _pool[1]


def _start(root: str) -> None:
    global _catalog, _registry
    from huizong.reader_process import die_with_parent

    die_with_parent()
    home = Home(Path(root))
    _catalog, _registry = home.catalog, home.registry


def _read_chunk(paths: Sequence[Path]) -> tuple[list[tuple[Reading, str]], float]:
    assert _catalog is not None
    started = time.process_time()
    found = []
    for path in paths:
        reading = read_workbook(path, _catalog, _registry)
        key = reading.form.key if reading.form is not None else ""
        reading.form = None  # the parent has the same form: send its key, not the whole declaration
        found.append((reading, key))
    return found, time.process_time() - started
