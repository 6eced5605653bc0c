"""An inbox not trusted: links, paths out of it, hidden and huge files, names that break lines or file systems; and
what a crashed run leaves: receipts owed, partial files, the exit status of the rerun."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner, Result

from huizong.cli import main
from huizong.config import Home
from huizong.inbox import MAX_ARCHIVED
from tests.conftest import make_home
from tests.portal_kit import filled, unbalanced


@pytest.fixture()
def home(tmp_path: Path) -> Home:
    return make_home(tmp_path / "var").require()


def intake(home: Home, *args: str) -> Result:
    return CliRunner().invoke(main, ["intake", "--home", str(home.root), *args])


def archived(home: Home) -> set[str]:
    return {p.name for p in home.archive.glob("*/*") if not p.name.startswith(".")}


def test_links_hidden_files_and_lock_files_are_reported_not_taken(home: Home, tmp_path: Path) -> None:
    outside = filled(home, "990121101", tmp_path / "outside" / "o.xlsx")
    (home.inbox / "link.xlsx").symlink_to(outside)
    (home.inbox / "linked-folder").symlink_to(outside.parent, target_is_directory=True)
    filled(home, "990121102", home.inbox / ".hidden.xlsx")
    (home.inbox / "~$lock.xlsx").write_bytes(b"lock")
    unzipped = home.inbox / "unzipped.xlsx" / "xl"
    unzipped.mkdir(parents=True)
    (unzipped / "workbook.xml").write_text("<workbook/>", encoding="utf-8")
    result = intake(home)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(line.startswith("跳过") and "link.xlsx" in line and "符号链接" in line for line in lines)
    assert any("linked-folder" in line and "符号链接" in line for line in lines)
    assert any(".hidden.xlsx" in line and "隐藏文件" in line for line in lines)
    assert any("~$lock.xlsx" in line and "锁定文件" in line for line in lines)
    assert any("unzipped.xlsx" in line and "名为工作簿的文件夹" in line for line in lines)
    assert archived(home) == set() and "跳过 5" in lines[-1]
    assert (home.inbox / ".hidden.xlsx").exists() and (home.inbox / "link.xlsx").is_symlink()  # left, not lost


def test_a_path_that_leaves_the_inbox_is_taken_but_never_moved(home: Home, tmp_path: Path) -> None:
    outside = filled(home, "990121101", tmp_path / "outside" / "o.xlsx")
    sneaky = home.inbox / ".." / ".." / "outside" / "o.xlsx"
    assert sneaky.resolve() == outside.resolve()
    result = intake(home, str(sneaky))
    assert result.exit_code == 0 and "通过" in result.stdout
    assert outside.exists() and not list(home.processed.glob("*/*"))


def test_a_huge_file_is_left_where_it_is_before_anything_reads_it(home: Home) -> None:
    huge = home.inbox / "huge.xlsx"
    with huge.open("wb") as out:
        out.truncate(MAX_ARCHIVED + 1)  # sparse: big on paper, nothing on disk
    result = intake(home)
    assert "huge.xlsx（文件过大" in result.stdout and huge.exists() and archived(home) == set()


def test_names_that_break_lines_or_file_systems(home: Home) -> None:
    newline = "第一行\n第二行.xlsx"
    filled(home, "990121101", home.inbox / "a.xlsx").rename(home.inbox / newline)
    unbalanced(home, "990121102", home.inbox / "b.xlsx")
    long = home.inbox / ("梅口镇" * 26 + ".xlsx")  # 239 bytes: near the 255 the file system allows, over the 200 kept
    (home.inbox / "b.xlsx").rename(long)
    result = intake(home)
    assert result.exit_code == 1, result.output
    verdicts = [line for line in result.stdout.splitlines() if line.startswith(("通过", "退回"))]
    assert len(verdicts) == 2 and any("第一行\\n第二行.xlsx" in line for line in verdicts)
    moved = [p.name for p in home.processed.glob("*/*")]
    assert len(moved) == 2 and all(len(name.encode()) <= 200 for name in moved)
    assert list(home.out.glob("*/feedback/990121102_*.xlsx"))  # the receipt of the rejected one


def test_receipts_owed_are_written_by_the_next_run_and_the_rerun_exits_1(home: Home) -> None:
    unbalanced(home, "990121102", home.inbox / "bad.xlsx")
    assert intake(home).exit_code == 1
    receipt = next(home.out.glob("*/feedback/990121102_*.xlsx"))
    receipt.unlink()  # as if the run had been killed after recording the batch
    owed = CliRunner().invoke(main, ["receipts", "--missing", "--home", str(home.root)])
    assert owed.exit_code == 0 and owed.stdout.strip() == str(receipt) and receipt.exists()
    receipt.unlink()
    again = next(home.processed.glob("*/bad.xlsx"))
    os.rename(again, home.inbox / "bad-again.xlsx")
    rerun = intake(home)
    assert receipt.exists()  # written at the start of the run
    assert rerun.exit_code == 1 and "此前已收到，状态：退回" in rerun.stdout  # still rejected: exit 1


def test_partial_files_of_a_killed_run_are_removed_at_the_next_start(home: Home) -> None:
    (home.archive / "ab").mkdir(parents=True)
    leftovers = [
        home.archive / ".incoming-0123",
        home.archive / "ab" / ".abcd.xlsx.4f2a",
        home.published / ".huizong.9c1e.duckdb",
    ]
    home.published.mkdir(parents=True, exist_ok=True)
    for path in leftovers:
        path.write_bytes(b"half")
    assert intake(home).exit_code == 0
    assert not any(path.exists() for path in leftovers)


def test_a_forged_unit_name_in_meta_is_never_recorded(home: Home, tmp_path: Path) -> None:
    from huizong.periods import Period
    from huizong.registry import Unit
    from huizong.template import write_template

    form = home.catalog.choose(Period(2025))
    real = home.registry.get("990121101")
    forged = Unit(real.code, "=cmd|' /C calc'!A0", real.kind, real.parent)
    values = {c: 0 for c in form.inputs}
    write_template(home.inbox / "forged.xlsx", form, forged, Period(2025), values=values)
    result = intake(home)
    assert "990121101" in result.stdout
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        names = con.execute("SELECT DISTINCT unit_name FROM submissions").fetchall()
    assert names == [(real.name,)]


def test_an_analyst_holding_the_working_file_is_one_line_and_nothing_moves(home: Home) -> None:
    import subprocess
    import sys

    filled(home, "990121101", home.inbox / "a.xlsx")
    assert intake(home).exit_code == 0
    filled(home, "990121102", home.inbox / "b.xlsx")
    analyst = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(home.warehouse)!r}, read_only=True);"
         " print('open', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert analyst.stdout is not None and analyst.stdout.readline().strip() == "open"
        result = intake(home)
    finally:
        analyst.kill()
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "published/" in result.stderr
    assert (home.inbox / "b.xlsx").exists()  # nothing taken: the next run takes it
    assert intake(home).exit_code == 0 and not (home.inbox / "b.xlsx").exists()
