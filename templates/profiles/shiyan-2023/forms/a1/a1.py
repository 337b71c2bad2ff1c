"""附件1 公示表: one building's members, in member order (FORMS.md a1)."""

from __future__ import annotations

from typing import Any

from generator.forms import kit
from generator.forms.registry import Form
from generator.ledger.model import Compound, Ledger, Member
from generator.types import Context, Options, Scope


def row(i: int, m: Member) -> dict[str, str]:
    """One member's row of the 公示表 (n1 masks it for the notice board)."""
    return {
        "no": str(i),
        "name": m.name,
        "unit_title": f"{m.unit}　{m.title}",
        "phone": m.phone,
        "address": m.address,
        "speciality": m.speciality,
        "party": "是" if m.is_party else "否",
    }


def _foot(cmp: Compound | None) -> tuple[str, str]:
    return (cmp.contact if cmp else "", cmp.phone if cmp else "")


LABELS = ("小区党支部联系人", "联系电话")


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    cmp = ledger.compounds[(scope.community, scope.compound)]
    members = ledger.members_at(scope.community, scope.compound, scope.building)
    ctx = kit.head(
        form,
        opts,
        f"公示单位：{cmp.branch}",
        _foot(cmp),
        foot_labels=LABELS,
        title_parts=(f"{scope.community}{scope.compound}{scope.building}", form.title),
    )
    ctx.update(kit.table(form, [row(i, m) for i, m in enumerate(members, start=1)]))
    return ctx


def blank(opts: Options, form: Form) -> Context:
    ctx = kit.blank_head(
        form,
        opts,
        f"公示单位：{kit.BLANK}小区党支部",
        foot=_foot(None),
        title=f"××社区××小区××楼栋{form.title}",
        foot_labels=LABELS,
    )
    ctx.update(kit.table(form, kit.blank_rows(form), fit=False))
    return ctx


# The template whose pages ``stamp`` draws (layouts.digest of a1.typ and formgen.typ):
# change them together, tests/test_tables.py compares them page by page.
STAMPS = "5a4049bef281a91d718215d8e246d187eb0a31b6a099ee94100750b6d9de5cc3"


def stamp(doc: Any, d: Context) -> None:
    """a1.typ (formgen.typ table-docs) drawn straight into PDF pages
    (generator/render/tables.py)."""
    from generator.render.tables import table_form

    table_form(doc, d, "附件1")
