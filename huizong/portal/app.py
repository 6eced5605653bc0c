"""The portal's web application: FastAPI, server-rendered pages, a versioned JSON API, one ``Portal`` underneath.

``create_app(home)`` builds it; ``huizong serve`` runs it with uvicorn. Every error is answered in Chinese: as a page
for the pages, as ``{"detail": ...}`` for the API; nothing ever shows a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huizong import __version__
from huizong.config import Home
from huizong.portal.auth import SESSION_COOKIE, SESSION_HOURS, csrf_token, session_key
from huizong.portal.core import MAX_UPLOAD, NotFound, Portal, Refused

HERE = Path(__file__).resolve().parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
log = logging.getLogger("huizong.portal")
MESSAGES = {
    400: "请求有误",
    401: "请先登录",
    403: "无权访问",
    404: "未找到：页面不存在，或不在本账号的查看范围内",
    405: "不支持此操作",
    413: f"文件过大：上传的文件不能超过 {MAX_UPLOAD // 1024 // 1024} MB",
    415: "不是电子表格文件",
    422: "提交的内容不完整或格式不对",
    500: "系统内部错误，已记录；请稍后再试或联系政务公开办公室",
}


class SignInNeeded(Exception):
    """A page was asked for without a valid session: go to the sign-in page (or change the one-time password)."""

    def __init__(self, to: str) -> None:
        super().__init__(to)
        self.to = to


def create_app(home: Home, watch_inbox: bool = True, url: str = "", opened: Portal | None = None) -> FastAPI:
    """The application over ``home``. It opens its ``Portal`` at start, unless given one ``opened`` already (so
    ``huizong serve`` reports a busy warehouse in one line before the server starts)."""
    from huizong.portal import api, pages

    portal = opened or Portal(home, watch_inbox)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if opened is None:
            portal.open(url)
        try:
            yield
        finally:
            portal.close()

    app = FastAPI(
        title="huizong 报送平台 API",
        version=__version__,
        description="政府信息公开工作年度报告等报表的报送、校验与查询。"
        "登录后使用会话，或在请求头中带 Authorization: Bearer TOKEN（令牌由政务公开办公室发放）。",
        lifespan=lifespan,
        docs_url=None,  # the interactive page loads scripts from the internet; /api/docs is rendered here instead
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.portal = portal
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_key(home.portal),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_HOURS * 3600,
        same_site="lax",
        https_only=False,  # county intranets serve plain http; behind TLS set it at the proxy
    )
    app.add_middleware(BodyLimit, limit=MAX_UPLOAD + 64 * 1024)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    _handlers(app)
    return app


def portal_of(request: Request) -> Portal:
    """The portal the application was made over (routes take it as a dependency)."""
    portal: Portal = request.app.state.portal
    return portal


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(request: Request, status: int, message: str = "") -> Response:
    text = message or MESSAGES.get(status, "请求未能完成")
    if _is_api(request):
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"detail": text}, status_code=status, headers=headers)
    return TEMPLATES.TemplateResponse(
        request, "error.html", {"status": status, "message": text, "actor": None, "csrf": csrf_token(request)}, status
    )


def _handlers(app: FastAPI) -> None:
    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        detail = exc.detail if isinstance(exc.detail, str) and exc.status_code not in (404, 405) else ""
        return error_response(request, exc.status_code, detail if detail != "Not Found" else "")

    async def invalid(request: Request, exc: Exception) -> Response:
        return error_response(request, 422)

    async def not_found(request: Request, exc: Exception) -> Response:
        return error_response(request, 404)

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        return error_response(request, exc.status, exc.message)

    async def sign_in_needed(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInNeeded)
        return RedirectResponse(exc.to, status_code=303)

    async def crashed(request: Request, exc: Exception) -> Response:
        log.exception("未处理的错误：%s %s", request.method, request.url.path, exc_info=exc)
        return error_response(request, 500)

    handlers: dict[type[Exception], Callable[[Request, Exception], Awaitable[Response]]] = {
        HTTPException: http_error,
        RequestValidationError: invalid,
        NotFound: not_found,
        Refused: refused,
        SignInNeeded: sign_in_needed,
        Exception: crashed,
    }
    for kind, handler in handlers.items():
        app.add_exception_handler(kind, handler)


class _BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Refuses a request body over ``limit`` bytes before it is read (by its Content-Length) or as it streams in
    (a chunked body), with 413: an upload is never held whole in memory or on disk past the limit."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        seen, exceeded, refused = 0, False, False

        async def counted() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                exceeded = True
                raise _BodyTooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal refused
            if not exceeded:
                await send(message)
            elif not refused:  # whatever the application made of the cut body (a 400), the answer is 413
                refused = True
                await self._refuse(scope, receive, send)

        with suppress(_BodyTooLarge):
            await self.app(scope, counted, watched)
        if exceeded and not refused:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        api = scope["path"].startswith("/api/")
        body: Any = {"detail": MESSAGES[413]}
        response: Response = (
            JSONResponse(body, 413)
            if api
            else Response(
                f"<!doctype html><meta charset=utf-8><title>413</title><p>{MESSAGES[413]}</p>",
                413,
                media_type="text/html",
            )
        )
        await response(scope, receive, send)
