"""Configuration files as offices save them, and every mistake in them as one line naming the file, line and key."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from click.testing import CliRunner

from huizong.cli import main
from tests.conftest import DEMO, make_home

CYCLE = '[[cycle]]\nowner = "990121"\nperiod = "2025"\n'


def _units(home_root: Path) -> list[str]:
    result = CliRunner().invoke(main, ["units", "--under", "990121", "--json", "--home", str(home_root)])
    assert result.exit_code == 0, result.output
    return [line for line in result.stdout.splitlines() if '"code"' in line]


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("gb18030"),
        lambda text: text.encode("gbk"),
        lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    ],
    ids=["gb18030", "gbk", "utf-16", "utf-8-bom"],
)
def test_a_registry_saved_by_chinese_excel_or_notepad_is_read(tmp_path: Path, encode: object) -> None:
    home = make_home(tmp_path / "var")
    text = (DEMO / "units.csv").read_text(encoding="utf-8")
    home.units_file.write_bytes(encode(text))  # type: ignore[operator]
    (home.cycles_file).write_bytes(encode((DEMO / "cycles.toml").read_text(encoding="utf-8")))  # type: ignore[operator]
    assert len(_units(home.root)) == len(_units(make_home(tmp_path / "plain").root)) > 50


def _fails(home_root: Path, *words: str) -> str:
    args = ["templates", "--unit", "990121", "--period", "2025", "-o", str(home_root / "t"), "--home", str(home_root)]
    result = CliRunner().invoke(main, args)  # it reads the registry and the cycles
    err = result.stderr
    assert result.exit_code == 2 and err.startswith("huizong: ") and err.count("\n") == 1, result.output
    for word in words:
        assert word in err, err
    return err


@pytest.mark.parametrize(
    ("cycles", "words"),
    [
        (CYCLE + 'deadlines = "2025-02-20"\n', ("cycles.toml:4", "deadlines 应为按单位类型的表")),
        (CYCLE + 'deadline = "2026-01-31"\n', ("cycles.toml:4", "deadline 应为日期（不加引号）")),
        ("cycle = [1, 2]\n", ("每个周期应写作 [[cycle]] 表",)),
        (CYCLE + 'exclude = "990121101"\n', ("cycles.toml:4", "exclude 应为单位代码的列表")),
        ('[[cycle]]\nowner = "990129"\nperiod = "2025"\n', ("cycles.toml:2", "owner 中的单位 990129 不在单位名录中")),
        (CYCLE + "deadline = 2026-01-31\nowner2 = 1\n", ("cycles.toml:5", "未知的键 'owner2'")),
        (CYCLE + "deadline = 2026-01-3\n", ("TOML 格式错误，第 4 行", "一行只能写一个")),
        (CYCLE + "form = “annual_report”\n", ("TOML 格式错误，第 4 行", "值无效")),
        ('[[cycle]]\nowner = "990121"\nperiod = "2025年"\n', ("cycles.toml:3",)),
    ],
    ids=[
        "deadlines-string",
        "deadline-quoted",
        "cycle-list",
        "exclude-string",
        "unknown-owner",
        "unknown-key",
        "toml-syntax",
        "full-width-quotes",
        "bad-period",
    ],
)
def test_a_wrong_cycles_file_is_one_line(tmp_path: Path, cycles: str, words: tuple[str, ...]) -> None:
    home = make_home(tmp_path / "var")
    home.cycles_file.write_text(cycles, encoding="utf-8")
    _fails(home.root, *words)


def test_dates_in_the_wrong_order_and_undecodable_files_are_one_line(tmp_path: Path) -> None:
    home = make_home(tmp_path / "var")
    text = (
        (DEMO / "units.csv")
        .read_text(encoding="utf-8")
        .replace("990121,青石县,county,990100,,", "990121,青石县,county,990100,2020-01-01,2019-01-01", 1)
    )
    assert text != (DEMO / "units.csv").read_text(encoding="utf-8")
    home.units_file.write_text(text, encoding="utf-8")
    _fails(home.root, "valid_from 2020-01-01 晚于 valid_to 2019-01-01")
    home.units_file.write_bytes(codecs.BOM_UTF16_LE + b"\x00\xd8")  # a lone surrogate: not UTF-16 at all
    _fails(home.root, "UTF-16")


def test_init_checks_the_files_before_it_copies_them(tmp_path: Path) -> None:
    bad = tmp_path / "cycles.toml"
    bad.write_text('[[cycle]]\nowner = "990129"\nperiod = "2025"\n', encoding="utf-8")
    home = tmp_path / "var"
    args = ["init", "--home", str(home), "--registry", str(DEMO / "units.csv"), "--cycles", str(bad)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "990129" in result.stderr and not (home / "registry" / "cycles.toml").exists()
    bad.write_text('[[cycle]]\nowner = "990121"\nperiod = "2025"\n', encoding="utf-8")
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0 and (home / "registry" / "cycles.toml").read_text(encoding="utf-8") == bad.read_text(
        encoding="utf-8"
    )
