"""``huizong`` with a fault injected when one of intake's stages starts for the nth time (tests only).

    python tests/fault_run.py kill|fill STAGE N NOTE -- huizong arguments...

``kill``: the process sends itself SIGKILL, after writing the PIDs of its descendants to NOTE (so the test can see
that none outlives it). ``fill``: it fills the disk that holds NOTE (a filler file there), and the run goes on into a
full disk. Batches are made small (40 files) and read by the reader processes from 20 files, so a few hundred files
go through every kind of step.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from huizong import intake, readers, stages


def descendants(pid: int) -> list[int]:
    found = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            kids = [int(k) for k in children.read_text().split()]
        except OSError:
            continue
        for kid in kids:
            found += [kid, *descendants(kid)]
    return found


def fill(note: Path) -> None:
    with (note.parent / "filler").open("wb") as out:
        try:
            while True:
                out.write(b"\0" * (1 << 20))
                out.flush()
        except OSError:
            pass


def main(argv: list[str]) -> None:
    action, stage_name, nth, note = argv[0], argv[1], int(argv[2]), Path(argv[3])
    args = argv[argv.index("--") + 1 :]
    intake.BATCH = intake.FIRST = 40
    readers.PARALLEL_FROM = 20
    original = stages.Stages.__call__
    seen = [0]

    @contextmanager
    def hooked(self: stages.Stages, name: str) -> Iterator[None]:
        if name == stage_name:
            seen[0] += 1
            if seen[0] == nth:
                if action == "kill":
                    note.write_text(json.dumps(descendants(os.getpid())), encoding="utf-8")
                    os.kill(os.getpid(), signal.SIGKILL)
                fill(note)
        with original(self, name):
            yield

    stages.Stages.__call__ = hooked  # type: ignore[method-assign,assignment]
    from huizong.cli import main as cli

    cli(args)


if __name__ == "__main__":
    main(sys.argv[1:])
