"""w1 “三张清单”: a unit's 资源清单, the community's 需求清单 and their 共建项目清单, in
that order, numbered within each list; a project other units also list in the community
names them (共同承担单位). The summary counts each list against the profile's rule."""

from __future__ import annotations

from generator.forms import kit
from generator.forms.registry import Form
from generator.ledger.model import Ledger, Record
from generator.ledger.normalize import cn_date
from generator.types import Context, Options, Scope

ORDER = ("资源清单", "需求清单", "项目清单")
RULE = "projects_per_pair"


def _rows_of(ledger: Ledger, unit: str, community: str) -> list[Record]:
    return [
        r
        for r in ledger.table("lists")
        if r.get("unit") == unit and r.get("community") == community
    ]


def wanted(ledger: Ledger, scope: Scope) -> bool:
    """A pair that has started its lists or signed an agreement."""
    return bool(_rows_of(ledger, scope.unit, scope.community)) or any(
        r.get("unit") == scope.unit and r.get("community") == scope.community
        for r in ledger.table("agreements")
    )


def _partners(ledger: Ledger, rec: Record) -> str:
    """Other units listing the same project in the same community."""
    others = {
        str(r.get("unit"))
        for r in ledger.table("lists")
        if r.get("community") == rec.get("community")
        and r.get("list_type") == rec.get("list_type")
        and r.get("item") == rec.get("item")
        and r.get("unit") != rec.get("unit")
    }
    return "、".join(sorted(others))


def summary(form: Form, opts: Options, counts: dict[str, int]) -> str:
    """资源清单N项，需求清单N项，共建项目清单N项 — and how many projects the rule still asks."""
    need = int(opts.profile.rule(RULE).get("min", 5))
    resources, needs, projects = (counts[k] for k in ORDER)
    text = form.text("summary", resources=resources, needs=needs, projects=projects)
    if projects < need:
        text += form.text("short", need=need, more=need - projects)
    return text


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    unit = ledger.units[scope.unit]
    community = ledger.communities[scope.community]
    records = _rows_of(ledger, scope.unit, scope.community)
    rows: list[dict[str, str]] = []
    counts = dict.fromkeys(ORDER, 0)
    for kind in ORDER:
        label = form.text("project") if kind == "项目清单" else kind
        mine = [r for r in records if r.get("list_type") == kind]
        if not mine:  # a line to fill in by hand
            rows.append({c.key: "" for c in form.columns} | {"no": "1", "list_type": label})
        for rec in mine:
            counts[kind] += 1
            rows.append(
                {
                    "no": str(counts[kind]),
                    "list_type": label,
                    "item": str(rec.get("item", "")),
                    "owner": str(rec.get("owner", "")),
                    "partners": _partners(ledger, rec) if kind == "项目清单" else "",
                    "deadline": str(rec.get("deadline", "")),
                    "status": str(rec.get("status", "")),
                    "progress": str(rec.get("progress", "")),
                }
            )
    signed = sorted(
        r["signed"]
        for r in ledger.table("agreements")
        if r.get("unit") == scope.unit and r.get("community") == scope.community
    )
    head = form.text("head", unit=unit.name, community=community.name)
    if signed:
        head += form.text("agreement", date=cn_date(signed[-1]))
    ctx = kit.head(
        form,
        opts,
        head,
        (unit.filler, unit.phone),
        form.text("note"),
        title=f"{scope.period.year}年度{form.title}",
    )
    ctx.update(kit.table(form, rows), summary=summary(form, opts, counts))
    return ctx


def blank(opts: Options, form: Form) -> Context:
    ctx = kit.blank_head(
        form,
        opts,
        form.text("head", unit=kit.BLANK, community=kit.BLANK),
        notes=form.text("note"),
        title=f"____年度{form.title}",
    )
    rows = [
        {c.key: "" for c in form.columns}
        | {"no": str(i), "list_type": form.text("project") if kind == "项目清单" else kind}
        for kind in ORDER
        for i in range(1, 4)
    ]
    ctx.update(kit.table(form, rows, fit=False))
    b = kit.BLANK
    ctx["summary"] = form.text("summary", resources=b, needs=b, projects=b)
    return ctx
