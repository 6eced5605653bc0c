"""Who is asking: a signed session cookie (pages) or ``Authorization: Bearer TOKEN`` (scripts), and CSRF.

The session (Starlette's ``SessionMiddleware``: signed with the portal's key, HttpOnly, SameSite=Lax) holds the unit
code, the account's ``epoch`` (a reset, disable or password change ends every older session) and the CSRF token that
every form posts back. A request with a bearer token carries no cookie, so it needs no CSRF token; an API call made
with the session cookie must send the token in ``X-CSRF-Token``.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path

from starlette.requests import Request

from huizong.accounts import Account, Accounts
from huizong.portal.permissions import Actor
from huizong.registry import Registry

SESSION_COOKIE = "huizong_session"
SESSION_HOURS = 8


def session_key(folder: Path) -> str:
    """The portal's signing key, made once per data directory and readable by its owner only."""
    path = folder / "session.key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(".session.key.tmp")
        partial.write_text(secrets.token_urlsafe(48), encoding="ascii")
        partial.chmod(0o600)
        partial.replace(path)
    return path.read_text(encoding="ascii").strip()


def actor_of(request: Request, accounts: Accounts, registry: Registry) -> Actor | None:
    """The signed-in actor, by bearer token or by session; None when neither is valid."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        account = accounts.by_token(token.strip()) if scheme.lower() == "bearer" else None
        return _actor(account, registry, by_token=True) if account else None
    code, epoch = request.session.get("code"), request.session.get("epoch")
    if not code:
        return None
    account = accounts.get(code)
    if account is None or account.disabled or not hmac.compare_digest(account.epoch, str(epoch)):
        request.session.clear()
        return None
    return _actor(account, registry)


def _actor(account: Account, registry: Registry, by_token: bool = False) -> Actor | None:
    unit = registry.units.get(account.code)
    if unit is None:
        return None
    return Actor(account.code, account.role, unit.name, account.must_change and not by_token, by_token)


def sign_in(request: Request, account: Account) -> None:
    request.session.clear()
    request.session.update({"code": account.code, "epoch": account.epoch, "csrf": secrets.token_urlsafe(24)})


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use, so the sign-in form has one too)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return str(token)


def csrf_ok(request: Request, sent: str | None) -> bool:
    expected = request.session.get("csrf")
    return bool(expected and sent and hmac.compare_digest(str(expected), sent))
