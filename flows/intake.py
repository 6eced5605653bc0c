"""Intake as a Prefect flow: the same steps ``huizong intake`` runs, each a task you can see and retry in the UI."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar, cast

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from huizong import intake as steps
from huizong.config import Home
from huizong.consolidate import publish as publish_snapshot
from huizong.findings import SEVERITY_LABELS as SEVERITY
from huizong.findings import STATUS_LABELS
from huizong.periods import Period
from huizong.readers import close as close_readers

T = TypeVar("T")


def as_is(value: T) -> T:
    """``value`` passed to a task without Prefect walking through it for futures (``quote``): a batch holds thousands
    of readings, and the walk would cost seconds. Typed as the value, which is what the task receives."""
    return cast(T, quote(value))


@task(name="archive files", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def archive(home: Home, paths: list[str]) -> list[steps.Arrival]:
    return steps.archive_files(home, steps.collect(home, [Path(p) for p in paths]))


@task(name="read and check", cache_policy=NO_CACHE)
def judge(home: Home, arrivals: list[steps.Arrival], period: str | None) -> list[steps.Outcome]:
    return steps.judge(home, arrivals, Period.parse(period) if period else None)


@task(name="record", retries=2, retry_delay_seconds=10, cache_policy=NO_CACHE)
def record(home: Home, run_id: str, outcomes: list[steps.Outcome]) -> None:
    steps.record(home, run_id, outcomes)


@task(name="write receipts", cache_policy=NO_CACHE)
def receipts(home: Home, outcomes: list[steps.Outcome]) -> list[Path]:
    paths = steps.write_receipts(home, outcomes)
    steps.release(outcomes)
    return paths


@task(name="roll up", retries=2, retry_delay_seconds=10, cache_policy=NO_CACHE)
def settle(
    home: Home, run_id: str, outcomes: list[steps.Outcome], unrecorded: list[steps.Outcome] | None = None
) -> dict[str, list[dict[str, object]]]:
    return steps.settle(home, run_id, outcomes, unrecorded or [])


@task(name="publish the snapshot", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def publish(home: Home) -> Path:
    return publish_snapshot(home)


@task(name="tidy the inbox", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def tidy(home: Home, arrivals: list[steps.Arrival]) -> None:
    steps.tidy_inbox(home, arrivals)


@task(name="report", cache_policy=NO_CACHE)
def report(run_id: str, outcomes: list[steps.Outcome], audits: dict[str, list[dict[str, object]]]) -> dict[str, int]:
    counts = steps.count(outcomes)
    lines = [f"| {o.arrival.source.name} | {_who(o)} | {_status(o)} |" for o in outcomes]
    summary = (
        f"共 {len(outcomes)} 个文件：通过 {counts['accepted']}，退回 {counts['rejected']}，重复 {counts['duplicate']}"
    )
    failed = [f"{name}（{len(rows)} 处）" for name, rows in audits.items() if rows]
    audit_line = "审计：全部通过" if not failed else "审计发现问题：" + "，".join(failed)
    create_markdown_artifact(
        "\n".join([f"## 收取 {run_id}", summary, audit_line, "", "| 文件 | 单位 | 结论 |", "|---|---|---|", *lines]),
        key="intake-summary",
        description=summary,
    )
    findings = [
        {
            "文件": o.arrival.source.name,
            "单位": _who(o),
            "规则": f.rule,
            "类别": SEVERITY[f.severity],
            "位置": f.where,
            "填写": f.seen,
            "应为": f.expected,
            "说明": f.message,
        }
        for o in outcomes
        if o.verdict
        for f in o.verdict.findings
    ]
    create_table_artifact(findings, key="intake-findings", description=f"{run_id}：{len(findings)} 条问题")
    return counts


def _who(outcome: steps.Outcome) -> str:
    meta = outcome.verdict.reading.meta if outcome.verdict else {}
    return f"{meta['unit_code']} {meta.get('unit_name', '')}" if "unit_code" in meta else ""


def _status(outcome: steps.Outcome) -> str:
    return STATUS_LABELS[outcome.status]


@flow(name="intake")
def intake(home: str | None = None, paths: list[str] | None = None, period: str | int | None = None) -> dict[str, int]:
    """Take in the inbox (or the given files and folders): archive, then read, check, record and answer each batch,
    roll up, publish."""
    where = Home(home)
    run_id = steps.new_run_id()
    arrivals = archive(where, paths or [])
    outcomes: list[steps.Outcome] = []
    try:
        for batch in steps.batches(arrivals):
            judged = judge(where, as_is(batch), str(period) if period else None)
            record(where, run_id, as_is(judged))
            receipts(where, as_is(judged))
            outcomes += judged
    finally:
        close_readers()
    audits = settle(where, run_id, as_is(outcomes))
    publish(where)
    tidy(where, as_is(arrivals))
    return report(run_id, as_is(outcomes), audits)
