"""The portal's part of the audit trail (审计日志): what the people signed in do, with their account, their address
and source ``portal``, appended through ``huizong.auditlog.write`` in the transaction of the action itself.

Uploads (with their verdict) and the explanations that come with them are logged by the writer in the batch's
transaction; an explanation written later with its row of ``explanations``; the office's decisions by
``huizong.review.core.decide``; a password change right after it is stored (it is kept in the accounts file, not in
the warehouse, so the two cannot share one transaction). An office reads a unit's trail on the unit's page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from huizong.auditlog import Entry, write
from huizong.findings import STATUS_LABELS
from huizong.intake import Outcome
from huizong.portal.errors import NotFound, Refused
from huizong.portal.permissions import Actor, allowed
from huizong.portal.shown import plain, who

if TYPE_CHECKING:
    from huizong.config import Home
    from huizong.portal.core import Portal
    from huizong.portal.writer import Upload, Writer

MOST = 500  # rows of a unit's trail shown at once
WRITE_TIMEOUT_S = 120


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def uploaded(upload: Upload, outcome: Outcome | None) -> Entry:
    """An upload through the portal with what became of it (``outcome`` is None for another unit's file)."""
    meta = upload.reading.meta if upload.reading else {}
    verdict = outcome.verdict if outcome else None
    unit: str | None
    cycle: str | None
    if upload.refused is not None:  # the account's action; the unit the file names is not told of it
        unit, cycle = upload.account, None
        said = f"拒收（文件是单位 {meta.get('unit_code', '')} 的报表，只能报送本单位的报表）"
    elif verdict is None:
        unit, cycle = meta.get("unit_code") or upload.account, None
        earlier = STATUS_LABELS.get(outcome.earlier_status if outcome else "", "")
        said = f"重复（与此前收到的文件相同{'：' + earlier if earlier else ''}）"
    else:
        unit = verdict.unit.code if verdict.unit else meta.get("unit_code")
        cycle = verdict.cycle.id if verdict.cycle else None
        errors, warnings = verdict.counts()
        said = f"{'通过' if verdict.accepted else '退回'}（错误 {errors}，提示 {warnings}）"
    detail = f"{upload.file_name}：{said}"
    at = upload.arrival.received_at
    return Entry("upload", upload.account, unit, cycle, upload.arrival.sha256, detail, upload.remote, "portal", at)


def explained(
    account: str,
    remote: str,
    unit: str | None,
    cycle: str | None,
    sha256: str,
    text: str,
    at: dt.datetime | None = None,
) -> Entry:
    """An explanation (上报说明) of a report's warnings."""
    shown = text if len(text) <= 200 else f"{text[:200]}…"
    return Entry("explain", account, unit, cycle, sha256, f"上报说明：{shown}", remote, "portal", at or _now())


def account_changed(actor: Actor, remote: str, what: str) -> Entry:
    """A change of the signed-in account (its password), by the account itself."""
    return Entry("account", actor.code, actor.code, None, actor.code, what, remote, "portal")


def log(home: Home, writer: Writer, rows: Sequence[Entry]) -> None:
    """Append ``rows`` to the audit log through the portal's writer, and wait until they are committed."""

    def append() -> None:
        with home.connect() as wh:
            write(wh, rows)

    writer.call(append).result(timeout=WRITE_TIMEOUT_S)


def of_unit(portal: Portal, actor: Actor, unit_code: str) -> list[dict[str, Any]]:
    """The unit's audit trail, newest first, for an office over it (a unit does not read its own: 403)."""
    if not allowed(portal.registry, actor, "audit", unit_code):
        if allowed(portal.registry, actor, "read", unit_code):
            raise Refused("审计记录只有上级政务公开办公室可以查看")
        raise NotFound(unit_code)
    rows = portal.read("portal/unit_trail", {"unit_code": unit_code, "most": MOST})
    return [plain(r | {"by": who(portal.registry, r["actor"])}) for r in rows]
