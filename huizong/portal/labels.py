"""The words the pages show for states, kinds and severities (the data keeps plain English keys)."""

from __future__ import annotations

from typing import Any

from huizong.findings import SEVERITY_LABELS, STATUS_LABELS
from huizong.registry import KINDS
from huizong.review.core import ACTIONS, STATES

__all__ = ["ACTIONS", "KINDS", "SEVERITY_LABELS", "STATES", "STATUS_LABELS", "arrival", "review", "state", "trail"]


def state(row: dict[str, Any]) -> tuple[str, str]:
    """Where a unit stands in a cycle, as the office says it, and a CSS class: 未报, 逾期 (nothing accepted and the
    deadline passed), 退回 (files came, none passed), 通过 (passed; 逾期报送 when the first file came late)."""
    status = row.get("status")
    if status == "accepted":
        return ("通过（逾期报送）", "ok late") if row.get("late") else ("通过", "ok")
    if status == "rejected":
        return ("退回（已逾期）", "bad late") if row.get("overdue") else ("退回", "bad")
    return ("逾期未报", "missing late") if row.get("overdue") else ("未报", "missing")


ARRIVALS = {
    "accepted": ("通过", "ok"),
    "rejected": ("退回", "bad"),
    "superseded": ("已被替代", "old"),
    "duplicate": ("重复", "old"),
    "refused": ("拒收：非本单位报表", "bad"),
}


def arrival(status: str) -> tuple[str, str]:
    return ARRIVALS.get(status, (STATUS_LABELS.get(status, status), "old"))


REVIEW_CLASSES = {
    "missing": "missing",
    "failed": "bad",
    "submitted": "warn",
    "returned": "bad",
    "approved": "ok",
    "excused": "old",
}


def review(state: str | None) -> tuple[str, str]:
    """Where a report stands in the office's review (待审核, 退回, 审定, 免报, …) and a CSS class."""
    return (STATES.get(state or "", "—"), REVIEW_CLASSES.get(state or "", "old"))


TRAIL = {
    "upload": "报送",
    "explain": "上报说明",
    "approve": "审定",
    "return": "退回",
    "reopen": "重新打开",
    "excuse": "免报",
    "cycle_final": "定稿",
    "consolidate": "汇总",
    "account": "账号",
}
SOURCES = {"portal": "报送平台", "cli": "命令行", "flow": "流程"}


def trail(row: dict[str, Any]) -> tuple[str, str]:
    """An audit entry's action and where it was taken, in words."""
    return TRAIL.get(row["action"], row["action"]), SOURCES.get(row["source"], row["source"])
