"""The portal in a real browser (Debian's Chromium driven by Playwright) against ``huizong serve`` in its own process:
a township's first season through the portal, the office's board, and a unit kept out of another's reports.

Screenshots go to ``<tmp>/shots`` (and to ``$HUIZONG_SHOTS`` when set, to look at them).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import openpyxl
import pytest

from huizong.config import Home
from huizong.layout import layout_form
from tests.portal_kit import COUNTY, Served, copy_played, running_portal

CHROMIUM = Path("/usr/bin/chromium")
CYCLE = "990121-annual_report-2025"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]  # fmt: skip
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)")


@pytest.fixture(scope="module")
def served(played: tuple[Home, str], tmp_path_factory: pytest.TempPathFactory) -> Served:
    return copy_played(played[0], tmp_path_factory.mktemp("browser") / "var")


@pytest.fixture(scope="module")
def url(served: Served) -> Iterator[str]:
    with running_portal(served.home) as (address, _):
        yield address


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


class Shots:
    def __init__(self, folder: Path) -> None:
        self.folders = [folder, *([Path(os.environ["HUIZONG_SHOTS"])] if os.environ.get("HUIZONG_SHOTS") else [])]
        for f in self.folders:
            f.mkdir(parents=True, exist_ok=True)

    def take(self, page: object, name: str) -> None:
        path = self.folders[0] / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        for extra in self.folders[1:]:
            shutil.copy(path, extra / path.name)


def _missing_unit(home: Home) -> str:
    with duckdb.connect(str(home.published / "huizong.duckdb"), read_only=True) as con:
        row = con.execute(
            "SELECT unit_code FROM completeness WHERE cycle_id = ? AND status = 'missing' ORDER BY unit_kind = "
            "'township' DESC, unit_code LIMIT 1",
            [CYCLE],
        ).fetchone()
    assert row is not None
    return str(row[0])


def _fill(home: Home, template: Path, target: Path, carried_forward: int) -> Path:
    """What a clerk does in Excel: open the template, type the numbers, save (here with openpyxl)."""
    form = home.catalog.get("annual_report/2021")
    layouts = layout_form(form)
    book = openpyxl.load_workbook(template)
    values = {c: 0 for c in form.inputs} | {
        "t3.new_received.natural_person": 3,
        "t3.granted.natural_person": 2,
        "t3.carried_forward.natural_person": carried_forward,
    }
    for code, value in values.items():
        layout = layouts[form.cells[code].table]
        book[layout.table.sheet][layout.cells[code].a1] = value
    book.save(target)
    return target


def _sign_in(page: object, url: str, code: str, password: str, new_password: str) -> None:
    page.goto(f"{url}/login")  # type: ignore[attr-defined]
    page.fill("input[name=code]", code)  # type: ignore[attr-defined]
    page.fill("input[name=password]", password)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url("**/password")  # type: ignore[attr-defined]
    page.fill("input[name=old]", password)  # type: ignore[attr-defined]
    page.fill("input[name=new]", new_password)  # type: ignore[attr-defined]
    page.fill("input[name=again]", new_password)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]


def _board_state(page: object, url: str, unit: str) -> str:
    page.goto(f"{url}/cycles/{CYCLE}")  # type: ignore[attr-defined]
    return str(page.inner_text(f"#board tr[data-unit='{unit}'] .tag"))  # type: ignore[attr-defined]


def test_a_township_hands_in_corrects_and_the_office_sees_it(
    served: Served, url: str, browser: object, tmp_path: Path
) -> None:
    shots = Shots(tmp_path / "shots")
    unit = _missing_unit(served.home)
    office = browser.new_page(locale="zh-CN")  # type: ignore[attr-defined]
    _sign_in(office, url, COUNTY, served.issued[COUNTY].password, "县办新密码-2026")
    office.wait_for_url("**/office")
    shots.take(office, "01-office-cycles")
    assert _board_state(office, url, unit).startswith("逾期未报")
    shots.take(office, "02-office-board-before")

    clerk = browser.new_context(locale="zh-CN", accept_downloads=True).new_page()  # type: ignore[attr-defined]
    _sign_in(clerk, url, unit, served.issued[unit].password, "乡镇新密码-2026")
    clerk.wait_for_url(f"**/units/{unit}")
    shots.take(clerk, "03-unit-page")
    with clerk.expect_download() as download:
        clerk.click(f"tr[data-cycle='{CYCLE}'] >> text=下载模板")
    template = tmp_path / download.value.suggested_filename
    download.value.save_as(template)
    assert template.name.startswith(unit) and template.suffix == ".xlsx"

    clerk.set_input_files("input[name=file]", str(_fill(served.home, template, tmp_path / "第一次.xlsx", 9)))
    clerk.click("text=上传并校验")
    clerk.wait_for_url("**/submissions/**")
    assert "退回" in clerk.inner_text("h1")
    h3 = clerk.inner_text("table.findings tr.error")
    assert "H3" in h3 and "三、收到和处理政府信息公开申请情况!" in h3
    shots.take(clerk, "04-verdict-rejected")
    assert _board_state(office, url, unit).startswith("退回")

    clerk.goto(f"{url}/units/{unit}")
    clerk.set_input_files("input[name=file]", str(_fill(served.home, template, tmp_path / "改正后.xlsx", 1)))
    clerk.click("text=上传并校验")
    clerk.wait_for_url("**/submissions/**")
    assert clerk.inner_text("h1").startswith("通过")
    shots.take(clerk, "05-verdict-accepted")
    assert _board_state(office, url, unit).startswith("通过")
    shots.take(office, "06-office-board-after")
    clerk.goto(f"{url}/units/{unit}/history")
    assert clerk.locator("tbody tr:has-text('报送平台')").count() == 2  # and last year's, from the inbox
    shots.take(clerk, "07-history")


def test_a_unit_cannot_open_another_units_pages(served: Served, url: str, browser: object, tmp_path: Path) -> None:
    unit, other = "990121106", "990121107"
    with duckdb.connect(str(served.home.published / "huizong.duckdb"), read_only=True) as con:
        row = con.execute("SELECT sha256 FROM submissions WHERE unit_code = ? LIMIT 1", [other]).fetchone()
    assert row is not None
    page = browser.new_page(locale="zh-CN")  # type: ignore[attr-defined]
    _sign_in(page, url, unit, served.issued[unit].password, "另一个新密码-2026")
    page.wait_for_url(f"**/units/{unit}")
    for path in (f"/units/{other}", f"/units/{other}/history", f"/submissions/{row[0]}",
                 f"/submissions/{row[0]}/receipt", f"/api/v1/submissions/{row[0]}", f"/cycles/{CYCLE}"):  # fmt: skip
        response = page.goto(f"{url}{path}")
        assert response is not None and response.status == 404, path
        assert "未找到" in page.content()
    Shots(tmp_path / "shots").take(page, "08-refused")
