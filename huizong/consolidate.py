"""Consolidation: reference data in, totals rolled up, audits run, views made, the snapshot published.

Every step is a SQL file (``sql/reference``, ``sql/rollup``, ``sql/report``, ``sql/views``, ``sql/audits``); this
module runs them in order, in one transaction, and then publishes the snapshot. Running it twice on the same data
gives the same tables.

The totals are rolled up by period: a run brings up to date the (form, period) pairs its files changed (noted in
``rollup_pending`` in the same transaction as the files, so a run that stopped midway leaves them for the next) and
those of the cycles it was given, replacing those periods' rows of ``rollup_sources``, ``rollup_values`` and
``reconciliation`` and auditing them; the other periods are not read. When the registry's tree or the forms change
(``rollup_state``), or on ``huizong rebuild``, every period is rolled up again: the same tables as the runs before
would have left.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from huizong import auditlog
from huizong import draft as drafting
from huizong.auditlog import Entry
from huizong.config import Home
from huizong.cycles import Cycle
from huizong.publishing import publish as publish
from huizong.reference import (
    cells_table,
    code_map_table,
    cycles_tables,
    forms_table,
    known_cycles,
    terms_table,
    units_table,
)
from huizong.stages import stage
from huizong.warehouse import SQL, Warehouse, statement
from huizong.workbook import Consolidated, Number, gather, write_consolidated

SCOPED = (
    "rollup_sources",
    "rollup_values",
    "reconciliation",
)  # tables whose rows of the periods rolled up are replaced
REPORT = ("completeness", "completeness_summary", "review_state", "chase_list", "open_findings", "year_over_year")
AUDITS = ("parent_equals_children", "unit_counted_once", "values_without_accepted_submission", "identities_on_totals")
FULL_AUDITS = ("values_without_submission",)  # read every value: run when everything is rolled up


@dataclass
class Consolidation:
    run_id: str
    audits: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    data: Consolidated | None = None
    workbook: Path | None = None
    draft: Path | None = None  # the annual report's draft (.docx)
    draft_note: str = ""  # when no draft was written: why, in one line
    own_previous: dict[str, Number] = field(default_factory=dict)  # the office's own report of last period

    @property
    def audits_pass(self) -> bool:
        return not any(self.audits.values())


def refresh(wh: Warehouse, home: Home, cycles: Sequence[Cycle] = ()) -> None:
    """Replace the reference tables from the registry, the forms and the cycles."""
    heads, expected = cycles_tables(known_cycles(home, cycles))
    wh.run("reference/units", incoming_units=units_table(home))
    wh.run("reference/forms", incoming_forms=forms_table(home.catalog))
    wh.run("reference/form_cells", incoming_cells=cells_table(home.catalog))
    wh.run("reference/rule_terms", incoming_terms=terms_table(home.catalog))
    wh.run("reference/code_map", incoming_map=code_map_table(home.catalog))
    wh.run("reference/cycles", incoming_cycles=heads)
    wh.run("reference/expected_units", incoming_expected=expected)


def roll_up(wh: Warehouse, full: bool = True, periods: Sequence[tuple[str, str]] = ()) -> None:
    """Bring the totals up to date (``roll_up_totals``) and make the report views."""
    roll_up_totals(wh, full, periods)
    for name in REPORT:
        wh.run(f"report/{name}")
    for path in sorted((SQL / "views").glob("*.sql")):
        wh.run(f"views/{path.stem}")


def roll_up_totals(wh: Warehouse, full: bool = True, periods: Sequence[tuple[str, str]] = ()) -> None:
    """Bring the totals up to date: of every period (``full``), or of the pending ones and ``periods`` (form id,
    period)."""
    wh.run("rollup/unit_closure")
    wh.run("rollup/current_submissions")
    if full:
        wh.run("rollup/scope_all")
    else:
        given = pa.table({"form_id": [f for f, _ in periods], "period": [p for _, p in periods]},
                         schema=pa.schema([("form_id", pa.string()), ("period", pa.string())]))  # fmt: skip
        wh.run("rollup/scope_pending", incoming_scope=given)
    wh.run("rollup/scoped_submissions")
    for table in SCOPED:
        _replace(wh, table, full)
    for name in ("report_values", "clear_reconciliation_findings", "insert_reconciliation_findings", "clear_pending"):
        wh.run(f"rollup/{name}")


def _replace(wh: Warehouse, table: str, full: bool) -> None:
    """Replace the rows of the periods in scope (all rows, when ``full``) with what ``sql/rollup/<table>.sql`` gives."""
    query = statement(f"rollup/{table}")
    wh.con.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM (\n{query}\n) WHERE false")
    if full:
        wh.con.execute(f"DELETE FROM {table}")
    else:
        wh.con.execute(
            f"DELETE FROM {table} USING scope_periods AS s WHERE {table}.form_id = s.form_id "
            f"AND {table}.period = s.period"
        )
    wh.con.execute(f"INSERT INTO {table} BY NAME (\n{query}\n)")


def audit(wh: Warehouse, run_id: str, full: bool = True) -> dict[str, list[dict[str, Any]]]:
    """Run every audit on the periods rolled up; each returns its offending rows (none: it passed). Findings are kept
    in audit_results."""
    found = {name: wh.records(f"audits/{name}") for name in (*AUDITS, *(FULL_AUDITS if full else ()))}
    rows = [
        (run_id, name, json.dumps(row, ensure_ascii=False, default=str)) for name, rs in found.items() for row in rs
    ]
    table = pa.table(
        {k: pa.array([r[i] for r in rows], pa.string()) for i, k in enumerate(("run_id", "audit", "offending"))}
    )
    wh.run("rollup/insert_audit_results", incoming_audits=table)
    return found


def rebuild(
    wh: Warehouse, home: Home, run_id: str, cycles: Sequence[Cycle] = (), drain: bool = True, full: bool = False
) -> dict[str, list[dict[str, Any]]]:
    """Everything derived, brought up to date inside the caller's transaction: reference data, the totals of the
    pending periods and of ``cycles`` (of every period when ``full``, or when the registry's tree or the forms
    changed), views, audits (and, with ``drain``, the audit entries journalled by processes that could not write
    then)."""
    if drain:
        auditlog.drain(home.root, wh)
    refresh(wh, home, cycles)
    digests = _digests(home)
    known = dict(wh.rows("rollup/state"))
    full = full or known != digests
    roll_up(wh, full, [(c.form.id, str(c.period)) for c in cycles])
    if known != digests:
        wh.run("rollup/set_state", incoming_state=pa.table({"key": list(digests), "digest": list(digests.values())}))
    return audit(wh, run_id, full)


def _digests(home: Home) -> dict[str, str]:
    """What the totals depend on beside the submissions: the registry's tree and the forms' cells."""
    tree = sorted((u.code, u.parent or "") for u in home.registry.units.values())
    forms = sorted((f.key, *sorted(f.cells)) for f in home.catalog.forms.values())
    return {
        "registry": hashlib.sha256(json.dumps(tree).encode()).hexdigest(),
        "forms": hashlib.sha256(json.dumps(forms).encode()).hexdigest(),
    }


def roll_up_cycle(
    home: Home, cycle: Cycle, dry_run: bool = False, who: tuple[str, str, str] | None = None
) -> Consolidation:
    """Rebuild the totals, run the audits and read what the cycle's workbook shows, in one transaction (rolled
    back in a dry run)."""
    result = Consolidation(f"consolidate-{dt.datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}")
    with (
        stage("roll up"),
        home.connect(commit=not dry_run) as wh,
    ):
        result.audits = rebuild(wh, home, result.run_id, [cycle], drain=not dry_run)
        result.data = gather(wh, cycle, home.registry.units, result.audits_pass)
        if not dry_run:  # a dry run leaves no trace, in the log or as an event
            actor, remote, source = who or auditlog.command_user()
            said = f"汇总：{result.data.summary()}；{result.data.review_line().split('：')[0]}"
            done = Entry("consolidate", actor, cycle.owner.code, cycle.id, result.run_id, said, remote, source)
            auditlog.write(wh, [done])
        result.own_previous = drafting.own_previous(wh, cycle) if result.data.own else {}
    return result


def write_workbook(home: Home, result: Consolidation) -> Path:
    """The consolidated workbook under ``<home>/out/<cycle>/``, dated by its data: the same data, the same file."""
    assert result.data is not None
    cycle = result.data.cycle
    name = f"{cycle.owner.code}_{cycle.owner.name}_汇总_{cycle.form.id}-{cycle.period}.xlsx"
    made = result.data.as_of or dt.datetime.now().replace(microsecond=0)
    with stage("write"):
        path = home.out / cycle.id / name
        result.workbook = write_consolidated(path, result.data, home.settings.template_password, made)
    return result.workbook


def write_draft(home: Home, result: Consolidation, scope: drafting.Scope = "region") -> Path | None:
    """The annual report's draft next to the workbook, of the region's totals or of the office's own report; None
    (and ``result.draft_note`` says why) when there is nothing to draft, e.g. no own report."""
    assert result.data is not None
    result.draft_note = drafting.unavailable(result.data, scope)
    if result.draft_note:
        return None
    cycle = result.data.cycle
    made = result.data.as_of or dt.datetime.now().replace(microsecond=0)
    with stage("write"):
        path = home.out / cycle.id / drafting.file_name(cycle, scope)
        result.draft = drafting.write_draft(path, result.data, scope, made, result.own_previous)
    return result.draft


def consolidate_cycle(
    home: Home,
    cycle: Cycle,
    dry_run: bool = False,
    draft: drafting.Scope = "region",
    who: tuple[str, str, str] | None = None,
) -> Consolidation:
    """Roll up, audit, publish, and write the cycle's consolidated workbook and the annual report's draft (of the
    region, or of the office's own report: ``draft``) (the CLI's way; the flow runs the same steps as tasks). A dry
    run computes everything and writes nothing. ``who`` (actor, remote, source) is logged as having consolidated
    (default: the user of the command)."""
    result = roll_up_cycle(home, cycle, dry_run, who)
    if not dry_run:
        publish(home)
        write_workbook(home, result)
        write_draft(home, result, draft)
    return result
