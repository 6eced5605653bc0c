"""Prefect events for what the audit log records, so that an office can attach automations without code.

An event is named ``huizong.<action>`` (``huizong.upload``, ``huizong.approve``, ``huizong.return``,
``huizong.cycle_final``…). Its resource is the unit (``huizong.unit.<code>``), or the cycle for ``cycle_final``, and
the cycle is a related resource carrying its owner, form and period, which a trigger passes on as parameters (see
``flows/serve.py``: the consolidation that runs when a cycle becomes final).

Events are sent only where a Prefect server is configured (``PREFECT_API_URL``): a command on a machine without one
stays as fast as before. A command flushes what it sent before it exits (``flush``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from huizong.cycles import split_id

if TYPE_CHECKING:
    from huizong.auditlog import Entry

_sent = False


def enabled() -> bool:
    """A server is configured: in the environment, or in the settings of a process that runs Prefect already (a
    flow). A command that never imported Prefect does not import it (some 200 MB) just to find out."""
    if os.environ.get("PREFECT_API_URL"):
        return True
    if "prefect.settings" not in sys.modules:
        return False
    from prefect.settings import PREFECT_API_URL

    return bool(PREFECT_API_URL.value())


def cycle_resource(cycle_id: str) -> dict[str, str]:
    """The cycle as a Prefect resource: ``990121-annual_report-2025`` with its owner, form and period."""
    owner, form, period = split_id(cycle_id)
    return {
        "prefect.resource.id": f"huizong.cycle.{cycle_id}",
        "prefect.resource.name": cycle_id,
        "huizong.owner": owner,
        "huizong.form": form,
        "huizong.period": period,
    }


def as_event(entry: Entry) -> dict[str, Any]:
    """The arguments of ``prefect.events.emit_event`` for one audit entry."""
    cycle = cycle_resource(entry.cycle_id) if entry.cycle_id else None
    if entry.action == "cycle_final" and cycle is not None:
        resource, related = cycle, []
    else:
        resource = {"prefect.resource.id": f"huizong.unit.{entry.unit_code or 'unknown'}"}
        related = [{**cycle, "prefect.resource.role": "cycle"}] if cycle else []
    payload = {"actor": entry.actor, "detail": entry.detail, "subject": entry.subject, "source": entry.source}
    return {
        "event": f"huizong.{entry.action}",
        "resource": resource,
        "related": related,
        "payload": payload,
        "occurred": entry.happened_at.astimezone(),
    }


def emit(entries: Sequence[Entry]) -> None:
    """Send each entry as a Prefect event (nothing without a configured server; an unreachable one is logged by
    Prefect's events worker and never stops the action)."""
    global _sent
    if not entries or not enabled():
        return
    from prefect.events import emit_event

    for entry in entries:
        emit_event(**as_event(entry))
    _sent = True


def flush(timeout: float = 10.0) -> None:
    """Wait until the events sent by this process have left it (a short command exits right after)."""
    if not _sent:
        return
    from prefect.events.worker import EventsWorker

    EventsWorker.drain_all(timeout=timeout)
