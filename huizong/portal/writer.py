"""The portal's one writer: a thread that owns every write to the warehouse while the portal runs.

Uploads are archived by the request that brought them (written, flushed, renamed) and noted in a journal
(``<home>/portal/pending/<id>.json``) before they are queued here; the writer records whatever has queued up in one
transaction (many at once when they bunch up at a deadline), answers each upload, writes its receipt and clears its
journal entry. Totals and the snapshot are refreshed once the queue has been quiet for ``QUIET_S`` (and at least every
``REFRESH_MAX_S`` while it is not), so no upload waits for them. Other writes (an explanation, a consolidation, the
inbox) queue as tasks and run here in turn. At start, every journal entry left by a portal that was killed is judged.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import queue
import socket
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from huizong import auditlog
from huizong.config import Home
from huizong.consolidate import publish, rebuild
from huizong.findings import Finding
from huizong.intake import (
    Arrival,
    Outcome,
    archive_files,
    collect,
    conclude,
    new_run_id,
    note_run,
    record,
    sort_out,
    take_in,
    tidy_inbox,
    write_receipts,
)
from huizong.portal import trail
from huizong.reader import Reading, read_workbook
from huizong.warehouse import Warehouse

log = logging.getLogger("huizong.portal")
BATCH = 200  # uploads recorded in one transaction at most
QUIET_S = 1.0
REFRESH_MAX_S = 120.0
INBOX_EVERY_S = 10.0
INBOX_ACTOR = "收件箱（报送平台）"  # who took in a file dropped into the inbox, in the audit log


@dataclass
class Upload:
    """One file handed in, archived already; ``refused`` is set when it is another unit's file."""

    upload_id: str
    account: str
    file_name: str
    arrival: Arrival
    remote: str
    explanation: str = ""
    reading: Reading | None = None
    refused: Finding | None = None
    answer: Future[Answer] = field(default_factory=Future)

    def journal(self) -> dict[str, Any]:
        a = self.arrival
        return {
            "upload_id": self.upload_id,
            "account": self.account,
            "file_name": self.file_name,
            "remote": self.remote,
            "explanation": self.explanation,
            "sha256": a.sha256,
            "archived": str(a.archived),
            "size": a.size,
            "received_at": a.received_at.isoformat(),
        }


@dataclass(frozen=True)
class Answer:
    upload: Upload
    outcome: Outcome | None  # None: refused
    status: str  # accepted | rejected | duplicate | refused
    receipt: Path | None


class Writer:
    def __init__(self, home: Home, watch_inbox: bool = True) -> None:
        self.home = home
        self.watch_inbox = watch_inbox
        self.inbox_every_s = INBOX_EVERY_S
        self.pending = home.portal / "pending"
        self._queue: queue.Queue[Upload | Callable[[], Any] | None] = queue.Queue()
        self._tasks: dict[int, Future[Any]] = {}
        self._thread = threading.Thread(target=self._run, name="huizong-writer", daemon=True)
        self._dirty = False
        self._last_write = self._last_refresh = self._last_inbox = 0.0
        self.refreshed = threading.Event()  # set after each refresh (tests wait for it)

    # ── the requests' side ──

    def start(self) -> None:
        self.pending.mkdir(parents=True, exist_ok=True)
        recovered = self._recover()
        for batch in range(0, len(recovered), BATCH):  # before the first request is answered
            self._guard(recovered[batch : batch + BATCH])
        self.refresh()
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def submit(self, upload: Upload) -> Future[Answer]:
        """Journal the upload (so a crash cannot lose it) and queue it."""
        _write_synced(self.pending / f"{upload.upload_id}.json", json.dumps(upload.journal(), ensure_ascii=False))
        self._queue.put(upload)
        return upload.answer

    def call(self, work: Callable[[], Any]) -> Future[Any]:
        """Run ``work`` in the writer thread, in turn with the uploads; the future holds its result."""
        done: Future[Any] = Future()

        def task() -> None:
            try:
                done.set_result(work())
            except BaseException as exc:  # handed to the caller, who shows it
                done.set_exception(exc)

        self._queue.put(task)
        return done

    # ── the writer's side ──

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=0.2)
            except queue.Empty:
                self._idle()
                continue
            if item is None:
                if self._dirty:
                    self.refresh()
                return
            if isinstance(item, Upload):
                batch = [item]
                while len(batch) < BATCH:
                    try:
                        more = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if not isinstance(more, Upload):
                        self._queue.put(more)  # runs after this batch
                        break
                    batch.append(more)
                self._guard(batch)
            else:
                item()

    def _guard(self, batch: Sequence[Upload]) -> None:
        try:
            self._take(batch)
        except Exception as exc:  # the uploads stay journalled: judged again at the next start
            log.exception("recording %d uploads failed", len(batch))
            for upload in batch:
                if not upload.answer.done():
                    upload.answer.set_exception(exc)

    def _idle(self) -> None:
        now = time.monotonic()
        if self._dirty and (now - self._last_write >= QUIET_S or now - self._last_refresh >= REFRESH_MAX_S):
            self._safely(self.refresh)
        if self.watch_inbox and now - self._last_inbox >= self.inbox_every_s:
            self._last_inbox = now
            self._safely(self._take_inbox)

    @staticmethod
    def _safely(work: Callable[[], None]) -> None:
        try:
            work()
        except Exception:
            log.exception("%s failed", getattr(work, "__name__", "work"))

    def refresh(self) -> None:
        """Rebuild the totals and views, and publish the snapshot."""
        with self.home.connect() as wh:
            rebuild(wh, self.home, new_run_id("refresh"))
        publish(self.home)
        self._dirty, self._last_refresh = False, time.monotonic()
        self.refreshed.set()

    def _take(self, uploads: Sequence[Upload]) -> None:
        run_id = new_run_id("portal")
        judged = [u for u in uploads if u.refused is None]
        outcomes, fresh = sort_out(self.home, [u.arrival for u in judged])
        readings = {u.arrival.sha256: u.reading or read_workbook(u.arrival.archived, self.home.catalog) for u in judged}
        conclude(self.home, fresh, [readings[o.arrival.sha256] for o in fresh], None)
        statuses = [_status(o) for o in outcomes]

        def also(wh: Warehouse) -> None:
            every = [*zip(judged, statuses, strict=True), *((u, "refused") for u in uploads if u.refused)]
            wh.run("portal/insert_uploads", incoming_uploads=_uploads(run_id, every))
            explained = [(u, o) for u, o in zip(judged, outcomes, strict=True) if u.explanation and _explainable(o)]
            rows = [(o.arrival.sha256, u.account, u.explanation) for u, o in explained]
            wh.run("portal/insert_explanations", incoming_explanations=explanations_table(rows))
            note_run(wh, run_id, outcomes, kind="portal")
            auditlog.write(
                wh, _audit_rows(uploads, dict(zip((u.upload_id for u in judged), outcomes, strict=True)), explained)
            )

        record(self.home, run_id, outcomes, also, logged=False)  # logged in ``also``, by the account that uploaded
        write_receipts(self.home, fresh)
        self._dirty, self._last_write = True, time.monotonic()
        for upload, outcome, status in zip(judged, outcomes, statuses, strict=True):
            self._answer(upload, outcome, status)
        for upload in uploads:
            if upload.refused is not None:
                self._answer(upload, None, "refused")

    def _answer(self, upload: Upload, outcome: Outcome | None, status: str) -> None:
        receipt = outcome.feedback if outcome is not None else None
        if not upload.answer.done():
            upload.answer.set_result(Answer(upload, outcome, status, receipt))
        (self.pending / f"{upload.upload_id}.json").unlink(missing_ok=True)

    def _take_inbox(self) -> None:
        files = collect(self.home, [])
        if not files:
            return
        run_id = new_run_id()
        arrivals = archive_files(self.home, files)
        outcomes = take_in(self.home, run_id, arrivals, who=(INBOX_ACTOR, socket.gethostname(), "portal"))
        with self.home.connect() as wh:
            note_run(wh, run_id, outcomes, [o for o in outcomes if o.verdict is None])
        tidy_inbox(self.home, arrivals)
        self._dirty, self._last_write = True, time.monotonic()
        log.info("收件箱：收取 %d 个文件", len(outcomes))

    def _recover(self) -> list[Upload]:
        """Uploads journalled by a portal that stopped before recording them: judged now, answered to nobody."""
        found = []
        for path in sorted(self.pending.glob("*.json")):
            try:
                entry = json.loads(path.read_text(encoding="utf-8"))
                archived = Path(entry["archived"])
                received = dt.datetime.fromisoformat(entry["received_at"])
            except (OSError, ValueError, KeyError):
                log.warning("未能读取上传记录 %s，已跳过", path.name)
                continue
            if not archived.exists():
                log.warning("上传记录 %s 对应的文件不在存档中，已跳过", path.name)
                continue
            source = Path(f"portal:{entry['account']}", entry["file_name"])  # as hand_in names it
            arrival = Arrival(source, entry["sha256"], archived, entry["size"], received, received)
            upload = Upload(entry["upload_id"], entry["account"], entry["file_name"], arrival, entry["remote"])
            upload.explanation = entry.get("explanation", "")
            upload.reading = read_workbook(archived, self.home.catalog, self.home.registry)
            upload.refused = refusal(upload.account, upload.reading)
            found.append(upload)
        ids = pa.table({"upload_id": pa.array([u.upload_id for u in found], pa.string())})
        with self.home.connect() as wh:
            recorded = {row[0] for row in wh.rows("portal/recorded_uploads", incoming_ids=ids)}
        for upload in found:
            if upload.upload_id in recorded:  # committed before the stop: only its journal entry was left
                (self.pending / f"{upload.upload_id}.json").unlink(missing_ok=True)
        found = [u for u in found if u.upload_id not in recorded]
        if found:
            log.warning("补录上次未完成的上传 %d 个", len(found))
        return found


def refusal(account: str, reading: Reading) -> Finding | None:
    """Only a unit reports its own numbers: a file whose ``_meta`` names another unit is refused."""
    named = reading.meta.get("unit_code")
    if not named or named == account:
        return None
    return Finding(
        "SCOPE",
        "error",
        f"此文件是单位 {named}（{reading.meta.get('unit_name', '')}）的报表，本账号（{account}）只能报送本单位的报表；"
        "请由该单位登录后自行报送",
        "_meta",
        "B6",
        named,
        account,
        "only the unit itself hands in its report",
    )


def _audit_rows(
    uploads: Sequence[Upload], outcomes: dict[str, Outcome], explained: Sequence[tuple[Upload, Outcome]]
) -> list[auditlog.Entry]:
    """The batch in the audit log: each upload with its verdict, in the order handed in, then the explanations."""
    rows = [trail.uploaded(u, outcomes.get(u.upload_id)) for u in uploads]
    for upload, outcome in explained:
        verdict = outcome.verdict
        assert verdict is not None  # explainable: judged and accepted
        unit, cycle = verdict.unit.code if verdict.unit else None, verdict.cycle.id if verdict.cycle else None
        at = upload.arrival.received_at
        rows.append(
            trail.explained(upload.account, upload.remote, unit, cycle, upload.arrival.sha256, upload.explanation, at)
        )
    return rows


def _status(outcome: Outcome) -> str:
    return outcome.verdict.status if outcome.verdict is not None else "duplicate"


def _explainable(outcome: Outcome) -> bool:
    """An explanation goes with an accepted file that has warnings; an error cannot be explained away."""
    verdict = outcome.verdict
    return verdict is not None and verdict.accepted and bool(verdict.findings)


def _uploads(run_id: str, every: Sequence[tuple[Upload, str]]) -> pa.Table:
    columns: dict[str, list[Any]] = {
        k: [] for k in ("upload_id", "sha256", "account", "unit_code", "file_name", "remote", "status", "run_id")
    }
    sizes, times = [], []
    for upload, status in every:
        reading = upload.reading
        for key, value in (
            ("upload_id", upload.upload_id),
            ("sha256", upload.arrival.sha256),
            ("account", upload.account),
            ("unit_code", reading.meta.get("unit_code") if reading else None),
            ("file_name", upload.file_name),
            ("remote", upload.remote),
            ("status", status),
            ("run_id", run_id),
        ):
            columns[key].append(value)
        sizes.append(upload.arrival.size)
        times.append(upload.arrival.received_at)
    table = {k: pa.array(v, pa.string()) for k, v in columns.items()}
    return pa.table(
        table | {"size_bytes": pa.array(sizes, pa.int64()), "received_at": pa.array(times, pa.timestamp("us"))}
    )


def explanations_table(explained: Sequence[tuple[str, str, str]]) -> pa.Table:
    """Rows of ``explanations`` from (sha256, account, text), written now."""
    now = dt.datetime.now().replace(microsecond=0)
    return pa.table(
        {
            "sha256": pa.array([sha for sha, _, _ in explained], pa.string()),
            "account": pa.array([account for _, account, _ in explained], pa.string()),
            "written_at": pa.array([now] * len(explained), pa.timestamp("us")),
            "text": pa.array([text for _, _, text in explained], pa.string()),
        }
    )


def _write_synced(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.tmp")
    with partial.open("w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)
