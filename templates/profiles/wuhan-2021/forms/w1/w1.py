"""w1 “三张清单”: a unit's 资源清单, the community's 需求清单 and their 共建项目清单, in
that order, numbered within each list; a project other units also list in the community
names them (共同承担单位). The summary counts each list against the profile's rule."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from generator.forms import kit
from generator.forms.registry import Form
from generator.ledger.model import Ledger, Record
from generator.ledger.normalize import cn_date
from generator.types import Context, Options, Scope

ORDER = ("资源清单", "需求清单", "项目清单")
RULE = "projects_per_pair"


@kit.per_ledger
def _by_pair(ledger: Ledger) -> dict[tuple[str, str], list[Record]]:
    """清单 rows by unit × community, in sheet order."""
    pairs: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for r in ledger.table("lists"):
        pairs[(str(r.get("unit")), str(r.get("community")))].append(r)
    return pairs


@kit.per_ledger
def _listing(ledger: Ledger) -> dict[tuple[str, str, str], set[str]]:
    """The units that list an item, by community, list type and item."""
    units: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for r in ledger.table("lists"):
        units[(str(r.get("community")), str(r.get("list_type")), str(r.get("item")))].add(
            str(r.get("unit"))
        )
    return units


@kit.per_ledger
def _signed(ledger: Ledger) -> dict[tuple[str, str], list[dt.date]]:
    """The dates 共建协议 were signed, by unit × community, in order."""
    dates: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for r in ledger.table("agreements"):
        dates[(str(r.get("unit")), str(r.get("community")))].append(r["signed"])
    return {k: sorted(v) for k, v in dates.items()}


def wanted(ledger: Ledger, scope: Scope) -> bool:
    """A pair that has started its lists or signed an agreement."""
    pair = (scope.unit, scope.community)
    return pair in _by_pair(ledger) or pair in _signed(ledger)


def _partners(ledger: Ledger, rec: Record) -> str:
    """Other units listing the same project in the same community."""
    key = (str(rec.get("community")), str(rec.get("list_type")), str(rec.get("item")))
    return "、".join(sorted(_listing(ledger)[key] - {str(rec.get("unit"))}))


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
    records = _by_pair(ledger).get((scope.unit, scope.community), [])
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
    signed = _signed(ledger).get((scope.unit, scope.community), [])
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
