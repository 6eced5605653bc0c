"""The versioned HTTP API (``/api/v1``): what scripts use, with ``Authorization: Bearer TOKEN``; the pages call the
same ``Portal`` methods. 401 without valid credentials, 404 for anything outside the caller's scope (whether it
exists or not), 403 for what the caller's role does not allow, 413 over the upload limit, 415 for what is no
spreadsheet.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from huizong.portal import assessing, reviewing, trail
from huizong.portal.app import portal_of
from huizong.portal.auth import actor_of, csrf_ok
from huizong.portal.core import Portal
from huizong.portal.downloads import XLSX, attachment, document_file, office_file, snapshot_file, workbook_file
from huizong.portal.permissions import Actor

router = APIRouter(prefix="/api/v1", tags=["API v1"])


def api_actor(request: Request) -> Actor:
    """The caller, by bearer token or session cookie (then with ``X-CSRF-Token`` on POST)."""
    portal = portal_of(request)
    actor = actor_of(request, portal.home.accounts, portal.registry)
    if actor is None:
        raise HTTPException(401, "需要登录，或在请求头中带 Authorization: Bearer TOKEN")
    if not actor.by_token and request.method == "POST" and not csrf_ok(request, request.headers.get("x-csrf-token")):
        raise HTTPException(403, "缺少或错误的 CSRF 令牌（X-CSRF-Token）")
    if actor.must_change:
        raise HTTPException(403, "请先登录报送平台修改初始密码")
    return actor


Caller = Annotated[Actor, Depends(api_actor)]
ThePortal = Annotated[Portal, Depends(portal_of)]


@router.post("/submissions", summary="报送一个文件 (hand in a file)")
def post_submission(
    request: Request,
    actor: Caller,
    portal: ThePortal,
    file: Annotated[UploadFile, File(description="填好的模板（.xlsx）")],
    explanation: Annotated[str, Form(description="上报说明：对“提示”的解释（可选）")] = "",
) -> JSONResponse:
    """存档、校验并记录为本单位的报表。返回 huizong check --json 的内容，另加 id（即该报送的内容校验码）、sha256、
    upload_id、file_name、status（accepted 通过 / rejected 退回 / duplicate 重复）和 receipt（回执下载地址；没有问题时为
    null）。Archive, check and record the file as the caller's own report."""
    handed = portal.hand_in(actor, file.file, file.filename or "", explanation, _remote(request))
    return JSONResponse(handed.body, status_code=handed.http_status)


@router.get("/submissions", summary="报送记录 (submissions in scope)")
def list_submissions(
    actor: Caller, portal: ThePortal, cycle: Annotated[str | None, Query(description="填报周期 ID")] = None
) -> list[dict[str, Any]]:
    return portal.submissions(actor, cycle)


@router.get("/submissions/{sha256}", summary="一次报送的审核结果 (one submission)")
def get_submission(sha256: str, actor: Caller, portal: ThePortal) -> dict[str, Any]:
    return portal.submission(actor, sha256)


@router.get("/submissions/{sha256}/receipt", summary="回执 (the receipt workbook)", response_class=FileResponse)
def get_receipt(sha256: str, actor: Caller, portal: ThePortal) -> FileResponse:
    path = portal.receipt(actor, sha256)
    return workbook_file(path)


@router.post("/submissions/{sha256}/explanation", summary="填写上报说明 (explain the warnings)")
def post_explanation(
    request: Request, sha256: str, actor: Caller, portal: ThePortal, text: Annotated[str, Form(description="上报说明")]
) -> dict[str, Any]:
    portal.explain(actor, sha256, text, _remote(request))
    return portal.submission(actor, sha256)


@router.get("/units/{code}/template", summary="本单位的填报模板 (the unit's template)", response_class=Response)
def get_template(
    code: str,
    actor: Caller,
    portal: ThePortal,
    period: Annotated[str, Query(description="报告期，如 2025")],
    form: Annotated[str | None, Query(description="表式，如 annual_report/2021；缺省时按报告期")] = None,
) -> Response:
    content, name = portal.template(actor, code, period, form)
    return Response(content, media_type=XLSX, headers=attachment(name))


@router.get("/cycles", summary="填报周期 (cycles)")
def list_cycles(actor: Caller, portal: ThePortal) -> list[dict[str, Any]]:
    return portal.cycles(actor)


@router.get("/cycles/{cycle_id}/status", summary="报送情况与督办名单 (completeness and chase list)")
def cycle_status(
    cycle_id: str, actor: Caller, portal: ThePortal, kind: Annotated[str | None, Query(description="单位类型")] = None
) -> dict[str, Any]:
    return portal.cycle_status(actor, cycle_id, kind)


@router.post("/cycles/{cycle_id}/consolidate", summary="立即汇总 (consolidate now)")
def consolidate(cycle_id: str, actor: Caller, portal: ThePortal) -> dict[str, Any]:
    path = portal.consolidate(actor, cycle_id)
    return {"workbook": f"/api/v1/cycles/{cycle_id}/workbook", "file_name": path.name}


@router.get("/cycles/{cycle_id}/workbook", summary="汇总表 (the consolidated workbook)", response_class=FileResponse)
def workbook(cycle_id: str, actor: Caller, portal: ThePortal) -> FileResponse:
    path = portal.workbook(actor, cycle_id)
    return workbook_file(path)


@router.get("/cycles/{cycle_id}/draft", summary="年度报告草稿 (the annual report's draft)", response_class=FileResponse)
def draft(cycle_id: str, actor: Caller, portal: ThePortal) -> FileResponse:
    return document_file(portal.draft(actor, cycle_id))


@router.get("/cycles/{cycle_id}/review", summary="审核队列 (the review queue)")
def review_queue(
    cycle_id: str, actor: Caller, portal: ThePortal, kind: Annotated[str | None, Query(description="单位类型")] = None
) -> dict[str, Any]:
    """周期内每个应报单位的报表及其审核状态，待审核的在前：问题清单（工作表与单元格）、上报说明、主要指标的本期与上期、
    同类单位的中位数（peers）以及可以进行的操作（actions）。只有负责该周期的政务公开办公室及其上级可以查看。
    The cycle's units with their reports, those waiting for a decision first."""
    return reviewing.queue(portal, actor, cycle_id, kind)


class DecisionBody(BaseModel):
    """审核决定：一个操作，用于一个或多个单位。"""

    action: Literal["approve", "return", "reopen", "excuse"] = Field(
        description="approve 审定 / return 退回 / reopen 重新打开 / excuse 免报"
    )
    units: list[str] = Field(description='单位代码，如 ["990121101", "990121102"]')
    reason: str = Field("", description="理由：退回、重新打开、免报时必填；单位在本单位页面和回执中可见")


@router.post("/cycles/{cycle_id}/review", summary="审核决定 (approve, return, reopen or excuse)")
def review(cycle_id: str, body: DecisionBody, request: Request, actor: Caller, portal: ThePortal) -> JSONResponse:
    """对所列单位逐一执行操作，返回每个单位的结果 outcomes（unit_code、unit_name、action、done、message）。
    有单位办成时返回 200（未办成的单位在 outcomes 中说明原因）；全部未能办理时返回 409，detail 为中文原因；
    缺少理由、未列单位时返回 422。办成后重新汇总并更新分析快照；退回的报表的回执写明退回理由。
    Take the decision on each unit; each unit's outcome."""
    decision = reviewing.Decision(body.action, tuple(body.units), body.reason)
    status, answer = reviewing.answer(reviewing.decide(portal, actor, cycle_id, decision, _remote(request)))
    return JSONResponse(answer, status_code=status)


@router.get("/units/{code}/audit", summary="单位的审计记录 (a unit's audit trail)")
def unit_audit(code: str, actor: Caller, portal: ThePortal) -> list[dict[str, Any]]:
    """该单位的报送及校验结果、上报说明、审核决定和账号变更，最新的在前（最多 500 条）。只有上级政务公开办公室可以查看。
    The unit's audit trail, newest first."""
    return trail.of_unit(portal, actor, code)


@router.get("/assessment", summary="考核：可选周期与以往的考核通报 (the office's cycles and earlier assessments)")
def assessment_form(actor: Caller, portal: ThePortal) -> dict[str, Any]:
    """本单位组织的填报周期（cycles）、默认的发函单位数（bottom）和整改期限（deadline）、考核细则（rules），
    以及以往生成的考核通报和督办函（earlier，每项有下载地址 url）。只有政务公开办公室可以查看；报送单位为 403。
    The office's cycles, the defaults, the weights and the earlier assessments with their downloads."""
    return assessing.form(portal, actor)


class AssessmentBody(BaseModel):
    """考核：本单位组织的一个或多个填报周期。"""

    cycles: list[str] = Field(description='填报周期 ID，如 ["990121-annual_report-2025"]；只能是本单位组织的周期')
    bottom: int | None = Field(
        None, ge=0, le=assessing.MOST_BOTTOM, description="排名最后的几个单位发督办函（缺省按考核细则）"
    )
    deadline: dt.date | None = Field(None, description="督办函的整改期限，如 2026-03-31（缺省为考核细则的天数之后）")


@router.post("/assessment", summary="生成考核通报 (assess the office's units)")
def post_assessment(body: AssessmentBody, actor: Caller, portal: ThePortal) -> dict[str, Any]:
    """按已发布的分析快照，对所列周期的应报单位评分并按类别排名，写出考核通报（.xlsx）和排名最后单位的督办函
    （.docx）。返回 summary、每个单位的得分 scores（各项得分、total、kind_rank、bottom 是否督办、lapses 存在问题、
    letter 督办函文件名）、notice 和 letters 的下载地址 url。未勾选周期或整改期限早于今天为 422；快照中还没有该周期、
    考核细则有误等为 409，detail 为中文原因；其他单位的周期为 404，报送单位为 403。
    Score, rank, and write the 通报 and the letters."""
    return assessing.run(portal, actor, assessing.Ask(tuple(body.cycles), body.bottom, body.deadline))


@router.get(
    "/assessment/{slug}/{name}", summary="下载考核通报或督办函 (an assessment's file)", response_class=FileResponse
)
def assessment_file(slug: str, name: str, actor: Caller, portal: ThePortal) -> FileResponse:
    """slug 为考核文件夹（如 990121-annual_report-2025），name 为其中的文件名（URL 编码）。只能下载本单位的考核文件。
    One file of one of the office's own assessments."""
    return office_file(assessing.file_of(portal, actor, slug, name))


@router.get("/snapshot", summary="分析快照 (the analysts' DuckDB snapshot)", response_class=FileResponse)
def snapshot(actor: Caller, portal: ThePortal) -> FileResponse:
    path = portal.snapshot(actor)
    return snapshot_file(path)


def _remote(request: Request) -> str:
    return request.client.host if request.client else ""
