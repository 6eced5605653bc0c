"""What the portal's tests share: a played demo to serve, its accounts, filled files, and signing in."""

from __future__ import annotations

import ctypes
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx

from huizong.accounts import Issued
from huizong.config import Home
from huizong.periods import Period
from huizong.template import write_template

COUNTY, TOWNSHIP, OTHER_TOWNSHIP, DEPARTMENT = "990121", "990121101", "990121102", "990121501"
CITY, OTHER_COUNTY = "990100", "990171"
PASSWORD = "新的密码-2026"


@dataclass
class Served:
    home: Home
    issued: dict[str, Issued]

    def token(self, code: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issued[code].token}"}


def copy_played(played: Home, target: Path) -> Served:
    """A copy of the played demo season with accounts for the whole city (the city office, its counties' offices
    and every unit)."""
    shutil.copytree(played.root, target, ignore=shutil.ignore_patterns("portal", "portal.json"))
    home = Home(target)
    issued = {i.code: i for i in home.accounts.create_under(home.registry, CITY)}
    return Served(home, issued)


def filled(home: Home, code: str, target: Path, period: int = 2025, **changes: int | Decimal | str) -> Path:
    """``code``'s template for ``period``, filled with a small consistent report (and ``changes``)."""
    form = home.catalog.choose(Period(period))
    values = (
        {c: 0 for c in form.inputs}
        | {"t3.new_received.natural_person": 3, "t3.granted.natural_person": 2, "t3.carried_forward.natural_person": 1}
        | changes
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_template(target, form, home.registry.get(code), Period(period), values=values)


def unbalanced(home: Home, code: str, target: Path) -> Path:
    """A report whose 表三 does not balance (H3): rejected, with the cell named."""
    return filled(home, code, target, **{"t3.carried_forward.natural_person": 9})


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: httpx.Client, code: str, password: str) -> httpx.Response:
    page = client.get("/login")
    return client.post(
        "/login", data={"code": code, "password": password, "csrf": csrf_of(page.text)}, follow_redirects=False
    )


def sign_in_changed(client: httpx.Client, served: Served, code: str) -> None:
    """Sign in with the one-time password and change it, as a unit does the first time."""
    first = sign_in(client, code, served.issued[code].password)
    assert first.headers["location"] == "/password"
    page = client.get("/password")
    changed = client.post(
        "/password",
        data={"old": served.issued[code].password, "new": PASSWORD, "again": PASSWORD, "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert changed.status_code == 303, changed.text
    served.issued[code] = Issued(code, "", served.issued[code].role, PASSWORD, served.issued[code].token)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    """In the child: end when the test process ends, however it ends (Linux prctl PR_SET_PDEATHSIG)."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


@contextmanager
def running_portal(
    home: Home, port: int | None = None, timeout_s: float = 60
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``huizong serve`` on 127.0.0.1 in its own process, until the block ends (or the test process does)."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(Path(sys.executable).parent / "huizong"), "serve", "--home", str(home.root), "--port", str(port)]
    log = (home.root / f"serve-{port}.log").open("wb")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
    try:
        wait_until_up(url, server, timeout_s)
        yield url, server
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        log.close()


def wait_until_up(url: str, server: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"huizong serve ended with {server.returncode}")
        try:
            if httpx.get(f"{url}/login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"huizong serve did not answer within {timeout_s} s")
