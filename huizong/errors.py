"""The project's exceptions: one base class, caught by the CLI and shown as one line on stderr.

Errors in what a unit sent us are not exceptions: they are findings (see ``findings.py``). These classes are for the
people who run huizong: a bad form declaration, registry or configuration, or a command used wrongly.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class HuizongError(Exception):
    """Base class. ``exit_code`` follows the CLI contract: 2 wrong usage or setup. (A rejected file is not an
    exception: the commands that judge files exit 1 on their verdict.)"""

    exit_code = 2


class UsageError(HuizongError):
    """The command was used wrongly: unknown unit, period without a form, missing registry."""


class ConfigError(HuizongError):
    """A configuration file (huizong.toml) is wrong."""


class FormError(HuizongError):
    """A form declaration (schemas/forms/**.toml) is wrong."""


class RegistryError(HuizongError):
    """The unit registry or the cycles file is wrong."""


def suggest(word: str, choices: Iterable[str]) -> str:
    """Return ' (did you mean X?)' / '（是否应为 X？）' for the closest choice, or ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"（是否应为 {close[0]}？did you mean {close[0]!r}?）" if close else ""
