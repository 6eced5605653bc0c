"""bench/generate.py: a deterministic season whose files read exactly as write_template's and get the intended
verdicts."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import zipfile
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bench.generate import (
    DRAFT,
    FORM,
    LAST,
    THIS,
    FastWriter,
    Planned,
    generate,
    plan_season,
    plan_unit,
)
from huizong.assess import assess
from huizong.catalog import FormCatalog
from huizong.config import Home
from huizong.cycles import load_cycle_specs, plan_cycle
from huizong.formulas import PASS, check_rules, numeric
from huizong.layout import layout_form
from huizong.reader import read_workbook
from huizong.registry import Registry, Unit
from huizong.template import write_template

SEED = 2025


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("bench")
    return out / "county", generate("county", SEED, out, workers=1)


@pytest.fixture(scope="module")
def planned(county: tuple[Path, dict[str, Any]], catalog: FormCatalog) -> list[Planned]:
    root, _ = county
    registry = Registry.load(root / "registry" / "units.csv")
    form = catalog.get(FORM)
    return [p for job in plan_season(registry, catalog, root / "registry", SEED) for p in plan_unit(form, job, SEED)]


def _fingerprint(root: Path) -> dict[str, tuple[str, int]]:
    return {
        str(path.relative_to(root)): (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_the_same_seed_gives_the_same_files_and_times_with_any_number_of_workers(
    county: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    root, manifest = county
    again = generate("county", SEED, tmp_path, workers=2)
    assert again == manifest
    assert _fingerprint(tmp_path / "county") == _fingerprint(root)
    other = generate("county", SEED + 1, tmp_path / "other", workers=1)
    assert _fingerprint(tmp_path / "other" / "county") != _fingerprint(root)
    assert other["top"] == manifest["top"] == "980121"


def test_the_county_has_the_shape_and_mishaps_asked_for(
    county: tuple[Path, dict[str, Any]], planned: list[Planned], catalog: FormCatalog
) -> None:
    root, manifest = county
    units = manifest["units"]
    assert units["county"] == 1 and units["office"] == 1
    assert 60 <= units["department"] <= 70
    assert 36 <= units["township"] + units["street"] <= 44
    reporting = manifest["reporting_units"]
    assert reporting == units["office"] + units["department"] + units["township"] + units["street"]
    assert manifest["files"]["inbox-2024"] == reporting
    assert manifest["files"]["inbox-2025"] == reporting - manifest["missing"] + manifest["corrected"]
    assert (manifest["errors"], manifest["corrected"], manifest["late"], manifest["missing"]) == (3, 2, 5, 1)
    assert manifest["error_kinds"] == {"unbalanced": 1, "text": 1, "negative": 1}
    assert manifest["written_fast"] == sum(manifest["files"].values())
    for inbox, count in manifest["files"].items():
        assert len(list((root / inbox).glob("*.xlsx"))) == count
    assert len(list((root / "inbox-2025").glob(f"{DRAFT}*.xlsx"))) == manifest["errors"]

    registry = Registry.load(root / "registry" / "units.csv")
    specs = load_cycle_specs(root / "registry" / "cycles.toml")
    assert {(s.owner, str(s.period)) for s in specs} == {("980121", "2024"), ("980121", "2025")}
    cycle = plan_cycle(registry, catalog, specs, "980121", THIS)
    assert cycle.declared and len(cycle.expected) == reporting
    for p in planned:
        path = root / p.inbox / p.name
        assert path.stat().st_mtime == p.arrival.timestamp()
        assert p.deadline == plan_cycle(registry, catalog, specs, "980121", p.period).deadline_for(p.unit)
        assert (p.arrival.date() > p.deadline) == (p.role == "late")
        assert p.made < p.arrival
    drafts = {p.unit.code: p for p in planned if p.role == "draft"}
    for p in planned:
        if p.role == "corrected":
            assert p.arrival > drafts[p.unit.code].arrival
    deadlines = {p.unit.kind: p.deadline for p in planned if p.period == THIS}
    assert deadlines["township"] < deadlines["department"] == deadlines["office"] == dt.date(2026, 1, 31)


def _members(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def _cells(path: Path) -> dict[tuple[str, str], Any]:
    book = openpyxl.load_workbook(path, data_only=True)
    return {(sheet.title, cell.coordinate): cell.value for sheet in book.worksheets for row in sheet for cell in row}


def _chosen(planned: list[Planned]) -> dict[str, Planned]:
    this_year = [p for p in planned if p.period == THIS and p.role != "draft"]
    chosen = {
        "quiet township": next(
            p
            for p in this_year
            if p.unit.kind == "township" and not any(v for c, v in p.values.items() if c[:3] == "t3.")
        ),
        "busy department": max(
            (p for p in this_year if p.unit.kind == "department"),
            key=lambda p: int(p.values["t3.new_received.natural_person"]),
        ),
        "fees": next(p for p in planned if Decimal(p.values["t2.fees.amount"]) % 1),
    }
    drafts = [p for p in planned if p.role == "draft"]
    for p in drafts:
        chosen[f"draft {p.unit.code}"] = p
    assert len(drafts) == 3
    return chosen


def test_files_read_exactly_as_write_template_writes_them(
    county: tuple[Path, dict[str, Any]], planned: list[Planned], catalog: FormCatalog, tmp_path: Path
) -> None:
    root, _ = county
    registry = Registry.load(root / "registry" / "units.csv")
    form = catalog.get(FORM)
    layouts = layout_form(form)
    totals = [(form.table(c.table).sheet, layouts[c.table].cells[k].a1) for k, c in form.cells.items() if c.computed]
    for label, p in _chosen(planned).items():
        generated = root / p.inbox / p.name
        wanted = write_template(
            tmp_path / p.name, form, p.unit, p.period, deadline=p.deadline, values=p.values, generated_at=p.made
        )
        assert _members(generated) == _members(wanted), label  # every XML part, byte for byte
        ours, theirs = read_workbook(generated, catalog, registry), read_workbook(wanted, catalog, registry)
        assert ours.meta == theirs.meta and ours.meta["unit_code"] == p.unit.code, label
        assert ours.values == theirs.values, label
        assert ours.findings == theirs.findings, label
        if label in ("quiet township", "busy department") or p.error == "unbalanced":
            cells = _cells(generated)
            assert cells == _cells(wanted), label  # every cached value: totals, check cells, text
            assert all(isinstance(cells[key], int | float) for key in totals), label
            checks = [v for (sheet, _), v in cells.items() if sheet == "填报说明" and str(v).startswith((PASS, "不平"))]
            assert len(checks) == sum(len(check_rules(form, t.code)) for t in form.tables), label
            assert all(v == PASS for v in checks) == (p.error != "unbalanced"), label
            openpyxl.load_workbook(generated)  # with formulas, too


def test_what_the_patcher_cannot_render_exactly_is_left_to_write_template(catalog: FormCatalog, tmp_path: Path) -> None:
    form = catalog.get(FORM)
    writer = FastWriter(form)
    values: dict[str, int | Decimal | str] = {code: 0 for code in form.inputs}
    made, deadline = dt.datetime(2026, 1, 10, 9, 30), dt.date(2026, 1, 20)
    plain = Unit("980121101", "梅口镇", "township", "980121")
    odd = Unit("980121102", "A&B<镇>", "township", "980121")
    assert writer.render(plain, THIS, deadline, values, made) is not None
    assert writer.render(odd, THIS, deadline, values, made) is None
    same_name = Unit("980121103", "2026年01月20日", "township", "980121")  # would share the deadline's string
    assert writer.render(same_name, THIS, deadline, values, made) is None
    path = writer.write(tmp_path / "odd.xlsx", odd, THIS, deadline, values, made)
    wanted = write_template(
        tmp_path / "want.xlsx", form, odd, THIS, deadline=deadline, values=values, generated_at=made
    )
    assert path.read_bytes() == wanted.read_bytes()
    assert (writer.fast, writer.slow) == (0, 1)


def test_clean_files_are_accepted_and_drafts_rejected(
    county: tuple[Path, dict[str, Any]], planned: list[Planned], catalog: FormCatalog, tmp_path: Path
) -> None:
    root, _ = county
    home = Home(tmp_path / "home")
    shutil.copytree(root / "registry", home.root / "registry")
    form = catalog.get(FORM)
    previous = {(p.unit.code, str(LAST)): form.compute(numeric(p.values)) for p in planned if p.period == LAST}
    this_year = [p for p in planned if p.period == THIS]
    readings = [read_workbook(root / p.inbox / p.name, home.catalog, home.registry) for p in this_year]
    verdicts = assess(home, readings, previous, THIS)
    outcome = Counter((p.role, v.accepted) for p, v in zip(this_year, verdicts, strict=True))
    assert outcome == Counter(
        {("clean", True): len(this_year) - 3 - 2 - 5, ("late", True): 5, ("corrected", True): 2, ("draft", False): 3}
    )
    for p, verdict in zip(this_year, verdicts, strict=True):
        assert verdict.cycle is not None and verdict.cycle.owner.code == "980121", p.name
        errors = {f.rule for f in verdict.findings if f.severity == "error"}
        if p.error:
            assert ("H3" if p.error == "unbalanced" else "H5") in errors, p.name
