"""Imported first by the process that forks the readers (multiprocessing's forkserver, see ``huizong.readers``): it
makes that process end when the run that started it ends, however it ends (Linux: PR_SET_PDEATHSIG). The readers it
forks do the same towards it, so a killed intake leaves no process behind. Importing it elsewhere does the same to
that process: only the reader machinery imports it."""

from __future__ import annotations

import ctypes
import os
import signal
from contextlib import suppress

FORKSERVER = os.getpid()  # in the process that forks the readers; a reader inherits it as its parent's pid
RUN = "HUIZONG_RUN_PID"  # set by the run before it starts the forkserver


def die_with_parent() -> None:
    with suppress(OSError, AttributeError):  # not Linux: the pool's own shutdown ends the readers after a normal stop
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def reader_started() -> None:
    """In a reader, first: end with the process that forked it, and end now if that process is already gone."""
    die_with_parent()
    if os.getppid() != FORKSERVER:
        os._exit(0)


def guard_forkserver() -> None:
    """In the forkserver (``huizong.forkserver``, imported by it alone): end now if the run that started it is
    already gone, and have every process it forks end with it from the moment it is forked (before multiprocessing
    waits for that process's first task), so a run killed while its readers start leaves none waiting for ever."""
    if os.environ.get(RUN, str(os.getppid())) != str(os.getppid()):
        os._exit(0)
    os.register_at_fork(after_in_child=reader_started)


die_with_parent()
