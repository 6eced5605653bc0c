"""Where a run's time goes: wall and CPU seconds per stage (archive, read, validate, load, record, roll up, write).

Intake and consolidation wrap their steps in ``stage("read")`` and so on; the totals accumulate in ``STAGES`` for the
life of the process (``huizong intake`` prints nothing of them; the benchmark reads and resets them). Work done in
reader processes is added by the parent as those processes report it (``add``), so CPU seconds are the whole cost.
A stage inside another counts for itself alone: its time is taken off the one around it.
A peak-memory sampler (``RssSampler``) attributes the process's resident size to the stage running at the time.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

NAMES = ("archive", "read", "validate", "load", "record", "roll up", "write")


@dataclass
class Stage:
    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_rss_mb: float = 0.0


@dataclass
class Stages:
    stages: dict[str, Stage] = field(default_factory=dict)
    current: str = ""

    def reset(self) -> None:
        self.stages = {}
        self.current = ""

    def add(self, name: str, wall_s: float = 0.0, cpu_s: float = 0.0) -> None:
        entry = self.stages.setdefault(name, Stage())
        entry.wall_s += wall_s
        entry.cpu_s += cpu_s

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        outer, self.current = self.current, name
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            self.add(name, wall, cpu)
            if outer:
                self.add(outer, -wall, -cpu)
            self.current = outer

    def as_dict(self) -> dict[str, dict[str, float]]:
        ordered = sorted(self.stages, key=lambda n: NAMES.index(n) if n in NAMES else len(NAMES))
        return {
            n: {"wall_s": round(s.wall_s, 3), "cpu_s": round(s.cpu_s, 3), "peak_rss_mb": round(s.peak_rss_mb, 1)}
            for n in ordered
            for s in (self.stages[n],)
        }


STAGES = Stages()
stage = STAGES


def rss_mb() -> float:
    """The resident set size of this process and its child processes (the readers) now, in MiB (Linux)."""
    pids = ["self"]
    for children in Path("/proc/self/task").glob("*/children"):
        try:
            pids += children.read_text().split()
        except OSError:
            continue  # a thread that just ended
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue  # a child that just ended
    return total * os.sysconf("SC_PAGE_SIZE") / 2**20


class RssSampler:
    """Samples the resident size every ``interval`` seconds and keeps the peak per stage (and overall)."""

    def __init__(self, stages: Stages = STAGES, interval: float = 0.01) -> None:
        self.stages, self.interval, self.peak_mb = stages, interval, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _sample(self) -> None:
        now = rss_mb()
        self.peak_mb = max(self.peak_mb, now)
        if self.stages.current:
            entry = self.stages.stages.setdefault(self.stages.current, Stage())
            entry.peak_rss_mb = max(entry.peak_rss_mb, now)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()
