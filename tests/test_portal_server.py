"""``huizong serve`` as a real process: killed with SIGKILL in the middle of uploads, it loses no answered upload, and
the next start judges what was archived but not yet recorded. And the CLI's word while a portal holds the warehouse.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path

import duckdb
import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from huizong.archive import store_stream
from huizong.cli import main
from huizong.config import Home
from huizong.portal.app import create_app
from tests.portal_kit import COUNTY, Served, copy_played, filled, running_portal


@pytest.fixture()
def served(played: tuple[Home, str], tmp_path: Path) -> Served:
    return copy_played(played[0], tmp_path / "var")


def test_killing_the_server_loses_no_answered_upload(served: Served, tmp_path: Path) -> None:
    units = [u.code for u in served.home.registry.below(COUNTY) if not served.home.registry.is_aggregating(u.code)]
    files = {code: filled(served.home, code, tmp_path / "files" / f"{code}.xlsx") for code in units}
    answered: dict[str, str] = {}  # unit -> sha256 of an upload that was answered
    lock = threading.Lock()
    with running_portal(served.home) as (url, server):

        def hand_in(codes: list[str]) -> None:
            with httpx.Client(base_url=url, timeout=30) as client:
                for code in codes:
                    try:
                        with files[code].open("rb") as stream:
                            got = client.post("/api/v1/submissions", headers=served.token(code), files={"file": stream})
                    except httpx.HTTPError:
                        return  # the server is gone: this upload was never answered
                    if got.status_code == 200:
                        with lock:
                            answered[code] = got.json()["sha256"]
                            if len(answered) == 12:
                                os.kill(server.pid, signal.SIGKILL)

        threads = [threading.Thread(target=hand_in, args=(units[i::4],)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        server.wait(timeout=10)
        assert server.returncode == -signal.SIGKILL
    assert 12 <= len(answered) < len(units)
    with running_portal(served.home) as (url, _):
        for code, sha in answered.items():
            got = httpx.get(f"{url}/api/v1/submissions/{sha}", headers=served.token(code))
            assert got.status_code == 200 and got.json()["status"] == "accepted", code
    assert list((served.home.portal / "pending").iterdir()) == []
    with duckdb.connect(str(served.home.warehouse), read_only=True) as con:
        archived = {p.stem for p in served.home.archive.glob("*/*.xlsx")}
        recorded = {row[0] for row in con.execute("SELECT sha256 FROM submissions").fetchall()}
        uploads = con.execute("SELECT count(*), count(DISTINCT upload_id) FROM uploads").fetchone()
    assert archived <= recorded  # every file that reached the archive was judged, before or after the kill
    assert uploads is not None and uploads[0] == uploads[1] >= len(answered)


def test_the_next_start_judges_what_was_journalled_and_not_recorded(served: Served, tmp_path: Path) -> None:
    code = "990121103"
    path = filled(served.home, code, tmp_path / "a.xlsx")
    with path.open("rb") as stream:
        digest, archived, size = store_stream(served.home.archive, stream, ".xlsx", 1 << 20)
    pending = served.home.portal / "pending"
    pending.mkdir(parents=True, exist_ok=True)
    entry = {"upload_id": "u-left-behind", "account": code, "file_name": "a.xlsx", "remote": "127.0.0.1",
             "explanation": "", "sha256": digest, "archived": str(archived), "size": size,
             "received_at": "2026-01-18T10:00:00"}  # fmt: skip
    (pending / "u-left-behind.json").write_text(json.dumps(entry), encoding="utf-8")
    for _ in range(2):  # the second start finds the entry recorded already (as if killed before clearing it)
        with TestClient(create_app(served.home, watch_inbox=False)) as client:
            got = client.get(f"/api/v1/submissions/{digest}", headers=served.token(code))
        assert got.status_code == 200 and got.json()["status"] == "accepted"
        assert list(pending.iterdir()) == []
        (pending / "u-left-behind.json").write_text(json.dumps(entry), encoding="utf-8")
    with duckdb.connect(str(served.home.warehouse), read_only=True) as con:
        rows = con.execute("SELECT upload_id, account, received_at::VARCHAR FROM uploads").fetchall()
        sources = con.execute("SELECT source_path FROM receipts WHERE sha256 = ?", [digest]).fetchall()
        logged = con.execute("SELECT actor, remote, source FROM audit_log WHERE subject = ?", [digest]).fetchall()
    assert rows == [("u-left-behind", code, "2026-01-18 10:00:00")]
    assert sources == [(f"portal:{code}/a.xlsx",)]
    assert logged == [(code, "127.0.0.1", "portal")]  # logged once, with the upload it was recorded with


def test_the_cli_says_in_one_line_that_the_portal_holds_the_warehouse(served: Served) -> None:
    with running_portal(served.home) as (url, _):
        result = CliRunner().invoke(main, ["intake", "--home", str(served.home.root)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "报送平台正在运行" in result.stderr and url in result.stderr
    assert "inbox" in result.stderr
