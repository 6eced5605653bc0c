"""What every flow that writes the warehouse does around its steps: check the data directory, take its turn.

A flow waits for the run lock (``huizong.runlock``) for up to ``WAIT_S``, so runs triggered at the same time complete
one after another instead of failing; while the portal runs it holds the warehouse for good, so a flow says so at
once. A setup problem (no data directory, no registry, not writable, the portal) ends the run as Failed with that one
line as its message: no retries, no traceback. Task retries are for what may pass (I/O), never for a verdict.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prefect import Task
from prefect.client.schemas.objects import State, TaskRun

from huizong.config import Home
from huizong.runlock import hold
from huizong.warehouse import WarehouseBusy, portal_busy

WAIT_S = 6 * 3600  # a nightly run waits for a long manual one rather than fail


@contextmanager
def warehouse_turn(home: Home, what: str) -> Iterator[None]:
    home.require()
    busy = portal_busy(home.root)
    if busy is not None:
        raise busy
    with hold(home.root, f"Prefect 流程 {what}", WAIT_S):
        yield


def transient(task: Task[Any, Any], task_run: TaskRun, state: State[Any]) -> bool:
    """Retry a task only for what may pass: I/O errors and a busy file. A wrong registry, a constraint or a bug
    fails the same way every time."""
    del task, task_run
    try:
        state.result()
    except (WarehouseBusy, OSError):
        return True
    except Exception:
        return False
    return False
