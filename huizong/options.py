"""Options shared by the commands of ``huizong`` and of its portal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

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
