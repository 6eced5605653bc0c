"""The portal over one data directory: what every route calls, pages and API alike.

``Portal`` holds the warehouse for the life of the server (DuckDB allows one writing process: while the portal runs,
it is that process) and its ``Writer``; reads go through cursors of the same database and see what is committed.
Each operation takes the ``Actor`` and asks ``permissions.allowed``; something outside the actor's scope is reported
as not found (``NotFound``), so nothing tells what exists.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
import threading
import unicodedata
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import duckdb
import pyarrow as pa

from huizong import auditlog, receipts
from huizong import draft as drafting
from huizong.archive import TooLarge, store_stream
from huizong.config import Home
from huizong.consolidate import consolidate_cycle
from huizong.cycles import Cycle
from huizong.distribute import cycle_for, template_name
from huizong.errors import HuizongError, UsageError
from huizong.files import MAX_FILE, OLE_MAGIC
from huizong.intake import Arrival
from huizong.periods import Period
from huizong.portal import shown, trail
from huizong.portal.errors import NotFound, Refused
from huizong.portal.permissions import Action, Actor, allowed, scope
from huizong.portal.shown import plain
from huizong.portal.writer import Answer, Upload, Writer, explanations_table, refusal
from huizong.reader import read_workbook
from huizong.runlock import hold
from huizong.template import write_template
from huizong.warehouse import Warehouse, WarehouseBusy, portal_holder, statement

MAX_UPLOAD = MAX_FILE  # bytes: a filled form is ~20 KB
MAX_EXPLANATION = 2000  # characters
ANSWER_TIMEOUT_S = 120
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Handed:
    """An upload's answer: the HTTP status and the JSON body."""

    http_status: int
    body: dict[str, Any]


def clean_name(name: str) -> str:
    """The name a browser gave, fit to show: no folders, no control characters, not too long. Never a path."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = _CONTROL.sub("", unicodedata.normalize("NFC", base)).strip() or "未命名"
    return base if len(base) <= 120 else f"{base[:100]}…{base[-15:]}"


class Portal:
    def __init__(self, home: Home, watch_inbox: bool = True) -> None:
        self.home = home
        self.registry = home.registry
        self.writer = Writer(home, watch_inbox)
        self._root: duckdb.DuckDBPyConnection | None = None
        self._cursor_lock = threading.Lock()
        self.assessing = threading.Lock()  # one assessment (考核) at a time: two may write the same folder
        self.lock_file = home.root / "portal.json"
        self._lock = ExitStack()

    # ── life ──

    def open(self, url: str = "") -> None:
        holder = portal_holder(self.home.root)
        if holder:
            raise UsageError(f"报送平台已在运行（{holder}）")
        self.home.require()
        self._lock.enter_context(hold(self.home.root, f"报送平台 {url}".strip()))  # for as long as it runs
        try:
            self._root = duckdb.connect(
                str(self.home.warehouse), config={"memory_limit": self.home.settings.memory_limit}
            )
        except duckdb.IOException as exc:
            self._lock.close()
            if "lock" in str(exc).lower():
                raise WarehouseBusy(
                    f"数据库 {self.home.warehouse} 正被另一个程序使用（分析请使用 published/ 中的快照）"
                ) from exc
            raise
        info = {"pid": os.getpid(), "url": url, "started_at": dt.datetime.now().isoformat(timespec="seconds")}
        self.lock_file.write_text(json.dumps(info), encoding="utf-8")
        try:
            self.writer.start()
        except BaseException:
            self.close(stop_writer=False)
            raise

    def close(self, stop_writer: bool = True) -> None:
        if stop_writer:
            self.writer.stop()
        if self._root is not None:
            self._root.close()
            self._root = None
        self.lock_file.unlink(missing_ok=True)
        self._lock.close()

    def read(self, name: str, params: dict[str, Any] | None = None, **inputs: pa.Table) -> list[dict[str, Any]]:
        assert self._root is not None
        with self._cursor_lock:
            cursor = self._root.cursor()
        try:
            for table, data in inputs.items():
                cursor.register(table, data)
            result = cursor.execute(statement(name), params or None)
            columns = [d[0] for d in result.description or ()]
            return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
        finally:
            cursor.close()

    def _scope_table(self, actor: Actor) -> pa.Table:
        return pa.table({"unit_code": pa.array(sorted(scope(self.registry, actor)), pa.string())})

    def check(self, actor: Actor, action: Action, unit_code: str) -> None:
        if not allowed(self.registry, actor, action, unit_code):
            raise NotFound(unit_code)

    # ── handing in ──

    def hand_in(self, actor: Actor, stream: BinaryIO, name: str, explanation: str, remote: str) -> Handed:
        """Archive the file (before anything else), read it, have the writer record it, and answer."""
        head = stream.read(8)
        stream.seek(0)
        suffix = ".xlsx" if head.startswith(b"PK") else ".xls" if head == OLE_MAGIC else ".bin"
        try:
            digest, archived, size = store_stream(self.home.archive, stream, suffix, MAX_UPLOAD)
        except TooLarge:
            raise Refused(f"文件超过 {MAX_UPLOAD // 1024 // 1024} MB，不是本系统的填报模板", 413) from None
        now = dt.datetime.now()  # to the microsecond: two files of a unit in one second keep their order
        shown = clean_name(name)
        source = Path(f"portal:{actor.code}", shown)  # for receipts.source_path: where it came from; never opened
        arrival = Arrival(source, digest, archived, size, now, now)
        reading = read_workbook(archived, self.home.catalog, self.registry)
        upload = Upload(uuid.uuid4().hex[:16], actor.code, shown, arrival, remote, explanation[:MAX_EXPLANATION])
        upload.reading, upload.refused = reading, refusal(actor.code, reading)
        answer = self.writer.submit(upload).result(timeout=ANSWER_TIMEOUT_S)
        return Handed(415 if suffix == ".bin" else 200, self._answer_json(actor, answer))

    def _answer_json(self, actor: Actor, answer: Answer) -> dict[str, Any]:
        upload = answer.upload
        base = {"upload_id": upload.upload_id, "sha256": upload.arrival.sha256, "file_name": upload.file_name}
        if answer.status == "refused":
            assert upload.refused is not None and upload.reading is not None
            meta = upload.reading.meta
            return base | {
                "id": None,
                "status": "rejected",
                "unit": meta.get("unit_code"),
                "form": upload.reading.form.key if upload.reading.form else None,
                "period": meta.get("period"),
                "findings": [upload.refused.as_dict()],
                "receipt": None,
            }
        if answer.outcome is not None and answer.outcome.verdict is not None:
            sha = upload.arrival.sha256
            receipt = f"/api/v1/submissions/{sha}/receipt" if answer.receipt else None
            return answer.outcome.verdict.as_dict() | base | {"id": sha, "receipt": receipt}
        earlier = self.submission(actor, upload.arrival.sha256)
        return (
            {k: earlier[k] for k in ("unit", "form", "period", "findings", "receipt")}
            | base
            | {
                "id": earlier["id"],
                "status": "duplicate",
                "earlier_status": earlier["status"],
            }
        )

    def explain(self, actor: Actor, sha256: str, text: str, remote: str = "") -> None:
        """Keep a unit's explanation (上报说明) of its accepted submission's warnings."""
        found = self.submission(actor, sha256)
        self.check(actor, "submit", found["unit"] or "")
        if found["status"] != "accepted" or not found["findings"]:
            raise Refused("只有已通过且有“提示”的报表可以填写上报说明；“错误”须修改后重新报送", 409)
        text = text.strip()[:MAX_EXPLANATION]
        if not text:
            raise Refused("上报说明不能为空", 422)
        rows = explanations_table([(sha256, actor.code, text)])
        logged = trail.explained(actor.code, remote, found["unit"], found["cycle"], sha256, text)

        def write() -> None:
            with self.home.connect() as wh:  # the explanation and its audit entry in one transaction
                wh.run("portal/insert_explanations", incoming_explanations=rows)
                auditlog.write(wh, [logged])

        self.writer.call(write).result(timeout=ANSWER_TIMEOUT_S)

    # ── reading ──

    def submission(self, actor: Actor, sha256: str) -> dict[str, Any]:
        rows = self.read("portal/submission", {"sha256": sha256})
        if not rows:
            raise NotFound(sha256)
        row = rows[0]
        mine = row["unit_code"] is None and actor.code in (row["uploaded_by"] or [])
        if not mine and not allowed(self.registry, actor, "read", row["unit_code"] or ""):
            raise NotFound(sha256)
        form = self.home.catalog.forms.get(f"{row['form_id']}/{row['form_version']}") if row["form_id"] else None
        findings = shown.in_book_order(self.read("portal/submission_findings", {"sha256": sha256}), form)
        decisions = [shown.plain(d | {"by": shown.who(self.registry, d["actor"])}) for d in self.decisions(sha256)]
        states = self.read("portal/review_of", {"sha256": sha256})
        owed = receipts.path_of(self.home, row).exists() or findings or receipts.returned(decisions)
        return {
            "id": sha256,
            "sha256": sha256,
            "status": row["status"],
            "unit": row["unit_code"],
            "unit_name": row["unit_name"],
            "form": f"{row['form_id']}/{row['form_version']}" if row["form_id"] else None,
            "period": row["period"],
            "cycle": row["cycle_id"],
            "file_name": row["file_name"],
            "received_at": row["received_at"].isoformat(sep=" ", timespec="seconds"),
            "deadline": row["deadline"].isoformat() if row["deadline"] else None,
            "late": row["late"],
            "errors": row["errors"],
            "warnings": row["warnings"],
            "superseded_by": row["superseded_by"],
            "explanation": row["explanation"],
            "explained_at": row["explained_at"].isoformat(sep=" ", timespec="seconds") if row["explained_at"] else None,
            "findings": findings,
            "review_state": states[0]["state"] if states else None,  # when it is its unit's current report
            "decisions": decisions,  # the office's decisions taken on this report, in order
            "receipt": f"/api/v1/submissions/{sha256}/receipt" if owed else None,
        }

    def decisions(self, sha256: str) -> list[dict[str, Any]]:
        return self.read("portal/decisions_on", {"sha256": sha256})

    def receipt(self, actor: Actor, sha256: str) -> Path:
        """The receipt (回执) of a submission with findings; written again from the archived file and the recorded
        findings when it is missing (a portal killed between recording a batch and writing its receipts)."""
        found = self.submission(actor, sha256)
        if found["receipt"] is None:
            raise NotFound(sha256)
        row = self.read("portal/submission", {"sha256": sha256})[0]
        path = receipts.path_of(self.home, row)
        if not path.exists():
            receipts.write_again(self.home, row, found["findings"], receipts.returned(found["decisions"]))
        return path

    def submissions(self, actor: Actor, cycle_id: str | None) -> list[dict[str, Any]]:
        rows = self.read("portal/submissions", {"cycle_id": cycle_id}, incoming_scope=self._scope_table(actor))
        return [plain(r) for r in rows]

    def history(self, actor: Actor, unit_code: str) -> list[dict[str, Any]]:
        self.check(actor, "read", unit_code)
        return [plain(r) for r in self.read("portal/history", {"unit_code": unit_code})]

    def unit_cycles(self, actor: Actor, unit_code: str) -> list[dict[str, Any]]:
        self.check(actor, "read", unit_code)
        rows = self.read("portal/unit_cycles", {"unit_code": unit_code})
        return [plain(r | {"last_by": shown.who(self.registry, r["last_actor"])}) for r in rows]

    def cycles(self, actor: Actor) -> list[dict[str, Any]]:
        """The cycles the actor runs (an office's subtree) and those that expect the actor; of the latter, how the
        other units stand is not the actor's to see, so their counts are left out."""
        rows = self.read("portal/cycles", {"unit_code": actor.code}, incoming_scope=self._managed_table(actor))
        counts = ("expected", "received", "accepted", "rejected", "late", "missing")
        return [plain(r if r["managed"] else r | dict.fromkeys(counts)) for r in rows]

    def _managed_table(self, actor: Actor) -> pa.Table:
        codes = [c for c in scope(self.registry, actor) if allowed(self.registry, actor, "manage", c)]
        return pa.table({"unit_code": pa.array(sorted(codes), pa.string())})

    def cycle_status(self, actor: Actor, cycle_id: str, kind: str | None = None) -> dict[str, Any]:
        heads = self.read("portal/cycle_head", {"cycle_id": cycle_id})
        if not heads:
            raise NotFound(cycle_id)
        self.check(actor, "manage", heads[0]["owner"])
        units = self.read("portal/cycle_board", {"cycle_id": cycle_id})
        kinds = sorted({u["unit_kind"] for u in units})
        if kind:
            units = [u for u in units if u["unit_kind"] == kind]
        return {
            "cycle": plain(heads[0]),
            "kinds": kinds,
            "units": [plain(u) for u in units],
            "chase": [plain(u) for u in units if u["status"] != "accepted"],
        }

    def template(self, actor: Actor, unit_code: str, period: str, form: str | None = None) -> tuple[bytes, str]:
        self.check(actor, "read", unit_code)
        unit = self.registry.units[unit_code]
        when = Period.parse(period)
        if not unit.active_in(when) or unit.parent is None:
            raise NotFound(unit_code)
        try:
            cycle = cycle_for(self.home, unit.parent, period, form)
        except HuizongError as exc:
            raise Refused(str(exc), 404) from exc
        scope_kind = "aggregate" if self.registry.is_aggregating(unit.code, when) else "own"
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "template.xlsx"
            write_template(
                path,
                cycle.form,
                unit,
                when,
                deadline=cycle.deadline_for(unit),
                password=self.home.settings.template_password,
                scope=scope_kind,
            )
            return path.read_bytes(), template_name(unit, cycle.form.id, when)

    # ── the office's actions ──

    def cycle(self, actor: Actor, cycle_id: str) -> Cycle:
        heads = self.read("portal/cycle_head", {"cycle_id": cycle_id})
        if not heads:
            raise NotFound(cycle_id)
        self.check(actor, "manage", heads[0]["owner"])
        head = heads[0]
        return cycle_for(self.home, head["owner"], head["period"], f"{head['form_id']}/{head['form_version']}")

    def consolidate(self, actor: Actor, cycle_id: str) -> Path:
        """The same consolidation as ``huizong consolidate``, run by the writer; the workbook's path."""
        cycle = self.cycle(actor, cycle_id)

        def run() -> Path:
            result = consolidate_cycle(self.home, cycle, who=(actor.code, "", "portal"))
            assert result.workbook is not None
            return result.workbook

        try:
            return self.writer.call(run).result(timeout=600)  # type: ignore[no-any-return]
        except HuizongError as exc:
            raise Refused(str(exc), 409) from exc

    def workbook(self, actor: Actor, cycle_id: str) -> Path:
        cycle = self.cycle(actor, cycle_id)
        path = (
            self.home.out / cycle.id / f"{cycle.owner.code}_{cycle.owner.name}_汇总_{cycle.form.id}-{cycle.period}.xlsx"
        )
        if not path.exists():
            raise NotFound(cycle_id)
        return path

    def draft(self, actor: Actor, cycle_id: str) -> Path:
        """The annual report's draft of the region (the one 立即汇总 writes)."""
        cycle = self.cycle(actor, cycle_id)
        path = self.home.out / cycle.id / drafting.file_name(cycle, "region")
        if not path.exists():
            raise NotFound(cycle_id)
        return path

    def snapshot(self, actor: Actor) -> Path:
        if not allowed(self.registry, actor, "snapshot", ""):
            raise Refused("分析快照包含全部单位的数据，只有最上级的政务公开办公室可以下载")
        path = self.home.published / "huizong.duckdb"
        if not path.exists():
            raise NotFound("snapshot")
        return path


__all__ = ["Handed", "NotFound", "Portal", "Refused", "Warehouse", "clean_name"]
