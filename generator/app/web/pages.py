"""The server-rendered pages: 登录, 台账, 生成文件, 报送期限, 档案. Forms post back here
with the session's CSRF token; the small ``static/app.js`` adds the live progress bars
and the scan upload's progress, and everything works without it too."""

from __future__ import annotations

import calendar
import datetime as dt
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from generator.app.web import actions, auth, engine, rights
from generator.app.web.api import set_session, web
from generator.app.web.auth import User, checked_user, current_user
from generator.app.web.errors import Forbidden, status_of
from generator.errors import FormgenError

HERE = Path(__file__).parent
templates = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(HERE / "html"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
)
router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(current_user)]
Actor = Annotated[User, Depends(checked_user)]
KIND_NAMES = {
    "member": "每人一份",
    "unit": "每单位一份",
    "pair": "每单位×社区一份",
    "community": "每社区一份",
    "building": "每楼栋一份",
    "compound": "每小区一份",
}


def page(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    """A page with the signed-in user, their CSRF token and the navigation."""
    user: User | None = getattr(request.state, "user", None)
    return templates.TemplateResponse(
        request,
        name,
        {"user": user, "csrf": user.csrf if user else "", **ctx},
        status_code=status,
    )


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# ------------------------------------------------------------------- login, logout


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    token = request.cookies.get(auth.LOGIN_COOKIE) or secrets.token_urlsafe(24)
    resp = page(request, "login.html", csrf=token, next=_local(next))
    resp.set_cookie(
        auth.LOGIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=auth.cookie_secure(request),
        path="/login",
    )
    return resp


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    expected = request.cookies.get(auth.LOGIN_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, csrf_token):
        raise Forbidden("登录页已过期，请刷新后重新登录。")
    w = web(request)
    try:
        token, _ = auth.login(
            w.db, w.throttle, username.strip(), password, w.settings.session_hours
        )
    except FormgenError as exc:
        return page(
            request,
            "login.html",
            status=401,
            csrf=expected,
            next=_local(next),
            error=exc.message,
            username=username,
        )
    resp = see_other(_local(next))
    set_session(request, resp, token)
    return resp


def _local(url: str) -> str:
    """Only a path on this site (never //elsewhere) to go back to after login."""
    return url if url.startswith("/") and not url.startswith("//") and "\\" not in url else "/"


@router.post("/logout")
def logout(request: Request, user: Actor) -> Response:
    auth.logout(web(request).db, request.cookies.get(auth.COOKIE, ""))
    resp = see_other("/login")
    resp.delete_cookie(auth.COOKIE, path="/")
    return resp


@router.get("/")
def home(user: Viewer) -> Response:
    return see_other("/ledgers")


# -------------------------------------------------------------------------- ledgers


@router.get("/ledgers")
def ledgers(request: Request, user: Viewer) -> Response:
    w = web(request)
    return page(
        request,
        "ledgers.html",
        nav="ledgers",
        ledgers=actions.ledgers(w, user),
        profiles=engine.profiles(),
        default_profile=engine.DEFAULT_PROFILE,
        limit_mb=w.settings.max_ledger // (1024 * 1024),
    )


@router.post("/ledgers")
def upload(
    request: Request,
    user: Actor,
    file: UploadFile,
    profile: Annotated[str, Form()] = "",
) -> Response:
    out = actions.upload_ledger(web(request), user, file.filename or "", file.file, profile)
    return see_other(f"/ledgers/{out['id']}")


@router.get("/ledgers/{ledger_id}")
def ledger(request: Request, user: Viewer, ledger_id: str, period: str = "") -> Response:
    view = actions.ledger_view(web(request), user, ledger_id, period)
    failed = [r for r in view["report"] if r["结果"] != "达标"]
    return page(request, "ledger.html", nav="ledgers", failed=failed, **view)


# ------------------------------------------------------------------------ documents


def _usable(w: actions.Web, user: User) -> list[dict]:
    return [r for r in actions.ledgers(w, user) if not r["errors"]]


def _targets(user: User, checked: engine.Checked) -> dict[str, list[tuple[str, str]]]:
    """Preview targets the user may pick, by kind: (value, label)."""
    led = checked.ledger
    ms = [m for m in engine.members(led) if rights.member_visible(user, m)]
    pl = engine.places(led)
    mine = {(m["community"], m["compound"]) for m in ms}
    return {
        "member": [(f"member:{m['id']}", f"{m['id']} {m['name']}（{m['unit']}）") for m in ms],
        "unit": [(f"unit:{u}", u) for u in pl["units"] if rights.owns(user, u, "")],
        "building": [
            (f"building:{c}|{k}|{b}", f"{c}{k}{b or '（未填楼栋）'}")
            for c, k, b in pl["buildings"]
            if (c, k) in mine
        ],
        "compound": [
            (f"compound:{c}|{k}", f"{c}{k}") for c, k in pl["compounds"] if (c, k) in mine
        ],
        "community": [
            (f"community:{c}", c) for c in pl["communities"] if c in {x for x, _ in mine}
        ],
        "pair": [
            (f"pair:{u}|{c}", f"{u}（{c}）")
            for u in pl["units"]
            for c in pl["communities"]
            if rights.owns(user, u, "") and any(m["unit"] == u and m["community"] == c for m in ms)
        ],
    }


def _query(ledger_id: str, form: str, target: str, period: str) -> dict[str, str]:
    kind, _, value = target.partition(":")
    q = {"ledger": ledger_id, "form": form, "period": period}
    if kind == "member":
        q["member"] = value
    elif kind == "unit":
        q["unit"] = value
    elif kind == "community":
        q["community"] = value
    elif kind == "pair":
        q["unit"], _, q["community"] = value.partition("|")
    else:
        parts = [*value.split("|"), "", ""]
        q.update(
            community=parts[0], compound=parts[1], building=parts[2] if kind == "building" else ""
        )
    return q


@router.get("/documents")
def documents(
    request: Request,
    user: Viewer,
    ledger: str = "",
    form: str = "",
    target: str = "",
    period: str = "",
    page_no: int = 1,
) -> Response:
    w = web(request)
    usable = _usable(w, user)
    chosen = next((r for r in usable if r["id"] == ledger), usable[0] if usable else None)
    ctx: dict[str, Any] = {
        "nav": "documents",
        "ledgers": usable,
        "chosen": chosen,
        "forms": engine.forms_for(
            user.role, chosen["profile"] if chosen else engine.DEFAULT_PROFILE
        ),
        "kinds": KIND_NAMES,
        "profiles": engine.profiles(),
        "jobs": actions.exports(w, user),
    }
    if chosen is None:
        return page(request, "documents.html", **ctx)
    checked = actions.loaded(w, w.db.ledger(chosen["id"]) or {})
    per = period or engine.default_period(checked.ledger)
    targets = _targets(user, checked)
    forms = {f.id: f for f in ctx["forms"]}
    form = form if form in forms else next(iter(forms))
    options = targets[forms[form].kind]
    target = target if target in {v for v, _ in options} else (options[0][0] if options else "")
    preview: dict[str, Any] = {}
    if target:
        q = _query(chosen["id"], form, target, per)
        try:
            pages = actions.preview_pages(w, user, q)
            page_no = min(max(page_no, 1), pages)
            preview = {
                "url": "/api/preview?" + urlencode({**q, "page": page_no}),
                "pages": pages,
                "page": page_no,
                "doc": "/api/document?" + urlencode(q),
            }
        except FormgenError as exc:
            preview = {"error": exc.render()}
    pl = engine.places(checked.ledger)
    return page(
        request,
        "documents.html",
        **ctx,
        period=per,
        form=form,
        target=target,
        targets=targets,
        options=options,
        preview=preview,
        places=pl,
        query={"ledger": chosen["id"], "form": form, "target": target, "period": per},
    )


@router.post("/documents/export")
async def export(request: Request, user: Actor) -> Response:
    form = await request.form()
    req: dict[str, Any] = {
        k: form.get(k, "") for k in ("ledger", "profile", "period", "unit", "community", "compound")
    }
    req["forms"] = [str(v) for v in form.getlist("forms")]
    req["formats"] = [str(v) for v in form.getlist("formats")] or "docx,pdf,xlsx"
    w = web(request)
    try:
        out = await _in_thread(actions.start_export, w, user, req)
    except FormgenError as exc:
        request.state.user = user
        return page(
            request,
            "message.html",
            status=status_of(exc),
            nav="documents",
            title="未能开始导出",
            error=exc,
            back=f"/documents?ledger={req['ledger']}",
        )
    return see_other(f"/documents?ledger={req['ledger']}#job-{out['id']}")


async def _in_thread(fn: Any, *args: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn, *args)


# ------------------------------------------------------------------------ deadlines


def _calendar(tasks: list[dict], today: dt.date, months: int = 3) -> list[dict]:
    """Month grids from this month on, each day with its tasks."""
    by_day: dict[dt.date, list[dict]] = {}
    for t in tasks:
        by_day.setdefault(t["date"], []).append(t)
    out = []
    year, month = today.year, today.month
    for _ in range(months):
        weeks = calendar.Calendar().monthdatescalendar(year, month)
        out.append(
            {
                "title": f"{year}年{month}月",
                "weeks": [
                    [
                        {
                            "day": d,
                            "in": d.month == month,
                            "tasks": by_day.get(d, []),
                            "today": d == today,
                        }
                        for d in week
                    ]
                    for week in weeks
                ],
            }
        )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


@router.get("/deadlines")
def deadlines(
    request: Request,
    user: Viewer,
    ledger: str = "",
    today: str = "",
    profile: str = engine.DEFAULT_PROFILE,
) -> Response:
    w = web(request)
    try:
        day = dt.date.fromisoformat(today) if today else dt.date.today()
    except ValueError:
        day = dt.date.today()
    tasks = actions.deadlines(w, user, day, profile)
    usable = _usable(w, user)
    chosen = next((r for r in usable if r["id"] == ledger), usable[0] if usable else None)
    return page(
        request,
        "deadlines.html",
        nav="deadlines",
        tasks=tasks,
        today=day,
        months=_calendar(tasks, day),
        ledgers=usable,
        chosen=chosen,
        profile=profile,
    )


# -------------------------------------------------------------------------- archive


def _archive(request: Request, user: User, status: int = 200, **extra: Any) -> Response:
    w = web(request)
    year = request.query_params.get("year") or str(dt.date.today().year)
    form = request.query_params.get("form") or "a5"
    request.state.user = user
    return page(
        request,
        "archive.html",
        status=status,
        nav="archive",
        review=actions.review_queue(w, user),
        status_=actions.archive_status(w, user, int(year) if year.isdigit() else None, form),
        year=year,
        form=form,
        limit_mb=w.settings.max_scans // (1024 * 1024),
        **extra,
    )


@router.get("/archive")
def archive(request: Request, user: Viewer) -> Response:
    return _archive(request, user)


@router.get("/archive/review/{name}.png")
def review_png(request: Request, user: Viewer, name: str) -> Response:
    return Response(actions.review_png(web(request), user, name), media_type="image/png")


@router.post("/archive/scans")
async def scans(request: Request, user: Actor) -> Response:
    form = await request.form()
    files = [
        (f.filename or "", f.file)
        for f in form.getlist("files")
        if not isinstance(f, str) and f.filename
    ]
    return await _archive_action(request, user, actions.ingest, files, key="report")


@router.post("/archive/review/{name}")
async def review(request: Request, user: Actor, name: str) -> Response:
    form = await request.form()
    doc_no = str(form.get("doc_no", ""))
    return await _archive_action(request, user, actions.file_review, name, doc_no, key="filed")


@router.post("/archive/verify")
async def verify(request: Request, user: Actor) -> Response:
    return await _archive_action(request, user, actions.verify, key="verified")


@router.post("/archive/package")
async def package(request: Request, user: Actor) -> Response:
    form = await request.form()
    year = str(form.get("year", ""))
    keeper = str(form.get("keeper", "unit"))
    return await _archive_action(
        request, user, actions.package, int(year) if year.isdigit() else 0, keeper, key="packages"
    )


async def _archive_action(request: Request, user: User, fn: Any, *args: Any, key: str) -> Response:
    """Run an archive action and show the archive page with its result or its error."""
    try:
        result = await _in_thread(fn, web(request), user, *args)
    except FormgenError as exc:
        return _archive(request, user, status=status_of(exc), error=exc)
    return _archive(request, user, **{key: result})
