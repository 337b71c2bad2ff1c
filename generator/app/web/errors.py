"""Errors of the web face, and the one place where domain errors become HTTP statuses
(as ``cli.py`` turns them into exit codes): a page gets a Chinese error page, the API
``{"error": …, "hint": …}``."""

from __future__ import annotations

from typing import Any

from generator.errors import DataError, FormgenError, TemplateError, UserError

MB = 1024 * 1024


class WebError(FormgenError):
    """An error with an HTTP status; the message is for people (Chinese)."""

    status = 400

    def __init__(self, message: str = "", hint: str = "") -> None:
        super().__init__(message or self.default, hint)

    default = "请求有误。"


class BadRequest(WebError):
    status = 400


class Unauthorized(WebError):
    status = 401
    default = "请先登录。"


class Forbidden(WebError):
    status = 403
    default = "无权访问此内容。"


class NotFound(WebError):
    status = 404
    default = "找不到此内容。"


class Conflict(WebError):
    status = 409
    default = "操作冲突。"

    def __init__(self, message: str = "", hint: str = "", **extra: Any) -> None:
        super().__init__(message, hint)
        self.extra = extra


class TooLarge(WebError):
    status = 413

    def __init__(self, limit: int) -> None:
        size = f"{limit // MB} MB" if limit >= MB else f"{limit // 1024} KB"
        super().__init__(
            f"上传的文件太大（超过 {size}），未接收。",
            "请拆分后分批上传，或请管理员调高上限。",
        )


def status_of(exc: FormgenError) -> int:
    """HTTP status of a domain error: the user's data is 422, a wrong request 400, a
    broken template 500; the web's own errors carry theirs."""
    if isinstance(exc, WebError):
        return exc.status
    if isinstance(exc, DataError):
        return 422
    if isinstance(exc, TemplateError):
        return 500
    if isinstance(exc, UserError):
        return 400
    return 422


def body_of(exc: FormgenError) -> dict[str, Any]:
    """The JSON body of an error: message, hint, and what else the client needs."""
    body: dict[str, Any] = {"error": exc.message, "hint": exc.hint}
    if isinstance(exc, Conflict):
        body.update(exc.extra)
    return body
