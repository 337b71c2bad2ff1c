"""附件2 决策共谋统计表: every cadre of a unit with their decision meetings in the
period, 0 included; at year level 备注 flags who is short of the yearly rule."""

from __future__ import annotations

from typing import Any

from generator.forms import kit
from generator.forms.registry import Form
from generator.ledger.model import Ledger
from generator.types import Context, Options, Scope


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    unit = ledger.units[scope.unit]
    need = int(opts.profile.rule("decisions_per_year").get("min", 0))
    rows = []
    for i, m in enumerate(ledger.members_of_unit(scope.unit), start=1):
        ds = [d for d in ledger.decisions.get(m.id, []) if scope.period.contains(d.date)]
        short = scope.period.quarter is None and scope.period.half is None and len(ds) < need
        rows.append(
            {
                "no": str(i),
                "name": m.name,
                "job": m.title,
                "community": m.community,
                "compound": m.compound,
                "count": str(len(ds)),
                "matters": "；".join(d.matter for d in ds),
                "note": form.text("short", need=need) if short else "",
            }
        )
    ctx = kit.head(
        form,
        opts,
        kit.unit_head("统计单位", unit.org, scope.period.cn),
        (unit.filler, unit.phone),
        form.text("note"),
    )
    ctx.update(kit.table(form, rows))
    return ctx


def blank(opts: Options, form: Form) -> Context:
    ctx = kit.blank_head(form, opts, kit.unit_head("统计单位", None), notes=form.text("note"))
    ctx.update(kit.table(form, kit.blank_rows(form), fit=False))
    return ctx


# The template whose pages ``stamp`` draws (layouts.digest of a2.typ and formgen.typ):
# change them together, tests/test_tables.py compares them page by page.
STAMPS = "6cf401354eb91290113d1848fc9ea5e16f45a0a0987d5711bc2f980d393999a8"


def stamp(doc: Any, d: Context) -> None:
    """a2.typ (formgen.typ table-docs) drawn straight into PDF pages
    (generator/render/tables.py)."""
    from generator.render.tables import table_form

    table_form(doc, d, "附件2")
