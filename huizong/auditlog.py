"""The audit trail (审计日志): every upload, verdict, explanation, decision, account change and consolidation, with
who, when, what and from where, in one append-only table (``audit_log``), each also sent as a Prefect event.

Rows are written in the transaction of the action they record. A process that cannot write the warehouse at that
moment (``huizong accounts`` while the portal holds it) journals its entries under ``<home>/audit/`` instead; the
next process that writes the warehouse drains the journal (an entry's id makes a second drain a no-op).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
import sys
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyarrow as pa

from huizong import events
from huizong.warehouse import Warehouse

SOURCES = ("portal", "cli", "flow")


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


@dataclass(frozen=True)
class Entry:
    action: str  # upload | explain | approve | return | reopen | excuse | cycle_final | consolidate | account
    actor: str
    unit_code: str | None = None
    cycle_id: str | None = None
    subject: str | None = None  # the file's sha256, the account changed, the run
    detail: str = ""
    remote: str = ""
    source: str = "cli"
    happened_at: dt.datetime = field(default_factory=_now)
    entry_id: str = field(default_factory=lambda: uuid.uuid4().hex)


def command_user() -> tuple[str, str, str]:
    """(actor, remote, source) of the process: the operating-system user of a command, or of a flow run."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    source = "flow" if _in_flow_run() else "cli"
    return f"{user}（{'流程' if source == 'flow' else '命令行'}）", socket.gethostname(), source


def _in_flow_run() -> bool:
    """Whether a Prefect flow run is this process's caller: never when Prefect was not even imported (a command must
    not pay its 1.5 s import to find out)."""
    if "prefect.context" not in sys.modules:
        return False
    from prefect.context import FlowRunContext

    return FlowRunContext.get() is not None


def write(wh: Warehouse, entries: Sequence[Entry]) -> None:
    """Append ``entries`` in order (those already logged are skipped) and send them as events."""
    if not entries:
        return
    columns = {
        "n": pa.array(range(len(entries)), pa.int64()),
        "entry_id": pa.array([e.entry_id for e in entries], pa.string()),
        "happened_at": pa.array([e.happened_at for e in entries], pa.timestamp("us")),
        **{
            name: pa.array([getattr(e, name) for e in entries], pa.string())
            for name in ("actor", "action", "unit_code", "cycle_id", "subject", "detail", "remote", "source")
        },
    }
    wh.run("audit/insert_audit", incoming_audit=pa.table(columns))
    events.emit(entries)


def journal(root: Path, entries: Sequence[Entry]) -> Path:
    """Keep ``entries`` for the next writer of the warehouse (written whole, then renamed into place)."""
    folder = root / "audit"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{_now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}.json"
    partial = target.with_suffix(".partial")
    lines = [{**asdict(e), "happened_at": e.happened_at.isoformat()} for e in entries]
    with partial.open("w", encoding="utf-8") as out:
        json.dump(lines, out, ensure_ascii=False)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, target)
    return target


def drain(root: Path, wh: Warehouse) -> None:
    """Write the journalled entries into the log, in the caller's transaction. A journal file whose entries are all
    in the log already (committed by an earlier drain) is removed; so none is removed before its entries are safe."""
    files = sorted((root / "audit").glob("*.json")) if (root / "audit").is_dir() else []
    if not files:
        return
    logged = {entry_id for (entry_id,) in wh.rows("audit/logged_entries")}
    entries: list[Entry] = []
    for path in files:
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
            kept = [Entry(**{**r, "happened_at": dt.datetime.fromisoformat(r["happened_at"])}) for r in rows]
        except (OSError, ValueError, TypeError, KeyError):
            continue  # a damaged journal file stays for a person to read; it is never lost
        if all(e.entry_id in logged for e in kept):
            path.unlink(missing_ok=True)
        else:
            entries += [e for e in kept if e.entry_id not in logged]
    write(wh, entries)
