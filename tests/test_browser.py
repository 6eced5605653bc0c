"""The portal in a real browser (Debian's Chromium driven by Playwright) against ``huizong serve`` in its own process:
a township's first season through the portal, the office's board, the office's review (a report returned with a
reason, corrected and approved), and a unit kept out of another's reports.

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
from python_calamine import CalamineWorkbook

from huizong.accounts import Issued
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

    def take(self, page: object, name: str, full_page: bool = True) -> None:
        """The whole page, or what the window shows (where a bar sticks to the window's bottom)."""
        path = self.folders[0] / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)  # type: ignore[attr-defined]
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


def _fill(home: Home, template: Path, target: Path, carried_forward: int, received: int = 3) -> Path:
    """What a clerk does in Excel: open the template, type the numbers, save (here with openpyxl)."""
    form = home.catalog.get("annual_report/2021")
    layouts = layout_form(form)
    book = openpyxl.load_workbook(template)
    values = {c: 0 for c in form.inputs} | {
        "t3.new_received.natural_person": received,
        "t3.granted.natural_person": received - 1,
        "t3.carried_forward.natural_person": carried_forward,
    }
    for code, value in values.items():
        layout = layouts[form.cells[code].table]
        book[layout.table.sheet][layout.cells[code].a1] = value
    book.save(target)
    return target


def _sign_in(page: object, url: str, served: Served, code: str) -> None:
    """Sign in as ``code``; the first time, change the one-time password as the portal asks (and remember it)."""
    issued = served.issued[code]
    page.goto(f"{url}/login")  # type: ignore[attr-defined]
    page.fill("input[name=code]", code)  # type: ignore[attr-defined]
    page.fill("input[name=password]", issued.password)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(lambda to: "/login" not in to)  # type: ignore[attr-defined]
    if not page.url.endswith("/password"):  # type: ignore[attr-defined]
        return
    new_password = f"新密码-{code[-3:]}-2026"
    page.fill("input[name=old]", issued.password)  # type: ignore[attr-defined]
    page.fill("input[name=new]", new_password)  # type: ignore[attr-defined]
    page.fill("input[name=again]", new_password)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(lambda to: not to.endswith("/password"))  # type: ignore[attr-defined]
    served.issued[code] = Issued(code, issued.name, issued.role, new_password, issued.token)


def _board_state(page: object, url: str, unit: str) -> str:
    page.goto(f"{url}/cycles/{CYCLE}")  # type: ignore[attr-defined]
    return str(page.inner_text(f"#board tr[data-unit='{unit}'] .tag"))  # type: ignore[attr-defined]


def test_a_township_hands_in_corrects_and_the_office_sees_it(
    served: Served, url: str, browser: object, tmp_path: Path
) -> None:
    shots = Shots(tmp_path / "shots")
    unit = _missing_unit(served.home)
    office = browser.new_page(locale="zh-CN")  # type: ignore[attr-defined]
    _sign_in(office, url, served, COUNTY)
    office.wait_for_url("**/office")
    shots.take(office, "01-office-cycles")
    assert _board_state(office, url, unit).startswith("逾期未报")
    shots.take(office, "02-office-board-before")

    clerk = browser.new_context(locale="zh-CN", accept_downloads=True).new_page()  # type: ignore[attr-defined]
    _sign_in(clerk, url, served, unit)
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
    _sign_in(page, url, served, unit)
    page.wait_for_url(f"**/units/{unit}")
    for path in (f"/units/{other}", f"/units/{other}/history", f"/submissions/{row[0]}",
                 f"/submissions/{row[0]}/receipt", f"/api/v1/submissions/{row[0]}", f"/cycles/{CYCLE}"):  # fmt: skip
        response = page.goto(f"{url}{path}")
        assert response is not None and response.status == 404, path
        assert "未找到" in page.content()
    Shots(tmp_path / "shots").take(page, "08-refused")


REASON = "表三“本年新收政府信息公开申请数量”与业务台账不符，请核实后重新报送"


def _waiting_township(home: Home) -> str:
    with duckdb.connect(str(home.published / "huizong.duckdb"), read_only=True) as con:
        row = con.execute(
            "SELECT unit_code FROM review_state WHERE cycle_id = ? AND state = 'submitted' AND unit_kind = 'township' "
            "AND unit_code NOT IN ('990121106', '990121107') ORDER BY unit_code DESC LIMIT 1",
            [CYCLE],
        ).fetchone()
    assert row is not None
    return str(row[0])


def _download(page: object, click: str, target: Path) -> Path:
    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.click(click)  # type: ignore[attr-defined]
    download.value.save_as(target)
    return target


def test_the_office_returns_a_report_the_township_corrects_it_and_the_office_approves(
    served: Served, url: str, browser: object, tmp_path: Path
) -> None:
    shots = Shots(tmp_path / "shots")
    unit = _waiting_township(served.home)
    office = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    _sign_in(office, url, served, COUNTY)
    office.goto(f"{url}/cycles/{CYCLE}")
    office.click("text=审核报表")
    office.wait_for_url(f"**/cycles/{CYCLE}/review")
    office.select_option("select[name=kind]", "township")
    office.click("form.filter >> text=筛选")
    card = office.locator(f"section.unit[data-unit='{unit}']")
    assert "待审核" in card.inner_text() and "同类中位数" in card.inner_text() and "上期（2024）" in card.inner_text()
    shots.take(office, "09-review-queue", full_page=False)
    card.locator(f"input[name=reason_{unit}]").fill(REASON)
    card.locator("button.act-return").click()
    office.wait_for_selector("#outcomes")
    assert "已办理" in office.inner_text("#outcomes") and "已退回" in office.inner_text("#outcomes")
    assert office.inner_text(f"#others tr[data-unit='{unit}'] .tag") == "退回"
    shots.take(office, "10-review-after-the-return", full_page=False)

    clerk = browser.new_context(locale="zh-CN", accept_downloads=True).new_page()  # type: ignore[attr-defined]
    _sign_in(clerk, url, served, unit)
    clerk.goto(f"{url}/units/{unit}")
    notice = clerk.locator(f".notice[data-notice=returned][data-cycle='{CYCLE}']")
    assert REASON in notice.inner_text() and "青石县（990121）" in notice.inner_text()
    assert clerk.inner_text(f"tr[data-cycle='{CYCLE}'] td.review") == "退回"
    shots.take(clerk, "11-unit-returned")
    receipt = _download(clerk, f".notice[data-cycle='{CYCLE}'] >> text=下载回执", tmp_path / "回执.xlsx")
    summary = dict(row[:2] for row in CalamineWorkbook.from_path(str(receipt)).get_sheet_by_name("回执").to_python())
    assert summary["退回"].startswith(REASON) and "青石县（990121）" in summary["退回"]

    clerk.click(f"tr[data-cycle='{CYCLE}'] >> text=审核结果")
    assert clerk.inner_text("h1").startswith("退回") and REASON in clerk.inner_text(".notice[data-notice=returned]")
    shots.take(clerk, "11b-verdict-returned")
    clerk.go_back()
    template = _download(clerk, f"tr[data-cycle='{CYCLE}'] >> text=下载模板", tmp_path / "模板.xlsx")
    clerk.set_input_files("input[name=file]", str(_fill(served.home, template, tmp_path / "改正后.xlsx", 1, 4)))
    clerk.click("text=上传并校验")
    clerk.wait_for_url("**/submissions/**")
    assert clerk.inner_text("h1").startswith("通过") and "待审核" in clerk.inner_text("h1")

    office.goto(f"{url}/cycles/{CYCLE}/review?kind=township")
    card = office.locator(f"section.unit[data-unit='{unit}']")
    assert "此前：退回" in card.inner_text() and REASON in card.inner_text()  # waiting for review again
    card.locator("button.act-approve").click()
    office.wait_for_selector("#outcomes")
    assert "已审定" in office.inner_text("#outcomes"), office.inner_text("#outcomes")
    assert office.inner_text(f"#others tr[data-unit='{unit}'] .tag") == "审定"
    office.goto(f"{url}/units/{unit}")
    taken = office.locator("#trail tr[data-source=portal]")  # the office reads the unit's history
    assert [taken.nth(i).get_attribute("data-action") for i in range(4)] == ["approve", "upload", "account", "return"]
    shots.take(office, "12-unit-history-for-the-office")
    clerk.goto(f"{url}/units/{unit}")
    approved = clerk.inner_text(f".notice[data-notice=approved][data-cycle='{CYCLE}']")
    assert "已审定" in approved and "将被拒收" in approved and "重新打开" in approved
    assert clerk.locator("#trail").count() == 0  # a unit does not read the audit trail
    shots.take(clerk, "13-unit-approved")
