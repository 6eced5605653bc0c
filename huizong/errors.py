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


class StorageError(HuizongError):
    """The disk is full, or a folder cannot be written: a problem of the machine, said with the folder."""


def storage_error(exc: BaseException) -> StorageError | None:
    """The one line for a full disk or a folder that cannot be written (an ``OSError``, or DuckDB saying so), or
    None when ``exc`` is something else."""
    import errno

    text = str(exc)
    number = getattr(exc, "errno", None)
    where = getattr(exc, "filename", None) or ""
    if number == errno.ENOSPC or "No space left on device" in text:
        return StorageError(
            f"磁盘空间已满，无法写入 {where or '数据目录'}：腾出空间后重新运行，已记录的不会丢失 (disk full)"
        )
    if number in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StorageError(f"无法写入 {where}（只读或没有权限）：请检查该文件夹 (read-only or not permitted)")
    return None
