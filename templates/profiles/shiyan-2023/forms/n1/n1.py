"""n1 亮身份公示: one building's 附件1 rows for the notice board, masked by content."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generator.forms import kit
from generator.forms.registry import Form, code_of, forms_of
from generator.ledger.model import Ledger, Member
from generator.policy.profile import Profile
from generator.types import Context, Options, Scope


def _a1_row(profile: Profile) -> Callable[[int, Member], dict[str, str]]:
    """附件1's row builder: the notice shows what the 公示表 shows."""
    row: Callable[[int, Member], dict[str, str]] = code_of(forms_of(profile)["a1"]).row
    return row


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    cmp = ledger.compounds[(scope.community, scope.compound)]
    row = _a1_row(opts.profile)
    rows = []
    for i, m in enumerate(ledger.members_at(scope.community, scope.compound, scope.building), 1):
        r = row(i, m)
        door = kit.masked_door(opts, m.door)
        r.update(
            phone=kit.masked_phone(opts, m.phone),
            address=f"{m.compound}{m.building}{m.entrance}{door}",
        )
        rows.append(r)
    place = f"本楼栋（{scope.compound}{scope.building}）"
    ctx = kit.notice(
        form,
        opts,
        "",
        place,
        scope.period.year,
        cmp.branch,
        cmp.phone,
        f"{scope.community}/{scope.compound}/{scope.building}",
        title_parts=(f"{scope.community}{scope.compound}{scope.building}", form.title),
    )
    ctx.update(kit.table(form, rows))
    return kit.masked(ctx, opts, form)


def blank(opts: Options, form: Form) -> Context:
    ctx = kit.blank_notice(form, opts, f"××社区××小区××楼栋{form.title}")
    ctx.update(kit.table(form, kit.blank_rows(form, 10), fit=False))
    return ctx


# The template whose pages ``stamp`` draws (layouts.digest of n1.typ, notice.typ and
# formgen.typ): change them together, tests/test_tables.py compares them page by page.
STAMPS = "f699c70acc7c63b6400ca28483afcc091278c8e2c31a0d8ac794d591837aeccf"


def stamp(doc: Any, d: Context) -> None:
    """n1.typ (notice.typ) drawn straight into PDF pages (generator/render/tables.py)."""
    from generator.render.tables import notice

    notice(doc, d)
