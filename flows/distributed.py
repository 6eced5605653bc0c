"""Intake with the reading spread over a Dask cluster: the national-scale mode of ``flows/intake.py``.

The flow ``intake-dask`` takes in the same files as ``intake`` and gives the same outcomes; only the reading (the cost
that grows with the number of files) runs elsewhere: each batch's new contents go out in chunks, one Prefect task per
chunk, to Dask workers through ``prefect_dask.DaskTaskRunner``. Archiving, checking, recording, receipts, the roll-up
and publishing stay in the flow's own process, so DuckDB keeps a single writer.

With ``address`` the reads go to a running Dask scheduler (its workers must see the data directory at the same path,
have huizong installed and reach the Prefect API the flow uses: a real server, ``PREFECT_API_URL``); without it a
``LocalCluster`` of ``workers`` processes lives for the run. The task runner is entered by the flow itself rather than
given to ``@flow`` or ``with_options``, because which cluster to use is a parameter of the run (a deployment's
``workers`` and ``address``), and so the cluster lives only while files are read. The steps are those of
``huizong.intake.run_intake``: the run is sorted out once (duplicates are recorded with the roll-up), the new contents
go through in batches, and the next batch's reads are submitted before the current batch is checked and recorded, so the
workers are not idle meanwhile.

    from flows.distributed import intake_dask
    intake_dask(home="/srv/huizong", period=2025, workers=8)             # a local cluster
    intake_dask(home="/srv/huizong", period=2025, address="tcp://scheduler:8786")

Like every script that starts Dask processes, a script calling it needs an ``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.states import Failed
from prefect_dask.task_runners import DaskTaskRunner, PrefectDaskFuture

from flows.guard import warehouse_turn
from flows.intake import archive, as_is, finished, publish, receipts, record, report, settle, tidy
from huizong import intake as steps
from huizong.config import Home
from huizong.errors import HuizongError
from huizong.periods import Period
from huizong.reader import Reading
from huizong.readers import attach, read_chunk
from huizong.stages import STAGES, stage

CHUNK = 50  # files per task: big enough that Prefect's and Dask's cost per task is small beside reading 50 workbooks

Pairs = list[tuple[Reading, str]]
Reads = list[PrefectDaskFuture[tuple[Pairs, float]]]


@task(name="read chunk", retries=1, retry_delay_seconds=2, cache_policy=NO_CACHE, persist_result=False)
def read(root: str, paths: list[str]) -> tuple[Pairs, float]:
    """Runs in a Dask worker: (reading without its form, form key) pairs and the CPU seconds spent."""
    return read_chunk(root, [Path(p) for p in paths])


@task(name="check", cache_policy=NO_CACHE)
def check(home: Home, batch: list[steps.Outcome], pairs: Pairs, period: str | None) -> list[steps.Outcome]:
    """Give each new content of the batch its verdict, from the readings made in the cluster (in the same order)."""
    steps.conclude(home, batch, attach(home, pairs), Period.parse(period) if period else None)
    return batch


def task_runner(workers: int = 2, address: str | None = None) -> DaskTaskRunner:
    """The scheduler at ``address``, or a local cluster of ``workers`` single-threaded processes."""
    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": workers,
            "threads_per_worker": 1,
            "processes": True,
            # distributed's scheduler always serves HTTP (metrics, info) even with no dashboard; on loopback and a
            # free port it is never reachable from outside and never collides with another cluster's 8787
            "dashboard_address": "127.0.0.1:0",
        }
    )


def send(runner: DaskTaskRunner, home: Home, batch: list[steps.Outcome]) -> Reads:
    """Submit the reading of a batch's files, a task per ``CHUNK`` files."""
    root = str(home.root.resolve())
    files = [str(o.arrival.archived.absolute()) for o in batch]
    with same_api():
        return [runner.submit(read, {"root": root, "paths": files[i : i + CHUNK]}) for i in range(0, len(files), CHUNK)]


def gather(reads: Reads) -> Pairs:
    pairs: Pairs = []
    with stage("read"):
        for future in reads:
            found, cpu_s = future.result()
            pairs += found
            STAGES.add("read", cpu_s=cpu_s)
    return pairs


@contextmanager
def same_api() -> Iterator[None]:
    """Task runs in the workers report to the API this flow run reports to. They run under the settings sent with
    each task; without a ``PREFECT_API_URL`` there (the ephemeral API a plain ``python`` run uses), every worker
    would start a Prefect server of its own (10-15 s of CPU each) and record its task runs there, out of sight."""
    context = FlowRunContext.get()
    if PREFECT_API_URL.value() or context is None:
        yield
        return
    with temporary_settings(updates={PREFECT_API_URL: str(context.client.api_url)}):
        yield


@flow(name="intake-dask")
def intake_dask(
    home: str | None = None,
    paths: list[str] | None = None,
    period: str | int | None = None,
    workers: int = 2,
    address: str | None = None,
) -> Any:
    """Take in the inbox (or the given files and folders) as ``intake`` does, reading in a Dask cluster: a local one
    of ``workers`` processes, or the scheduler at ``address``.

    Args:
        home: 数据目录（默认 HUIZONG_HOME 或 ./var）。The data directory.
        paths: 要收取的文件或文件夹（默认：收件箱 inbox）。Files or folders to take in; default the inbox.
        period: 只收取这一报告期，如 2025。Only this period; files for another are rejected.
        workers: 本机 Dask 集群的进程数（未给 address 时）。Processes of the local cluster, when no address is given.
        address: 已有 Dask 调度器的地址，如 tcp://scheduler:8786。A running Dask scheduler to read on.
    """
    where = Home(home)
    try:
        with warehouse_turn(where, "intake-dask"):
            counts, outcomes = _intake_dask(where, paths or [], period, workers, address)
    except HuizongError as exc:
        return Failed(message=f"huizong: {exc}")
    return finished(counts, outcomes)


def _intake_dask(
    where: Home, paths: list[str], period: str | int | None, workers: int, address: str | None
) -> tuple[dict[str, int], list[steps.Outcome]]:
    logger = get_run_logger()
    run_id = steps.new_run_id()
    when = str(period) if period else None
    arrivals = archive(where, paths)
    outcomes, fresh = steps.sort_out(where, arrivals)
    parts = steps.batches(fresh)
    if parts:
        with task_runner(workers, address) as runner:
            started = time.perf_counter()
            client = runner.client  # the cluster starts (or is connected to) on first use
            ready_s = time.perf_counter() - started
            STAGES.add("cluster start", wall_s=ready_s)
            logger.info("Dask cluster ready in %.2f s: %s", ready_s, client)
            pending = send(runner, where, parts[0])
            for k, batch in enumerate(parts):
                current = pending
                if k + 1 < len(parts):
                    pending = send(runner, where, parts[k + 1])  # read while this batch is checked and recorded
                judged = check(where, as_is(batch), as_is(gather(current)), when)
                record(where, run_id, as_is(judged))
                receipts(where, as_is(judged))
            stopping = time.perf_counter()
        STAGES.add("cluster stop", wall_s=time.perf_counter() - stopping)
    audits = settle(where, run_id, as_is(outcomes), as_is([o for o in outcomes if o.verdict is None]))
    publish(where)
    tidy(where, as_is(arrivals))
    return report(run_id, as_is(outcomes), audits), outcomes
