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


def die_with_parent() -> None:
    with suppress(OSError, AttributeError):  # not Linux: the pool's own shutdown ends the readers after a normal stop
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def reader_started() -> None:
    """In a reader, first: end with the process that forked it, and end now if that process is already gone (a
    run killed while its readers were starting: the signal asked for above would never come)."""
    die_with_parent()
    if os.getppid() != FORKSERVER:
        os._exit(0)


die_with_parent()
