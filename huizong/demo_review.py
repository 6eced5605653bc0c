"""The office's side of the demo season: the county reviews its units' reports as an office does.

It returns one department's report with a reason and the department hands in a corrected file, approves the reports
waiting for review, reopens one at a unit's request (it waits for review again) and excuses a unit that was merged
away; the reports still missing or in error keep the county's consolidation a 初稿. It plays once: a second
``huizong demo`` finds the decisions taken and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from huizong.assessment import assess, write_assessment
from huizong.config import Home
from huizong.cycles import Cycle
from huizong.intake import run_intake
from huizong.review.core import Who, states
from huizong.review.taking import take
from huizong.template import write_template

RETURNED = ("市场监督管理局", "表二“行政许可”本年处理决定数量与市场主体登记系统的统计不一致，请核实后重新报送")
REOPENED = ("990121101", "单位申请更正“上年结转”数（与上年报告不一致）")
EXCUSED = ("990121541", "已并入县人力资源和社会保障局，本年度不单独报送")


def review_season(home: Home, cycle: Cycle, when: dt.datetime, say: Callable[[str], None]) -> None:
    office = Who(cycle.owner.code, "", "cli")  # the county office's account, as if it decided in the portal
    with home.connect() as wh:
        if wh.rows("review/has_state") and any(r["last_action"] for r in states(wh, cycle.id)):
            return  # played before
        rows = states(wh, cycle.id)
    returned = next(r for r in rows if r["state"] == "submitted" and RETURNED[0] in r["unit_name"])
    shown = f"{cycle.owner.name}（{cycle.owner.code}）"
    take(home, cycle, "return", [returned["unit_code"]], RETURNED[1], office, when, shown)
    corrected = _correct(home, cycle, returned, when + dt.timedelta(days=2))
    run_intake(home, [corrected])
    later = when + dt.timedelta(days=3)
    with home.connect() as wh:
        waiting = [r["unit_code"] for r in states(wh, cycle.id) if r["state"] == "submitted"]
    approved = [o for o in take(home, cycle, "approve", waiting, "", office, later) if o.done]
    take(home, cycle, "reopen", [REOPENED[0]], REOPENED[1], office, later + dt.timedelta(hours=2))
    take(home, cycle, "excuse", [EXCUSED[0]], EXCUSED[1], office, later + dt.timedelta(hours=3))
    say(
        f"{cycle.owner.name}审核：退回 1（{returned['unit_name']}，已重新报送），审定 {len(approved)}，"
        f"重新打开 1，免报 1"
    )


def _correct(home: Home, cycle: Cycle, row: dict[str, Any], when: dt.datetime) -> Path:
    """The returned unit's corrected file: its report as accepted, with the licences counted as the office asked."""
    with home.connect() as wh:
        values: dict[str, int | Any] = {
            code: amount if amount is not None else number
            for code, number, amount in wh.rows("review/report_values", {"sha256": row["sha256"]})
        }
    form = cycle.form
    inputs = {code: value for code, value in values.items() if code in form.inputs}
    inputs["t2.licensing.decisions"] = int(inputs.get("t2.licensing.decisions", 0)) + 17
    unit = home.registry.get(row["unit_code"])
    path = home.inbox / f"更正_{unit.code}_{unit.name}_{form.id}-{cycle.period}.xlsx"
    write_template(path, form, unit, cycle.period, deadline=cycle.deadline_for(unit), values=inputs, generated_at=when)
    stamp = when.timestamp()
    os.utime(path, (stamp, stamp))
    return path


def assess_season(home: Home, cycle: Cycle, say: Callable[[str], None]) -> list[Path]:
    """The county's assessment (考核) of the season: its 通报 and a 督办函 to each unit at the bottom, dated the day
    after the review (a second run writes the same files)."""
    closed = max(cycle.deadline_for(u) for u in cycle.expected)
    day = closed + dt.timedelta(days=10)
    result = assess(home, cycle.owner.code, [cycle.id], as_of=day)
    written = write_assessment(home, result, day)
    say(f"{cycle.owner.name}考核：通报 1 份，督办函 {len(written.letters)} 份")
    return [written.notice, *written.letters]
