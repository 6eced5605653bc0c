"""The portal's pages: plain HTML forms that work without JavaScript, over the same ``Portal`` as the API.

Every page asks ``page_actor`` who is signed in (or sends the browser to the sign-in page, or to the password page
while the one-time password is unchanged); every form posts its CSRF token back.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from huizong.accounts import SignInRefused
from huizong.portal import assessing, labels, reviewing, trail
from huizong.portal.app import TEMPLATES, SignInNeeded, portal_of
from huizong.portal.auth import actor_of, csrf_ok, csrf_token, sign_in
from huizong.portal.core import NotFound, Portal, Refused
from huizong.portal.downloads import XLSX, attachment, document_file, office_file, snapshot_file, workbook_file
from huizong.portal.permissions import Actor, allowed

router = APIRouter(include_in_schema=False)
log = logging.getLogger("huizong.portal")


def page_actor(request: Request) -> Actor:
    portal = portal_of(request)
    actor = actor_of(request, portal.home.accounts, portal.registry)
    if actor is None or actor.by_token:
        raise SignInNeeded(f"/login?next={quote(request.url.path)}")
    if actor.must_change and request.url.path != "/password":
        raise SignInNeeded("/password")
    return actor


async def checked_form(request: Request) -> None:
    """A POSTed form must carry the session's CSRF token."""
    form = await request.form()
    sent = form.get("csrf")
    if not csrf_ok(request, sent if isinstance(sent, str) else None):
        raise HTTPException(403, "页面已过期或来源不明（CSRF 校验未通过），请返回后刷新页面再提交")


Signed = Annotated[Actor, Depends(page_actor)]
ThePortal = Annotated[Portal, Depends(portal_of)]
CSRF = Depends(checked_form)


def render(request: Request, name: str, actor: Actor | None, status: int = 200, **context: Any) -> HTMLResponse:
    portal = portal_of(request)
    base: dict[str, Any] = {"actor": actor, "csrf": csrf_token(request), "labels": labels, "portal": portal}
    if actor is not None:
        base["is_office"] = actor.role == "office"
        base["can_snapshot"] = allowed(portal.registry, actor, "snapshot", "")
    return TEMPLATES.TemplateResponse(request, name, base | context, status)


def go(to: str) -> RedirectResponse:
    return RedirectResponse(to, status_code=303)


# ── signing in ──


@router.get("/")
def home(request: Request) -> Response:
    portal = portal_of(request)
    actor = actor_of(request, portal.home.accounts, portal.registry)
    if actor is None or actor.by_token:
        return go("/login")
    return go("/office" if actor.role == "office" else f"/units/{actor.code}")


@router.get("/login")
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", None, next=_safe_next(next), message="", code="")


@router.post("/login", dependencies=[CSRF])
def login(
    request: Request,
    code: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    portal = portal_of(request)
    try:
        account = portal.home.accounts.sign_in(code.strip(), password)
    except SignInRefused as refused:
        return render(request, "login.html", None, 401, next=_safe_next(next), message=refused.message, code=code)
    sign_in(request, account)
    return go("/password" if account.must_change else _safe_next(next))


@router.post("/logout", dependencies=[CSRF])
def logout(request: Request) -> Response:
    request.session.clear()
    return go("/login")


@router.get("/password")
def password_page(request: Request, actor: Signed) -> HTMLResponse:
    return render(request, "password.html", actor, message="")


@router.post("/password", dependencies=[CSRF])
def change_password(
    request: Request,
    actor: Signed,
    old: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
    again: Annotated[str, Form()] = "",
) -> Response:
    portal = portal_of(request)
    if new != again:
        return render(request, "password.html", actor, 422, message="两次输入的新密码不一致")
    try:
        account = portal.home.accounts.change_password(actor.code, old, new)
    except SignInRefused as refused:
        return render(request, "password.html", actor, 422, message=refused.message)
    sign_in(request, account)
    what = "修改初始密码" if actor.must_change else "修改密码"
    try:  # the password is changed already (in the accounts file): a failure to log it must not undo the answer
        trail.log(portal.home, portal.writer, [trail.account_changed(actor, _remote(request), what)])
    except Exception:
        log.exception("未能记录密码修改：%s", actor.code)
    return go("/")


def _safe_next(to: str) -> str:
    """Only a path of this site: never another host (``//evil``, ``https://…``)."""
    return to if to.startswith("/") and not to.startswith("//") and "\\" not in to else "/"


# ── a unit's pages ──


def _unit(
    request: Request, actor: Actor, portal: Portal, code: str, status: int = 200, message: str = ""
) -> HTMLResponse:
    cycles = portal.unit_cycles(actor, code)
    unit = portal.registry.units[code]
    can_submit = allowed(portal.registry, actor, "submit", code)
    audited = trail.of_unit(portal, actor, code) if allowed(portal.registry, actor, "audit", code) else None
    context: dict[str, Any] = {
        "unit": unit,
        "cycles": cycles,
        "can_submit": can_submit,
        "message": message,
        "trail": audited,
    }
    return render(request, "unit.html", actor, status, **context)


@router.get("/units/{code}")
def unit_page(request: Request, code: str, actor: Signed, portal: ThePortal) -> HTMLResponse:
    return _unit(request, actor, portal, code)


@router.post("/units/{code}/upload", dependencies=[CSRF])
def upload(
    request: Request,
    code: str,
    actor: Signed,
    portal: ThePortal,
    file: Annotated[UploadFile | None, File()] = None,
    explanation: Annotated[str, Form()] = "",
) -> Response:
    portal.check(actor, "submit", code)
    if file is None or not file.filename:
        return _unit(request, actor, portal, code, 422, "请先选择要上传的文件")
    handed = portal.hand_in(actor, file.file, file.filename, explanation, _remote(request))
    body = handed.body
    if body["id"] is not None:
        return go(f"/submissions/{body['id']}?upload={body['upload_id']}&as={body['status']}")
    return render(request, "refused.html", actor, 200 if handed.http_status == 200 else handed.http_status, answer=body)


@router.get("/units/{code}/history")
def history(request: Request, code: str, actor: Signed, portal: ThePortal) -> HTMLResponse:
    rows = portal.history(actor, code)
    return render(request, "history.html", actor, unit=portal.registry.units[code], rows=rows)


@router.get("/units/{code}/template")
def template(
    code: str, actor: Signed, portal: ThePortal, period: Annotated[str, Query()], form: str | None = None
) -> Response:
    content, name = portal.template(actor, code, period, form)
    return Response(content, media_type=XLSX, headers=attachment(name))


@router.get("/submissions/{sha256}")
def submission(request: Request, sha256: str, actor: Signed, portal: ThePortal, upload: str = "") -> HTMLResponse:
    found = portal.submission(actor, sha256)
    arrived_as = request.query_params.get("as", "")
    can_explain = allowed(portal.registry, actor, "submit", found["unit"] or "") and found["status"] == "accepted"
    return render(
        request,
        "submission.html",
        actor,
        s=found,
        just_uploaded=bool(upload),
        arrived_as=arrived_as,
        can_explain=can_explain and bool(found["findings"]),
        message="",
    )


@router.post("/submissions/{sha256}/explanation", dependencies=[CSRF])
def explain(
    request: Request, sha256: str, actor: Signed, portal: ThePortal, text: Annotated[str, Form()] = ""
) -> Response:
    portal.explain(actor, sha256, text, _remote(request))
    return go(f"/submissions/{sha256}")


@router.get("/submissions/{sha256}/receipt")
def receipt(sha256: str, actor: Signed, portal: ThePortal) -> FileResponse:
    path = portal.receipt(actor, sha256)
    return workbook_file(path)


# ── the office's pages ──


@router.get("/office")
def office(request: Request, actor: Signed, portal: ThePortal) -> Response:
    if actor.role != "office":
        return go(f"/units/{actor.code}")
    return render(request, "office.html", actor, cycles=portal.cycles(actor))


@router.get("/cycles/{cycle_id}")
def cycle_page(
    request: Request, cycle_id: str, actor: Signed, portal: ThePortal, kind: str = "", made: str = ""
) -> HTMLResponse:
    board = portal.cycle_status(actor, cycle_id, kind or None)
    try:
        workbook: str | None = portal.workbook(actor, cycle_id).name
    except NotFound:  # not consolidated yet
        workbook = None
    try:
        draft: str | None = portal.draft(actor, cycle_id).name
    except NotFound:  # not consolidated yet, or not an annual report
        draft = None
    waiting = reviewing.waiting(portal, cycle_id)
    context: dict[str, Any] = {"board": board, "kind": kind, "workbook": workbook, "draft": draft, "made": bool(made)}
    return render(request, "cycle.html", actor, waiting=waiting, **context)


@router.post("/cycles/{cycle_id}/consolidate", dependencies=[CSRF])
def consolidate(cycle_id: str, actor: Signed, portal: ThePortal) -> Response:
    portal.consolidate(actor, cycle_id)
    return go(f"/cycles/{cycle_id}?made=1")


@router.get("/cycles/{cycle_id}/review")
def review_page(request: Request, cycle_id: str, actor: Signed, portal: ThePortal, kind: str = "") -> HTMLResponse:
    return _queue(request, actor, portal, cycle_id, kind=kind)


async def decision_form(request: Request) -> reviewing.Decision:
    """The review form: a unit's own button (``one`` = action:code, with that unit's reason, or the common one), or
    the common action on the units ticked."""
    form = await request.form()

    def text(name: str) -> str:
        value = form.get(name)
        return value if isinstance(value, str) else ""

    action, _, code = text("one").partition(":")
    if code:
        return reviewing.Decision(action, (code,), text(f"reason_{code}") or text("reason"))
    ticked = tuple(u for u in form.getlist("units") if isinstance(u, str))
    return reviewing.Decision(text("action"), ticked, text("reason"))


@router.post("/cycles/{cycle_id}/review", dependencies=[CSRF])
def review(
    request: Request,
    cycle_id: str,
    actor: Signed,
    portal: ThePortal,
    decision: Annotated[reviewing.Decision, Depends(decision_form)],
    kind: str = "",
) -> HTMLResponse:
    try:
        outcomes = reviewing.decide(portal, actor, cycle_id, decision, _remote(request))
    except Refused as refused:
        return _queue(request, actor, portal, cycle_id, refused.status, refused.message, kind, decision=decision)
    status, _ = reviewing.answer(outcomes)
    return _queue(request, actor, portal, cycle_id, status, kind=kind, outcomes=outcomes)


def _queue(
    request: Request,
    actor: Actor,
    portal: Portal,
    cycle_id: str,
    status: int = 200,
    message: str = "",
    kind: str = "",
    **more: Any,
) -> HTMLResponse:
    found = reviewing.queue(portal, actor, cycle_id, kind or None)
    context: dict[str, Any] = {"q": found, "message": message, "outcomes": [], "decision": None} | more
    return render(request, "review.html", actor, status, **context)


@router.get("/cycles/{cycle_id}/workbook")
def workbook(cycle_id: str, actor: Signed, portal: ThePortal) -> FileResponse:
    path = portal.workbook(actor, cycle_id)
    return workbook_file(path)


@router.get("/cycles/{cycle_id}/draft")
def draft(cycle_id: str, actor: Signed, portal: ThePortal) -> FileResponse:
    return document_file(portal.draft(actor, cycle_id))


@router.get("/assessment")
def assessment_page(request: Request, actor: Signed, portal: ThePortal) -> HTMLResponse:
    return _assessment(request, actor, portal)


@router.post("/assessment", dependencies=[CSRF])
def assess(
    request: Request,
    actor: Signed,
    portal: ThePortal,
    cycles: Annotated[list[str] | None, Form()] = None,
    bottom: Annotated[str, Form()] = "",
    deadline: Annotated[str, Form()] = "",
) -> HTMLResponse:
    typed: dict[str, Any] = {"chosen": cycles or [], "typed_bottom": bottom, "typed_deadline": deadline}
    try:
        made = assessing.run(portal, actor, assessing.ask_of(cycles or [], bottom, deadline))
    except Refused as refused:
        return _assessment(request, actor, portal, refused.status, refused.message, **typed)
    return _assessment(request, actor, portal, result=made, **typed)


def _assessment(
    request: Request, actor: Actor, portal: Portal, status: int = 200, message: str = "", **more: Any
) -> HTMLResponse:
    context: dict[str, Any] = {"f": assessing.form(portal, actor), "message": message, "result": None} | more
    return render(request, "assessment.html", actor, status, **context)


@router.get("/assessment/{slug}/{name}")
def assessment_file(slug: str, name: str, actor: Signed, portal: ThePortal) -> FileResponse:
    return office_file(assessing.file_of(portal, actor, slug, name))


@router.get("/snapshot")
def snapshot(actor: Signed, portal: ThePortal) -> FileResponse:
    path = portal.snapshot(actor)
    return snapshot_file(path)


def _remote(request: Request) -> str:
    return request.client.host if request.client else ""


@router.get("/api/docs")
def api_docs(request: Request) -> HTMLResponse:
    """The API described from its OpenAPI document, rendered here (no scripts from the internet)."""
    portal = portal_of(request)
    actor = actor_of(request, portal.home.accounts, portal.registry)
    schema = request.app.openapi()
    return render(request, "api.html", actor if actor and not actor.by_token else None, schema=schema)
