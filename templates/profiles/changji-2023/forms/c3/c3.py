"""c3 积分台账及排名: every member living in a community with the year's point items, the
total, the rank (ties share a rank: 95, 80, 80, 60 -> 1, 2, 2, 4; ties in member order)
and the grade the profile's thresholds give (points.grades, best first)."""

from __future__ import annotations

import math
from typing import NamedTuple

from generator.forms import kit
from generator.forms.registry import Form
from generator.ledger.model import Ledger, Member
from generator.policy.profile import Profile
from generator.types import Context, Options, Scope


class Standing(NamedTuple):
    member: Member
    points: float
    rank: int
    grade: str
    items: tuple[str, ...]


def thresholds(profile: Profile) -> list[tuple[str, float]]:
    """(grade, lowest total) best first; a grade without ``min`` takes everything below."""
    return [
        (str(g["grade"]), float(g["min"]) if g.get("min") is not None else -math.inf)
        for g in profile.raw.get("points", {}).get("grades", [])
    ]


def rules_text(profile: Profile) -> str:
    """好≥90分，较好≥75分，一般≥60分，差＜60分."""
    levels = thresholds(profile)
    parts = [f"{g}≥{least:g}分" for g, least in levels if least > -math.inf]
    floor = [least for _, least in levels if least > -math.inf]
    parts += [f"{g}＜{min(floor):g}分" for g, least in levels if least == -math.inf and floor]
    return "，".join(parts)


def _score(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def standings(ledger: Ledger, community: str, year: int, profile: Profile) -> list[Standing]:
    """The community's residents by rank (then member order) with the year's points."""
    members = [m for m in ledger.members.values() if m.community == community]
    totals, items = [], []
    for m in members:
        rows = [
            r
            for r in ledger.of_member("points", m.id)
            if getattr(r.get("date"), "year", None) == year
        ]
        totals.append(sum(_score(r.get("score")) for r in rows))
        items.append(tuple(f"{r.get('item', '')}（{_score(r.get('score')):+g}）" for r in rows))
    ranks = kit.ranks(totals)
    levels = thresholds(profile)
    found = [
        Standing(m, t, r, kit.grade_for(t, levels), it)
        for m, t, r, it in zip(members, totals, ranks, items, strict=True)
    ]
    return sorted(found, key=lambda s: s.rank)  # stable: ties keep member order


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    year = scope.period.year
    community = ledger.communities[scope.community]
    found = standings(ledger, scope.community, year, opts.profile)
    rows = [
        {
            "rank": s.rank,  # numbers stay numbers in the XLSX
            "name": s.member.name,
            "unit_title": f"{s.member.unit}　{s.member.title}",
            "compound": s.member.compound,
            "items": "；".join(s.items),
            "points": int(s.points) if s.points == int(s.points) else f"{s.points:g}",
            "grade": s.grade,
        }
        for s in found
    ]
    counts = {g: sum(1 for s in found if s.grade == g) for g, _ in thresholds(opts.profile)}
    ctx = kit.head(
        form,
        opts,
        form.text("head", org=community.org),
        ("", community.phone),
        form.text("note"),
        title=form.text("title", community=scope.community, year=year),
    )
    ctx.update(kit.table(form, rows))
    ctx["summary"] = form.text(
        "summary",
        rules=rules_text(opts.profile),
        n=len(found),
        counts="，".join(f"{g}{n}人" for g, n in counts.items()),
    )
    return ctx


def blank(opts: Options, form: Form) -> Context:
    ctx = kit.blank_head(
        form,
        opts,
        form.text("head", org=kit.BLANK),
        notes=form.text("note"),
        title=form.text("title", community="××社区", year="××"),
    )
    ctx.update(kit.table(form, [{**r, "rank": ""} for r in kit.blank_rows(form)], fit=False))
    ctx["summary"] = form.text(
        "summary", rules=rules_text(opts.profile), n="____", counts="____"
    ).replace("共____人：____。", "")
    return ctx
