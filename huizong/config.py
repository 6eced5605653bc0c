"""The data directory (``--home``, ``HUIZONG_HOME``, default ``./var``) and its optional ``huizong.toml``.

Everything huizong keeps lives under the home directory::

    registry/units.csv     the unit registry          registry/cycles.toml   declared reporting cycles
    forms/<id>/<v>.toml    extra or local forms       huizong.toml           settings (all optional)
    out/                   templates and workbooks    archive/ inbox/ ...    (later: intake and warehouse)
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from huizong.accounts import Accounts
from huizong.catalog import BUNDLED_FORMS, FormCatalog
from huizong.cycles import CycleSpec, load_cycle_specs
from huizong.errors import ConfigError, UsageError, suggest
from huizong.registry import Registry
from huizong.textfiles import load_toml
from huizong.warehouse import MEMORY_LIMIT, Warehouse, keep_open, open_warehouse

DEFAULT_HOME = Path("var")
SETTINGS = {
    "templates": {"password": str},
    "intake": {"readers": int},
    "warehouse": {"memory_limit": str},
    "portal": {"url": str},
}


@dataclass(frozen=True)
class Settings:
    template_password: str = "huizong"
    readers: int = 0  # processes reading workbooks during intake; 0: one per core
    memory_limit: str = MEMORY_LIMIT  # DuckDB's memory for the warehouse ("800MB", "2GB"); beyond it, it spills
    portal_url: str = ""  # where the office reaches the portal ("http://10.1.2.3:8000"): flows link to its downloads

    @classmethod
    def load(cls, path: Path) -> Settings:
        if not path.exists():
            return cls()
        data = load_toml(path, ConfigError)
        _check(path, data, SETTINGS)
        limit = data.get("warehouse", {}).get("memory_limit", cls.memory_limit)
        if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", limit, re.IGNORECASE):
            raise ConfigError(f'{path}: warehouse.memory_limit 应为大小，如 "800MB" 或 "2GB"（现为 {limit!r}）')
        readers = data.get("intake", {}).get("readers", cls.readers)
        if readers < 0:
            raise ConfigError(f"{path}: intake.readers 应为 0（每个处理器核一个）或正整数（现为 {readers}）")
        return cls(
            template_password=data.get("templates", {}).get("password", cls.template_password),
            readers=readers,
            memory_limit=limit,
            portal_url=data.get("portal", {}).get("url", "").rstrip("/"),
        )


def _check(path: Path, data: Mapping[str, Any], spec: Mapping[str, Any], prefix: str = "") -> None:
    for key, value in data.items():
        if key not in spec:
            raise ConfigError(f"{path}: 未知的设置 {prefix}{key} (unknown setting){suggest(key, spec)}")
        expected = spec[key]
        if isinstance(expected, dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: {prefix}{key} 应为一个表 [{key}]")
            _check(path, value, expected, f"{prefix}{key}.")
        elif not isinstance(value, expected):
            raise ConfigError(f"{path}: {prefix}{key} 应为 {expected.__name__} 类型")


class Home:
    """One data directory and what is read from it, loaded on first use."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root or os.environ.get("HUIZONG_HOME") or DEFAULT_HOME)

    def require(self) -> Home:
        """This data directory, when it was made by ``huizong init`` and can be written; else one line saying so."""
        init = f"先运行 huizong init --home {self.root} --demo（或 --registry units.csv）"
        if not self.root.is_dir():
            raise UsageError(f"数据目录 {self.root} 不存在：{init} (no data directory)")
        if not self.units_file.is_file():
            raise UsageError(f"数据目录 {self.root} 尚未初始化（缺少 registry/units.csv）：{init} (not initialised)")
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise UsageError(f"数据目录 {self.root} 不可写：请检查权限 (the data directory is not writable)")
        for folder in (self.inbox, self.archive, self.out):
            folder.mkdir(parents=True, exist_ok=True)
        return self

    @property
    def units_file(self) -> Path:
        return self.root / "registry" / "units.csv"

    @property
    def cycles_file(self) -> Path:
        return self.root / "registry" / "cycles.toml"

    @property
    def out(self) -> Path:
        return self.root / "out"

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def processed(self) -> Path:
        return self.inbox / "processed"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    def connect(self, read_only: bool = False, commit: bool = True) -> AbstractContextManager[Warehouse]:
        """The working warehouse, opened with this data directory's settings (see ``warehouse.open_warehouse``)."""
        return open_warehouse(self.warehouse, read_only, commit, self.settings.memory_limit)

    def keep_open(self) -> AbstractContextManager[None]:
        """Hold the working warehouse open for a run: each ``connect`` meanwhile is a cheap cursor on it."""
        return keep_open(self.warehouse, self.settings.memory_limit)

    @property
    def published(self) -> Path:
        return self.root / "published"

    @property
    def portal(self) -> Path:
        """The portal's own files: accounts, its session key, the journal of uploads not yet recorded."""
        return self.root / "portal"

    @cached_property
    def accounts(self) -> Accounts:
        return Accounts(self.portal / "accounts.sqlite")

    @cached_property
    def settings(self) -> Settings:
        return Settings.load(self.root / "huizong.toml")

    @cached_property
    def registry(self) -> Registry:
        return Registry.load(self.units_file)

    @cached_property
    def catalog(self) -> FormCatalog:
        return FormCatalog([self.root / "forms", BUNDLED_FORMS])

    @cached_property
    def cycle_specs(self) -> list[CycleSpec]:
        return load_cycle_specs(self.cycles_file, self.registry)
