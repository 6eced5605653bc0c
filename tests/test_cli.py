"""The huizong command: output, exit codes (0 ok, 1 rejected, 2 wrong usage) and help with examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from huizong.cli import main
from huizong.config import Home
from huizong.periods import Period
from huizong.reader import read_workbook


def run(*args: str, home: Path | None = None) -> tuple[int, str, str]:
    extra = ["--home", str(home)] if home else []
    result = CliRunner().invoke(main, [*args, *extra])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def home(tmp_path: Path) -> Path:
    code, out, _ = run("init", "--demo", home=tmp_path / "var")
    assert code == 0 and "541 个单位" in out
    return tmp_path / "var"


def test_init_keeps_a_registry_the_office_edited(home: Path) -> None:
    units = home / "registry" / "units.csv"
    units.write_text(units.read_text(encoding="utf-8") + "990121999,新设镇,township,990121,2026-01-01,\n", "utf-8")
    code, out, _ = run("init", "--demo", home=home)
    assert code == 0 and "保留已有的" in out and "542 个单位" in out


def test_units_lists_the_registry_as_json(home: Path) -> None:
    code, out, _ = run("units", "--under", "990121", "--period", "2025", "--json", home=home)
    rows = json.loads(out)
    assert code == 0 and rows[0] == {"code": "990121", "name": "青石县", "kind": "county", "parent": "990100"}
    assert len(rows) == 60  # the county and the 59 units that report to it in 2025
    assert all(set(r) == {"code", "name", "kind", "parent"} for r in rows)


def test_units_prints_an_aligned_table(home: Path) -> None:
    code, out, _ = run("units", "--under", "990171", home=home)
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["代码", "名称", "类型", "上级"] and len(lines) == 10


def test_template_writes_one_unit_for_any_period_a_form_exists_for(home: Path, tmp_path: Path) -> None:
    from huizong.config import Home

    target = tmp_path / "梅口镇.xlsx"
    code, out, _ = run("template", "--unit", "990121101", "--period", "2020", "-o", str(target), home=home)
    assert code == 0 and out.strip() == str(target)
    reading = read_workbook(target, Home(home).catalog)
    assert reading.meta["form_version"] == "2019" and reading.meta["period"] == "2020" and reading.ok


def test_templates_writes_every_expected_unit_and_prints_the_folder_last(home: Path) -> None:
    code, out, _ = run("templates", "--unit", "990171", "--period", "2025Q4", home=home)
    folder = Path(out.splitlines()[-1])
    assert code == 0 and folder == home / "out" / "990171-disclosure_by_category-2025Q4" / "templates"
    assert len(list(folder.glob("*.xlsx"))) == 8
    assert "未在 cycles.toml 中声明" in out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("template", "--unit", "99012110", "--period", "2025"), "单位代码 99012110 不在名录中"),
        (("template", "--unit", "990121101", "--period", "二〇二五"), "报告期 '二〇二五' 无法识别"),
        (("template", "--unit", "990121101", "--period", "2018"), "没有适用于报告期 2018 的表式"),
        (("template", "--unit", "990121204", "--period", "2025"), "在 2025 不存在"),
        (("templates", "--unit", "990121101", "--period", "2025"), "不能作为汇总单位"),
        (("template", "--unit", "990121101", "--period", "2025", "--form", "annual_report/2020"), "没有表式"),
    ],
)
def test_wrong_usage_exits_2_with_one_readable_line(home: Path, args: tuple[str, ...], words: str) -> None:
    code, _, err = run(*args, home=home)
    assert code == 2
    assert err.startswith("huizong: ") and words in err and len(err.strip().splitlines()) == 1


def test_a_missing_registry_says_how_to_make_one(tmp_path: Path) -> None:
    code, _, err = run("units", home=tmp_path / "empty")
    assert code == 2 and "huizong init --demo" in err


def test_a_bad_setting_points_at_the_key(home: Path) -> None:
    (home / "huizong.toml").write_text('[templates]\npasword = "x"\n', encoding="utf-8")
    code, _, err = run("template", "--unit", "990121101", "--period", "2025", home=home)
    assert code == 2 and "templates.pasword" in err and "password" in err


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ('[warehouse]\nmemory_limit = "lots"\n', "warehouse.memory_limit"),
        ("[intake]\nreaders = -1\n", "intake.readers"),
    ],
)
def test_a_bad_setting_value_is_named(home: Path, setting: str, words: str) -> None:
    (home / "huizong.toml").write_text(setting, encoding="utf-8")
    code, _, err = run("template", "--unit", "990121101", "--period", "2025", home=home)
    assert code == 2 and words in err


def test_a_memory_limit_is_given_to_duckdb(home: Path) -> None:
    (home / "huizong.toml").write_text('[warehouse]\nmemory_limit = "300MB"\n', encoding="utf-8")
    with Home(home).connect() as wh:
        limit = wh.con.execute("SELECT current_setting('memory_limit')").fetchone()
    assert limit is not None and limit[0].startswith(("286", "300"))


def test_the_home_comes_from_the_environment(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUIZONG_HOME", str(home))
    result = CliRunner().invoke(main, ["units", "--under", "990171", "--json"])
    assert result.exit_code == 0 and len(json.loads(result.stdout)) == 9


@pytest.mark.parametrize(
    "command",
    ["init", "units", "forms", "template", "templates", "check", "intake", "receipts", "serve", "consolidate"],
)
def test_every_command_has_help_with_an_example(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0 and "Example:" in out and f"huizong {command}" in out


def _filled(home: Path, target: Path, **changes: int) -> Path:
    from huizong.config import Home
    from huizong.template import write_template

    where = Home(home)
    form = where.catalog.get("annual_report/2021")
    values = (
        {c: 0 for c in form.inputs} | {"t3.new_received.natural_person": 3, "t3.granted.natural_person": 3} | changes
    )
    return write_template(target, form, where.registry.get("990121101"), Period(2025), values=values)


def test_check_prints_the_verdict_and_exits_0_or_1(home: Path, tmp_path: Path) -> None:
    good = _filled(home, tmp_path / "good.xlsx")
    code, out, _ = run("check", str(good), home=home)
    assert code == 0 and out.startswith("通过  990121101 梅口镇 2025  good.xlsx  错误 0")
    bad = _filled(home, tmp_path / "bad.xlsx", **{"t3.carried_forward.natural_person": 2})
    code, out, _ = run("check", str(bad), home=home)
    assert code == 1 and out.startswith("退回") and "H3 错误 [三、收到和处理政府信息公开申请情况!D7,D8,D30,D31]" in out
    assert not (home / "warehouse.duckdb").exists() and not any((home / "archive").iterdir())


def test_check_json_has_the_documented_shape(home: Path, tmp_path: Path) -> None:
    bad = _filled(home, tmp_path / "bad.xlsx", **{"t3.carried_forward.natural_person": 2})
    code, out, _ = run("check", str(bad), "--json", home=home)
    report = json.loads(out)
    assert code == 1
    assert {k: report[k] for k in ("status", "unit", "form", "period")} == {
        "status": "rejected",
        "unit": "990121101",
        "form": "annual_report/2021",
        "period": "2025",
    }
    h3 = next(f for f in report["findings"] if f["rule"] == "H3")
    assert {"rule", "severity", "sheet", "cell", "seen", "expected", "message"} <= set(h3)
    assert (h3["severity"], h3["cell"], h3["seen"], h3["expected"]) == (
        "error",
        "D7,D8,D30,D31",
        "本年新收3＋上年结转0＝3",
        "办理结果总计3＋结转下年度继续办理2＝5",
    )


def test_check_of_a_file_that_is_not_a_workbook_is_a_finding_not_a_traceback(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "报表.xlsx"
    path.write_bytes(b"\x00" * 100)
    code, out, err = run("check", str(path), "--json", home=home)
    assert code == 1 and err == "" and json.loads(out)["findings"][0]["rule"] == "FILE"


def test_intake_prints_one_line_per_file_and_a_summary(home: Path, tmp_path: Path) -> None:
    _filled(home, home / "inbox" / "a.xlsx")
    _filled(home, home / "inbox" / "b.xlsx", **{"t3.carried_forward.natural_person": 2})
    code, out, _ = run("intake", home=home)
    lines = out.splitlines()
    assert code == 1 and lines[0].startswith("通过") and lines[1].startswith("退回")
    assert lines[-1] == "共 2 个文件：通过 1，退回 1，重复 0"
    code, out, _ = run("intake", home=home)
    assert code == 0 and out.strip() == "共 0 个文件：通过 0，退回 0，重复 0"


def test_a_busy_warehouse_is_one_readable_line(home: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    _filled(home, home / "inbox" / "a.xlsx")
    assert run("intake", home=home)[0] == 0
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(home / 'warehouse.duckdb')!r}); "
            "print('held', flush=True); sys.stdin.readline()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        _filled(
            home, home / "inbox" / "b.xlsx", **{"t3.new_received.natural_person": 4, "t3.granted.natural_person": 4}
        )
        code, _, err = run("intake", home=home)
        errors = [line for line in err.splitlines() if line.startswith("huizong:")]
        assert code == 2 and len(errors) == 1 and "正被另一个程序" in errors[0] and "Traceback" not in err
        assert (home / "inbox" / "b.xlsx").exists()  # not moved: it will be taken next time
    finally:
        holder.kill()
        holder.wait()
