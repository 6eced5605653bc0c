"""Sign-ins to the portal (报送平台): one account per unit, its password and API token kept only as argon2 hashes.

Accounts live in ``<home>/portal/accounts.sqlite``, apart from the warehouse: the analysts' snapshot is a copy of the
warehouse and must never carry a password hash, and an office issues or resets accounts while the portal runs (SQLite
lets both processes write). The login is the unit code. Two roles: ``office`` (an aggregating unit: everything in its
subtree) and ``unit`` (its own unit only). A password issued or reset here is one-time: it must be changed at the
first sign-in. ``epoch`` changes with every password change, reset or disable, so sessions signed before it end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from huizong import auditlog
from huizong.errors import UsageError
from huizong.registry import Registry, Unit

MAX_FAILURES = 5  # failed sign-ins in a row before the account is locked
LOCK_MINUTES = 15
MIN_PASSWORD = 8
_HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile: ~90 ms here, for passwords people choose
# Generated secrets (API tokens: 256 random bits; one-time passwords: 71) cannot be guessed whatever the hash costs,
# so they get a light argon2id (~1 ms): issuing a city's 1,000 accounts takes seconds, not minutes.
_LIGHT = PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1)
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"  # no 0/O, 1/l/I: read aloud, typed by hand
_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    code          TEXT PRIMARY KEY,       -- the unit code, which is also the login
    role          TEXT NOT NULL CHECK (role IN ('office', 'unit')),
    password_hash TEXT NOT NULL,          -- argon2id
    token_hash    TEXT NOT NULL,          -- argon2id of the API token's secret part
    must_change   INTEGER NOT NULL,       -- the password is one-time: change it at the next sign-in
    disabled      INTEGER NOT NULL DEFAULT 0,
    failures      INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT,                   -- ISO time; sign-ins are refused until then
    epoch         TEXT NOT NULL,          -- changes with every change of credentials: older sessions end
    created_at    TEXT NOT NULL,
    changed_at    TEXT NOT NULL
)
"""


class SignInRefused(Exception):
    """A sign-in that did not succeed; ``message`` is what the page shows (it never says whether the code exists)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Account:
    code: str
    role: str
    must_change: bool
    disabled: bool
    epoch: str


@dataclass(frozen=True)
class Issued:
    """What ``create`` and ``reset`` hand out, printed once and stored nowhere in clear."""

    code: str
    name: str
    role: str
    password: str
    token: str
    new: bool = True  # False: the account existed and was left as it was (no secrets shown)


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def new_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))


class Accounts:
    """The account store of one data directory."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _db(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction; a writing one takes SQLite's write lock at once (another process waits up to 10 s)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=FULL")
            con.execute(_SCHEMA)
            con.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield con
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()
        self.path.chmod(0o600)

    def get(self, code: str) -> Account | None:
        with self._db(write=False) as db:
            row = db.execute(
                "SELECT code, role, must_change, disabled, epoch FROM accounts WHERE code = ?", (code,)
            ).fetchone()
        return Account(row[0], row[1], bool(row[2]), bool(row[3]), row[4]) if row else None

    def create_under(self, registry: Registry, top: str, today: dt.date | None = None) -> list[Issued]:
        """An ``office`` account for ``top`` and one for every unit below it that still exists (aggregating units
        get ``office``: their own subtree); accounts that exist already are kept as they are."""
        registry.get(top)
        since = (today or dt.date.today()).replace(month=1, day=1, year=(today or dt.date.today()).year - 1)
        units = [u for u in registry.subtree(top) if u.valid_to is None or u.valid_to >= since]
        issued = []
        with self._db() as db:
            existing = {row[0] for row in db.execute("SELECT code FROM accounts")}
            for unit in units:
                role = "office" if unit.code == top or registry.is_aggregating(unit.code) else "unit"
                if unit.code in existing:
                    issued.append(Issued(unit.code, unit.name, role, "", "", new=False))
                    continue
                password, token = new_password(), _new_token(unit.code)
                now = _now().isoformat()
                db.execute(
                    "INSERT INTO accounts (code, role, password_hash, token_hash, must_change, epoch, created_at,"
                    " changed_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?)",
                    (unit.code, role, _LIGHT.hash(password), _token_hash(token), secrets.token_hex(8), now, now),
                )
                issued.append(Issued(unit.code, unit.name, role, password, token))
        self._log([(i.code, f"开设账号（{'办公室' if i.role == 'office' else '填报单位'}）") for i in issued if i.new])
        return issued

    def reset(self, unit: Unit) -> Issued:
        """A new one-time password and a new token; the old ones and every session end at once."""
        password, token = new_password(), _new_token(unit.code)
        with self._db() as db:
            role = self._role(db, unit.code)
            db.execute(
                "UPDATE accounts SET password_hash = ?, token_hash = ?, must_change = 1, disabled = 0, failures = 0,"
                " locked_until = NULL, epoch = ?, changed_at = ? WHERE code = ?",
                (_LIGHT.hash(password), _token_hash(token), secrets.token_hex(8), _now().isoformat(), unit.code),
            )
        self._log([(unit.code, "重置密码和令牌（原会话全部失效）")])
        return Issued(unit.code, unit.name, role, password, token)

    def disable(self, code: str) -> None:
        with self._db() as db:
            self._role(db, code)
            db.execute(
                "UPDATE accounts SET disabled = 1, epoch = ?, changed_at = ? WHERE code = ?",
                (secrets.token_hex(8), _now().isoformat(), code),
            )
        self._log([(code, "停用账号")])

    def _log(self, changes: Sequence[tuple[str, str]]) -> None:
        """Account changes go into the audit log through its journal (the warehouse may be held by the portal)."""
        if not changes:
            return
        actor, remote, source = auditlog.command_user()
        entries = [auditlog.Entry("account", actor, code, None, code, what, remote, source) for code, what in changes]
        auditlog.journal(self.path.parents[1], entries)

    @staticmethod
    def _role(db: sqlite3.Connection, code: str) -> str:
        row = db.execute("SELECT role FROM accounts WHERE code = ?", (code,)).fetchone()
        if row is None:
            raise UsageError(f"单位 {code} 还没有账号：先运行 huizong accounts create --under 上级代码 (no account)")
        return str(row[0])

    def sign_in(self, code: str, password: str, now: dt.datetime | None = None) -> Account:
        """The account, when the password is right and the account usable; else ``SignInRefused``. Failures count
        towards a lock of ``LOCK_MINUTES`` after ``MAX_FAILURES`` in a row."""
        now = now or _now()
        refusal = None  # raised after the transaction, so that a failure is counted (committed) all the same
        with self._db() as db:
            row = db.execute(
                "SELECT password_hash, disabled, failures, locked_until FROM accounts WHERE code = ?", (code,)
            ).fetchone()
            if row is None:
                _verify(_dummy_hash(), password)  # as slow as a real check
                refusal = SignInRefused("单位代码或密码不正确")
            elif row[3] and dt.datetime.fromisoformat(row[3]) > now:
                refusal = SignInRefused(f"连续登录失败次数过多，账号已锁定至 {row[3][11:16]}，请稍后再试")
            elif not _verify(row[0], password) or row[1]:
                failures = row[2] + 1
                until = (now + dt.timedelta(minutes=LOCK_MINUTES)).isoformat() if failures >= MAX_FAILURES else None
                db.execute(
                    "UPDATE accounts SET failures = ?, locked_until = ? WHERE code = ?",
                    (0 if until else failures, until, code),
                )
                refusal = SignInRefused("此账号已停用，请联系上级政务公开办公室" if row[1] else "单位代码或密码不正确")
            else:
                db.execute("UPDATE accounts SET failures = 0, locked_until = NULL WHERE code = ?", (code,))
        if refusal is not None:
            raise refusal
        account = self.get(code)
        assert account is not None
        return account

    def change_password(self, code: str, old: str, new: str) -> Account:
        """Replace the password (and end other sessions); the new one must be of some length and not the old one."""
        problem = password_problem(code, old, new)
        if problem:
            raise SignInRefused(problem)
        with self._db() as db:
            row = db.execute("SELECT password_hash FROM accounts WHERE code = ? AND NOT disabled", (code,)).fetchone()
            if row is None or not _verify(row[0], old):
                raise SignInRefused("原密码不正确")
            db.execute(
                "UPDATE accounts SET password_hash = ?, must_change = 0, epoch = ?, changed_at = ? WHERE code = ?",
                (_HASHER.hash(new), secrets.token_hex(8), _now().isoformat(), code),
            )
        account = self.get(code)
        assert account is not None
        return account

    def by_token(self, token: str) -> Account | None:
        """The account an API token belongs to, or None (unknown, wrong or disabled)."""
        code, _, secret = token.partition(".")
        if not secret:
            return None
        with self._db(write=False) as db:
            row = db.execute("SELECT token_hash FROM accounts WHERE code = ? AND NOT disabled", (code,)).fetchone()
        if row is None or not _token_matches(row[0], token):
            return None
        return self.get(code)


def password_problem(code: str, old: str, new: str) -> str:
    if len(new) < MIN_PASSWORD:
        return f"新密码至少 {MIN_PASSWORD} 位"
    if new == old:
        return "新密码不能与原密码相同"
    if code in new:
        return "新密码不能包含单位代码"
    return ""


@cache
def _dummy_hash() -> str:
    return _HASHER.hash("huizong-no-such-account")


def _verify(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _new_token(code: str) -> str:
    return f"{code}.{secrets.token_urlsafe(32)}"


def _token_hash(token: str) -> str:
    return _LIGHT.hash(token)


_verified_tokens: dict[str, str] = {}  # sha256 of a token -> the argon2 hash it was verified against


def _token_matches(stored: str, token: str) -> bool:
    """argon2 costs ~50 ms; a script uploads a file a second. A token verified once against the stored hash is
    remembered (by its SHA-256, in this process only) until that hash changes, which a reset does."""
    key = hashlib.sha256(token.encode()).hexdigest()
    if hmac.compare_digest(_verified_tokens.get(key, ""), stored):
        return True
    if _verify(stored, token):
        _verified_tokens[key] = stored
        return True
    return False
