"""``huizong serve`` and ``huizong accounts``: the portal's commands, registered on the main ``huizong`` group.

The web stack (FastAPI, uvicorn) is imported only by ``serve``, so the other commands start as fast as before.
"""

from __future__ import annotations

import json
import socket
from dataclasses import asdict
from pathlib import Path

import click

from huizong.accounts import Issued
from huizong.config import Home
from huizong.errors import UsageError
from huizong.options import home_option

ROLES = {"office": "办公室（本级及下级）", "unit": "填报单位（仅本单位）"}


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every one).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--no-inbox", is_flag=True, help="Do not take in files dropped into <home>/inbox while serving.")
def serve(home: Path, host: str, port: int, no_inbox: bool) -> None:
    """Run the reporting portal (报送平台) over the data directory.

    Units sign in with their code and password, download their template, hand in their file and read the verdict;
    offices watch their cycles and consolidate. While it runs the portal is the warehouse's only writer: files
    dropped into <home>/inbox are taken in by it every few seconds. Stop it with Ctrl-C.

    \b
    Example:
        huizong accounts create --under 990121
        huizong serve --port 8000        # then open http://127.0.0.1:8000
    """
    import uvicorn

    from huizong.portal.app import create_app
    from huizong.portal.core import Portal

    where = Home(home)
    where.registry  # noqa: B018  (a missing registry is one line here, not a traceback in the server)
    _port_free(host, port)
    url = f"http://{host}:{port}"
    portal = Portal(where, watch_inbox=not no_inbox)
    portal.open(url)
    click.echo(f"报送平台：{url}（数据目录 {where.root}；Ctrl-C 停止）")
    try:
        uvicorn.run(create_app(where, url=url, opened=portal), host=host, port=port, log_level="warning")
    finally:
        portal.close()


def _port_free(host: str, port: int) -> None:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise UsageError(f"无法在 {host}:{port} 上监听（端口已被占用？换一个 --port）：{exc.strerror}") from exc


@click.group()
def accounts() -> None:
    """Portal accounts: one per unit; the login is the unit code.

    \b
    Example:
        huizong accounts create --under 990121
        huizong accounts reset 990121101
    """


@accounts.command("create")
@click.option("--under", required=True, metavar="CODE", help="The county or city office: it and every unit below.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (code, name, role, password, token).")
def create(home: Path, under: str, as_json: bool) -> None:
    """Issue accounts for CODE (role office) and every unit below it (role unit; aggregating units: office).

    Each new account gets a one-time password, to be changed at its first sign-in, and an API token for scripts;
    both are printed here once and stored only as hashes. Existing accounts are left as they are.

    \b
    Example:
        huizong accounts create --under 990121 --json > 990121-accounts.json
    """
    where = Home(home)
    issued = where.accounts.create_under(where.registry, under)
    _show(issued, as_json)


@accounts.command("reset")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def reset(home: Path, code: str, as_json: bool) -> None:
    """Give CODE a new one-time password and token (and enable it again); its sessions end at once.

    \b
    Example:
        huizong accounts reset 990121101
    """
    where = Home(home)
    _show([where.accounts.reset(where.registry.get(code))], as_json)


@accounts.command("disable")
@click.argument("code")
def disable(home: Path, code: str) -> None:
    """Stop CODE from signing in or using its token (``reset`` enables it again).

    \b
    Example:
        huizong accounts disable 990121531
    """
    where = Home(home)
    unit = where.registry.get(code)
    where.accounts.disable(code)
    click.echo(f"已停用 {unit.code} {unit.name}")


for _command in (serve, create, reset, disable):
    home_option(_command)


def _show(issued: list[Issued], as_json: bool) -> None:
    new = [i for i in issued if i.new]
    if as_json:
        click.echo(json.dumps([asdict(i) for i in issued], ensure_ascii=False, indent=2))
        return
    for item in issued:
        if item.new:
            click.echo(f"{item.code}  {item.name}  {ROLES[item.role]}  初始密码 {item.password}  令牌 {item.token}")
        else:
            click.echo(f"{item.code}  {item.name}  已有账号，未改动（如需新密码：huizong accounts reset {item.code}）")
    click.echo(
        f"新建 {len(new)} 个账号，已有 {len(issued) - len(new)} 个；初始密码首次登录后须修改，请妥善分发。", err=True
    )
