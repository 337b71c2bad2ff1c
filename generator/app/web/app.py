"""The server wired together: the routes, the static files, the middleware, the one
place where errors become responses, the API's documentation behind the login, and
``serve`` (uvicorn)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from generator.app.web import api, pages
from generator.app.web.actions import Web
from generator.app.web.auth import User, current_user
from generator.app.web.db import Database
from generator.app.web.errors import Unauthorized, WebError, body_of, status_of
from generator.app.web.jobs import JobRunner
from generator.app.web.limits import BodyLimit, SecurityHeaders
from generator.app.web.settings import Settings
from generator.app.web.storage import Storage
from generator.errors import FormgenError

STATIC = Path(__file__).parent / "static"
VENDOR = STATIC / "vendor"  # third-party files installed by scripts/setup.sh, git-ignored
HTTP_MESSAGES = {404: "找不到此页面。", 405: "不支持此请求方法。"}


def create_app(settings: Settings, run_jobs: bool = True) -> FastAPI:
    """A server over ``settings.data``; ``run_jobs`` False leaves exports queued
    (tests of the pages alone)."""
    storage = Storage(settings.data)
    db = Database(settings.db_url)
    web = Web(settings, db, storage)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if run_jobs:
            web.runner = JobRunner(settings)
            web.runner.resume(db)
        try:
            yield
        finally:
            if web.runner is not None:
                web.runner.close()
            db.close()

    app = FastAPI(
        title="formgen 网页接口",
        description="台账上传检查、文件生成与预览、报送期限、签字件归档。除登录外均需登录；"
        "POST 请求须带 X-CSRF-Token（登录时返回）。",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.web = web
    app.state.db = db
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _errors(app)
    _docs(app)

    def limit_of(path: str) -> int:
        if path in ("/api/ledgers", "/ledgers"):
            return settings.max_ledger
        if path in ("/api/scans", "/archive/scans"):
            return settings.max_scans
        return settings.max_other

    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, limit_of=limit_of)
    return app


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def _errors(app: FastAPI) -> None:
    """Domain and web errors as HTTP statuses with Chinese messages: JSON for the API,
    a page for people (a page without a session goes to the login)."""

    def respond(request: Request, status: int, body: dict[str, Any]) -> Response:
        if _wants_json(request):
            return JSONResponse(body, status_code=status)
        if status == 401:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        return pages.page(
            request,
            "message.html",
            status=status,
            title="出错了",
            error=body,
            back="javascript:history.back()",
        )

    @app.exception_handler(FormgenError)
    async def domain(request: Request, exc: FormgenError) -> Response:
        return respond(request, status_of(exc), body_of(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        where = "；".join(
            ".".join(str(x) for x in e.get("loc", ()) if x != "body") + "：" + str(e.get("msg"))
            for e in exc.errors()
        )
        return respond(request, 422, {"error": "请求参数有误。", "hint": where})

    @app.exception_handler(HTTPException)
    async def http(request: Request, exc: HTTPException) -> Response:
        msg = HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
        return respond(request, exc.status_code, {"error": msg, "hint": ""})


def _docs(app: FastAPI) -> None:
    """/docs and /openapi.json, for signed-in users only; Swagger UI's files are served
    from here (``static/vendor``), or, if set-up has not installed them, a plain list."""

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(user: Annotated[User, Depends(current_user)]) -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request, user: Annotated[User, Depends(current_user)]) -> HTMLResponse:
        if (VENDOR / "swagger-ui-bundle.js").is_file():
            return get_swagger_ui_html(
                openapi_url="/openapi.json",
                title="formgen 网页接口",
                swagger_js_url="/static/vendor/swagger-ui-bundle.js",
                swagger_css_url="/static/vendor/swagger-ui.css",
                swagger_favicon_url="/static/favicon.svg",
            )
        request.state.user = user
        return pages.page(request, "apidocs.html", spec=app.openapi())


def serve(settings: Settings, host: str, port: int, certfile: str = "", keyfile: str = "") -> None:
    """Run the server (one process; exports run in ``settings.workers`` processes)."""
    import uvicorn

    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="info",
        ssl_certfile=certfile or None,
        ssl_keyfile=keyfile or None,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
    )


__all__ = ["Settings", "Unauthorized", "WebError", "create_app", "serve"]
