"""The portal over a played demo season: who may see what (a matrix), signing in, CSRF, and handing files in."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

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
ACTORS = ("anonymous", TOWNSHIP, OTHER_TOWNSHIP, COUNTY, OTHER_COUNTY, CITY)


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
