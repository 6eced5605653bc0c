from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

from huizong.catalog import BUNDLED_FORMS, FormCatalog
from huizong.config import Home

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "fixtures" / "demo_city"


@pytest.fixture(scope="session")
def catalog() -> FormCatalog:
    return FormCatalog([BUNDLED_FORMS])


def make_home(root: Path) -> Home:
    (root / "registry").mkdir(parents=True, exist_ok=True)
    shutil.copy(DEMO / "units.csv", root / "registry" / "units.csv")
    shutil.copy(DEMO / "cycles.toml", root / "registry" / "cycles.toml")
    return Home(root)


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    """A data directory holding the bundled fictional city; tests must not change it."""
    return make_home(tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One Prefect test server for the whole session (it takes 10-15 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def played(tmp_path_factory: pytest.TempPathFactory) -> tuple[Home, str]:
    """A data directory after `huizong demo`: a whole season of the demo county and city (takes ~20 s, once)."""
    from click.testing import CliRunner

    from huizong.cli import main

    home = make_home(tmp_path_factory.mktemp("played") / "var")
    result = CliRunner().invoke(main, ["demo", "--home", str(home.root)])
    assert result.exit_code == 0, result.output
    return home, result.output
