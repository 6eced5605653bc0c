"""Intake as a Prefect flow: the same steps ``huizong intake`` runs, each a task you can see and retry in the UI."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar, cast

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State
from prefect.states import Completed, Failed
from prefect.utilities.annotations import quote

from flows.guard import transient, warehouse_turn
from huizong import intake as steps
from huizong.config import Home
from huizong.consolidate import publish as publish_snapshot
from huizong.errors import HuizongError
from huizong.findings import SEVERITY_LABELS as SEVERITY
from huizong.findings import STATUS_LABELS
from huizong.periods import Period
from huizong.readers import close as close_readers

T = TypeVar("T")


def as_is(value: T) -> T:
    """``value`` passed to a task without Prefect walking through it for futures (``quote``): a batch holds thousands
    of readings, and the walk would cost seconds. Typed as the value, which is what the task receives."""
    return cast(T, quote(value))


@task(name="archive files", retries=2, retry_delay_seconds=5, retry_condition_fn=transient, cache_policy=NO_CACHE)
def archive(home: Home, paths: list[str]) -> list[steps.Arrival]:
    return steps.archive_files(home, steps.collect(home, [Path(p) for p in paths]))


@task(name="read and check", cache_policy=NO_CACHE)
def judge(home: Home, arrivals: list[steps.Arrival], period: str | None) -> list[steps.Outcome]:
    return steps.judge(home, arrivals, Period.parse(period) if period else None)


@task(name="record", retries=2, retry_delay_seconds=10, retry_condition_fn=transient, cache_policy=NO_CACHE)
def record(home: Home, run_id: str, outcomes: list[steps.Outcome]) -> None:
    steps.record(home, run_id, outcomes)


@task(name="write receipts", cache_policy=NO_CACHE)
def receipts(home: Home, outcomes: list[steps.Outcome]) -> list[Path]:
    paths = steps.write_receipts(home, outcomes)
    steps.release(outcomes)
    return paths


@task(name="roll up", retries=2, retry_delay_seconds=10, retry_condition_fn=transient, cache_policy=NO_CACHE)
def settle(
    home: Home, run_id: str, outcomes: list[steps.Outcome], unrecorded: list[steps.Outcome] | None = None
) -> dict[str, list[dict[str, object]]]:
    return steps.settle(home, run_id, outcomes, unrecorded or [])


@task(
    name="publish the snapshot", retries=2, retry_delay_seconds=5, retry_condition_fn=transient, cache_policy=NO_CACHE
)
def publish(home: Home) -> Path:
    return publish_snapshot(home)


@task(name="tidy the inbox", retries=2, retry_delay_seconds=5, retry_condition_fn=transient, cache_policy=NO_CACHE)
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
def intake(home: str | None = None, paths: list[str] | None = None, period: str | int | None = None) -> Any:
    """Take in the inbox (or the given files and folders): archive, then read, check, record and answer each batch,
    roll up, publish. The run's message says how many files were accepted and rejected (退回), and each rejected
    file is a WARNING in its log.

    Args:
        home: 数据目录（默认 HUIZONG_HOME 或 ./var）。The data directory.
        paths: 要收取的文件或文件夹（默认：收件箱 inbox）。Files or folders to take in; default the inbox.
        period: 只收取这一报告期，如 2025（其他报告期的文件退回）。Only this period; files for another are rejected.
    """
    where = Home(home)
    try:
        with warehouse_turn(where, "intake"):
            counts, outcomes = _intake(where, paths or [], str(period) if period else None)
    except HuizongError as exc:
        return Failed(message=f"huizong: {exc}")
    return finished(counts, outcomes)


def _intake(where: Home, paths: list[str], period: str | None) -> tuple[dict[str, int], list[steps.Outcome]]:
    run_id = steps.new_run_id()
    arrivals = archive(where, paths)
    outcomes: list[steps.Outcome] = []
    with where.keep_open():  # the tasks' connections are cursors on one open warehouse
        try:
            for batch in steps.batches(arrivals):
                judged = judge(where, as_is(batch), period)
                record(where, run_id, as_is(judged))
                receipts(where, as_is(judged))
                outcomes += judged
        finally:
            close_readers()
        audits = settle(where, run_id, as_is(outcomes))
        publish(where)
    tidy(where, as_is(arrivals))
    return report(run_id, as_is(outcomes), audits), outcomes


def finished(counts: dict[str, int], outcomes: list[steps.Outcome]) -> State[dict[str, int]]:
    """A Completed state whose message an office reads in the run list; a WARNING for each rejected file."""
    logger = get_run_logger()
    for outcome in outcomes:
        if outcome.status == "rejected" and outcome.verdict is not None:
            errors, _ = outcome.verdict.counts()
            logger.warning("退回 %s %s：错误 %d 项", outcome.arrival.source.name, _who(outcome), errors)
    message = f"通过 {counts['accepted']}，退回 {counts['rejected']}，重复 {counts['duplicate']}"
    return Completed(message=message, data=counts)
