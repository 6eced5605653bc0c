"""A real Prefect server (SQLite) with huizong's deployments served, set up by running the README's Prefect block
as it is written: the scheduler creates a scheduled run that completes, triggers that come at once take turns and
leave the warehouse as running them one after another does, and the server's log has no traceback.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from bench.server import free_port
from huizong.config import Home
from huizong.intake import run_intake
from tests.conftest import ROOT
from tests.portal_kit import filled

BLOCK = re.search(
    r"## Running it from Prefect.*?```sh\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S
)
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.prefect_server


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Home, dict[str, str]]]:
    """The README's block, run by bash from the project folder, with the data directory, port and a one-minute
    schedule given in the environment it reads them from; its server and runner are ended afterwards."""
    assert BLOCK, "the README has no Prefect block"
    home = tmp_path_factory.mktemp("prefect") / "huizong"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"HUIZONG_HOME": str(home), "PORT": str(free_port()), "CRON": "* * * * *", "PATH": f"{BIN}:{env['PATH']}"}
    env |= {"PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5", "PREFECT_RUNNER_POLL_FREQUENCY": "2"}
    env |= {"PREFECT_HOME": str(home / "prefect"), "PREFECT_API_URL": f"http://127.0.0.1:{env['PORT']}/api"}
    script = "set -euo pipefail\n" + BLOCK.group(1).replace(".venv/bin/", f"{BIN}/")
    shell = subprocess.Popen(["bash", "-c", script + "\nwait"], cwd=ROOT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not (home / "out").exists() or not list(home.glob("published/huizong.duckdb")):
            if time.monotonic() > deadline or shell.poll() not in (None, 0):
                pytest.fail(f"the README's block did not run through (exit {shell.poll()}); see {home}/*.log")
            time.sleep(1)
        yield Home(home), env
    finally:
        os.killpg(shell.pid, signal.SIGTERM)
        try:
            shell.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(shell.pid, signal.SIGKILL)


def _runs(env: dict[str, str]) -> list[Run]:
    """(deployment, state, auto-scheduled, message) of every flow run on the server."""
    code = (
        "from prefect.client.orchestration import get_client\n"
        "with get_client(sync_client=True) as c:\n"
        "    names = {d.id: d.name for d in c.read_deployments()}\n"
        "    for r in c.read_flow_runs():\n"
        "        print(names.get(r.deployment_id, ''), r.state_type.value if r.state_type else '',"
        " r.auto_scheduled, (r.state.message if r.state else '') or '', sep='\\t')\n"
    )
    out = subprocess.run([str(BIN / "python"), "-c", code], env=env, capture_output=True, text=True, check=True)
    return [tuple(line.split("\t")) for line in out.stdout.splitlines() if line]  # type: ignore[misc]


Run = tuple[str, str, str, str]
TERMINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


def _wait(env: dict[str, str], done: Callable[[list[Run]], bool], seconds: float) -> list[Run]:
    deadline = time.monotonic() + seconds
    while True:
        runs = _runs(env)
        if done(runs) or time.monotonic() > deadline:
            return runs
        time.sleep(2)


def test_the_scheduler_starts_a_scheduled_run_that_completes(office: tuple[Home, dict[str, str]]) -> None:
    home, env = office
    runs = _wait(env, lambda rs: any(r[0] == "nightly" and r[1] == "COMPLETED" and r[2] == "True" for r in rs), 150)
    scheduled = [r for r in runs if r[0] == "nightly" and r[2] == "True"]
    assert any(r[1] == "COMPLETED" for r in scheduled), runs
    manual = [r for r in runs if r[0] == "nightly" and r[2] == "False"]
    assert manual and manual[0][1] == "COMPLETED" and "应报" in manual[0][3]  # the README's trigger, with its summary
    log = (home.root / "prefect-server.log").read_text(encoding="utf-8")
    assert "Traceback" not in log and "bulk DML" not in log


def test_simultaneous_triggers_take_turns(office: tuple[Home, dict[str, str]], tmp_path: Path) -> None:
    home, env = office
    names = []
    for code in ("990121101", "990121102", "990121103"):
        spoilt = {"t3.carried_forward.natural_person": 9} if code.endswith("3") else {}
        path = filled(home, code, tmp_path / f"{code}.xlsx", **spoilt)
        shutil.copy(path, home.inbox / path.name)
        names.append(path.name)
    prefect = str(BIN / "prefect")
    triggers = [
        [prefect, "deployment", "run", "intake/inbox"],
        [prefect, "deployment", "run", "intake/inbox"],
        [prefect, "deployment", "run", "season/nightly", "-p", "unit=990121", "-p", "period=2025"],
    ]
    started = [subprocess.Popen(t, env=env, stdout=subprocess.DEVNULL) for t in triggers]
    assert all(p.wait(timeout=60) == 0 for p in started)

    def manual(runs: list[Run]) -> list[Run]:  # triggered by hand (not subflows, which have no deployment)
        return [r for r in runs if r[2] == "False" and r[0]]

    runs = _wait(env, lambda rs: len(manual(rs)) >= 4 and all(r[1] in TERMINAL for r in manual(rs)), 240)
    assert len(manual(runs)) == 4 and all(r[1] == "COMPLETED" for r in manual(runs)), runs
    # whichever intake came first (a trigger, the season's, or a scheduled one) says the rejected file in its state
    assert sum("，退回 1，" in r[3] for r in runs) == 1, runs  # an intake's 通过 N，退回 N，重复 N, not a summary
    reference = Home(tmp_path / "reference")
    shutil.copytree(home.root / "registry", reference.root / "registry")
    reference.require()
    with duckdb.connect(str(home.published / "huizong.duckdb"), read_only=True) as con:
        served = con.execute("SELECT sha256, unit_code, status FROM submissions ORDER BY ALL").fetchall()
    run_intake(reference, sorted(tmp_path.glob("*.xlsx")))
    with duckdb.connect(str(reference.warehouse), read_only=True) as con:
        alone = con.execute("SELECT sha256, unit_code, status FROM submissions ORDER BY ALL").fetchall()
    assert served == alone and len(names) == 3


def test_a_cycle_becoming_final_runs_its_consolidation_through_the_shipped_trigger(
    office: tuple[Home, dict[str, str]],
) -> None:
    """The office excuses or approves the last unit; the event huizong.cycle_final reaches the server, whose
    automation (the `final` deployment's trigger) runs the consolidation that writes the 定稿 workbook."""
    from huizong.review.core import document_status

    home, env = office
    huizong = str(BIN / "huizong")
    listed = subprocess.run(
        [huizong, "review", "list", "--cycle", "990121-annual_report-2025", "--json"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    units = [u["unit_code"] for u in json.loads(listed.stdout)["units"] if u["state"] not in ("approved", "excused")]
    command = [
        huizong,
        "review",
        "excuse",
        "--cycle",
        "990121-annual_report-2025",
        "--reason",
        "本期无需报送",
        "--wait",
        "600",
    ]
    done = subprocess.run(
        [*command, *[a for u in units for a in ("--unit", u)]], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    runs = _wait(env, lambda rs: any(r[0] == "final" and r[1] in TERMINAL for r in rs), 180)
    final = [r for r in runs if r[0] == "final"]
    assert final and final[0][1] == "COMPLETED", runs
    workbook = home.out / "990121-annual_report-2025" / "990121_青石县_汇总_annual_report-2025.xlsx"
    assert document_status(workbook) == "定稿"
