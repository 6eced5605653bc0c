"""Accounts: issued per unit from the registry, secrets kept only as argon2 hashes, reset and disable."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from huizong.accounts import SignInRefused
from huizong.cli import main
from huizong.config import Home
from tests.conftest import make_home


@pytest.fixture()
def home(tmp_path: Path) -> Home:
    return make_home(tmp_path / "var")


def _create(home: Home, *args: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(main, ["accounts", "create", "--home", str(home.root), *args, "--json"])
    assert result.exit_code == 0, result.output
    issued: list[dict[str, object]] = json.loads(result.stdout)
    return issued


def test_an_office_and_every_unit_below_it_get_an_account(home: Home) -> None:
    issued = _create(home, "--under", "990121")
    roles = {str(i["code"]): i["role"] for i in issued}
    assert roles["990121"] == "office" and roles["990121000"] == "unit" and roles["990121101"] == "unit"
    assert set(roles) == {
        u.code for u in home.registry.subtree("990121") if u.valid_to is None or u.valid_to.year >= 2025
    }
    first = issued[1]
    assert len(str(first["password"])) == 12 and str(first["token"]).startswith(f"{first['code']}.")
    stored = home.accounts.path.read_bytes()
    assert all(str(i["password"]).encode() not in stored and str(i["token"]).encode() not in stored for i in issued)
    assert b"$argon2id$" in stored
    again = _create(home, "--under", "990121")
    assert not any(i["new"] for i in again) and all(i["password"] == "" for i in again)


def test_a_city_gives_its_counties_office_accounts(home: Home) -> None:
    roles = {str(i["code"]): i["role"] for i in _create(home, "--under", "990100")}
    assert roles["990100"] == roles["990121"] == "office" and roles["990100501"] == "unit"


def test_sign_in_reset_and_disable(home: Home) -> None:
    issued = {str(i["code"]): i for i in _create(home, "--under", "990121")}
    code, password = "990121101", str(issued["990121101"]["password"])
    store = home.accounts
    account = store.sign_in(code, password)
    assert account.must_change and store.by_token(str(issued[code]["token"])) == account
    changed = store.change_password(code, password, "一个新的密码-2026")
    assert not changed.must_change and changed.epoch != account.epoch
    with pytest.raises(SignInRefused, match="不正确"):
        store.sign_in(code, password)
    result = CliRunner().invoke(main, ["accounts", "reset", code, "--home", str(home.root), "--json"])
    fresh = json.loads(result.stdout)[0]
    assert store.by_token(str(issued[code]["token"])) is None and store.by_token(fresh["token"]) is not None
    assert store.sign_in(code, fresh["password"]).must_change
    result = CliRunner().invoke(main, ["accounts", "disable", code, "--home", str(home.root)])
    assert result.exit_code == 0 and "已停用" in result.stdout
    with pytest.raises(SignInRefused, match="已停用"):
        store.sign_in(code, fresh["password"])
    assert store.by_token(fresh["token"]) is None


def test_five_failures_lock_for_a_while(home: Home) -> None:
    issued = {str(i["code"]): i for i in _create(home, "--under", "990121")}
    code, password = "990121102", str(issued["990121102"]["password"])
    now = dt.datetime(2026, 1, 20, 9, 0)
    for _ in range(5):
        with pytest.raises(SignInRefused, match="不正确"):
            home.accounts.sign_in(code, "wrong", now)
    with pytest.raises(SignInRefused, match="锁定至 09:15"):
        home.accounts.sign_in(code, password, now + dt.timedelta(minutes=1))
    assert home.accounts.sign_in(code, password, now + dt.timedelta(minutes=16)).code == code


def test_accounts_of_an_unknown_unit_is_one_line(home: Home) -> None:
    result = CliRunner().invoke(main, ["accounts", "reset", "990121999", "--home", str(home.root)])
    assert result.exit_code == 2 and result.stderr.startswith("huizong: ") and len(result.stderr.splitlines()) == 1
