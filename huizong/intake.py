"""Intake: take files in, archive them by content hash before anything else, read, judge, record.

The steps are plain functions over a batch; the CLI runs them in a row (``run_intake``) and the Prefect flow
``flows/intake.py`` runs the same steps as tasks. A file's content hash identifies it: the same file twice is
recorded as a second arrival and judged once. A later accepted file for the same unit, form and period supersedes the
earlier one as a whole (``sql/intake/supersede.sql``); a rejected file never replaces an accepted one.

The new contents go through in batches of ``BATCH`` (after a first of ``FIRST``): each batch is archived and sorted
out (which contents are new) while the batch before is read, read by the reader processes while the batch before is
checked, put on disk (one ``os.sync``), checked, recorded in its own transaction and answered with receipts, then
dropped from memory; after the last batch the duplicates' arrivals are recorded, the totals rebuilt once and the
snapshot published.
A run that stops midway keeps the batches it recorded (their files count as already received next time), and the
next run rebuilds the totals.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import gc
import uuid
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pyarrow as pa

from huizong import auditlog, cells, valuestore
from huizong.assess import Verdict, assess
from huizong.batchrows import findings, late, receipts
from huizong.batchrows import submissions as submissions_rows
from huizong.config import Home
from huizong.consolidate import publish, rebuild
from huizong.feedback import Receipt, feedback_path
from huizong.inbox import Archiving as Archiving
from huizong.inbox import Arrival as Arrival  # re-exported: the steps of an intake are named here
from huizong.inbox import Skipped as Skipped
from huizong.inbox import archive_files as archive_files
from huizong.inbox import collect as collect
from huizong.inbox import tidy_inbox as tidy_inbox
from huizong.periods import Period
from huizong.previous import previous_values as previous_values  # re-exported: a step of intake
from huizong.publishing import parts_folder
from huizong.reader import Reading
from huizong.readers import ReceiptJob, finish_receipts, read_files, start_reading, write_feedbacks
from huizong.readers import close as close_readers
from huizong.readers import warm as warm_readers
from huizong.review import locked
from huizong.stages import stage
from huizong.warehouse import Warehouse

T = TypeVar("T")
BATCH = 2000  # files read, checked and recorded together: memory stays bounded, each batch is one transaction
FIRST = 500  # the first batch: the main process waits for it alone, while later batches are read as it works


@dataclass
class Outcome:
    arrival: Arrival
    verdict: Verdict | None = None  # None: the same content had arrived before
    earlier_status: str = ""  # a duplicate of an earlier run's file: that file's status
    same_as: Path | None = None  # a duplicate within this batch: the file judged in its place
    feedback: Path | None = None  # the receipt (回执) written for it

    @property
    def status(self) -> str:
        return self.verdict.status if self.verdict else "duplicate"


def count(outcomes: Sequence[Outcome]) -> dict[str, int]:
    """How many files of a run were accepted, rejected, or duplicates of earlier ones."""
    return {status: sum(o.status == status for o in outcomes) for status in ("accepted", "rejected", "duplicate")}


def judge(
    home: Home,
    arrivals: Sequence[Arrival],
    period: Period | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Read and judge the contents not seen before; the rest are duplicates. ``progress`` hears of each file read."""
    outcomes, fresh = sort_out(home, arrivals)
    with stage("read"):
        readings = read_files(home, [outcome.arrival.archived for outcome in fresh], progress)
    conclude(home, fresh, readings, period)
    return outcomes


def sort_out(home: Home, arrivals: Sequence[Arrival]) -> tuple[list[Outcome], list[Outcome]]:
    """An outcome for every arrival, and those whose content is new (to be read and judged), in order."""
    sorter = Sorter(home)
    fresh = sorter.sort(arrivals)
    return sorter.outcomes, fresh


class Sorter:
    """``sort_out`` a run's arrivals a piece at a time, in order: a content that came earlier in the run, or in an
    earlier run, is a duplicate; ``outcomes`` holds every arrival's so far."""

    def __init__(self, home: Home) -> None:
        self.home = home
        self.outcomes: list[Outcome] = []
        self.first: dict[str, Path] = {}

    def sort(self, arrivals: Sequence[Arrival]) -> list[Outcome]:
        """The outcomes of ``arrivals`` whose content is new."""
        hashes = pa.table({"sha256": pa.array([a.sha256 for a in arrivals], pa.string())})
        with self.home.connect() as wh:
            known = {sha: status for sha, status, *_ in wh.rows("intake/known_files", incoming=hashes)}
        fresh = []
        for arrival in arrivals:
            earlier = "" if arrival.sha256 in self.first else known.get(arrival.sha256, "")  # (as when sorted whole)
            outcome = Outcome(arrival, earlier_status=earlier)
            if arrival.sha256 in self.first:
                outcome.same_as = self.first[arrival.sha256]
            elif arrival.sha256 not in known:
                self.first[arrival.sha256] = arrival.source
                fresh.append(outcome)
            self.outcomes.append(outcome)
        return fresh


def conclude(home: Home, fresh: Sequence[Outcome], readings: Sequence[Reading], period: Period | None) -> None:
    """Give each new content its verdict, from its reading (in the same order), in one validation per form."""
    with stage("validate"):
        previous = previous_values(home, [(r.meta.get("unit_code", ""), r.meta.get("period", "")) for r in readings])
        with home.connect() as wh:
            locks = locked(wh)
        for outcome, verdict in zip(fresh, assess(home, readings, previous, period, locks), strict=True):
            outcome.verdict = verdict


def record(
    home: Home,
    run_id: str,
    outcomes: Sequence[Outcome],
    also: Callable[[Warehouse], None] | None = None,
    who: tuple[str, str, str] | None = None,
    logged: bool = True,
) -> None:
    """Write one batch in its own transaction and let later accepted files supersede earlier ones, each judged file an
    upload in the audit log by ``who`` (default: the user of the command or flow; ``logged=False`` when the caller
    logs them itself, as the portal does with the account that uploaded). ``also`` writes more in the same
    transaction (the portal's record of who uploaded what)."""
    judged = [o for o in outcomes if o.verdict is not None]
    with stage("record"), home.connect() as wh:
        wh.run("intake/insert_receipts", incoming_receipts=receipts(run_id, outcomes))
        submissions = submissions_rows(run_id, judged)
        wh.run("intake/insert_submissions", incoming_submissions=submissions)
        if judged:  # the totals of these periods are out of date until the roll-up at the end of the run
            wh.run("intake/mark_pending", incoming_submissions=submissions)
        with stage("load"):  # the values as a Parquet part of their own, listed in this transaction
            values = cells.values_table([_reading(o) for o in judged], [o.arrival.sha256 for o in judged])
            valuestore.write_part(wh, parts_folder(home), values)
        wh.run("intake/insert_findings", incoming_findings=findings(judged))
        if judged:  # later accepted files of the batch's units supersede earlier ones
            wh.run("intake/supersede", incoming_submissions=submissions)
        if logged:
            auditlog.write(wh, uploads(judged, who or auditlog.command_user()))
        if also is not None:
            also(wh)


def settle(
    home: Home, run_id: str, outcomes: Sequence[Outcome], unrecorded: Sequence[Outcome] = ()
) -> dict[str, list[dict[str, object]]]:
    """After the last batch: record the arrivals no batch recorded (``unrecorded``: duplicates when the run was
    sorted out whole), note the run, and rebuild the totals whole (so the snapshot published after the run is
    consistent). Returns what the audits found."""
    with stage("roll up"), home.connect() as wh:
        note_run(wh, run_id, outcomes, unrecorded)
        return rebuild(wh, home, run_id)


def note_run(
    wh: Warehouse, run_id: str, outcomes: Sequence[Outcome], unrecorded: Sequence[Outcome] = (), kind: str = "intake"
) -> None:
    """Record the arrivals no batch recorded and the run itself (``kind``: intake, or portal for the portal's)."""
    if unrecorded:
        wh.run("intake/insert_receipts", incoming_receipts=receipts(run_id, unrecorded))
    started = outcomes[0].arrival.taken_at if outcomes else dt.datetime.now()
    counts = count(outcomes)
    wh.run(
        "intake/insert_run", {"run_id": run_id, "kind": kind, "started_at": started, "files": len(outcomes)} | counts
    )


def write_receipts(home: Home, outcomes: Sequence[Outcome], wait: bool = True) -> list[Path]:
    """A feedback workbook (回执) for every file of the batch that has findings; a file accepted without any is
    acknowledged by its line in the run, in ``receipts`` and in the cycle's completeness list. Where the run has
    reader processes they write them (``wait=False``: while this process goes on; ``finish_receipts`` waits)."""
    jobs = []
    for outcome in outcomes:
        if outcome.verdict is None or not outcome.verdict.findings:
            continue
        verdict = outcome.verdict
        receipt = Receipt(
            file_name=outcome.arrival.source.name,
            sha256=outcome.arrival.sha256,
            received_at=outcome.arrival.received_at,
            late=late(outcome),
            deadline=verdict.deadline,
        )
        outcome.feedback = feedback_path(home.out, verdict, receipt)
        jobs.append(ReceiptJob(outcome.feedback, verdict, receipt))
    with stage("write"):
        write_feedbacks(home, jobs)
        if wait:
            finish_receipts()
    return [job.path for job in jobs]


def release(outcomes: Sequence[Outcome]) -> None:
    """Once a batch is recorded its values live in the warehouse: keep only what the run reports (verdict, findings),
    so memory does not grow with the number of files."""
    for outcome in outcomes:
        if outcome.verdict is not None:
            reading = outcome.verdict.reading
            reading.values, reading.cells, reading.scaled = {}, None, None


def batches(items: Sequence[T], size: int = BATCH, first: int | None = None) -> list[list[T]]:
    """``items`` in batches of ``size``, the first of ``first`` (``FIRST`` when smaller than ``size``)."""
    head = min(size, FIRST) if first is None else first
    rest = items[head:]
    return [list(items[:head]), *(list(rest[i : i + size]) for i in range(0, len(rest), size))] if items else []


def run_intake(
    home: Home,
    paths: Sequence[Path] = (),
    period: Period | None = None,
    on_audits: Callable[[dict[str, list[dict[str, object]]]], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    skipped: list[Skipped] | None = None,
) -> list[Outcome]:
    """The whole intake, as the CLI runs it (the flow runs the same steps as tasks). ``progress(done, of)``; what
    is passed over is added to ``skipped``. Receipts an earlier run owed and did not write are written first."""
    run_id = new_run_id()
    with home.keep_open():
        owe_nothing(home)
        files = collect(home, paths, skipped)
        warm_readers(home, len(files))  # they start while the first files are archived
        archiving = Archiving(home, files)
        outcomes = take_in(home, run_id, archiving, period, progress)
        give_back_memory()  # what the batches held, before DuckDB takes its share for the roll-up
        audits = settle(home, run_id, outcomes, [o for o in outcomes if o.verdict is None])
        if on_audits:
            on_audits(audits)
        publish(home)
    tidy_inbox(home, archiving.arrivals)
    return outcomes


def take_in(
    home: Home,
    run_id: str,
    arrivals: Sequence[Arrival] | Archiving,
    period: Period | None = None,
    progress: Callable[[int, int], None] | None = None,
    who: tuple[str, str, str] | None = None,
) -> list[Outcome]:
    """Sort out, read, check and record the arrivals batch by batch, with their receipts: everything of an intake
    but the totals and the snapshot. The duplicates' arrivals are left to ``settle`` (or ``note_run``). Each file
    judged is an upload in the audit log, by ``who`` (actor, remote, source; default: the user of the command).
    Given files still to archive (``Archiving``), each batch is archived while the one before is read."""
    who = who or auditlog.command_user()
    source = arrivals if isinstance(arrivals, Archiving) else Archiving(home, (), arrivals)
    sorter = Sorter(home)
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, source.total)

    try:
        batch = _fresh(source, sorter, min(BATCH, FIRST))
        pending = start_reading(home, _paths(batch), step) if batch else None
        following = _fresh(source, sorter, BATCH)  # archived while the reader processes read the first
        while batch:
            assert pending is not None
            with stage("read"):
                readings = pending()
            if following:  # the reader processes read the next batch while this one is checked and recorded
                pending = start_reading(home, _paths(following), step)
            after = _fresh(source, sorter, BATCH) if following else []
            source.flush()  # the batch's files are on disk before it is recorded
            conclude(home, batch, readings, period)
            record(home, run_id, batch, who=who)
            write_receipts(home, batch, wait=False)
            release(batch)
            batch, following = following, after
        source.flush()
        with stage("write"):
            finish_receipts()
    except BaseException:
        close_readers()
        raise
    close_readers()
    return sorter.outcomes


def _fresh(source: Archiving, sorter: Sorter, size: int) -> list[Outcome]:
    """The next ``size`` arrivals whose content is new (fewer at the end), archived and sorted out in order."""
    batch: list[Outcome] = []
    while len(batch) < size and source.left:
        batch += sorter.sort(source.next(size - len(batch)))
    return batch


def _paths(batch: Sequence[Outcome]) -> list[Path]:
    return [outcome.arrival.archived for outcome in batch]


def give_back_memory() -> None:
    """Return the memory freed by the batches to the system (Python's heap and Arrow's pool keep it otherwise), so a
    run's peak is that of its largest step, not the sum of its steps."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    with suppress(OSError, AttributeError):  # glibc only
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def uploads(outcomes: Sequence[Outcome], who: tuple[str, str, str]) -> list[auditlog.Entry]:
    """Audit entries for the files of a batch that were judged: what came, for whom, and the verdict."""
    actor, remote, source = who
    entries = []
    for outcome in outcomes:
        verdict = outcome.verdict
        if verdict is None:
            continue
        errors, warnings = verdict.counts()
        said = "通过" if verdict.accepted else "退回"
        detail = f"{outcome.arrival.source.name}：{said}（错误 {errors}，提示 {warnings}）"
        unit = verdict.unit.code if verdict.unit else verdict.reading.meta.get("unit_code")
        cycle = verdict.cycle.id if verdict.cycle else None
        at = outcome.arrival.taken_at.replace(microsecond=0)
        entries.append(auditlog.Entry("upload", actor, unit, cycle, outcome.arrival.sha256, detail, remote, source, at))
    return entries


def owe_nothing(home: Home) -> list[Path]:
    """Write the receipts owed by runs that stopped before writing them (see ``huizong.receipts``)."""
    if not home.warehouse.exists():
        return []
    from huizong.receipts import write_missing

    with stage("write"), home.connect() as wh:
        return write_missing(home, wh)


def new_run_id(kind: str = "intake") -> str:
    return f"{kind}-{dt.datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


def _reading(outcome: Outcome) -> Reading:
    assert outcome.verdict is not None
    return outcome.verdict.reading
