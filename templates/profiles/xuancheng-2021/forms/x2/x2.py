"""x2 “六级联动”组织架构表: a community's 组织架构 rows, level by level in the profile's
order, each organisation's people together; 备注 on an organisation's first row names the
profile's rules it misses — the same rules (and measures) formgen check runs."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from generator.forms import kit
from generator.forms.registry import Form
from generator.ledger.model import Ledger, Record
from generator.policy.period import Period, windows
from generator.policy.profile import Profile
from generator.policy.rules import entities, parse_rules
from generator.types import Context, Options, Scope

SHEET = "org_chart"
FOOT = ("社区党组织书记", "联系电话")


@kit.per_ledger
def _placed(ledger: Ledger) -> dict[str, list[Record]]:
    """Each community's rows, in sheet order. A row without 社区 (a street's 大工委)
    belongs to the communities of the street its 组织名称 names, or to every community
    when it names none of the ledger's streets."""
    streets = {c.name: c.street for c in ledger.communities.values()}
    named = {s for s in streets.values() if s}
    placed: dict[str, list[Record]] = {c: [] for c in ledger.communities}
    for r in ledger.table(SHEET):
        where = str(r.get("community", ""))
        if where:
            placed.setdefault(where, []).append(r)
            continue
        org = str(r.get("org", ""))
        for community, street in streets.items():
            if (street and street in org) or not any(s in org for s in named):
                placed[community].append(r)
    return placed


def rows_of(ledger: Ledger, community: str) -> list[Record]:
    return _placed(ledger).get(community, [])


def wanted(ledger: Ledger, scope: Scope) -> bool:
    return bool(rows_of(ledger, scope.community))


@kit.per_ledger
def _flags_of(ledger: Ledger) -> dict[tuple[str, str], dict[int, list[str]]]:
    return {}  # flags by profile folder and period, worked out once per ledger


def flags(ledger: Ledger, profile: Profile, period: Period, form: Form) -> dict[int, list[str]]:
    """Sheet row of an organisation's first person -> the rules its organisation misses."""
    known = _flags_of(ledger)
    key = (str(profile.folder), period.label)
    if key not in known:
        known[key] = _flags(ledger, profile, period, form)
    return known[key]


def _flags(ledger: Ledger, profile: Profile, period: Period, form: Form) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for rule in parse_rules(profile):
        scope = rule.scope
        if not (isinstance(scope, dict) and scope.get("groups") == SHEET):
            continue
        window = windows(period, rule.per)[0]
        for e in entities(ledger, scope):
            value = rule.measure(ledger, e, window)
            if rule.ok(value) or not e.rows:
                continue
            if rule.share:
                n = len(e.rows)
                actual = f"{100 * value:.0f}%（{round(value * n)}/{n}人）"
            else:
                actual = f"{value:g}人"
            found[e.rows[0].row].append(form.text("flag", rule=rule.name, actual=actual))
    return found


def _order(profile: Profile, rows: list[Record]) -> list[tuple[str, list[Record]]]:
    """(level, its rows) in the profile's level order; each organisation's rows together,
    organisations in the order they first appear."""
    levels = profile.choices("org_levels")
    out = []
    for level in levels:
        groups: dict[tuple[Any, ...], list[Record]] = {}
        for r in rows:
            if r.get("level") == level:
                key = (r.get("community", ""), r.get("compound", ""), r.get("org"))
                groups.setdefault(key, []).append(r)
        out.append((level, [r for g in groups.values() for r in g]))
    return out


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    community = ledger.communities[scope.community]
    rows_in = rows_of(ledger, scope.community)
    notes = flags(ledger, opts.profile, scope.period, form)
    rows: list[dict[str, str]] = []
    for level, recs in _order(opts.profile, rows_in):
        if not recs:
            rows.append(
                {c.key: "" for c in form.columns} | {"level": level, "org": form.text("missing")}
            )
        for r in recs:
            rows.append(
                {
                    "level": level,
                    "org": str(r.get("org", "")),
                    "name": str(r.get("name", "")),
                    "duty": str(r.get("duty", "")),
                    "workplace": str(r.get("workplace", "")),
                    "party": str(r.get("is_party", "")),
                    "place": f"{r.get('compound', '')}{r.get('building', '')}",
                    "note": "；".join(notes.get(r.row, [])),
                }
            )
    for i, line in enumerate(rows, start=1):
        line["no"] = str(i)
    residents = [m for m in ledger.members.values() if m.community == scope.community]
    ctx = kit.head(
        form,
        opts,
        form.text("head", org=community.org, street=community.street or kit.BLANK),
        (community.secretary, community.phone),
        form.text("note"),
        title=f"{scope.community}{form.title}",
        foot_labels=FOOT,
    )
    ctx.update(
        kit.table(form, rows),
        summary=form.text(
            "summary",
            members=len(residents),
            party=sum(m.is_party for m in residents),
            compounds=len({m.compound for m in residents}),
        ),
    )
    return ctx


def blank(opts: Options, form: Form) -> Context:
    ctx = kit.blank_head(
        form,
        opts,
        form.text("head", org=kit.BLANK, street=kit.BLANK),
        notes=form.text("note"),
        foot_labels=FOOT,
    )
    levels = opts.profile.choices("org_levels")
    rows = [
        {c.key: "" for c in form.columns} | {"no": str(i), "level": level}
        for i, level in enumerate(levels, start=1)
    ]
    ctx.update(kit.table(form, rows, fit=False), title=f"××社区{form.title}")
    b = kit.BLANK
    ctx["summary"] = form.text("summary", members=b, party=b, compounds=b)
    return ctx
