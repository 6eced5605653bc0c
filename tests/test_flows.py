"""The real Prefect flows under the session's test harness."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from flows.templates import distribute_templates
from huizong.reader import read_workbook
from tests.conftest import make_home


@pytest.mark.harness
def test_the_distribute_flow_writes_a_readable_template_per_expected_unit(
    prefect_harness: None, tmp_path: Path
) -> None:
    home = make_home(tmp_path / "var")
    paths = distribute_templates(unit="990171", period="2025", home=str(home.root))
    assert len(paths) == 8
    codes = set()
    for path in paths:
        reading = read_workbook(Path(path), home.catalog, home.registry)
        assert reading.findings == [] and reading.meta["form_id"] == "annual_report"
        codes.add(reading.meta["unit_code"])
    assert codes == {u.code for u in home.registry.below("990171")}


@pytest.mark.harness
def test_the_intake_flow_records_checks_and_reports(prefect_harness: None, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.intake import intake
    from huizong.periods import Period
    from huizong.template import write_template

    home = make_home(tmp_path / "var")
    form = home.catalog.get("annual_report/2021")
    good = {c: 0 for c in form.inputs} | {"t3.new_received.natural_person": 1, "t3.granted.natural_person": 1}
    bad = good | {"t3.carried_forward.natural_person": 1}
    write_template(home.inbox / "good.xlsx", form, home.registry.get("990121101"), Period(2025), values=good)
    write_template(home.inbox / "bad.xlsx", form, home.registry.get("990121102"), Period(2025), values=bad)
    counts = intake(home=str(home.root), period="2025")
    assert counts == {"accepted": 1, "rejected": 1, "duplicate": 0}
    assert intake(home=str(home.root)) == {"accepted": 0, "rejected": 0, "duplicate": 0}
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["intake-findings"])))
    assert found and any("H3" in str(artifact.data) for artifact in found)


@pytest.mark.harness
def test_the_season_flow_takes_in_and_consolidates(prefect_harness: None, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.consolidate import consolidate, season
    from huizong.periods import Period
    from huizong.template import write_template

    home = make_home(tmp_path / "var")
    (home.root / "huizong.toml").write_text('[portal]\nurl = "http://10.1.2.3:8000/"\n', encoding="utf-8")
    form = home.catalog.get("annual_report/2021")
    for i, unit in enumerate(home.registry.below("990171", Period(2025))[:5]):
        values = {c: 0 for c in form.inputs} | {"t3.new_received.natural_person": i, "t3.granted.natural_person": i}
        write_template(home.inbox / f"{unit.code}.xlsx", form, unit, Period(2025), values=values)
    summary = season(unit=990171, period=2025, home=str(home.root))  # numbers, as `prefect deployment run -p` sends
    assert summary == "应报 8 / 已报 5 / 通过 5 / 退回 0 / 逾期 5 / 未报 3"
    workbook = home.out / "990171-annual_report-2025" / "990171_明川高新技术产业开发区_汇总_annual_report-2025.xlsx"
    assert read_workbook(workbook, home.catalog, home.registry).numbers()["t3.new_received.total"] == 0 + 1 + 2 + 3 + 4
    assert consolidate(unit="990171", period="2025", home=str(home.root), dry_run=True) == summary
    with duckdb.connect(str(home.published / "huizong.duckdb"), read_only=True) as con:
        logged = con.execute("SELECT action, source, count(*) FROM audit_log GROUP BY ALL ORDER BY ALL").fetchall()
    assert logged == [("consolidate", "flow", 1), ("upload", "flow", 5)]  # the dry run left no trace
    with get_client(sync_client=True) as client:
        keys = ["990171-annual-report-2025-completeness", "990171-annual-report-2025-workbook"]
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=keys)))
    assert {a.key for a in found} == set(keys)
    link = next(a for a in found if a.key.endswith("workbook"))
    assert "http://10.1.2.3:8000/cycles/990171-annual_report-2025/workbook" in str(link.data)  # not a file:// path
