"""n2 承诺事项公示: each cadre of a compound with pledges in the year, and the deadlines."""

from __future__ import annotations

from typing import Any

from generator.forms import kit
from generator.forms.registry import Form
from generator.ledger.model import Ledger
from generator.types import Context, Options, Scope


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    cmp = ledger.compounds[(scope.community, scope.compound)]
    year = scope.period.year
    rows: list[dict[str, str]] = []
    for m in ledger.members_at(scope.community, scope.compound):
        pledges = [p for p in ledger.pledges.get(m.id, []) if p.year == year]
        if not pledges:
            continue
        many = len(pledges) > 1
        rows.append(
            {
                "no": str(len(rows) + 1),
                "name": m.name,
                "unit_title": f"{m.unit}　{m.title}",
                "pledged": "\n".join(
                    (f"{i}.{p.item}" if many else p.item) for i, p in enumerate(pledges, start=1)
                ),
                "deadlines": "\n".join(
                    (f"{i}.{p.deadline or kit.DASH}" if many else p.deadline or kit.DASH)
                    for i, p in enumerate(pledges, start=1)
                ),
            }
        )
    if opts.notice.issuer == "community":
        comm = ledger.communities[scope.community]
        issuer, phone = comm.org, comm.phone
    else:
        issuer, phone = cmp.branch, cmp.phone
    ctx = kit.notice(
        form,
        opts,
        "",
        scope.compound,
        year,
        issuer,
        phone,
        f"{scope.community}/{scope.compound}",
        title_parts=(f"{scope.community}{scope.compound}", "党员干部", f"{year}年{form.title}"),
    )
    ctx.update(kit.table(form, rows))
    return kit.masked(ctx, opts, form)


def blank(opts: Options, form: Form) -> Context:
    ctx = kit.blank_notice(form, opts, f"××社区××小区党员干部{form.title}")
    ctx.update(kit.table(form, kit.blank_rows(form, 10), fit=False))
    return ctx


# The template whose pages ``stamp`` draws (layouts.digest of n2.typ, notice.typ and
# formgen.typ): change them together, tests/test_tables.py compares them page by page.
STAMPS = "fa3f7ccc80eb27e242d132db7aba0e231bb40f251e45886b9aa623228480dc13"


def stamp(doc: Any, d: Context) -> None:
    """n2.typ (notice.typ) drawn straight into PDF pages (generator/render/tables.py)."""
    from generator.render.tables import notice

    notice(doc, d)
