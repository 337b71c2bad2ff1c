"""x4 负面行为通报: a compound's 曝光 — the year's 负面记录 of its resident members that the
community has reported to their units (通报单位日期 filled), in date order; masked."""

from __future__ import annotations

from collections import defaultdict

from generator.forms import kit
from generator.forms.registry import Form
from generator.ledger.model import Ledger, Record
from generator.ledger.normalize import cn_date
from generator.types import Context, Options, Scope


@kit.per_ledger
def _reported(ledger: Ledger) -> dict[tuple[str, str], list[Record]]:
    """Records reported to the member's unit (通报单位日期), by the member's community and
    compound, in date order."""
    found: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for r in sorted(ledger.table("negatives"), key=lambda r: (r["date"], r.row)):
        m = ledger.members.get(r.member_id)
        if m is not None and r.get("notified"):
            found[(m.community, m.compound)].append(r)
    return found


def exposed(ledger: Ledger, scope: Scope) -> list[Record]:
    """The compound's records of the period that were reported to the member's unit."""
    mine = _reported(ledger).get((scope.community, scope.compound), [])
    return [r for r in mine if scope.period.contains(r["date"])]


def wanted(ledger: Ledger, scope: Scope) -> bool:
    return bool(exposed(ledger, scope))


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    community = ledger.communities[scope.community]
    rows = []
    for i, r in enumerate(exposed(ledger, scope), start=1):
        m = ledger.members[r.member_id]
        rows.append(
            {
                "no": str(i),
                "name": m.name,
                "unit": m.unit,
                "address": f"{m.building}{m.entrance}{kit.masked_door(opts, m.door)}",
                "behaviour": str(r["behaviour"]),
                "date": cn_date(r["date"]),
                "rectification": str(r.get("rectification", "")) or kit.DASH,
            }
        )
    ctx = kit.notice(
        form,
        opts,
        f"{scope.compound}{form.title}",
        scope.compound,
        scope.period.year,
        community.org,
        community.phone,
        f"{scope.community}/{scope.compound}",
    )
    ctx.update(kit.table(form, rows))
    return kit.masked(ctx, opts, form)


def blank(opts: Options, form: Form) -> Context:
    ctx = kit.blank_notice(form, opts, f"××小区{form.title}")
    ctx.update(kit.table(form, kit.blank_rows(form, 8), fit=False))
    return ctx
