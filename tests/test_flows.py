"""The real Prefect flows under the session's test harness."""

from __future__ import annotations

from pathlib import Path

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
