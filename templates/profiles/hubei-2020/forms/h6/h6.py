"""h6 考核结果公示: the members living in a community and their 考核等次 of the year, on
the notice board (masked as every notice; the issuer is the community party organisation)."""

from __future__ import annotations

from generator.forms import kit
from generator.forms.registry import Form
from generator.ledger.model import Ledger
from generator.types import Context, Options, Scope


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    year = scope.period.year
    community = ledger.communities[scope.community]
    members = [m for m in ledger.members.values() if m.community == scope.community]
    rows = []
    for i, m in enumerate(members, start=1):
        recs = [r for r in ledger.of_member("assessments", m.id) if r.get("year") == year]
        rows.append(
            {
                "no": str(i),
                "name": m.name,
                "unit_title": f"{m.unit}　{m.title}",
                "compound": m.compound,
                "grade": str(recs[-1].get("grade", "")) if recs else kit.DASH,
            }
        )
    title = form.text("title", community=scope.community, year=year)
    ctx = kit.notice(
        form, opts, title, scope.community, year, community.org, community.phone, scope.community
    )
    ctx.update(kit.table(form, rows))
    return kit.masked(ctx, opts, form)


def blank(opts: Options, form: Form) -> Context:
    title = form.text("title", community="××社区", year="××")
    ctx = kit.blank_notice(form, opts, title, place="××社区")
    ctx.update(kit.table(form, kit.blank_rows(form, 10), fit=False))
    return ctx
