"""Intake killed (SIGKILL) at every step, or run into a full disk at every stage, on a county's few hundred files:
after one more run everything equals an uninterrupted run's, and nothing is left behind."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from bench.generate import generate
from huizong.config import Home
from tests.conftest import ROOT

HUIZONG = str(Path(sys.executable).parent / "huizong")
FAULT = str(ROOT / "tests" / "fault_run.py")
# (stage, occurrence) on a fresh home: batches of 40 make three of 107 files, each read, validated, loaded (one
# transaction) and answered ("write": its receipts); then "roll up", and the fourth "write" publishes the snapshot
KILLS = [
    ("archive", 1),
    ("read", 2),
    ("load", 1),
    ("write", 1),
    ("load", 3),
    ("write", 3),
    ("roll up", 1),
    ("write", 4),
]
FILLS = [("archive", 1), ("load", 2), ("write", 2), ("write", 4)]
TABLES = {
    "submissions": "sha256, unit_code, period, status, errors, warnings, superseded_by, late",
    "cell_values": "sha256, code, raw, status, number, amount",
    "findings": "sha256, rule, severity, sheet, cell, seen, expected, message",
    "rollup_values": "unit_code, form_id, period, code, number, amount, sources",
}


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench")
    generate("county", 2025, out)
    return out / "county"


def fresh(county: Path, root: Path) -> Home:
    shutil.rmtree(root, ignore_errors=True)
    (root / "registry").mkdir(parents=True)
    for name in ("units.csv", "cycles.toml"):
        shutil.copyfile(county / "registry" / name, root / "registry" / name)
    shutil.copytree(county / "inbox-2025", root / "inbox")  # mtimes kept: they are the arrival times
    return Home(root).require()


def intake(home: Home) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HUIZONG, "intake", "--home", str(home.root)], capture_output=True, text=True, timeout=300)


def state(home: Home) -> dict[str, object]:
    found: dict[str, object] = {}
    for db in (home.warehouse, home.published / "huizong.duckdb"):
        with duckdb.connect(str(db), read_only=True) as con:
            for table, columns in TABLES.items():
                found[f"{db.name}:{table}"] = sorted(con.execute(f"SELECT {columns} FROM {table}").fetchall(), key=str)
    found["receipts"] = sorted(p.name for p in home.out.glob("*/feedback/*.xlsx"))
    found["inbox"] = sorted(p.name for p in home.inbox.iterdir() if p.name != "processed")
    return found


def faulted(action: str, stage: str, nth: int, note: Path, home: Home) -> subprocess.CompletedProcess[str]:
    """``huizong intake`` with ``action`` (kill or fill) at the ``nth`` start of ``stage`` (tests/fault_run.py)."""
    command = [sys.executable, FAULT, action, stage, str(nth), str(note), "--", "intake", "--home", str(home.root)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def leftovers(home: Home) -> list[Path]:
    return [*home.archive.glob(".incoming-*"), *home.archive.glob("*/.*"), *home.published.glob(".huizong.*")]


@pytest.fixture(scope="module")
def reference(county: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    home = fresh(county, tmp_path_factory.mktemp("reference") / "var")
    assert intake(home).returncode == 1  # the county's drafts with errors
    return state(home)


def _gone(pids: list[int], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = [p for p in pids if Path(f"/proc/{p}").exists() and "Z" not in _state(p)]
        if not alive:
            return True
        time.sleep(0.2)
    return False


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][:1]
    except (OSError, IndexError):
        return "Z"


@pytest.mark.parametrize(("stage", "nth"), KILLS, ids=[f"{s}-{n}" for s, n in KILLS])
def test_a_kill_at_any_step_and_one_rerun_give_the_uninterrupted_result(
    county: Path, reference: dict[str, object], tmp_path: Path, stage: str, nth: int
) -> None:
    home = fresh(county, tmp_path / "var")
    note = tmp_path / "children.json"
    killed = faulted("kill", stage, nth, note, home)
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert _gone(json.loads(note.read_text(encoding="utf-8"))), "a reader process outlived its run"
    rerun = intake(home)
    assert rerun.returncode == 1, rerun.stderr  # it reports rejected files (again), so it says so
    assert state(home) == reference
    assert leftovers(home) == []


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a small tmpfs")
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(disk)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


@pytest.mark.parametrize(("stage", "nth"), FILLS, ids=[f"{s}-{n}" for s, n in FILLS])
def test_a_full_disk_is_one_line_and_the_rerun_completes(
    county: Path, reference: dict[str, object], small_disk: Path, stage: str, nth: int
) -> None:
    home = fresh(county, small_disk / "var")
    note = small_disk / "note"
    full = faulted("fill", stage, nth, note, home)
    assert full.returncode == 2, full.stdout[-1000:] + full.stderr[-3000:]
    lines = [line for line in full.stderr.splitlines() if line.startswith("huizong:")]
    assert len(lines) == 1 and "磁盘空间已满" in lines[0] and "Traceback" not in full.stderr, full.stderr[-3000:]
    (small_disk / "filler").unlink()
    rerun = intake(home)
    assert rerun.returncode == 1, rerun.stderr
    assert state(home) == reference
    assert leftovers(home) == []
