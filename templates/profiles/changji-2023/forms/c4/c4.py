"""c4 志愿服务之星公示: a community's residents with the most points of the year, as many
as the profile names (points.stars; ties at the last place are all named), ranked as c3
ranks them, on the notice board."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generator.forms import kit
from generator.forms.registry import Form, code_of, forms_of
from generator.ledger.model import Ledger
from generator.policy.profile import Profile
from generator.types import Context, Options, Scope


def stars(profile: Profile) -> int:
    """How many 志愿服务之星 a community names (the profile's points.stars)."""
    return int(profile.raw.get("points", {}).get("stars", 10))


def _standings(profile: Profile) -> Callable[..., list[Any]]:
    fn: Callable[..., list[Any]] = code_of(forms_of(profile)["c3"]).standings
    return fn


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    year = scope.period.year
    community = ledger.communities[scope.community]
    found = _standings(opts.profile)(ledger, scope.community, year, opts.profile)
    top = [s for s in found if s.points > 0 and s.rank <= stars(opts.profile)]
    rows = [
        {
            "rank": str(s.rank),
            "name": s.member.name,
            "unit_title": f"{s.member.unit}　{s.member.title}",
            "compound": s.member.compound,
            "points": f"{s.points:g}",
        }
        for s in top
    ]
    title = form.text("title", community=scope.community, year=year)
    ctx = kit.notice(
        form, opts, title, scope.community, year, community.org, community.phone, scope.community
    )
    ctx.update(kit.table(form, rows))
    return kit.masked(ctx, opts, form)


def blank(opts: Options, form: Form) -> Context:
    title = form.text("title", community="××社区", year="××")
    ctx = kit.blank_notice(form, opts, title, place="××社区")
    ctx.update(kit.table(form, kit.blank_rows(form, stars(opts.profile)), fit=False))
    return ctx
