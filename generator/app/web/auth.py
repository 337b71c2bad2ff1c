"""Accounts and sessions: argon2 password hashes; a server-side session per login (the
cookie holds a random token, the database only its SHA-256, so logging out ends it); a
CSRF token per session, sent back in a hidden field or the ``X-CSRF-Token`` header with
every POST; and a brake on repeated wrong passwords."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Request

from generator.app.web.db import Database
from generator.app.web.errors import Forbidden, Unauthorized
from generator.errors import UserError

ROLES = {"admin": "管理员", "unit": "单位党务干事", "community": "社区工作者"}
COOKIE = "formgen_session"
LOGIN_COOKIE = "formgen_login"  # the login form's own CSRF token (double submit)
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

_hasher = PasswordHasher()  # argon2id, 64 MiB and 3 passes a hash
_hashing = threading.BoundedSemaphore(2)  # so 20 logins at once stay within memory


def hash_password(password: str) -> str:
    with _hashing:
        return _hasher.hash(password)


def check_password(stored: str, password: str) -> bool:
    with _hashing:
        try:
            return _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False


def check_account(name: str, role: str, scope: str, password: str) -> None:
    """A new account's fields, or a UserError saying what is wrong."""
    if not name.strip() or len(name) > 100:
        raise UserError("用户名不能为空，且不超过100个字符。")
    if role not in ROLES:
        raise UserError(f"未知的角色「{role}」。", "可用：admin、unit、community")
    if role != "admin" and not scope.strip():
        raise UserError("单位或社区账号须用 --scope 指定单位名称或社区名称。")
    if role == "admin" and scope:
        raise UserError("管理员账号不需要 --scope。")
    if len(password) < 8:
        raise UserError("密码至少8个字符。")


@dataclass(frozen=True)
class User:
    """The signed-in clerk: role admin | unit | community, and the unit's or community's
    name for the latter two."""

    id: int
    name: str
    role: str
    scope: str
    csrf: str = ""

    @property
    def title(self) -> str:
        return ROLES[self.role] + (f"（{self.scope}）" if self.scope else "")


class Throttle:
    """Five wrong passwords for a name within five minutes lock it for five minutes."""

    def __init__(self, tries: int = 5, window: float = 300.0) -> None:
        self.tries, self.window = tries, window
        self.failures: dict[str, deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    def blocked(self, name: str) -> bool:
        with self.lock:
            q = self.failures[name]
            while q and q[0] < time.monotonic() - self.window:
                q.popleft()
            return len(q) >= self.tries

    def failed(self, name: str) -> None:
        with self.lock:
            self.failures[name].append(time.monotonic())

    def passed(self, name: str) -> None:
        with self.lock:
            self.failures.pop(name, None)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login(
    db: Database, throttle: Throttle, name: str, password: str, hours: int
) -> tuple[str, User]:
    """A new session for a right name and password: (cookie token, user)."""
    if throttle.blocked(name):
        raise Unauthorized("密码错误次数过多，请5分钟后再试。")
    row = db.user_by_name(name)
    if row is None or not check_password(row["password"], password):
        throttle.failed(name)
        raise Unauthorized("用户名或密码不正确。")
    throttle.passed(name)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)
    db.add_session(_digest(token), row["id"], csrf, expires.isoformat(timespec="seconds"))
    return token, User(row["id"], row["name"], row["role"], row["scope"], csrf)


def logout(db: Database, token: str) -> None:
    db.drop_session(_digest(token))


def session_user(db: Database, token: str) -> User | None:
    """The user of a live session token, else None."""
    if not token:
        return None
    s = db.session(_digest(token))
    row = db.user(s["user_id"]) if s else None
    if s is None or row is None:
        return None
    return User(row["id"], row["name"], row["role"], row["scope"], s["csrf"])


def current_user(request: Request) -> User:
    """Dependency: the signed-in user, else 401 (pages turn it into the login page)."""
    user = session_user(request.app.state.db, request.cookies.get(COOKIE, ""))
    if user is None:
        raise Unauthorized()
    request.state.user = user
    return user


async def checked_user(request: Request, user: Annotated[User, Depends(current_user)]) -> User:
    """Dependency of every route that changes something: the session's CSRF token must
    come back in the ``X-CSRF-Token`` header or the form's ``csrf_token`` field."""
    if request.method in SAFE_METHODS:
        return user
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.headers.get("content-type", "").startswith(
        ("multipart/form-data", "application/x-www-form-urlencoded")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else ""
    if not sent or not hmac.compare_digest(sent, user.csrf):
        raise Forbidden("缺少有效的安全令牌（CSRF），请求已拒绝。", "请刷新页面后重试。")
    return user


def cookie_secure(request: Request) -> bool:
    """Cookies are marked Secure whenever the page is served over HTTPS."""
    return request.url.scheme == "https"
