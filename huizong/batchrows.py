"""The rows a batch of intake writes to the warehouse, as Arrow tables: its arrivals (receipts), its submissions and
their findings; and whether a judged file came late."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    from huizong.intake import Outcome


def late(outcome: Outcome) -> bool | None:
    """Whether a judged file came after its deadline; None without a deadline, and for a report transcribed from what
    was published (``huizong import``), which has no arrival date of its own to be late by."""
    verdict = outcome.verdict
    deadline = verdict.deadline if verdict else None
    if deadline is None or verdict is None or verdict.reading.meta.get("source") == "transcribed":
        return None
    return outcome.arrival.received_at.date() > deadline


def receipts(run_id: str, outcomes: Sequence[Outcome]) -> pa.Table:
    a = [o.arrival for o in outcomes]
    return pa.table(
        {
            "run_id": [run_id] * len(a),
            "sha256": [x.sha256 for x in a],
            "file_name": [x.source.name for x in a],
            "source_path": [str(x.source) for x in a],
            "size_bytes": pa.array([x.size for x in a], pa.int64()),
            "received_at": pa.array([x.received_at for x in a], pa.timestamp("us")),
            "taken_at": pa.array([x.taken_at for x in a], pa.timestamp("us")),
            "duplicate": [o.verdict is None for o in outcomes],
        }
    )


def submissions(run_id: str, judged: Sequence[Outcome]) -> pa.Table:
    rows = []
    for o in judged:
        assert o.verdict is not None
        meta, deadline = o.verdict.reading.meta, o.verdict.deadline
        errors, warnings = o.verdict.counts()
        rows.append(
            {
                "sha256": o.arrival.sha256,
                "archive_path": str(o.arrival.archived),
                "file_name": o.arrival.source.name,
                "received_at": o.arrival.received_at,
                "unit_code": meta.get("unit_code"),
                # the registry's name where the unit is known: text a file brings is never shown for it
                "unit_name": o.verdict.unit.name if o.verdict.unit else meta.get("unit_name"),
                "form_id": meta.get("form_id"),
                "form_version": meta.get("form_version"),
                "period": meta.get("period"),
                "scope": meta.get("scope"),
                "cycle_id": o.verdict.cycle.id if o.verdict.cycle else None,
                "deadline": deadline,
                "late": late(o),
                "status": o.verdict.status,
                "errors": errors,
                "warnings": warnings,
                "run_id": run_id,
                "source": meta.get("source", "template"),
            }
        )
    schema = pa.schema([("received_at", pa.timestamp("us")), ("deadline", pa.date32()), ("late", pa.bool_())])
    return _table(rows, schema, ["sha256"])


def findings(judged: Sequence[Outcome]) -> pa.Table:
    rows = [
        {"sha256": o.arrival.sha256, **f.as_dict()} for o in judged if o.verdict is not None for f in o.verdict.findings
    ]
    return _table(rows, pa.schema([]), ["sha256", "rule"])


def _table(rows: Sequence[Mapping[str, object]], typed: pa.Schema, keys: list[str]) -> pa.Table:
    """An Arrow table from rows, with the types that inference cannot guess (and columns even when empty)."""
    if not rows:
        return pa.table({key: pa.array([], pa.string()) for key in keys})
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    arrays = {
        name: pa.array(values, typed.field(name).type) if name in typed.names else pa.array(values)
        for name, values in columns.items()
    }
    return pa.table(arrays)
