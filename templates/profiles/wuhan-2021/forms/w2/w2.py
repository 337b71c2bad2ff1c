"""w2 服务团队公示: a community's service teams — name, tasks, frequency, captain and vice
captain with their phones (shown in full: the profile exempts those columns from
masking), and the members' names. Also the one place the profile's teams are put
together (``teams``), which w3 uses too."""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.forms import kit
from generator.forms.registry import Form
from generator.ledger.model import Ledger, Member
from generator.types import Context, Options, Scope


@dataclass
class Team:
    """One row of 服务团队 with its people: captain, vice captain and the members that
    团队成员 names (each once, in member order)."""

    name: str
    unit: str
    community: str  # the team's 社区, else its captain's
    tasks: str = ""
    frequency: str = ""
    captain: Member | None = None
    vice: Member | None = None
    members: list[Member] = field(default_factory=list)


@kit.per_ledger
def teams(ledger: Ledger) -> list[Team]:
    """Every team of the ledger, in sheet order (worked out once per ledger). A 团队成员
    row names its team by 团队名称; where two teams share a name, the member joins the one
    in their own community, else the one of their unit, else the first."""
    found: list[Team] = []
    for r in ledger.table("teams"):
        captain = ledger.members.get(str(r.get("captain", "")))
        found.append(
            Team(
                name=str(r["name"]),
                unit=str(r["unit"]),
                community=str(r.get("community") or (captain.community if captain else "")),
                tasks=str(r.get("tasks", "")),
                frequency=str(r.get("frequency", "")),
                captain=captain,
                vice=ledger.members.get(str(r.get("vice", ""))),
            )
        )
    by_name: dict[str, list[Team]] = {}
    for t in found:
        by_name.setdefault(t.name, []).append(t)
    for r in ledger.table("team_members"):
        m = ledger.members.get(r.member_id)
        same = by_name.get(str(r.get("team", "")), [])
        if m is None or not same:
            continue
        team = next(
            (t for t in same if t.community == m.community),
            next((t for t in same if t.unit == m.unit), same[0]),
        )
        if m not in team.members:
            team.members.append(m)
    order = {mid: i for i, mid in enumerate(ledger.members)}
    for t in found:
        t.members.sort(key=lambda m: order[m.id])
    return found


def wanted(ledger: Ledger, scope: Scope) -> bool:
    return any(t.community == scope.community for t in teams(ledger))


def row(i: int, t: Team, form: Form) -> dict[str, str]:
    names = "、".join(m.name for m in t.members)
    return {
        "no": str(i),
        "team": t.name,
        "tasks": t.tasks,
        "frequency": t.frequency,
        "captain": t.captain.name if t.captain else "",
        "captain_phone": t.captain.phone if t.captain else "",
        "vice": t.vice.name if t.vice else kit.DASH,
        "vice_phone": t.vice.phone if t.vice else kit.DASH,
        "members": names + form.text("count", n=len(t.members))
        if t.members
        else form.text("recruiting"),
    }


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    community = ledger.communities[scope.community]
    mine = [t for t in teams(ledger) if t.community == scope.community]
    ctx = kit.notice(
        form,
        opts,
        f"{scope.community}{form.title}",
        scope.community,
        scope.period.year,
        community.org,
        community.phone,
        scope.community,
    )
    ctx.update(kit.table(form, [row(i, t, form) for i, t in enumerate(mine, start=1)]))
    return kit.masked(ctx, opts, form)


def blank(opts: Options, form: Form) -> Context:
    ctx = kit.blank_notice(form, opts, f"××社区{form.title}")
    ctx.update(kit.table(form, kit.blank_rows(form, 12), fit=False))
    return ctx
