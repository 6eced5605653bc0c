"""The assessment (考核) in the portal over a played demo season: the office's page (a CSRF form) and its JSON twin
run ``huizong.assessment`` and offer the 通报 and the 督办函 to download (they open); a unit is refused, another
office's cycles and files are not found, and no name leads out of the office's folders.

Who may reach each route is in the role × route matrix of tests/test_portal.py.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from docx import Document
from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook

from huizong.assessment import assess
from huizong.config import Home
from huizong.portal.app import create_app
from tests.portal_kit import CITY, COUNTY, OTHER_COUNTY, TOWNSHIP, Served, copy_played, csrf_of, sign_in_changed

CYCLE = "990121-annual_report-2025"
LAST_YEAR = "990121-annual_report-2024"
CITY_CYCLE = "990100-annual_report-2025"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def served(played: tuple[Home, str], tmp_path_factory: pytest.TempPathFactory) -> Served:
    return copy_played(played[0], tmp_path_factory.mktemp("assessing") / "var")


@pytest.fixture(scope="module")
def app_client(served: Served) -> Iterator[TestClient]:
    with TestClient(create_app(served.home, watch_inbox=False)) as client:
        yield client


@pytest.fixture(scope="module")
def office(served: Served, app_client: TestClient) -> TestClient:
    client = TestClient(app_client.app)
    sign_in_changed(client, served, COUNTY)
    return client


def _api(client: TestClient, served: Served, actor: str, **body: object) -> tuple[int, dict]:
    got = TestClient(client.app).post("/api/v1/assessment", headers=served.token(actor), json=body)
    return got.status_code, got.json()


def _links(html: str) -> list[str]:
    return re.findall(r'href="(/assessment/[^"]+)"', html)


def test_the_office_assesses_through_the_page(served: Served, office: TestClient) -> None:
    assert 'href="/assessment"' in office.get("/office").text
    page = office.get("/assessment")
    assert page.status_code == 200 and "生成考核通报" in page.text
    boxes = re.findall(r'name="cycles" value="([^"]+)"', page.text)
    assert CYCLE in boxes and LAST_YEAR in boxes and CITY_CYCLE not in boxes  # only the cycles it runs itself
    assert 'name="bottom" min="0" max="1000" value="3"' in page.text  # the weights' letter.bottom
    due = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    form = {"csrf": csrf_of(page.text), "cycles": [CYCLE, LAST_YEAR], "bottom": "2", "deadline": due}
    got = office.post("/assessment", data=form)
    assert got.status_code == 200, got.text[:500]
    expected = assess(served.home, COUNTY, [CYCLE, LAST_YEAR], bottom=2)
    assert expected.summary() in got.text and f"督办函整改期限 {due}" in got.text
    ranking = got.text[got.text.index('id="ranking"') :].split("</table>")[0]
    assert '<tr class="group"><th colspan="10">乡镇</th></tr>' in ranking
    for score in expected.bottom:  # the units getting a letter are marked
        row = ranking[ranking.index(f'data-unit="{score["unit_code"]}"') :].split("</tr>")[0]
        assert 'class="bottom"' in row and "督办" in row
    links = _links(got.text[got.text.index('id="result"') : got.text.index('id="earlier"')])
    slug = "990121-annual_report-2024_2025"
    assert len(links) == 1 + len(expected.bottom) and all(link.startswith(f"/assessment/{slug}/") for link in links)

    notice = office.get(links[0])
    assert notice.status_code == 200 and notice.headers["content-type"].startswith("application/vnd.openxml")
    book = CalamineWorkbook.from_filelike(io.BytesIO(notice.content))
    assert book.sheet_names[:3] == ["封面", "考核排名", "问题明细"]
    rows = book.get_sheet_by_name("考核排名").to_python()
    marked = {str(r[1]) for r in rows if r and r[-1] == "是"}
    assert marked == {s["unit_code"] for s in expected.bottom}
    letter = office.get(links[1])
    assert letter.status_code == 200 and "filename*=UTF-8''" in letter.headers["content-disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(letter.content)).paragraphs)
    assert "关于督促整改政府信息公开" in text and expected.bottom[0]["unit_name"] in text

    again = office.get("/assessment").text  # listed among the earlier assessments, with its files
    earlier = again[again.index(f'data-slug="{slug}"') :].split("</tr>")[0]
    assert "考核通报" in earlier and len(_links(earlier)) == len(links)


def test_what_the_page_refuses_is_said_in_chinese(served: Served, office: TestClient) -> None:
    token = csrf_of(office.get("/assessment").text)
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    cases = [
        ({}, 422, "请至少勾选一个填报周期"),
        ({"cycles": CYCLE, "bottom": "三"}, 422, "发督办函的单位数应为 0 到 1000 的整数"),
        ({"cycles": CYCLE, "deadline": "2026/3/1"}, 422, "整改期限应写作"),
        ({"cycles": CYCLE, "deadline": yesterday}, 422, "早于今天"),
        ({"cycles": CITY_CYCLE}, 404, "未找到"),  # the city's cycle: not the county's to assess
    ]
    for fields, status, words in cases:
        got = office.post("/assessment", data={"csrf": token, **fields})
        assert got.status_code == status and words in got.text, (fields, got.text[:300])
    kept = office.post("/assessment", data={"csrf": token, "cycles": CYCLE, "bottom": "七"}).text
    assert f'value="{CYCLE}" id="c-{CYCLE}" checked' in kept and 'value="七"' in kept  # what was typed stays
    forged = office.post("/assessment", data={"cycles": CYCLE})
    assert forged.status_code == 403 and "CSRF" in forged.text


def test_the_api_assesses_and_serves_the_files(served: Served, app_client: TestClient) -> None:
    status, body = _api(app_client, served, COUNTY, cycles=[CYCLE], bottom=4)
    assert status == 200, body
    expected = assess(served.home, COUNTY, [CYCLE], bottom=4)
    assert body["slug"] == CYCLE and body["summary"] == expected.summary() and body["full"] == 100
    assert body["deadline"] == (dt.date.today() + dt.timedelta(days=7)).isoformat()  # letter.days after today
    totals = {s["unit_code"]: s["total"] for s in body["scores"]}
    assert totals == {s["unit_code"]: float(s["total"]) for s in expected.scores}
    assert [x["unit_code"] for x in body["letters"]] == [s["unit_code"] for s in expected.bottom]
    assert all(s["letter"] for s in body["scores"] if s["bottom"]) and body["scores"][0]["kind_label"]
    headers = served.token(COUNTY)
    notice = app_client.get(body["notice"]["url"], headers=headers)
    assert notice.status_code == 200
    assert CalamineWorkbook.from_filelike(io.BytesIO(notice.content)).sheet_names[0] == "封面"
    first = body["letters"][0]
    letter = app_client.get(first["url"], headers=headers)
    paragraphs = [p.text for p in Document(io.BytesIO(letter.content)).paragraphs]
    assert any(first["unit_name"] in p for p in paragraphs)
    listed = app_client.get("/api/v1/assessment", headers=headers).json()
    mine = next(e for e in listed["earlier"] if e["slug"] == CYCLE)
    assert {x["file_name"] for x in mine["letters"]} == {x["file_name"] for x in body["letters"]}
    assert listed["bottom"] == 3 and [r["label"] for r in listed["rules"]] == [
        "报送及时",
        "一次通过",
        "审核退回",
        "提示说明",
    ]
    assert CYCLE in [c["cycle_id"] for c in listed["cycles"]] and CITY_CYCLE not in [
        c["cycle_id"] for c in listed["cycles"]
    ]


def test_the_api_says_why_an_assessment_cannot_be_made(
    served: Served, app_client: TestClient, office: TestClient
) -> None:
    assert _api(app_client, served, COUNTY, cycles=[])[0] == 422
    assert _api(app_client, served, COUNTY, cycles=[CYCLE], bottom=-1)[0] == 422
    assert _api(app_client, served, COUNTY, cycles=[CYCLE], deadline="31.03.2026")[0] == 422
    assert _api(app_client, served, COUNTY, cycles=["990121-no_such_form-2025"])[0] == 404
    weights = served.home.root / "assessment.toml"
    weights.write_text("[timeliness]\nlat = 10\n", encoding="utf-8")
    try:
        status, body = _api(app_client, served, COUNTY, cycles=[CYCLE])
        assert status == 409 and "未知的键 timeliness.lat" in body["detail"] and "late" in body["detail"]
        page = office.get("/assessment")
        assert page.status_code == 200 and "未知的键 timeliness.lat" in page.text  # the form says so too
    finally:
        weights.unlink()


def test_a_unit_is_refused_and_other_offices_find_nothing(served: Served, app_client: TestClient) -> None:
    listed = _api(app_client, served, COUNTY, cycles=[CYCLE])[1]
    url = listed["notice"]["url"]
    for actor, status in ((TOWNSHIP, 403), (OTHER_COUNTY, 404), (CITY, 404)):
        assert _api(app_client, served, actor, cycles=[CYCLE])[0] == status, actor
        assert app_client.get(url, headers=served.token(actor)).status_code == status, actor
    status, body = _api(app_client, served, TOWNSHIP, cycles=[CYCLE])
    assert "政务公开办公室" in body["detail"]
    assert _api(app_client, served, COUNTY, cycles=[CITY_CYCLE])[0] == 404  # the county reports in it, no more
    city = _api(app_client, served, CITY, cycles=[CITY_CYCLE])
    assert city[0] == 200 and city[1]["slug"] == CITY_CYCLE
    assert app_client.get(city[1]["notice"]["url"], headers=served.token(COUNTY)).status_code == 404
    county_list = app_client.get("/api/v1/assessment", headers=served.token(COUNTY)).json()["earlier"]
    assert CITY_CYCLE not in [e["slug"] for e in county_list]


def test_no_name_leads_out_of_the_offices_folders(served: Served, app_client: TestClient) -> None:
    folder = served.home.out / "assessment" / CYCLE
    assert _api(app_client, served, COUNTY, cycles=[CYCLE])[0] == 200
    (folder / "notes.txt").write_text("not a notice", encoding="utf-8")
    os.symlink(served.home.warehouse, folder / "warehouse.xlsx")
    os.symlink(served.home.root, served.home.out / "assessment" / f"{COUNTY}-elsewhere")
    names = [
        f"{CYCLE}/%2E%2E",
        f"{CYCLE}/..%2F..%2F..%2Fwarehouse.duckdb",
        f"{CYCLE}/..%5C..%5Cwarehouse.duckdb",
        f"{CYCLE}/notes.txt",
        f"{CYCLE}/warehouse.xlsx",  # a link out of the folder
        f"{COUNTY}-elsewhere/warehouse.duckdb",
        f"{COUNTY}-..%2F..%2Fout/x.xlsx",
        f"%2E%2E/{quote(served.home.warehouse.name)}",
        f"{CITY_CYCLE}/{quote('990100_明川市_考核通报.xlsx')}",
    ]
    headers = served.token(COUNTY)
    for name in names:
        got = app_client.get(f"/api/v1/assessment/{name}", headers=headers)
        assert got.status_code == 404, (name, got.status_code)
        assert TestClient(app_client.app).get(f"/api/v1/assessment/{name}", headers=headers).status_code == 404
    listed = app_client.get("/api/v1/assessment", headers=headers).json()["earlier"]
    assert f"{COUNTY}-elsewhere" not in [e["slug"] for e in listed]


def test_the_assessment_routes_are_documented(app_client: TestClient) -> None:
    guide = (ROOT / "docs" / "portal.md").read_text(encoding="utf-8")
    page = app_client.get("/api/docs").text
    for method, route in (("GET", "/assessment"), ("POST", "/assessment"), ("GET", "/assessment/{slug}/{name}")):
        assert f"{method} /api/v1{route}" in page and f"{method} /api/v1{route}" in guide
    assert "`/assessment`" in guide and "考核" in page
