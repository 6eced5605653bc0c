"""Intake with the reading spread over a Dask cluster: the national-scale mode of ``flows/intake.py``.

The flow ``intake-dask`` takes in the same files as ``intake`` and gives the same outcomes; only the reading (the cost
that grows with the number of files) runs elsewhere: each batch's new contents go out in chunks, one Prefect task per
chunk, to Dask workers through ``prefect_dask.DaskTaskRunner``. Archiving, checking, recording, receipts, the roll-up
and publishing stay in the flow's own process, so DuckDB keeps a single writer.

With ``address`` the reads go to a running Dask scheduler (its workers must see the data directory at the same path
and have huizong installed); without it a ``LocalCluster`` of ``workers`` processes lives for the run. The next
batch's reads are submitted before the current batch is checked and recorded, so the workers are not idle meanwhile;
what the current batch records is taken into account when the next one is sorted out for good (a content recorded
in between is a duplicate, and its early reading is dropped).

    from flows.distributed import intake_dask
    intake_dask(home="/srv/huizong", period=2025, workers=8)             # a local cluster
    intake_dask(home="/srv/huizong", period=2025, address="tcp://scheduler:8786")

Like every script that starts Dask processes, a script calling it needs an ``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.utilities.annotations import quote
from prefect_dask.task_runners import DaskTaskRunner, PrefectDaskFuture

from flows.intake import archive, publish, receipts, record, report, settle, tidy
from huizong import intake as steps
from huizong.config import Home
from huizong.periods import Period
from huizong.reader import Reading
from huizong.readers import attach, read_chunk
from huizong.stages import STAGES, stage

CHUNK = 50  # files per task: big enough that Prefect's and Dask's cost per task is small beside reading 50 workbooks

Pairs = list[tuple[Reading, str]]
T = TypeVar("T")


@task(name="read chunk", retries=1, retry_delay_seconds=2, cache_policy=NO_CACHE, persist_result=False)
def read(root: str, paths: list[str]) -> tuple[Pairs, float]:
    """Runs in a Dask worker: (reading without its form, form key) pairs and the CPU seconds spent."""
    return read_chunk(root, [Path(p) for p in paths])


@task(name="check", cache_policy=NO_CACHE)
def check(
    home: Home, batch: list[steps.Arrival], early: list[steps.Outcome], pairs: Pairs, period: str | None
) -> list[steps.Outcome]:
    """Sort the batch out for good (after the previous batch is recorded) and judge its new contents from the
    readings made for ``early``, the new contents as sorted out before."""
    outcomes, fresh = steps.sort_out(home, batch)
    by_hash = {o.arrival.sha256: r for o, r in zip(early, attach(home, pairs), strict=True)}
    steps.conclude(home, fresh, [by_hash[o.arrival.sha256] for o in fresh], Period.parse(period) if period else None)
    return outcomes


@dataclass
class Reads:
    """A batch whose new contents (as sorted out when it was sent) are being read in the cluster."""

    batch: list[steps.Arrival]
    early: list[steps.Outcome]
    futures: list[PrefectDaskFuture[tuple[Pairs, float]]]

    def gather(self) -> Pairs:
        pairs: Pairs = []
        with stage("read"):
            for future in self.futures:
                found, cpu_s = future.result()
                pairs += found
                STAGES.add("read", cpu_s=cpu_s)
        return pairs


def whole(value: T) -> T:
    """``value`` handed to a task as it is: Prefect would otherwise walk through it looking for futures to wait on
    and inputs to track, visiting every cell of every reading (about 0.7 s per 100 files, twice per call)."""
    return cast(T, quote(value))


def task_runner(workers: int = 2, address: str | None = None) -> DaskTaskRunner:
    """The scheduler at ``address``, or a local cluster of ``workers`` single-threaded processes."""
    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": workers,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
        }
    )


def send(runner: DaskTaskRunner, home: Home, batch: list[steps.Arrival]) -> Reads:
    _, early = steps.sort_out(home, batch)
    root = str(home.root.resolve())
    files = [str(o.arrival.archived.absolute()) for o in early]
    chunks = [files[i : i + CHUNK] for i in range(0, len(files), CHUNK)]
    with same_api():
        futures = [runner.submit(read, {"root": root, "paths": chunk}) for chunk in chunks]
    return Reads(batch, early, futures)


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
) -> dict[str, int]:
    """Take in the inbox (or the given files and folders) as ``intake`` does, reading in a Dask cluster: a local one
    of ``workers`` processes, or the scheduler at ``address``."""
    logger = get_run_logger()
    where = Home(home)
    run_id = steps.new_run_id()
    when = str(period) if period else None
    arrivals = archive(where, paths or [])
    outcomes: list[steps.Outcome] = []
    batches = steps.batches(arrivals)
    if batches:
        with task_runner(workers, address) as runner:
            started = time.perf_counter()
            client = runner.client  # the cluster starts (or is connected to) on first use
            STAGES.add("cluster start", wall_s=time.perf_counter() - started)
            logger.info("Dask cluster ready in %.2f s: %s", time.perf_counter() - started, client)
            pending = send(runner, where, batches[0])
            for following in range(1, len(batches) + 1):
                current = pending
                if following < len(batches):
                    pending = send(runner, where, batches[following])  # read while this batch is checked
                judged = check(where, whole(current.batch), whole(current.early), whole(current.gather()), when)
                record(where, run_id, whole(judged))
                receipts(where, whole(judged))
                outcomes += judged
    audits = settle(where, run_id, whole(outcomes))
    publish(where)
    tidy(where, whole(arrivals))
    return report(run_id, whole(outcomes), audits)
