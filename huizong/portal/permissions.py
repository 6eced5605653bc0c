"""Who may do what in the portal: one function, ``allowed``, asked by every route (pages and API alike).

Two roles. A ``unit`` account reads and hands in its own unit's reports only. An ``office`` account (a county's or
city's information office) reads everything in its subtree, with each unit's audit trail, and runs and reviews the
cycles its subtree owns, and assesses (考核) the units of the cycles it runs itself; it hands in only its own unit's
report (its 汇总 to the tier above): only the unit itself reports its numbers. The analysts' snapshot holds
every unit of the data directory, so only an office at the top of the registry may download it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

from huizong.registry import Registry

Action = Literal["read", "submit", "manage", "review", "audit", "assess", "snapshot"]


@dataclass(frozen=True)
class Actor:
    code: str
    role: str  # office | unit
    name: str
    must_change: bool = False
    by_token: bool = False  # signed in by an API token, not a session (no CSRF check: no cookie is involved)


def allowed(registry: Registry, actor: Actor, action: Action, unit_code: str) -> bool:
    """May ``actor`` do ``action`` on the reports of ``unit_code``?

    - read: see the unit's page, submissions, receipts and template;
    - submit: hand in a report as that unit;
    - manage: see the completeness board of the cycles that unit runs, and consolidate them;
    - review: approve, return, reopen or excuse the reports of the cycles that unit runs (``unit_code`` is the cycle's
      owner): the office that runs the cycle or an office above it, never a unit, never another region's office;
    - audit: read the unit's audit trail (uploads and verdicts, explanations, decisions): an office over the unit;
    - assess: assess (考核) the units of the cycles that unit runs, and download the 通报 and 督办函 written for them:
      only the office that runs them (``unit_code`` is the cycles' owner), never a unit, never an office above;
    - snapshot: download the analysts' snapshot (``unit_code`` is ignored).
    """
    if action == "submit":
        return unit_code == actor.code
    if action == "snapshot":
        unit = registry.units.get(actor.code)
        return actor.role == "office" and unit is not None and unit.parent is None
    if actor.role == "unit":
        return action == "read" and unit_code == actor.code
    if actor.role != "office" or unit_code not in _subtree(registry, actor.code):
        return False
    if action in ("read", "audit"):
        return True
    if action == "assess":
        return unit_code == actor.code and registry.is_aggregating(unit_code)
    return registry.is_aggregating(unit_code)  # manage, review: the cycles that unit runs


def scope(registry: Registry, actor: Actor) -> frozenset[str]:
    """Every unit code whose reports ``actor`` may read."""
    return _subtree(registry, actor.code) if actor.role == "office" else frozenset({actor.code})


@cache
def _subtree(registry: Registry, code: str) -> frozenset[str]:
    if code not in registry.units:
        return frozenset()
    return frozenset(unit.code for unit in registry.subtree(code))
