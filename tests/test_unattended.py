"""What an office runs unattended: setup errors in one line, one run at a time, schedules in the office's time zone,
parameters described, and runs that say what they rejected."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from huizong.cli import main
from huizong.config import Home
from huizong.runlock import hold
from tests.conftest import make_home
from tests.portal_kit import filled


def _one_line(result: object, words: str) -> None:
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    err = result.stderr  # type: ignore[attr-defined]
    assert err.startswith("huizong: ") and err.count("\n") == 1 and words in err, err


@pytest.mark.parametrize("command", [["intake"], ["consolidate", "--unit", "990121", "--period", "2025"], ["demo"]])
def test_a_missing_or_empty_data_directory_is_one_line(tmp_path: Path, command: list[str]) -> None:
    missing = CliRunner().invoke(main, [*command, "--home", str(tmp_path / "nowhere")])
    _one_line(missing, "不存在：先运行 huizong init")
    (tmp_path / "empty").mkdir()
    empty = CliRunner().invoke(main, [*command, "--home", str(tmp_path / "empty")])
    _one_line(empty, "尚未初始化")


def test_a_second_run_stops_at_once_naming_the_first_or_waits_its_turn(tmp_path: Path) -> None:
    home = make_home(tmp_path / "var")
    holder = subprocess.Popen(  # another process holds the run lock for two seconds
        [sys.executable, "-c", f"import time; from pathlib import Path; from huizong.runlock import hold\n"
         f"with hold(Path({str(home.root)!r}), 'huizong intake'):\n    print('held', flush=True); time.sleep(2)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    refused = CliRunner().invoke(main, ["intake", "--home", str(home.root)])
    _one_line(refused, f"huizong intake，PID {holder.pid}")
    started = time.monotonic()
    waited = CliRunner().invoke(main, ["intake", "--home", str(home.root), "--wait", "30"])
    assert waited.exit_code == 0 and time.monotonic() - started > 0.5, waited.output
    holder.wait(timeout=10)


def test_the_lock_is_reentrant_and_says_who_holds_it(tmp_path: Path) -> None:
    home = make_home(tmp_path / "var")
    with hold(home.root, "season"), hold(home.root, "intake"):
        info = json.loads((home.root / "warehouse.lock").read_text(encoding="utf-8"))
        assert info["what"] == "season" and info["pid"] == os.getpid()
    assert (home.root / "warehouse.lock").read_text(encoding="utf-8") == ""
    done = threading.Event()
    threading.Thread(target=lambda: (hold(home.root, "x").__enter__(), done.set()), daemon=True).start()
    assert done.wait(5)  # released: another holder gets it


def test_the_nightly_schedule_is_in_the_offices_time_zone_and_parameters_are_described(tmp_path: Path) -> None:
    from flows.serve import deployments

    served = {d.name: d for d in deployments("990121", "2025", str(tmp_path), "0 2 * 1-3 *")}
    assert set(served) == {"nightly", "inbox", "dask", "cycle", "final", "templates", "quarterly"}
    assert [t.expect for t in served["final"].triggers] == [{"huizong.cycle_final"}]  # consolidates once final
    schedule = served["nightly"].schedules[0].schedule
    assert schedule.cron == "0 2 * 1-3 *" and schedule.timezone == "Asia/Shanghai"
    for deployment in served.values():
        properties = deployment._parameter_openapi_schema.properties
        assert properties and all(p.get("description") for p in properties.values()), deployment.name
    assert "数据目录" in served["inbox"]._parameter_openapi_schema.properties["home"]["description"]
    assert "address" in served["dask"]._parameter_openapi_schema.properties


@pytest.mark.harness
def test_a_flow_on_a_missing_home_fails_with_the_line_and_rejections_are_warned(
    prefect_harness: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from flows.intake import intake

    state = intake(home=str(tmp_path / "nowhere"), return_state=True)
    assert state.is_failed() and state.message.startswith("huizong: 数据目录") and "不存在" in state.message
    home: Home = make_home(tmp_path / "var")
    home.require()
    filled(home, "990121101", home.inbox / "good.xlsx")
    filled(home, "990121102", home.inbox / "bad.xlsx", **{"t3.carried_forward.natural_person": 9})
    state = intake(home=str(home.root), period="2025", return_state=True)
    assert state.is_completed() and state.message == "通过 1，退回 1，重复 0"
    assert state.result() == {"accepted": 1, "rejected": 1, "duplicate": 0}
    warned = [r for r in caplog.records if r.levelname == "WARNING" and "退回 bad.xlsx" in r.getMessage()]
    assert warned and "990121102" in warned[0].getMessage()
