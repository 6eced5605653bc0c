"""The reference data a consolidation reads, as Arrow tables: the registry, the forms' cells, rule terms and code
maps, and the cycles with their expected units. Rebuilt whole from the files on every run (sql/reference/*.sql).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyarrow as pa

from huizong.catalog import FormCatalog
from huizong.config import Home
from huizong.cycles import Cycle, plan_cycle
from huizong.errors import HuizongError
from huizong.meta import cell_rows


def units_table(home: Home) -> pa.Table:
    units = list(home.registry.units.values())
    return pa.table(
        {
            "code": [u.code for u in units],
            "name": [u.name for u in units],
            "kind": [u.kind for u in units],
            "parent": pa.array([u.parent for u in units], pa.string()),
            "valid_from": pa.array([u.valid_from for u in units], pa.date32()),
            "valid_to": pa.array([u.valid_to for u in units], pa.date32()),
        }
    )


def forms_table(catalog: FormCatalog) -> pa.Table:
    forms = list(catalog.forms.values())
    return pa.table(
        {
            "form_id": [f.id for f in forms],
            "form_version": [f.version for f in forms],
            "title": [f.title for f in forms],
            "basis": [f.basis for f in forms],
            "period_kind": [f.period_kind for f in forms],
            "first_year": [f.years[0] for f in forms],
            "last_year": [f.years[1] for f in forms],
            "cells": [len(f.cells) for f in forms],
            "inputs": [len(f.inputs) for f in forms],
        }
    )


def cells_table(catalog: FormCatalog) -> pa.Table:
    columns: dict[str, list[object]] = {name: [] for name in (
        "form_id", "form_version", "ordinal", "code", "table_code", "row_key", "col_key", "section", "block", "sheet",
        "cell", "kind", "type", "unit", "scale", "row_path", "col_path", "row_label", "col_label",
    )}  # fmt: skip
    for form in catalog.forms.values():
        for ordinal, row in enumerate(cell_rows(form)):
            cell = form.cells[row.code]
            values = (form.id, form.version, ordinal, row.code, cell.table, cell.row.key, cell.col.key, row.section,
                      row.block, row.sheet, row.cell, row.kind, row.type, cell.unit, cell.scale, row.row_path,
                      row.col_path, cell.row.labels[-1] if cell.row.labels else "", cell.col.labels[-1])  # fmt: skip
            for name, value in zip(columns, values, strict=True):
                columns[name].append(value)
    return pa.table(columns)


def terms_table(catalog: FormCatalog) -> pa.Table:
    """The hard identities (error rules within one report) as linear terms."""
    rows = []
    for form in catalog.forms.values():
        for rule in form.rules:
            if rule.severity != "error" or not rule.equations or rule.equations[0].cross_period:
                continue
            for instance, eq in enumerate(rule.equations):
                for side, terms in ((1, eq.lhs), (-1, eq.rhs)):
                    for term in terms:
                        rows.append(
                            (form.id, form.version, rule.id, instance, eq.item_label, term.code, side * term.sign)
                        )
    names = ("form_id", "form_version", "rule", "instance", "item", "code", "coefficient")
    return pa.table({name: [row[i] for row in rows] for i, name in enumerate(names)})


def code_map_table(catalog: FormCatalog) -> pa.Table:
    """Declared maps between versions: codes present in both map to themselves, plus renamed prefixes."""
    rows = []
    for form in catalog.forms.values():
        for mapping in form.maps:
            target = catalog.get(mapping.to)
            for code in form.cells:
                renamed = next((new + code[len(old) :] for old, new in mapping.prefixes if code.startswith(old)), code)
                if renamed in target.cells:
                    rows.append((form.id, form.version, code, target.version, renamed))
    names = ("form_id", "from_version", "from_code", "to_version", "to_code")
    return pa.table({name: [row[i] for row in rows] for i, name in enumerate(names)})


def known_cycles(home: Home, extra: Iterable[Cycle] = ()) -> list[Cycle]:
    """The declared cycles (those that can be planned) and any others this run is about."""
    cycles = {c.id: c for c in extra}
    for spec in home.cycle_specs:
        try:
            cycle = plan_cycle(home.registry, home.catalog, home.cycle_specs, spec.owner, spec.period, spec.form)
        except HuizongError:
            continue  # a cycle for a unit or form that no longer exists: nothing to report on
        cycles.setdefault(cycle.id, cycle)
    return list(cycles.values())


def cycles_tables(cycles: Sequence[Cycle]) -> tuple[pa.Table, pa.Table]:
    heads = pa.table(
        {
            "cycle_id": [c.id for c in cycles],
            "owner": [c.owner.code for c in cycles],
            "form_id": [c.form.id for c in cycles],
            "form_version": [c.form.version for c in cycles],
            "period": [str(c.period) for c in cycles],
            "previous_period": [str(c.period.previous) for c in cycles],
            "deadline": pa.array([c.deadline for c in cycles], pa.date32()),
            "declared": [c.declared for c in cycles],
        }
    )
    pairs = [(c.id, u.code, c.deadline_for(u)) for c in cycles for u in c.expected]
    expected = pa.table(
        {
            "cycle_id": pa.array([p[0] for p in pairs], pa.string()),
            "unit_code": pa.array([p[1] for p in pairs], pa.string()),
            "deadline": pa.array([p[2] for p in pairs], pa.date32()),
        }
    )
    return heads, expected
