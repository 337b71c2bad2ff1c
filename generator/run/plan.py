"""Stage 3 — plan: a ledger, forms and filters in, the documents to make out — computed
once per run and checked before anything is written.

A job names a form, the scope it covers, its path in the output tree (without
extension) and the scope keys recorded in the manifest. Two documents of one run that
would land on the same path (names that differ only in characters a file name cannot
hold, long names cut to the same length) stop the run with both named.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from generator.errors import FormgenError, UserError
from generator.forms.registry import Form, code_of
from generator.io.names import safe_name
from generator.ledger.model import Ledger, Member
from generator.policy.period import Period
from generator.types import Filters, Scope


@dataclass(frozen=True)
class Job:
    form: Form
    scope: Scope
    stem: str
    keys: dict[str, str] = field(default_factory=dict)
    names: tuple[str, ...] = ()  # the names the path was made from (for a collision's message)


@dataclass
class Plan:
    """Every document of a run, in form order then ledger order."""

    jobs: list[Job]

    def files(self, formats: tuple[str, ...]) -> int:
        """How many files the run writes in these formats."""
        return sum(len([f for f in formats if f in j.form.formats]) for j in self.jobs)

    def per_form(self) -> Counter[str]:
        return Counter(j.form.id for j in self.jobs)


def plan(
    ledger: Ledger, forms: list[Form], period: Period, filters: Filters, alt: bool = False
) -> Plan:
    """Every document of the chosen forms. ``alt`` groups forms that allow it by their
    alternative scope (n3 per compound). UserError when two documents share a path."""
    jobs: list[Job] = []
    for form in forms:
        scope = form.alt_scope if alt and form.alt_scope else form.scope
        for per in _periods(form, period):
            jobs.extend(_jobs(ledger, form, scope, per, period, filters))
    _check_collisions(jobs)
    return Plan(jobs)


def _periods(form: Form, period: Period) -> list[Period]:
    """The periods one document of a form covers within the run's period."""
    if form.period == "year":
        return [Period(period.year)]
    if form.period == "half":
        return period.halves()
    return [period]


def _check_collisions(jobs: list[Job]) -> None:
    seen: dict[str, Job] = {}
    clashes: list[str] = []
    for job in jobs:
        key = job.stem.casefold()
        other = seen.get(key)
        if other is not None:
            a, b = "／".join(other.names), "／".join(job.names)
            clashes.append(f"「{a}」与「{b}」都会写成「{job.stem}」")
        else:
            seen[key] = job
    if clashes:
        raise FormgenError(  # the data's names, not the command's use: exit code 1
            "有名称在文件名中无法区分，未生成任何文件：\n" + "\n".join(clashes),
            '名称中的 / \\ : * ? " < > | 等字符在文件名中都写作 _，超过60字的名称只保留前60字；'
            "请在台账中把这些名称改得能够区分。",
        )


def _member_ok(m: Member, f: Filters) -> bool:
    return (
        (not f.unit or m.unit == f.unit)
        and (not f.community or m.community == f.community)
        and (not f.compound or m.compound == f.compound)
        and (not f.members or m.id in f.members)
    )


@dataclass(frozen=True)
class _Place:
    """Where one document of a scope stands: its Scope fields, its folders below the
    period's, its file name and its manifest keys."""

    fields: dict[str, Any]
    folders: tuple[str, ...]
    file: str  # the record's part of the file name
    keys: dict[str, str]
    with_form: bool = True  # followed by _<the form's name>


def _buildings(ledger: Ledger, f: Filters) -> Iterator[_Place]:
    wanted: dict[tuple[str, str, str], bool] = {}
    for m in ledger.members.values():
        key = (m.community, m.compound, m.building)
        wanted[key] = wanted.get(key, False) or _member_ok(m, f)
    for (c, cmp, b), ok in wanted.items():
        if ok and (not f.building or b == f.building):
            keys = {"community": c, "compound": cmp, "building": b}
            yield _Place(keys, (c, cmp), f"{c}{cmp}{b or '未填楼栋'}", keys)


def _compounds(ledger: Ledger, f: Filters) -> Iterator[_Place]:
    wanted: dict[tuple[str, str], bool] = {}
    for m in ledger.members.values():
        key = (m.community, m.compound)
        wanted[key] = wanted.get(key, False) or _member_ok(m, f)
    for (c, cmp), ok in wanted.items():
        if ok:
            keys = {"community": c, "compound": cmp}
            yield _Place(keys, (c, cmp), f"{c}{cmp}", keys)


def _communities(ledger: Ledger, f: Filters) -> Iterator[_Place]:
    wanted = {m.community for m in ledger.members.values() if _member_ok(m, f)}
    for c in ledger.communities:
        if c in wanted:
            yield _Place({"community": c}, (c,), c, {"community": c})


def _units(ledger: Ledger, f: Filters) -> Iterator[_Place]:
    for u in ledger.units:
        if (not f.unit or u == f.unit) and any(_member_ok(m, f) for m in ledger.members_of_unit(u)):
            yield _Place({"unit": u}, (u,), u, {"unit": u})


def _unit_communities(ledger: Ledger, f: Filters) -> Iterator[_Place]:
    """Each unit × community that has members, or rows (共建协议, 清单), together."""
    pairs: dict[tuple[str, str], None] = {}
    for m in ledger.members.values():
        if _member_ok(m, f):
            pairs[(m.unit, m.community)] = None
    for rows in ledger.tables.values():
        for r in rows:
            u, c = str(r.values.get("unit") or ""), str(r.values.get("community") or "")
            known = u in ledger.units and c in ledger.communities
            if known and (not f.unit or u == f.unit) and (not f.community or c == f.community):
                pairs[(u, c)] = None
    for u, c in pairs:
        keys = {"unit": u, "community": c}
        yield _Place(keys, (u,), f"{u}_{c}", keys)


def _named_in(ledger: Ledger, f: Filters, scope: str, sheets: tuple[str, ...]) -> Iterator[_Place]:
    """The communities (or unit × community pairs) named in the rows of these sheets — a
    form declared ``from: [lists]`` — whether or not members live there; in ledger order."""
    named: dict[tuple[str, str], None] = {}
    for key in sheets:
        for r in ledger.table(key):
            u, c = str(r.values.get("unit") or ""), str(r.values.get("community") or "")
            if c not in ledger.communities or (f.community and c != f.community):
                continue
            if scope == "unit_community" and (u not in ledger.units or (f.unit and u != f.unit)):
                continue
            named[(u if scope == "unit_community" else "", c)] = None
    if scope == "community":
        for c in ledger.communities:
            if ("", c) in named:
                yield _Place({"community": c}, (c,), c, {"community": c})
        return
    for u, c in named:
        keys = {"unit": u, "community": c}
        yield _Place(keys, (u,), f"{u}_{c}", keys)


def _members(ledger: Ledger, f: Filters) -> Iterator[_Place]:
    for m in ledger.members.values():
        if _member_ok(m, f):
            keys = {
                "member_id": m.id,
                "name": m.name,
                "unit": m.unit,
                "community": m.community,
                "compound": m.compound,
            }
            yield _Place({"member_id": m.id}, (m.unit,), f"{m.id}_{m.name}", keys, False)


def _rows(ledger: Ledger, f: Filters, sheet: str, per: Period) -> Iterator[_Place]:
    """One document per row of a sheet that points at a member (within the period)."""
    for r in ledger.table(sheet):
        m = ledger.members.get(r.member_id)
        day = r.values.get("date")
        if m is None or not _member_ok(m, f) or (day is not None and not per.contains(day)):
            continue
        keys = {
            "member_id": m.id,
            "name": m.name,
            "unit": m.unit,
            "community": m.community,
            "compound": m.compound,
            "row": str(r.row),
        }
        yield _Place(
            {"member_id": m.id, "row": r.row},
            (m.unit,),
            f"{m.id}_{m.name}_第{r.row}行",
            keys,
            with_form=False,
        )


_PLACES: dict[str, Callable[[Ledger, Filters], Iterator[_Place]]] = {
    "building": _buildings,
    "compound": _compounds,
    "community": _communities,
    "unit": _units,
    "unit_community": _unit_communities,
    "member": _members,
}


def _jobs(
    ledger: Ledger, form: Form, scope: str, per: Period, run: Period, f: Filters
) -> Iterator[Job]:
    half = form.period == "half"  # one document per half year: named by it
    if scope.startswith("record:"):
        places = _rows(ledger, f, scope.partition(":")[2], per)
    elif form.sources and scope in ("community", "unit_community"):
        places = _named_in(ledger, f, scope, form.sources)
    else:
        places = _PLACES[scope](ledger, f)
    # A form's code may decline a place that has nothing for it (wanted(ledger, scope)):
    # a compound without a party household gets no plates, one without records no notice.
    wanted = getattr(code_of(form), "wanted", None)
    for p in places:
        if wanted is not None and not wanted(ledger, Scope(per, **p.fields)):
            continue
        # Unit forms carry the period in their name (one per quarter); others only a half.
        tail = f"_{per.label}" if half or scope == "unit" else ""
        name = safe_name(p.file + (f"_{form.name}" if p.with_form else "") + tail)
        stem = "/".join([run.label, *(safe_name(x) for x in p.folders), form.id, name])
        keys = {**p.keys, "period": per.label if half else run.label}
        yield Job(form, Scope(per, **p.fields), stem, keys, tuple(p.keys.values()))


def scope_of(
    ledger: Ledger,
    form: Form,
    period: Period,
    member: str = "",
    unit: str = "",
    community: str = "",
    compound: str = "",
    building: str = "",
) -> Scope:
    """The scope of one document asked for by name (``formgen render``): UserError with
    the choices when the name is missing, unknown or ambiguous."""
    per = _periods(form, period)[0]
    if form.scope == "member" or form.scope.startswith("record:"):
        found = [m for m in ledger.members.values() if member in (m.id, m.name)]
        if len(found) != 1:
            raise UserError(
                f"--member「{member}」" + ("找不到。" if not found else "有重名。"),
                "请用编号指定党员干部。",
            )
        if form.scope.startswith("record:"):  # one document per row: the member's first
            sheet = form.scope.partition(":")[2]
            rows = [p.fields["row"] for p in _rows(ledger, Filters(members=(found[0].id,)),
                                                   sheet, per)]  # fmt: skip
            if not rows:
                raise UserError(f"--member「{member}」在{per.cn}没有这张表要用的记录。")
            return Scope(per, member_id=found[0].id, row=rows[0])
        return Scope(per, member_id=found[0].id)
    if form.scope in ("unit", "unit_community"):
        if unit not in ledger.units:
            raise UserError(
                f"请用 --unit 指定单位（「{unit}」不在台账中）。",
                "可用：" + "、".join(ledger.units),
            )
        if form.scope == "unit":
            return Scope(per, unit=unit)
        if community not in ledger.communities:
            raise UserError(
                f"请用 --community 指定社区（「{community}」不在台账中）。",
                "可用：" + "、".join(ledger.communities),
            )
        return Scope(per, unit=unit, community=community)
    if form.scope == "community":
        if community not in ledger.communities:
            raise UserError(
                f"请用 --community 指定社区（「{community}」不在台账中）。",
                "可用：" + "、".join(ledger.communities),
            )
        return Scope(per, community=community)
    matches = [
        k for k in ledger.compounds if (not community or k[0] == community) and k[1] == compound
    ]
    if len(matches) != 1:
        raise UserError(
            "请用 --compound（必要时加 --community）指定小区"
            + ("，用 --building 指定楼栋。" if form.scope == "building" else "。")
        )
    return Scope(per, community=matches[0][0], compound=compound, building=building)
