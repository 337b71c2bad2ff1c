"""c2 四张清单: a community's 清单 rows of every unit, one section per list type (the
profile's four, in its order; an empty list says so), with progress, and the count of
items by status."""

from __future__ import annotations

from collections.abc import Callable

from generator.forms import kit
from generator.forms.registry import Form, code_of, forms_of
from generator.ledger.model import Ledger
from generator.policy.profile import Profile
from generator.types import Context, Options, Scope

CN = "一二三四五六七八九十"


def _titles(profile: Profile) -> dict[str, str]:
    fn: Callable[[Profile], dict[str, str]] = code_of(forms_of(profile)["c1"]).titles
    return fn(profile)


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    community = ledger.communities[scope.community]
    order = {u: i for i, u in enumerate(ledger.units)}
    mine = sorted(
        (r for r in ledger.table("lists") if r.get("community") == scope.community),
        key=lambda r: (order.get(str(r.get("unit")), len(order)), r.row),
    )
    known = opts.profile.choices("list_types")
    kinds = [*known, *dict.fromkeys(str(r.get("list_type")) for r in mine)]
    kinds = list(
        dict.fromkeys(k for k in kinds if k in known or any(r.get("list_type") == k for r in mine))
    )
    heads = _titles(opts.profile)
    rows: list[dict[str, str]] = []
    for n, kind in enumerate(kinds, start=1):
        rows.append({"section": f"{CN[n - 1] if n <= 10 else n}、{heads.get(kind, kind)}"})
        of_kind = [r for r in mine if r.get("list_type") == kind]
        if not of_kind:
            empty = {c.key: "" for c in form.columns}
            rows.append({**empty, "section": "", "item": form.text("none")})
        for i, r in enumerate(of_kind, start=1):
            rows.append(
                {
                    "section": "",
                    "no": str(i),
                    "unit": str(r.get("unit", "")),
                    "item": str(r.get("item", "")),
                    "owner": str(r.get("owner", "")),
                    "deadline": str(r.get("deadline", "")),
                    "status": str(r.get("status", "")),
                    "progress": str(r.get("progress", "")),
                }
            )
    states = {
        s: sum(1 for r in mine if r.get("status") == s) for s in opts.profile.choices("list_status")
    }
    unset = sum(1 for r in mine if not r.get("status"))
    summary = "，".join(f"{s}{k}项" for s, k in states.items()) + (
        f"，未填状态{unset}项" if unset else ""
    )
    ctx = kit.head(
        form,
        opts,
        form.text("head", org=community.org),
        ("", community.phone),
        form.text("note"),
        title=f"{scope.community}{form.title}",
    )
    ctx.update(kit.table(form, rows))
    ctx["summary"] = form.text("summary", n=len(mine), states=summary)
    return ctx


def blank(opts: Options, form: Form) -> Context:
    ctx = kit.blank_head(
        form,
        opts,
        form.text("head", org=kit.BLANK),
        notes=form.text("note"),
        title=f"××社区{form.title}",
    )
    heads = _titles(opts.profile)
    rows: list[dict[str, str]] = []
    for n, kind in enumerate(opts.profile.choices("list_types"), start=1):
        rows.append({"section": f"{CN[n - 1]}、{heads.get(kind, kind)}"})
        rows += [{"section": "", **r} for r in kit.blank_rows(form, 3)]
    ctx.update(kit.table(form, rows, fit=False))
    ctx["summary"] = ""
    return ctx
