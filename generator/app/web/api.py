"""The JSON API under ``/api/`` that the pages use (documented at ``/docs``). Every
route but ``POST /api/login`` needs a session; every POST the session's CSRF token in
the ``X-CSRF-Token`` header."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from generator.app.web import actions, auth, engine
from generator.app.web.auth import User, checked_user, current_user
from generator.app.web.errors import BadRequest

router = APIRouter(prefix="/api")
Viewer = Annotated[User, Depends(current_user)]
Actor = Annotated[User, Depends(checked_user)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA = {
    "pdf": "application/pdf",
    "xlsx": XLSX,
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def web(request: Request) -> actions.Web:
    return request.app.state.web


class LoginIn(BaseModel):
    username: str
    password: str


class Me(BaseModel):
    user: str
    role: Literal["admin", "unit", "community"]
    scope: str
    csrf_token: str = Field(description="每个 POST 请求放在 X-CSRF-Token 请求头中")


class IssueOut(BaseModel):
    sheet: str
    row: int | None
    column: str
    value: str | int | float
    message: str


class LedgerOut(BaseModel):
    id: str
    errors: list[IssueOut]
    warnings: list[IssueOut]
    members: int = Field(description="本账号可见的党员干部人数")


class ExportIn(BaseModel):
    ledger: str
    profile: str = engine.DEFAULT_PROFILE
    forms: list[str] | str = Field("all", description='如 ["a3","a5"]、"a3,a5" 或 "all"')
    period: str = Field("", description="2026 或 2026Q1；空为台账中最新年度")
    formats: list[str] | str = "docx,pdf,xlsx"
    unit: str = Field("", description="仅管理员：只导出此单位")
    community: str = Field("", description="仅管理员：只导出此社区")
    compound: str = Field("", description="仅管理员：只导出此小区（须同时给社区）")


class ExportId(BaseModel):
    id: str


class FormProgress(BaseModel):
    done: int
    total: int


class ExportState(BaseModel):
    id: str
    state: Literal["queued", "running", "done", "failed"]
    done: int
    total: int
    forms: dict[str, FormProgress]
    message: str
    failures: list[str]
    downloads: list[dict[str, str]]
    period: str
    scope: str
    created: str
    form_ids: str


class ReviewIn(BaseModel):
    doc_no: str


class PackageIn(BaseModel):
    year: int
    keeper: Literal["unit", "community", "compound"]


def me(user: User) -> Me:
    return Me(
        user=user.name,
        role=user.role,  # type: ignore[arg-type]
        scope=user.scope,
        csrf_token=user.csrf,
    )


def set_session(request: Request, response: Response, token: str) -> None:
    hours = web(request).settings.session_hours
    response.set_cookie(
        auth.COOKIE,
        token,
        max_age=hours * 3600,
        httponly=True,
        samesite="lax",
        secure=auth.cookie_secure(request),
        path="/",
    )


@router.post("/login", tags=["账号"])
def login(body: LoginIn, request: Request, response: Response) -> Me:
    """登录：用户名和密码正确时设置会话 Cookie，并返回 CSRF 令牌。"""
    w = web(request)
    token, user = auth.login(
        w.db, w.throttle, body.username, body.password, w.settings.session_hours
    )
    set_session(request, response, token)
    return me(user)


@router.post("/logout", tags=["账号"])
def logout(request: Request, response: Response, user: Actor) -> dict[str, bool]:
    """退出登录：会话立即失效。"""
    auth.logout(web(request).db, request.cookies.get(auth.COOKIE, ""))
    response.delete_cookie(auth.COOKIE, path="/")
    return {"ok": True}


@router.get("/me", tags=["账号"])
def whoami(user: Viewer) -> Me:
    """当前账号、角色、范围和 CSRF 令牌。"""
    return me(user)


@router.post("/ledgers", tags=["台账"])
def upload_ledger(
    request: Request,
    user: Actor,
    file: Annotated[UploadFile, File(description=".xlsx、.json，或装有各表 CSV 的 .zip")],
    profile: Annotated[str, Form(description="政策配置；不填则用台账中记录的")] = "",
) -> LedgerOut:
    """上传台账并检查：列出全部错误和警告（与 formgen check 相同的提示）。"""
    out = actions.upload_ledger(web(request), user, file.filename or "", file.file, profile)
    return LedgerOut(**out)


@router.get("/ledgers", tags=["台账"])
def list_ledgers(request: Request, user: Viewer) -> list[dict[str, Any]]:
    """本账号可用的台账，最新的在前。"""
    return actions.ledgers(web(request), user)


@router.get("/ledgers/{ledger_id}", tags=["台账"])
def ledger(request: Request, user: Viewer, ledger_id: str, period: str = "") -> dict[str, Any]:
    """台账的检查结果、党员干部名单和规则检查（达标率），按本账号的范围。"""
    view = actions.ledger_view(web(request), user, ledger_id, period)
    return {**view, "ledger": {k: v for k, v in view["ledger"].items() if k != "issues"}}


@router.get("/ledgers/{ledger_id}/marked.xlsx", tags=["台账"])
def marked(request: Request, user: Viewer, ledger_id: str) -> Response:
    """台账工作簿：出错的单元格标红并加批注，另附“问题清单”表。"""
    data, name = actions.marked(web(request), user, ledger_id)
    return download(data, name, XLSX)


@router.get("/blank.xlsx", tags=["台账"])
def blank(user: Viewer, profile: str = engine.DEFAULT_PROFILE) -> Response:
    """空白台账工作簿（formgen init）。"""
    return download(engine.blank_workbook(profile), "空白台账.xlsx", XLSX)


@router.post("/exports", status_code=202, tags=["生成文件"])
def start_export(request: Request, user: Actor, body: ExportIn) -> ExportId:
    """开始导出（后台进行）；同一范围同时只能有一个导出任务。"""
    return ExportId(**actions.start_export(web(request), user, body.model_dump()))


@router.get("/exports", tags=["生成文件"])
def list_exports(request: Request, user: Viewer) -> list[ExportState]:
    """本账号范围内最近的导出任务。"""
    return [ExportState(**s) for s in actions.exports(web(request), user)]


@router.get("/exports/{export_id}", tags=["生成文件"])
def export_state(request: Request, user: Viewer, export_id: str) -> ExportState:
    """导出进度：state、done/total，以及每个表单的进度。"""
    return ExportState(**actions.export_status(web(request), user, export_id))


@router.get("/exports/{export_id}/download", tags=["生成文件"])
def export_zip(request: Request, user: Viewer, export_id: str) -> FileResponse:
    """导出结果 zip（含 manifest.json 和每个表单的合并打印 PDF）。"""
    path, name = actions.export_file(web(request), user, export_id)
    return FileResponse(path, filename=name, media_type="application/zip")


@router.get("/exports/{export_id}/print/{form}", tags=["生成文件"])
def export_print(request: Request, user: Viewer, export_id: str, form: str) -> FileResponse:
    """某表单全部文件的合并打印 PDF。"""
    path, name = actions.export_file(web(request), user, export_id, form)
    return FileResponse(path, filename=name, media_type="application/pdf")


def _target(
    ledger: str,
    form: str,
    member: str = "",
    unit: str = "",
    community: str = "",
    compound: str = "",
    building: str = "",
    period: str = "",
) -> dict[str, str]:
    """The document asked for: a member (a3, a5), a unit (a2, a4, n3), a building (a1,
    n1) or a compound (n2) of a ledger, in a period (default: the ledger's latest year)."""
    return {
        "ledger": ledger,
        "form": form,
        "member": member,
        "unit": unit,
        "community": community,
        "compound": compound,
        "building": building,
        "period": period,
    }


TargetQuery = Annotated[dict[str, str], Depends(_target)]


@router.get(
    "/preview",
    tags=["生成文件"],
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def preview(
    request: Request, user: Viewer, q: TargetQuery, page: Annotated[int, Query(ge=1, le=500)] = 1
) -> Response:
    """一份文件某一页的预览图（PNG，由 PDF 渲染）；X-Page-Count 为总页数。
    a3、a5 用 member（编号）；a2、a4、n3 用 unit；a1、n1 用 community+compound+building；
    n2 用 community+compound。"""
    png, pages = actions.preview(web(request), user, q, page)
    return Response(png, media_type="image/png", headers={"X-Page-Count": str(pages)})


@router.get("/document", tags=["生成文件"], response_class=Response)
def document(
    request: Request, user: Viewer, q: TargetQuery, format: Literal["pdf", "docx", "xlsx"] = "pdf"
) -> Response:
    """下载一份文件（formgen render）。参数同 /api/preview。"""
    data, name = actions.document(web(request), user, q, format)
    return download(data, name, MEDIA[format])


@router.get("/deadlines", tags=["报送期限"])
def deadlines(
    request: Request,
    user: Viewer,
    today: dt.date | None = None,
    profile: str = engine.DEFAULT_PROFILE,
) -> list[dict[str, Any]]:
    """报送期限（formgen due），以及本账号能否导出其表单。"""
    return actions.deadlines(web(request), user, today or dt.date.today(), profile)


@router.post("/scans", tags=["档案"])
def scans(
    request: Request,
    user: Actor,
    files: Annotated[list[UploadFile], File(description="PDF 或 JPEG，可多个")],
) -> dict[str, Any]:
    """上传签字扫描件并归档（formgen archive ingest），返回归档报告。"""
    pairs = [(f.filename or "", f.file) for f in files]
    return actions.ingest(web(request), user, pairs)


@router.get("/review", tags=["档案"])
def review(request: Request, user: Viewer) -> list[dict[str, Any]]:
    """待复核的扫描页（未能识别二维码）。"""
    return actions.review_queue(web(request), user)


@router.get("/review/{name}/image", tags=["档案"], response_class=Response)
def review_image(request: Request, user: Viewer, name: str) -> Response:
    """待复核页的图像（PNG）。"""
    return Response(actions.review_png(web(request), user, name), media_type="image/png")


@router.post("/review/{name}", tags=["档案"])
def review_file(request: Request, user: Actor, name: str, body: ReviewIn) -> dict[str, Any]:
    """按人工输入的编号归档一页（校验位须正确）。"""
    return actions.file_review(web(request), user, name, body.doc_no)


@router.get("/archive/status", tags=["档案"])
def status(
    request: Request, user: Viewer, year: int | None = None, form: str = "a5"
) -> dict[str, Any]:
    """谁还没有签字归档件（按单位；社区账号按小区）。"""
    return actions.archive_status(web(request), user, year, form)


@router.post("/archive/verify", tags=["档案"])
def verify(request: Request, user: Actor) -> dict[str, Any]:
    """校验每个归档文件的 SHA-256（仅管理员）。"""
    return actions.verify(web(request), user)


@router.post("/archive/packages", tags=["档案"])
def packages(request: Request, user: Actor, body: PackageIn) -> dict[str, str]:
    """按保管单位打包签字件（DA/T 22-2015 目录）；返回各包的下载地址。"""
    made = actions.package(web(request), user, body.year, body.keeper)
    return {k: f"/api/archive/packages/{name}" for k, name in made.items()}


@router.get("/archive/packages/{name}", tags=["档案"])
def package_file(request: Request, user: Viewer, name: str) -> FileResponse:
    """下载一个档案包。"""
    return FileResponse(
        actions.package_file(web(request), user, name), filename=name, media_type="application/zip"
    )


def download(data: bytes, name: str, media: str) -> Response:
    """Bytes as a file download named ``name`` (UTF-8 names as RFC 6266 allows)."""
    from urllib.parse import quote

    if not name:
        raise BadRequest()
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=media, headers={"Content-Disposition": disposition})
