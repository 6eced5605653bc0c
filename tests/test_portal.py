"""The portal over a played demo season: who may see what (a matrix), signing in, CSRF, handing files in, and the
office's review (the queue, decisions through the API and the page, the unit's side of them, the audit trail)."""

from __future__ import annotations

import io
import re
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest
from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook

from huizong.config import Home
from huizong.portal.app import create_app
from huizong.portal.core import MAX_UPLOAD
from tests.portal_kit import (
    CITY,
    COUNTY,
    DEPARTMENT,
    OTHER_COUNTY,
    OTHER_TOWNSHIP,
    TOWNSHIP,
    Served,
    copy_played,
    csrf_of,
    filled,
    sign_in,
    sign_in_changed,
    unbalanced,
)

CYCLE = "990121-annual_report-2025"
CITY_CYCLE = "990100-annual_report-2025"
ACTORS = ("anonymous", TOWNSHIP, OTHER_TOWNSHIP, COUNTY, OTHER_COUNTY, CITY)
NOTICE = f"{CYCLE}/{quote('990121_青石县_考核通报.xlsx')}"  # the demo's assessment of the county
LETTER = f"{CYCLE}/{quote('督办函_990121505_县公安局.docx')}"


@pytest.fixture(scope="module")
def served(played: tuple[Home, str], tmp_path_factory: pytest.TempPathFactory) -> Served:
    return copy_played(played[0], tmp_path_factory.mktemp("portal") / "var")


@pytest.fixture(scope="module")
def app_client(served: Served) -> Iterator[TestClient]:
    with TestClient(create_app(served.home, watch_inbox=False)) as client:
        yield client


@pytest.fixture(scope="module")
def browsers(served: Served, app_client: TestClient) -> dict[str, TestClient]:
    """One signed-in client per actor (the one-time password changed), sharing the running app."""
    clients = {"anonymous": TestClient(app_client.app)}
    for code in ACTORS[1:]:
        client = TestClient(app_client.app)
        sign_in_changed(client, served, code)
        clients[code] = client
    return clients


def _sha(served: Served, sql: str) -> str:
    with duckdb.connect(str(served.home.published / "huizong.duckdb"), read_only=True) as con:
        row = con.execute(sql).fetchone()
    assert row is not None
    return str(row[0])


@pytest.fixture(scope="module")
def shas(served: Served) -> dict[str, str]:
    accepted = (
        f"SELECT sha256 FROM submissions WHERE unit_code = '{TOWNSHIP}' AND period = '2025' AND status = 'accepted'"
    )
    rejected = "SELECT unit_code FROM submissions WHERE status = 'rejected' AND cycle_id = '990121-annual_report-2025'"
    unit = _sha(served, rejected)
    return {
        "accepted": _sha(served, accepted),
        "receipt_unit": unit,
        "with_receipt": _sha(
            served, f"SELECT sha256 FROM submissions WHERE unit_code = '{unit}' AND status = 'rejected'"
        ),
    }


# (route, expected status for: anonymous, township, other township, county office, other county office, city office)
API = [
    ("/api/v1/cycles", (401, 200, 200, 200, 200, 200)),
    (f"/api/v1/cycles/{CYCLE}/status", (401, 404, 404, 200, 404, 200)),
    ("/api/v1/cycles/no-such-cycle/status", (401, 404, 404, 404, 404, 404)),
    (f"/api/v1/units/{TOWNSHIP}/template?period=2025", (401, 200, 404, 200, 404, 200)),
    ("/api/v1/units/999999999/template?period=2025", (401, 404, 404, 404, 404, 404)),
    ("/api/v1/submissions/{accepted}", (401, 200, 404, 200, 404, 200)),
    ("/api/v1/submissions/{accepted}/receipt", (401, 404, 404, 404, 404, 404)),  # accepted without findings: none
    ("/api/v1/submissions/" + "0" * 64, (401, 404, 404, 404, 404, 404)),
    (f"/api/v1/submissions?cycle={CYCLE}", (401, 200, 200, 200, 200, 200)),
    (f"/api/v1/cycles/{CYCLE}/workbook", (401, 404, 404, 200, 404, 200)),
    (f"/api/v1/cycles/{CYCLE}/draft", (401, 404, 404, 200, 404, 200)),
    ("/api/v1/snapshot", (401, 403, 403, 403, 403, 200)),
    (f"/api/v1/cycles/{CYCLE}/review", (401, 404, 404, 200, 404, 200)),
    (f"/api/v1/cycles/{CYCLE}/review?kind=township", (401, 404, 404, 200, 404, 200)),
    (f"/api/v1/cycles/{CITY_CYCLE}/review", (401, 404, 404, 404, 404, 200)),  # the county reports in it, no more
    ("/api/v1/cycles/no-such-cycle/review", (401, 404, 404, 404, 404, 404)),
    (f"/api/v1/units/{TOWNSHIP}/audit", (401, 403, 404, 200, 404, 200)),  # a unit does not read its own trail
    ("/api/v1/units/999999999/audit", (401, 404, 404, 404, 404, 404)),
    ("/api/v1/assessment", (401, 403, 403, 200, 200, 200)),
    (f"/api/v1/assessment/{NOTICE}", (401, 403, 403, 200, 404, 404)),  # only the office's own assessments
    (f"/api/v1/assessment/{LETTER}", (401, 403, 403, 200, 404, 404)),
    (f"/api/v1/assessment/{CYCLE}/no-such-file.xlsx", (401, 403, 403, 404, 404, 404)),
    (f"/api/v1/assessment/{CYCLE}/%2E%2E", (401, 403, 403, 404, 404, 404)),
    (f"/api/v1/assessment/{CYCLE}/..%2F..%2Fwarehouse.duckdb", (404, 404, 404, 404, 404, 404)),  # no such route
]
PAGES = [
    (f"/units/{TOWNSHIP}", (303, 200, 404, 200, 404, 200)),
    (f"/units/{TOWNSHIP}/history", (303, 200, 404, 200, 404, 200)),
    (f"/units/{TOWNSHIP}/template?period=2025", (303, 200, 404, 200, 404, 200)),
    (f"/cycles/{CYCLE}", (303, 404, 404, 200, 404, 200)),
    (f"/cycles/{CYCLE}/draft", (303, 404, 404, 200, 404, 200)),
    ("/office", (303, 303, 303, 200, 200, 200)),
    ("/submissions/{accepted}", (303, 200, 404, 200, 404, 200)),
    ("/snapshot", (303, 403, 403, 403, 403, 200)),
    (f"/cycles/{CYCLE}/review", (303, 404, 404, 200, 404, 200)),
    (f"/cycles/{CYCLE}/review?kind=department", (303, 404, 404, 200, 404, 200)),
    (f"/cycles/{CITY_CYCLE}/review", (303, 404, 404, 404, 404, 200)),
    ("/assessment", (303, 403, 403, 200, 200, 200)),
    (f"/assessment/{NOTICE}", (303, 403, 403, 200, 404, 404)),
    (f"/assessment/{LETTER}", (303, 403, 403, 200, 404, 404)),
    (f"/assessment/{CYCLE}/%2E%2E", (303, 403, 403, 404, 404, 404)),
    ("/no/such/page", (404, 404, 404, 404, 404, 404)),
]


@pytest.mark.parametrize(("route", "codes"), API + PAGES, ids=[r for r, _ in API + PAGES])
def test_every_role_against_every_route(
    route: str, codes: tuple[int, ...], served: Served, browsers: dict[str, TestClient], shas: dict[str, str]
) -> None:
    url = route.format(**shas)
    for actor, expected in zip(ACTORS, codes, strict=True):
        if url.startswith("/api/"):
            headers = served.token(actor) if actor != "anonymous" else {}
            got = TestClient(browsers["anonymous"].app).get(url, headers=headers, follow_redirects=False)
        else:
            got = browsers[actor].get(url, follow_redirects=False)
        assert got.status_code == expected, f"{actor} {url}: {got.status_code} {got.text[:200]}"
        if expected == 404:  # the same answer whether it exists or not, in Chinese
            assert "未找到" in got.text and "990121" not in got.text.replace(url, "")


ASSESS = (401, 403, 403, 200, 404, 404)  # the county's cycle: only the county assesses it


def test_who_may_assess_the_countys_cycle(served: Served, browsers: dict[str, TestClient]) -> None:
    for actor, expected in zip(ACTORS, ASSESS, strict=True):
        headers = served.token(actor) if actor != "anonymous" else {}
        client = TestClient(browsers["anonymous"].app)
        got = client.post("/api/v1/assessment", headers=headers, json={"cycles": [CYCLE]})
        assert got.status_code == expected, f"{actor}: {got.text[:200]}"
    for actor, expected in zip(ACTORS, (303, *ASSESS[1:]), strict=True):
        client = browsers[actor]
        token = csrf_of(client.get("/login" if actor == "anonymous" else f"/units/{actor}").text)
        got = client.post("/assessment", data={"csrf": token, "cycles": CYCLE}, follow_redirects=False)
        assert got.status_code == expected, f"{actor}: {got.text[:200]}"


def test_the_receipt_is_for_its_unit_and_the_offices_above(
    served: Served, browsers: dict[str, TestClient], shas: dict[str, str]
) -> None:
    url = f"/api/v1/submissions/{shas['with_receipt']}/receipt"
    owner = shas["receipt_unit"]
    client = TestClient(browsers["anonymous"].app)
    assert client.get(url, headers=served.token(owner)).status_code == 200
    assert client.get(url, headers=served.token(COUNTY)).content[:2] == b"PK"
    other = TOWNSHIP if owner != TOWNSHIP else OTHER_TOWNSHIP
    assert client.get(url, headers=served.token(other)).status_code == 404


def test_a_bad_token_or_scheme_is_401_in_chinese(browsers: dict[str, TestClient]) -> None:
    client = TestClient(browsers["anonymous"].app)
    for header in (f"Bearer {TOWNSHIP}.wrong", "Bearer nonsense", f"Basic {TOWNSHIP}"):
        got = client.get("/api/v1/cycles", headers={"Authorization": header})
        assert got.status_code == 401 and "需要登录" in got.json()["detail"]
        assert got.headers["www-authenticate"] == "Bearer"


def test_a_one_time_password_must_be_changed_before_anything_else(served: Served, app_client: TestClient) -> None:
    client = TestClient(app_client.app)
    code = DEPARTMENT
    assert sign_in(client, code, served.issued[code].password).headers["location"] == "/password"
    assert client.get(f"/units/{code}", follow_redirects=False).headers["location"] == "/password"
    page = client.get("/password")
    weak = client.post(
        "/password",
        data={"old": served.issued[code].password, "new": "short", "again": "short", "csrf": csrf_of(page.text)},
    )
    assert weak.status_code == 422 and "至少 8 位" in weak.text
    changed = client.post(
        "/password",
        data={
            "old": served.issued[code].password,
            "new": "部门新密码-123",
            "again": "部门新密码-123",
            "csrf": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert client.get(f"/units/{code}").status_code == 200
    again = TestClient(app_client.app)
    assert sign_in(again, code, served.issued[code].password).status_code == 401  # the one-time one is gone


def test_repeated_failures_lock_the_account(served: Served, app_client: TestClient) -> None:
    client = TestClient(app_client.app)
    code = "990121502"
    for _ in range(5):
        assert sign_in(client, code, "wrong-password").status_code == 401
    refused = sign_in(client, code, served.issued[code].password)
    assert refused.status_code == 401 and "已锁定" in refused.text
    unknown = sign_in(client, "123456789", "whatever")
    assert "单位代码或密码不正确" in unknown.text  # an unknown code reads like a wrong password


def test_forms_without_the_csrf_token_are_refused(browsers: dict[str, TestClient], served: Served) -> None:
    client = browsers[TOWNSHIP]
    path = filled(served.home, TOWNSHIP, served.home.root.parent / "csrf" / "a.xlsx")
    for token in ("", "forged"):
        got = client.post(f"/units/{TOWNSHIP}/upload", data={"csrf": token}, files={"file": path.open("rb")})
        assert got.status_code == 403 and "CSRF" in got.text
    cookie_api = client.post("/api/v1/submissions", files={"file": path.open("rb")})  # the session, no header
    assert cookie_api.status_code == 403 and "X-CSRF-Token" in cookie_api.json()["detail"]
    anonymous = TestClient(client.app).post("/login", data={"code": TOWNSHIP, "password": "x"})
    assert anonymous.status_code == 403


def _api_upload(client: TestClient, served: Served, code: str, path: Path, name: str = "") -> dict:
    with path.open("rb") as stream:
        got = client.post(
            "/api/v1/submissions", headers=served.token(code), files={"file": (name or path.name, stream)}
        )
    return {"http": got.status_code, **got.json()}


def test_a_unit_hands_in_and_reads_its_verdict(served: Served, app_client: TestClient, tmp_path: Path) -> None:
    code = "990121103"
    bad = _api_upload(app_client, served, code, unbalanced(served.home, code, tmp_path / "bad.xlsx"))
    assert bad["http"] == 200 and bad["status"] == "rejected" and bad["id"] == bad["sha256"]
    h3 = [f for f in bad["findings"] if f["rule"] == "H3"]
    assert h3 and h3[0]["sheet"].startswith("三、") and h3[0]["cell"]
    assert bad["receipt"] == f"/api/v1/submissions/{bad['id']}/receipt"
    assert app_client.get(bad["receipt"], headers=served.token(code)).content[:2] == b"PK"
    for written in served.home.out.glob(f"*/feedback/*_{bad['id'][:8]}.xlsx"):
        written.unlink()  # as if the portal had been killed before writing it: written again when asked for
    assert app_client.get(bad["receipt"], headers=served.token(code)).content[:2] == b"PK"
    good = _api_upload(app_client, served, code, filled(served.home, code, tmp_path / "good.xlsx"))
    assert good["status"] == "accepted" and good["unit"] == code and good["period"] == "2025"
    again = _api_upload(app_client, served, code, tmp_path / "good.xlsx", "再次.xlsx")
    assert again["status"] == "duplicate" and again["earlier_status"] == "accepted" and again["id"] == good["id"]
    board = app_client.get(f"/api/v1/cycles/{CYCLE}/status", headers=served.token(COUNTY)).json()
    row = next(u for u in board["units"] if u["unit_code"] == code)
    assert row["status"] == "accepted" and row["current_sha256"] == good["id"]
    history = app_client.get(f"/units/{code}/history", headers=served.token(code))
    assert history.status_code in (200, 303)  # pages take sessions, not tokens


def test_another_units_file_is_refused_and_not_recorded(served: Served, app_client: TestClient, tmp_path: Path) -> None:
    theirs = filled(served.home, OTHER_TOWNSHIP, tmp_path / "theirs.xlsx")
    got = _api_upload(app_client, served, TOWNSHIP, theirs)
    assert got["status"] == "rejected" and got["id"] is None and got["receipt"] is None
    assert [f["rule"] for f in got["findings"]] == ["SCOPE"] and "只能报送本单位" in got["findings"][0]["message"]
    submitted = _query(app_client, "SELECT count(*) FROM submissions WHERE sha256 = $s", {"s": got["sha256"]})
    refused = _query(app_client, "SELECT status, account FROM uploads WHERE sha256 = $s", {"s": got["sha256"]})
    assert submitted == [(0,)] and refused == [("refused", TOWNSHIP)]
    assert (served.home.archive / got["sha256"][:2] / f"{got['sha256']}.xlsx").exists()  # kept all the same
    mine = _api_upload(app_client, served, OTHER_TOWNSHIP, theirs)  # the unit itself can still hand it in
    assert mine["status"] in ("accepted", "duplicate") and mine["id"] == got["sha256"]


def _query(client: TestClient, sql: str, params: dict[str, str]) -> list[tuple]:
    portal = client.app.state.portal  # type: ignore[attr-defined]
    cursor = portal._root.cursor()
    try:
        return cursor.execute(sql, params).fetchall()
    finally:
        cursor.close()


def test_damaged_oversized_foreign_and_hostile_uploads(served: Served, app_client: TestClient, tmp_path: Path) -> None:
    code = "990121104"
    good = filled(served.home, code, tmp_path / "good.xlsx")
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(good.read_bytes()[:5000])
    damaged = _api_upload(app_client, served, code, truncated)
    assert damaged["status"] == "rejected" and "损坏" in damaged["findings"][0]["message"]
    text = tmp_path / "note.txt"
    text.write_text("这不是报表", encoding="utf-8")
    foreign = _api_upload(app_client, served, code, text)
    assert foreign["http"] == 415 and foreign["status"] == "rejected"
    hostile = _api_upload(app_client, served, code, good, "../../x.xlsx")
    assert hostile["status"] == "accepted" and hostile["file_name"] == "x.xlsx"
    assert not (served.home.root.parent / "x.xlsx").exists() and not (served.home.root / "x.xlsx").exists()
    huge = app_client.post(
        "/api/v1/submissions", headers=served.token(code), files={"file": ("big.xlsx", io.BytesIO(b"PK" * MAX_UPLOAD))}
    )
    assert huge.status_code == 413 and "文件过大" in huge.json()["detail"]


def test_markup_in_a_submission_stays_text(served: Served, browsers: dict[str, TestClient], tmp_path: Path) -> None:
    name = "<img src=x onerror=alert(1)>=cmd|' C calc'!A0.xlsx"
    path = filled(served.home, TOWNSHIP, tmp_path / "m.xlsx", **{"t2.fees.amount": 0})
    client = browsers[TOWNSHIP]
    page = client.get(f"/units/{TOWNSHIP}")
    got = client.post(
        f"/units/{TOWNSHIP}/upload",
        data={"csrf": csrf_of(page.text), "explanation": "<b>粗体</b>"},
        files={"file": (name, path.open("rb"))},
    )
    assert got.status_code == 200 and "<img src=x" not in got.text and "&lt;img src=x onerror" in got.text
    assert "<b>粗体</b>" not in got.text and "&lt;b&gt;粗体&lt;/b&gt;" in got.text


CONSOLIDATE = (401, 404, 404, 200, 404, 200)


def test_who_may_consolidate_a_cycle(served: Served, app_client: TestClient) -> None:
    for actor, expected in zip(ACTORS, CONSOLIDATE, strict=True):
        headers = served.token(actor) if actor != "anonymous" else {}
        got = TestClient(app_client.app).post(f"/api/v1/cycles/{CYCLE}/consolidate", headers=headers)
        assert got.status_code == expected, f"{actor}: {got.text[:200]}"
        if expected == 200:
            workbook = app_client.get(got.json()["workbook"], headers=headers)
            assert workbook.content[:2] == b"PK" and "汇总" in got.json()["file_name"]


def test_a_body_streamed_past_the_limit_is_refused(served: Served, app_client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is applied as the body streams in
        boundary = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.xlsx"\r\n\r\n'
        yield boundary
        for _ in range(MAX_UPLOAD // 65536 + 2):
            yield b"PK" * 32768
        yield b"\r\n--x--\r\n"

    headers = served.token("990121105") | {"Content-Type": "multipart/form-data; boundary=x"}
    got = app_client.post("/api/v1/submissions", headers=headers, content=chunks())
    assert got.status_code == 413 and "文件过大" in got.json()["detail"]
    assert not list(served.home.archive.glob(".incoming-*"))


def test_the_inbox_keeps_working_while_the_portal_runs(played: tuple[Home, str], tmp_path: Path) -> None:
    other = copy_played(played[0], tmp_path / "var")
    path = filled(other.home, "990121105", other.home.inbox / "竹庄镇.xlsx")
    with TestClient(create_app(other.home)) as client:
        client.app.state.portal.writer.inbox_every_s = 0.2  # type: ignore[attr-defined]
        for _ in range(100):
            listed = client.get(f"/api/v1/submissions?cycle={CYCLE}", headers=other.token("990121105")).json()
            if any(s["file_name"] == "竹庄镇.xlsx" for s in listed):
                break
            time.sleep(0.1)
        else:
            pytest.fail("the portal did not take in the inbox")
    assert not path.exists() and list(other.home.processed.glob("*/竹庄镇.xlsx"))
    with duckdb.connect(str(other.home.warehouse), read_only=True) as con:
        logged = con.execute("SELECT actor, source FROM audit_log WHERE detail LIKE '竹庄镇.xlsx：%'").fetchall()
    assert logged == [("收件箱（报送平台）", "portal")]


HAND_IN = ("anonymous", TOWNSHIP, OTHER_TOWNSHIP, COUNTY, CITY)


def test_only_the_unit_itself_hands_in_and_explains_its_report(
    served: Served, app_client: TestClient, tmp_path: Path
) -> None:
    path = filled(served.home, TOWNSHIP, tmp_path / "own.xlsx")  # blanks left: accepted with warnings
    got = {}
    for actor in HAND_IN:
        headers = served.token(actor) if actor != "anonymous" else {}
        with path.open("rb") as stream:
            answer = TestClient(app_client.app).post("/api/v1/submissions", headers=headers, files={"file": stream})
        got[actor] = (answer.status_code, answer.json().get("status"), answer.json().get("id") is not None)
    assert got["anonymous"] == (401, None, False)
    assert got[TOWNSHIP][0] == 200 and got[TOWNSHIP][1] in ("accepted", "duplicate") and got[TOWNSHIP][2]
    assert got[OTHER_TOWNSHIP] == got[COUNTY] == got[CITY] == (200, "rejected", False)  # SCOPE: not recorded
    sha = _api_upload(app_client, served, TOWNSHIP, path)["sha256"]
    for actor, expected in zip(HAND_IN, (401, 200, 404, 404, 404), strict=True):
        headers = served.token(actor) if actor != "anonymous" else {}
        answer = TestClient(app_client.app).post(
            f"/api/v1/submissions/{sha}/explanation", headers=headers, data={"text": "空格均为未发生，已核实"}
        )
        assert answer.status_code == expected, actor
    shown = app_client.get(f"/api/v1/submissions/{sha}", headers=served.token(COUNTY)).json()
    assert shown["explanation"] == "空格均为未发生，已核实"  # and the office reads it


def test_a_cycle_that_only_expects_the_office_shows_no_one_elses_counts(served: Served, app_client: TestClient) -> None:
    cycles = app_client.get("/api/v1/cycles", headers=served.token(COUNTY)).json()
    city = next(c for c in cycles if c["owner"] == CITY)
    own = next(c for c in cycles if c["cycle_id"] == CYCLE)
    assert not city["managed"] and city["expected"] is None and city["received"] is None
    assert own["managed"] and own["expected"] == 59


# ── the office's review ──

DECIDE = (401, 404, 404, 409, 404, 409)  # allowed, and refused by the state: reopening a report waiting for review


def _api_decide(client: TestClient, served: Served, actor: str, cycle: str = CYCLE, **body: object) -> tuple[int, dict]:
    headers = served.token(actor) if actor != "anonymous" else {}
    got = TestClient(client.app).post(f"/api/v1/cycles/{cycle}/review", headers=headers, json=body)
    return got.status_code, got.json()


def _state(client: TestClient, served: Served, unit: str) -> str:
    queue = client.get(f"/api/v1/cycles/{CYCLE}/review", headers=served.token(COUNTY)).json()
    return str(next(u["state"] for u in queue["units"] if u["unit_code"] == unit))


def test_who_may_take_a_decision(served: Served, app_client: TestClient, browsers: dict[str, TestClient]) -> None:
    unit = "990121110"
    for actor, expected in zip(ACTORS, DECIDE, strict=True):
        status, body = _api_decide(app_client, served, actor, action="reopen", units=[unit], reason="核实")
        assert status == expected, f"{actor}: {body}"
        if expected == 409:
            assert "不能重新打开" in body["detail"] and body["outcomes"][0]["done"] is False
    for actor, expected in zip(ACTORS, (303, 404, 404, 409, 404, 409), strict=True):
        client = browsers[actor]
        token = csrf_of(client.get("/login" if actor == "anonymous" else f"/units/{actor}").text)
        form = {"csrf": token, "one": f"reopen:{unit}", f"reason_{unit}": "核实"}
        got = client.post(f"/cycles/{CYCLE}/review", data=form, follow_redirects=False)
        assert got.status_code == expected, f"{actor}: {got.text[:300]}"
    forged = browsers[COUNTY].post(f"/cycles/{CYCLE}/review", data={"one": f"approve:{unit}"})
    assert forged.status_code == 403 and "CSRF" in forged.text
    assert _state(app_client, served, unit) == "submitted"


def test_the_queue_shows_findings_explanation_last_period_and_peers(
    served: Served, app_client: TestClient, browsers: dict[str, TestClient], tmp_path: Path
) -> None:
    code = "990121106"
    path = filled(served.home, code, tmp_path / "w.xlsx", **{"t3.new_received.natural_person": 40,
                  "t3.granted.natural_person": 39})  # fmt: skip
    with path.open("rb") as stream:
        handed = app_client.post(
            "/api/v1/submissions", headers=served.token(code), files={"file": stream}, data={"explanation": "已核实"}
        ).json()
    assert handed["status"] == "accepted" and handed["findings"]
    queue = app_client.get(f"/api/v1/cycles/{CYCLE}/review", headers=served.token(COUNTY)).json()
    states = [u["state"] for u in queue["units"]]
    assert states == sorted(states, key=lambda s: s != "submitted")  # those waiting first
    assert queue["counts"]["submitted"] == states.count("submitted") and queue["previous_period"] == "2024"
    unit = next(u for u in queue["units"] if u["unit_code"] == code)
    assert unit["state"] == "submitted" and unit["state_label"] == "待审核" and unit["explanation"] == "已核实"
    assert unit["actions"] == ["approve", "return", "excuse"]
    assert all(f["sheet"] and f["cell"] for f in unit["findings"]) and len(unit["findings"]) == len(handed["findings"])
    new = next(f for f in unit["figures"] if f["key"] == "new")
    before = _query(app_client, "SELECT sum(v.number) FROM submissions s JOIN cell_values v USING (sha256) "
                    "WHERE s.unit_code = $u AND s.period = '2024' AND s.status = 'accepted' "
                    "AND v.code = 't3.new_received.total'", {"u": code})  # fmt: skip
    townships = [
        next(f["value"] for f in u["figures"] if f["key"] == "new")
        for u in queue["units"]
        if u["unit_kind"] == "township" and u["state"] in ("submitted", "approved")
    ]
    assert new["value"] == 40 and new["previous"] == before[0][0] and new["change"] == 40 - before[0][0]
    assert new["peers"] == statistics.median(townships) and new["peer_count"] == len(townships)
    assert new["far_from_peers"] == (new["peers"] * 2 + 5 <= 40)
    page = browsers[COUNTY].get(f"/cycles/{CYCLE}/review?kind=township").text  # the page shows the same
    card = page[page.index(f'data-unit="{code}"') :].split("</section>")[0]
    assert "已核实" in card and f"{handed['findings'][0]['sheet']}!{handed['findings'][0]['cell']}" in card
    assert "上期（2024）" in card and "同类中位数" in card and 'value="approve:990121106"' in card
    assert 'data-unit="990121501"' not in page  # a department: not of the kind asked for


def test_a_return_through_the_api_reaches_the_unit_with_its_reason(
    served: Served, app_client: TestClient, browsers: dict[str, TestClient]
) -> None:
    unit, reason = "990121107", "表三“本年新收申请”与业务台账不符，请核实"
    before = _query(app_client, "SELECT count(*) FROM audit_log WHERE action = 'return'", {})[0][0]
    status, body = _api_decide(app_client, served, COUNTY, action="return", units=[unit], reason=reason)
    assert status == 200 and body["outcomes"] == [
        {"unit_code": unit, "unit_name": "青圩镇", "action": "return", "done": True, "message": "青圩镇：已退回"}
    ]
    assert _state(app_client, served, unit) == "returned"
    logged = _query(app_client, "SELECT actor, remote, source, detail FROM audit_log WHERE action = 'return' "
                    "AND unit_code = $u", {"u": unit})  # fmt: skip
    assert logged == [(COUNTY, "testclient", "portal", f"退回：{reason}")] and before + 1 == before + len(logged)
    with duckdb.connect(str(served.home.published / "huizong.duckdb"), read_only=True) as con:
        published = con.execute("SELECT state FROM review_state WHERE unit_code = ? AND cycle_id = ?", [unit, CYCLE])
        assert published.fetchall() == [("returned",)]  # rebuilt and published as the CLI does

    clerk = TestClient(app_client.app)
    sign_in_changed(clerk, served, unit)
    page = clerk.get(f"/units/{unit}").text
    assert 'data-notice="returned"' in page and reason in page and "青石县（990121）" in page
    assert 'id="trail"' not in page  # the unit reads the reason, not the audit trail
    sha = _sha(served, f"SELECT sha256 FROM review_state WHERE unit_code = '{unit}' AND cycle_id = '{CYCLE}'")
    verdict = clerk.get(f"/submissions/{sha}").text
    assert "退回：请按审核意见修改后重新报送" in verdict and reason in verdict
    receipt = clerk.get(f"/submissions/{sha}/receipt")
    assert receipt.status_code == 200 and receipt.content[:2] == b"PK"
    book = CalamineWorkbook.from_filelike(io.BytesIO(receipt.content))
    summary = dict(row[:2] for row in book.get_sheet_by_name("回执").to_python())
    assert summary["审核结论"].startswith("退回") and summary["退回"].startswith(f"{reason}（青石县（990121），")

    status, body = _api_decide(app_client, served, COUNTY, action="return", units=[unit], reason="再退")
    assert status == 409 and "已退回" in body["detail"] and "不能退回" in body["detail"]
    status, body = _api_decide(app_client, served, COUNTY, action="excuse", units=[unit], reason=" ")
    assert status == 422 and body["detail"] == "免报须写明理由"
    status, body = _api_decide(app_client, served, COUNTY, action="approve", units=[])
    assert status == 422 and "勾选" in body["detail"]
    assert _api_decide(app_client, served, COUNTY, action="sign", units=[unit])[0] == 422


def test_a_batch_through_the_page_with_one_refused_unit(
    served: Served, app_client: TestClient, browsers: dict[str, TestClient], tmp_path: Path
) -> None:
    office = browsers[COUNTY]
    failed = _sha(served, f"SELECT unit_code FROM review_state WHERE cycle_id = '{CYCLE}' AND state = 'failed'")
    page = office.get(f"/cycles/{CYCLE}/review")
    assert page.status_code == 200 and 'value="990121108"' in page.text and "同类中位数" in page.text
    picked = ["990121108", "990121109", failed]
    form = {"csrf": csrf_of(page.text), "action": "approve", "reason": "", "units": picked, "batch": "1"}
    got = office.post(f"/cycles/{CYCLE}/review", data=form)
    assert got.status_code == 200
    assert '<li class="ok" data-unit="990121108">已办理：杨滩镇：已审定</li>' in got.text
    assert '<li class="ok" data-unit="990121109">' in got.text
    refused = re.search(rf'<li class="bad" data-unit="{failed}">未办理：([^<]+)</li>', got.text)
    assert refused and "未通过校验" in refused.group(1) and "不能审定" in refused.group(1)
    assert [_state(app_client, served, u) for u in picked] == ["approved", "approved", "failed"]

    approved = TestClient(app_client.app)  # the unit's side: a locked report says so, and a new file is refused
    sign_in_changed(approved, served, "990121108")
    notice = approved.get("/units/990121108").text
    assert 'data-notice="approved"' in notice and "将被拒收" in notice and "重新打开" in notice
    locked = _api_upload(app_client, served, "990121108", filled(served.home, "990121108", tmp_path / "a.xlsx"))
    assert locked["status"] == "rejected" and "LOCK" in [f["rule"] for f in locked["findings"]]

    missing = _sha(served, f"SELECT unit_code FROM review_state WHERE cycle_id = '{CYCLE}' AND state = 'missing'")
    one = {"csrf": csrf_of(page.text), "one": f"excuse:{missing}", f"reason_{missing}": "机构撤并", "reason": ""}
    assert office.post(f"/cycles/{CYCLE}/review", data=one).status_code == 200
    assert _state(app_client, served, missing) == "excused"
    again = {"csrf": csrf_of(page.text), "one": "reopen:990121108", "reason_990121108": ""}
    needs = office.post(f"/cycles/{CYCLE}/review", data=again)
    assert needs.status_code == 422 and "重新打开须写明理由" in needs.text
    again["reason_990121108"] = "单位申请更正"
    assert office.post(f"/cycles/{CYCLE}/review", data=again).status_code == 200
    assert 'data-notice="reopened"' in approved.get("/units/990121108").text


def test_the_office_reads_a_units_audit_trail(
    served: Served, app_client: TestClient, browsers: dict[str, TestClient]
) -> None:
    trail = app_client.get("/api/v1/units/990121106/audit", headers=served.token(COUNTY)).json()
    portal = [(r["action"], r["source"], r["remote"], r["actor"]) for r in trail if r["source"] == "portal"]
    assert ("upload", "portal", "testclient", "990121106") in portal and (
        "explain",
        "portal",
        "testclient",
        "990121106",
    ) in portal
    assert [r["seq"] for r in trail] == sorted((r["seq"] for r in trail), reverse=True)  # newest first
    own = app_client.get(f"/api/v1/units/{TOWNSHIP}/audit", headers=served.token(CITY)).json()
    assert any(r["action"] == "account" and r["detail"] == "修改初始密码" and r["source"] == "portal" for r in own)
    assert any(r["action"] == "explain" and r["source"] == "portal" for r in own)
    page = browsers[COUNTY].get("/units/990121107").text
    assert 'id="trail"' in page and 'data-action="return"' in page and "退回：表三" in page and "报送平台" in page
    assert 'id="trail"' not in browsers[TOWNSHIP].get(f"/units/{TOWNSHIP}").text


def test_the_review_routes_are_documented(app_client: TestClient) -> None:
    guide = (Path(__file__).resolve().parents[1] / "docs" / "portal.md").read_text(encoding="utf-8")
    page = app_client.get("/api/docs").text
    for method, route in (("GET", "/cycles/{cycle_id}/review"), ("POST", "/cycles/{cycle_id}/review"),
                          ("GET", "/units/{code}/audit")):  # fmt: skip
        assert f"{method} /api/v1{route}" in page
        assert f"{method} /api/v1{route.replace('{cycle_id}', '{id}')}" in guide
    assert "approve / return / reopen / excuse" in page and "请求体" in page  # the JSON body, described
