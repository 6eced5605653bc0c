"""What the portal's tests share: a played demo to serve, its accounts, filled files, and signing in."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx

from bench.server import running_portal
from huizong.accounts import Issued
from huizong.config import Home
from huizong.consolidate import publish, rebuild
from huizong.distribute import cycle_for
from huizong.intake import new_run_id
from huizong.periods import Period
from huizong.review.core import Who, decide
from huizong.template import write_template

COUNTY, TOWNSHIP, OTHER_TOWNSHIP, DEPARTMENT = "990121", "990121101", "990121102", "990121501"
CITY, OTHER_COUNTY = "990100", "990171"
PASSWORD = "新的密码-2026"
__all__ = ["running_portal"]


@dataclass
class Served:
    home: Home
    issued: dict[str, Issued]

    def token(self, code: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issued[code].token}"}


def copy_played(played: Home, target: Path) -> Served:
    """A copy of the played demo season, its reports under review again (what the demo's office approved or excused
    is reopened, so units may hand in again), with accounts for the whole city (the city office, its counties'
    offices and every unit)."""
    shutil.copytree(played.root, target, ignore=shutil.ignore_patterns("portal", "portal.json"))
    home = Home(target)
    reopen_decided(home)
    issued = {i.code: i for i in home.accounts.create_under(home.registry, CITY)}
    return Served(home, issued)


def reopen_decided(home: Home) -> None:
    """Reopen every approved or excused report, as an office does before reviewing a season again."""
    query = (
        "SELECT r.cycle_id, r.owner, r.period, c.form_id || '/' || c.form_version, list(r.unit_code ORDER BY "
        "r.unit_code) FROM review_state AS r JOIN cycles AS c USING (cycle_id) "
        "WHERE r.state IN ('approved', 'excused') GROUP BY ALL ORDER BY 1"
    )
    who = Who("测试（命令行）", "localhost", "cli")
    with home.connect() as wh:
        decided = wh.con.execute(query).fetchall()
        for _, owner, period, form, units in decided:
            cycle = cycle_for(home, owner, period, form)
            outcomes = decide(home, wh, cycle, "reopen", units, "重新审核", who)
            assert all(o.done for o in outcomes), [o.message for o in outcomes if not o.done]
        rebuild(wh, home, new_run_id("test"))
    publish(home)


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
