"""n3 评价结果公示: each cadre's year-end grade (the unit party organisation's), per unit
or per compound."""

from __future__ import annotations

from typing import Any

from generator.forms import kit
from generator.forms.registry import Form
from generator.ledger.model import Ledger
from generator.types import Context, Options, Scope


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    year = scope.period.year
    if scope.unit:
        unit = ledger.units[scope.unit]
        members = ledger.members_of_unit(scope.unit)
        issuer, phone, place, who = unit.org, unit.phone, f"本单位（{unit.name}）", unit.name
        record = unit.name
    else:
        cmp = ledger.compounds[(scope.community, scope.compound)]
        members = ledger.members_at(scope.community, scope.compound)
        issuer, phone, place = cmp.branch, cmp.phone, f"居住在{scope.compound}的"
        who, record = f"{scope.community}{scope.compound}", f"{scope.community}/{scope.compound}"
    rows = []
    for i, m in enumerate(members, start=1):
        ev = ledger.evaluations.get((m.id, year))
        rows.append(
            {
                "no": str(i),
                "name": m.name,
                "unit_title": f"{m.unit}　{m.title}",
                "grade": (ev.grades.get("unit") if ev else "") or kit.DASH,
            }
        )
    parts = (who, *form.text("title", year=year).split("|"))
    ctx = kit.notice(form, opts, "", place, year, issuer, phone, record, title_parts=parts)
    ctx.update(kit.table(form, rows))
    return kit.masked(ctx, opts, form)


def blank(opts: Options, form: Form) -> Context:
    ctx = kit.blank_notice(form, opts, "××" + form.text("title", year="××").replace("|", ""))
    ctx.update(kit.table(form, kit.blank_rows(form, 10), fit=False))
    return ctx


# The template whose pages ``stamp`` draws (layouts.digest of n3.typ, notice.typ and
# formgen.typ): change them together, tests/test_tables.py compares them page by page.
STAMPS = "3e2e9bf92424d83a4a8f1c5fc51573922e0cb1a3b448b1e9b3fdadf38bc6c71a"


def stamp(doc: Any, d: Context) -> None:
    """n3.typ (notice.typ) drawn straight into PDF pages (generator/render/tables.py)."""
    from generator.render.tables import notice

    notice(doc, d)
