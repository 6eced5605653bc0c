"""Receipts owed are receipts written: every submission with findings is owed its receipt (回执), whatever stopped
the run that recorded it before the receipt was written.

What is owed follows from what a batch records in its one transaction (the submission and its findings), so nothing
more needs recording: ``write_missing`` finds the submissions with findings whose receipt file is not there and
writes each again from the archived file and the recorded findings. Intake does so at the start of every run, and
``huizong receipts --missing`` on demand; the portal when a receipt is asked for, and again when the office returns
a report after review (退回), with the office's reason, who and when on its 回执 sheet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from huizong.assess import place
from huizong.config import Home
from huizong.feedback import Receipt, Returned, receipt_file, write_feedback
from huizong.findings import Finding
from huizong.reader import read_workbook
from huizong.warehouse import Warehouse


def path_of(home: Home, row: Mapping[str, Any]) -> Path:
    return receipt_file(home.out, row["cycle_id"], row["unit_code"], row["unit_name"], row["file_name"], row["sha256"])


def write_again(
    home: Home, row: Mapping[str, Any], findings: Sequence[Mapping[str, Any]], returned: Returned | None = None
) -> Path:
    """The receipt of the submission ``row`` (a row of ``submissions``) with its recorded ``findings`` (and the
    office's return of it, when it was returned)."""
    reading = read_workbook(Path(row["archive_path"]), home.catalog, home.registry)
    verdict = place(home, reading)
    keys = ("rule", "severity", "message", "sheet", "cell", "seen", "expected", "message_en")
    verdict.findings = [Finding(**{k: f[k] for k in keys}) for f in findings]
    receipt = Receipt(row["file_name"], row["sha256"], row["received_at"], row["late"], returned)
    return write_feedback(path_of(home, row), verdict, receipt)


def returned(decisions: Sequence[Mapping[str, Any]]) -> Returned | None:
    """The office's return of a report, when the latest decision taken on it (``decisions``, in order, each with
    ``action``, ``reason``, ``by`` and ``decided_at``) is one."""
    if not decisions or decisions[-1]["action"] != "return":
        return None
    last = decisions[-1]
    at = last["decided_at"]
    return Returned(last["reason"], last["by"], at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(at))


def write_missing(home: Home, wh: Warehouse) -> list[Path]:
    """Write every receipt that is owed and missing; their paths."""
    owed = [row for row in wh.records("intake/owed_receipts") if not path_of(home, row).exists()]
    if not owed:
        return []
    wanted = pa.table({"sha256": pa.array([row["sha256"] for row in owed], pa.string())})
    findings: dict[str, list[dict[str, Any]]] = {}
    columns = ("sha256", "rule", "severity", "message", "sheet", "cell", "seen", "expected", "message_en")
    for values in wh.rows("intake/findings_of", incoming=wanted):
        found = dict(zip(columns, values, strict=True))
        findings.setdefault(found["sha256"], []).append(found)
    return [write_again(home, row, findings.get(row["sha256"], []), _returned(home, wh, row["sha256"])) for row in owed]


def _returned(home: Home, wh: Warehouse, sha256: str) -> Returned | None:
    decisions = wh.records("portal/decisions_on", {"sha256": sha256})
    for decision in decisions:
        unit = home.registry.units.get(decision["actor"])
        decision["by"] = f"{unit.name}（{unit.code}）" if unit else decision["actor"]
    return returned(decisions)
