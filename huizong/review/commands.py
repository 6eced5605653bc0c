"""``huizong review``: the office's review from the command line, thin over ``huizong.review.core``.

Each decision is recorded with who took it (the user of the command, on this host), rolls the totals up again (a
returned report counts in no total) and publishes the snapshot, all under the run lock.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from huizong.auditlog import command_user
from huizong.config import Home
from huizong.distribute import cycle_by_id
from huizong.errors import UsageError
from huizong.options import home_option, the_warehouse
from huizong.review.core import ACTIONS, STATES, Who, finality, states
from huizong.review.taking import take
from huizong.status import snapshot
from huizong.warehouse import Warehouse

VERBS = {
    "approve": "Approve (审定): the report is final and takes no new file until reopened. Needs explanations of the "
    "warnings the form marks, and a region's 汇总 that is itself final. Approve",
    "return": "Return (退回) with a reason: the report counts in no total and the unit must hand in again. Return",
    "reopen": "Reopen (重新打开) with a reason an approved, excused or returned report. Reopen",
    "excuse": "Excuse (免报) with a reason an expected unit: abolished, merged, nothing to report. Excuse",
}
EXAMPLE = "huizong review return --cycle 990121-annual_report-2025 --unit 990121101 --reason '表三与业务台账不符'"


@click.group()
def review() -> None:
    """Review the reports of a cycle: list, approve (审定), return (退回), reopen (重新打开), excuse (免报).

    \b
    Example:
        huizong review list --cycle 990121-annual_report-2025
        huizong review approve --cycle 990121-annual_report-2025 --unit 990121101 --unit 990121102
    """


@review.command("list")
@home_option
@click.option("--cycle", "cycle_id", required=True, metavar="ID", help="The cycle, e.g. 990121-annual_report-2025.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_(home: Path, cycle_id: str, as_json: bool) -> None:
    """The cycle's units with where each report stands in review, those waiting for a decision first.

    \b
    Example:
        huizong review list --cycle 990121-annual_report-2025 --json
    """
    where = Home(home)
    where.require()
    cycle = cycle_by_id(where, cycle_id)
    with snapshot(where) as con:  # as `huizong status`: the published snapshot, never the working file
        wh = Warehouse(con)
        if not wh.rows("review/has_state"):
            raise UsageError("快照中还没有审核状态：请先运行 huizong intake 或 huizong consolidate")
        rows, final = states(wh, cycle.id), finality(wh, cycle.owner.code, cycle.form.id, str(cycle.period))
    if as_json:
        click.echo(json.dumps({"cycle": cycle.id, "final": bool(final and final["final"]), "units": rows},
                              ensure_ascii=False, default=str, indent=2))  # fmt: skip
        return
    for r in rows:
        note = (r["last_reason"] if r["state"] in ("returned", "excused") else r["explanation"]) or ""
        click.echo(f"{r['unit_code']}  {r['unit_name']}  {STATES[r['state']]}  {note}".rstrip())
    decided = sum(r["state"] in ("approved", "excused") for r in rows)
    click.echo(f"已审定或免报 {decided} / 应报 {len(rows)}" + ("（定稿）" if decided == len(rows) else ""), err=True)


def _decision(action: str) -> click.Command:
    needs = "required" if action != "approve" else "optional"

    @home_option
    @click.option("--cycle", "cycle_id", required=True, metavar="ID", help="The cycle, e.g. 990121-annual_report-2025.")
    @click.option("--unit", "units", required=True, multiple=True, metavar="CODE", help="A unit (repeat for more).")
    @click.option("--reason", default="", help=f"Why ({needs}); the unit reads it on its page and in its receipt.")
    @click.option("--wait", default=0.0, type=click.FloatRange(0), metavar="SECONDS", help="Wait for a running run.")
    def command(home: Path, cycle_id: str, units: tuple[str, ...], reason: str, wait: float) -> None:
        where = Home(home)
        with the_warehouse(where, f"huizong review {action}", wait):
            cycle = cycle_by_id(where, cycle_id)
            outcomes = take(where, cycle, action, units, reason, Who(*command_user()))
        for outcome in outcomes:
            click.echo(outcome.message, err=not outcome.done)
        if not all(o.done for o in outcomes):
            sys.exit(1)

    command.__doc__ = (
        f"{VERBS[action]} the reports of the given units in a cycle.\n\n    \b\n    Example:\n        "
        + EXAMPLE.replace("review return", f"review {action}").replace(" --reason '表三与业务台账不符'", "")
        + ("" if action == "approve" else " --reason '……'")
    )
    return click.command(action)(command)


for _action in ACTIONS:
    review.add_command(_decision(_action))
