"""Who may see what. A unit's clerk sees and exports only the unit's members and
documents; a community's clerk the community's buildings, compounds and notices; an
admin everything. Every route asks here; a "no" is a 403 that names nothing."""

from __future__ import annotations

from typing import Any

from generator.app.web import engine
from generator.app.web.auth import User
from generator.app.web.errors import Forbidden


def owns(user: User, unit: str = "", community: str = "") -> bool:
    """Whether something of this unit or community is the user's."""
    if user.role == "admin":
        return True
    if user.role == "unit":
        return bool(unit) and unit == user.scope
    return bool(community) and community == user.scope


def member_visible(user: User, m: dict[str, Any]) -> bool:
    return owns(user, m["unit"], m["community"])


def form_ids(user: User, profile: str = engine.DEFAULT_PROFILE) -> list[str]:
    return [f.id for f in engine.forms_for(user.role, profile)]


def check_forms(user: User, wanted: list[str], profile: str = engine.DEFAULT_PROFILE) -> None:
    allowed = set(form_ids(user, profile))
    if any(f not in allowed for f in wanted):
        raise Forbidden("无权生成所选表单。", "可选：" + "、".join(sorted(allowed)))


def check_target(user: User, t: engine.Target) -> None:
    """A single document (preview, download) must be one of the user's."""
    if t.form not in form_ids(user, t.profile) or not owns(user, t.unit, t.community):
        raise Forbidden()


def export_scope(user: User, unit: str, community: str, compound: str) -> dict[str, str]:
    """The filters of a user's export and its key (one job per key at a time): clerks
    get their own unit or community whatever they ask; an admin what they pick."""
    if user.role == "unit":
        unit, community, compound = user.scope, "", ""
    elif user.role == "community":
        unit, community, compound = "", user.scope, ""
    if compound and not community:
        raise Forbidden("指定小区时须同时指定社区。")
    key = (
        f"unit:{unit}"
        if unit
        else f"compound:{community}/{compound}"
        if compound
        else f"community:{community}"
        if community
        else "all"
    )
    return {"unit": unit, "community": community, "compound": compound, "scope": key}


def may_see_export(user: User, row: dict[str, Any]) -> bool:
    if user.role == "admin":
        return True
    if user.role == "unit":
        return row["unit"] == user.scope
    return row["community"] == user.scope and not row["unit"]


def may_see_ledger(user: User, row: dict[str, Any], admins: list[int]) -> bool:
    """Own uploads, and the admins' (a sub-district's shared ledger)."""
    return user.role == "admin" or row["owner"] == user.id or row["owner"] in admins


def sees_issues(user: User, row: dict[str, Any]) -> bool:
    """Issue details name people of every unit: the uploader's and the admins' only."""
    return user.role == "admin" or row["owner"] == user.id


def archive_filters(user: User) -> tuple[str, str]:
    """(unit, community) narrowing archive status and packages to the user's own."""
    if user.role == "unit":
        return user.scope, ""
    if user.role == "community":
        return "", user.scope
    return "", ""


def require_admin(user: User) -> None:
    if user.role != "admin":
        raise Forbidden("此操作仅限管理员。")
