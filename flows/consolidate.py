"""Consolidation as Prefect flows: ``consolidate`` for a cycle, and ``season`` (intake, then consolidate) for the
nightly run of a reporting window. Each step is a task; the library does the work (huizong/consolidate.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, Failed

from flows.guard import transient, warehouse_turn
from flows.intake import as_is, intake
from huizong import consolidate as steps
from huizong.config import Home
from huizong.cycles import Cycle
from huizong.distribute import cycle_for
from huizong.draft import Scope
from huizong.errors import HuizongError
from huizong.findings import STATUS_LABELS


@task(name="roll up and audit", retries=2, retry_delay_seconds=10, retry_condition_fn=transient, cache_policy=NO_CACHE)
def roll_up(home: Home, cycle: Cycle, dry_run: bool) -> steps.Consolidation:
    return steps.roll_up_cycle(home, cycle, dry_run)


@task(
    name="publish the snapshot", retries=2, retry_delay_seconds=5, retry_condition_fn=transient, cache_policy=NO_CACHE
)
def publish(home: Home) -> Path:
    return steps.publish(home)


@task(name="write the consolidated workbook", cache_policy=NO_CACHE)
def workbook(home: Home, result: steps.Consolidation) -> Path:
    return steps.write_workbook(home, result)


@task(name="write the annual report's draft", cache_policy=NO_CACHE)
def draft_task(home: Home, result: steps.Consolidation, scope: Scope) -> Path | None:
    return steps.write_draft(home, result, scope)


@task(name="report", cache_policy=NO_CACHE)
def report(result: steps.Consolidation, written: Path | None, portal_url: str = "") -> str:
    data = result.data
    assert data is not None
    key = data.cycle.id.replace("_", "-").lower()
    failed = [f"{name}（{len(rows)} 处）" for name, rows in result.audits.items() if rows]
    lines = [
        f"## {data.cycle.owner.name} {data.cycle.period.label} {data.cycle.form.title}",
        data.summary(),
        "汇总校验：全部通过" if not failed else "汇总校验发现问题：" + "，".join(failed),
        f"汇总表：{written}" if written else "（试运行：未写出汇总表，也未发布）",
    ]
    if result.draft is not None or result.draft_note:
        lines.append(f"年度报告草稿：{result.draft}" if result.draft else result.draft_note)
    create_markdown_artifact("\n\n".join(lines), key=f"{key}-summary", description=data.summary())
    create_table_artifact(
        [
            {
                "代码": r["unit_code"],
                "单位": r["unit_name"],
                "状态": STATUS_LABELS[r["status"]],
                "截止": str(r["deadline"]),
                "逾期": "是" if r["late"] else "",
                "错误": r["errors"],
            }
            for r in data.completeness
        ],
        key=f"{key}-completeness",
        description=f"报送情况：{data.summary()}",
    )
    create_table_artifact(
        [
            {
                "单位": f"{f['unit_code']} {f['unit_name']}",
                "规则": f["rule"],
                "位置": f"{f['sheet']}!{f['cell']}",
                "填写": f["seen"],
                "应为": f["expected"],
                "说明": f["message"],
            }
            for f in data.findings
        ],
        key=f"{key}-findings",
        description=f"{len(data.findings)} 条未解决的问题",
    )
    if written and portal_url:  # a link that works in the office's browser, not a path on the serving machine
        link = f"{portal_url}/cycles/{data.cycle.id}/workbook"
        create_link_artifact(link, link_text=written.name, key=f"{key}-workbook")
    return data.summary()


@flow(name="consolidate")
def consolidate(
    unit: str | int,
    period: str | int,
    form: str | None = None,
    home: str | None = None,
    dry_run: bool = False,
    draft: Scope = "region",
) -> Any:
    """Consolidate a county's or city's cycle: totals, completeness, audits, snapshot, workbook, report draft.

    ``unit`` and ``period`` also take numbers, as `prefect deployment run -p unit=990121 -p period=2025` sends them.

    Args:
        unit: 汇总单位代码（县或市），如 990121。The county or city whose cycle is consolidated.
        period: 报告期，如 2025 或 2025Q4。The report period.
        form: 表式，如 annual_report/2021（默认：适用于该报告期的版本）。The form version; default the one that fits.
        home: 数据目录（默认 HUIZONG_HOME 或 ./var）。The data directory.
        dry_run: 试运行：计算并显示，不写出任何文件。Compute and show, write nothing.
        draft: 年度报告草稿：region 汇总，own 本级（政府办公室）。The report draft: the region's or the office's own.
    """
    where = Home(home)
    try:
        with warehouse_turn(where, "consolidate"):
            cycle = cycle_for(where, str(unit), str(period), form)
            result = roll_up(where, cycle, dry_run)
            written = None
            if not dry_run:
                publish(where)
                written = workbook(where, as_is(result))
                draft_task(where, as_is(result), draft)
            summary = report(as_is(result), written, where.settings.portal_url)
    except HuizongError as exc:
        return Failed(message=f"huizong: {exc}")
    return Completed(message=summary, data=summary)


@flow(name="season")
def season(
    unit: str | int,
    period: str | int,
    form: str | None = None,
    home: str | None = None,
    dry_run: bool = False,
    draft: Scope = "region",
) -> Any:
    """The nightly run of a reporting window: take in the inbox for the period, then consolidate the cycle.

    Args:
        unit: 汇总单位代码（县或市），如 990121。The county or city whose cycle is consolidated.
        period: 报告期，如 2025 或 2025Q4。The report period.
        form: 表式，如 annual_report/2021（默认：适用于该报告期的版本）。The form version; default the one that fits.
        home: 数据目录（默认 HUIZONG_HOME 或 ./var）。The data directory.
        dry_run: 试运行：计算并显示，不写出任何文件。Compute and show, write nothing.
        draft: 年度报告草稿：region 汇总，own 本级（政府办公室）。The report draft: the region's or the office's own.
    """
    where = Home(home)
    try:
        with warehouse_turn(where, "season"):  # intake and consolidation in one turn: nothing slips in between
            if not dry_run:
                intake(home=home, period=str(period))
            summary = consolidate(unit=unit, period=period, form=form, home=home, dry_run=dry_run, draft=draft)
    except HuizongError as exc:
        return Failed(message=f"huizong: {exc}")
    return Completed(message=summary, data=summary)
