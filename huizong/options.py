"""Options shared by the commands of ``huizong`` and of its portal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from huizong.config import Home
from huizong.runlock import hold
from huizong.warehouse import portal_busy

F = TypeVar("F", bound=Callable[..., Any])


def home_option(command: F) -> F:
    return click.option(
        "--home",
        "home",
        envvar="HUIZONG_HOME",
        default="var",
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="数据目录 (data directory; env HUIZONG_HOME).",
    )(command)


@contextmanager
def the_warehouse(where: Home, what: str, wait: float) -> Iterator[None]:
    """The run lock of an initialised data directory that no portal holds, with its working file free (opened and
    closed once first, so that a busy file is one line before anything is printed or taken)."""
    where.require()
    busy = portal_busy(where.root)
    if busy is not None:
        raise busy
    with hold(where.root, what, wait):
        if where.warehouse.exists():
            with where.connect():
                pass
        yield
