"""附件4 任职情况统计表: each post held by a unit's cadres by the period's end, and the
summary line against the profile's post-share rule (M counts people, not posts)."""

from __future__ import annotations

from typing import Any

from generator.forms import kit
from generator.forms.registry import Form
from generator.ledger.model import Ledger
from generator.ledger.normalize import cn_date
from generator.policy.rules import share_needed
from generator.types import Context, Options, Scope


def summary(form: Form, opts: Options, total: int, holders: int) -> str:
    """本单位党员干部总数 N 人，在小区任职 M 人，占比 P% — and whether it meets the rule."""
    rule = opts.profile.rule("post_share")
    share, need = float(rule.get("min", 1 / 3)), str(rule.get("display", "三分之一"))
    pct = f"{100 * holders / total if total else 0.0:.1f}"
    text = form.text("summary", total=total, holders=holders, pct=pct, need=need)
    missing = share_needed(total, share) - holders
    if total and missing > 0:
        text += form.text("short", need=need, more=missing)
    return text


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    unit = ledger.units[scope.unit]
    members = ledger.members_of_unit(scope.unit)
    rows: list[dict[str, str]] = []
    holders = 0
    for m in members:
        posts = [
            p for p in ledger.posts.get(m.id, []) if p.since is None or p.since <= scope.period.end
        ]
        holders += bool(posts)
        for p in posts:
            rows.append(
                {
                    "no": str(len(rows) + 1),
                    "name": m.name,
                    "job": m.title,
                    "community": m.community,
                    "compound": m.compound,
                    "post": p.post,
                    "since": cn_date(p.since),
                    "note": p.note,
                }
            )
    ctx = kit.head(
        form,
        opts,
        kit.unit_head("统计单位", unit.org, scope.period.cn),
        (unit.filler, unit.phone),
        form.text("note"),
    )
    ctx.update(kit.table(form, rows), summary=summary(form, opts, len(members), holders))
    return ctx


def blank(opts: Options, form: Form) -> Context:
    ctx = kit.blank_head(form, opts, kit.unit_head("统计单位", None), notes=form.text("note"))
    ctx.update(kit.table(form, kit.blank_rows(form), fit=False))
    b = kit.BLANK
    ctx["summary"] = form.text("summary", total=b, holders=b, pct=b, need="三分之一")
    return ctx


# The template whose pages ``stamp`` draws (layouts.digest of a4.typ and formgen.typ):
# change them together, tests/test_tables.py compares them page by page.
STAMPS = "72bb42153ec623afc88a5a19d1d981deb7f448275de413fdb110bfcb448612b2"


def stamp(doc: Any, d: Context) -> None:
    """a4.typ (formgen.typ table-docs) drawn straight into PDF pages
    (generator/render/tables.py)."""
    from generator.render.tables import table_form

    table_form(doc, d, "附件4")
