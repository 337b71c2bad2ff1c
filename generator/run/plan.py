"""Stage 3 — plan: a ledger, forms and filters in, the documents to make out (lazily).

A job names a form, the scope it covers, its path in the output tree (without
extension) and the scope keys recorded in the manifest.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from generator.forms.context import Scope
from generator.forms.registry import BUILDING, COMPOUND, MEMBER_YEAR, UNIT_PERIOD, FormSpec
from generator.io.names import safe_name
from generator.ledger.model import Ledger
from generator.policy.period import Period


@dataclass(frozen=True)
class Filters:
    """Optional narrowing of a run: by unit, community, compound or member."""

    unit: str = ""
    community: str = ""
    compound: str = ""
    members: tuple[str, ...] = ()
    building: str = ""


@dataclass(frozen=True)
class Job:
    form: FormSpec
    scope: Scope
    stem: str
    keys: dict[str, str] = field(default_factory=dict)


def plan(
    ledger: Ledger, forms: list[FormSpec], period: Period, filters: Filters, alt: bool = False
) -> Iterator[Job]:
    """Yield every document of the chosen forms, in form order then ledger order.
    ``alt`` groups forms that allow it by their alternative scope (n3 per compound)."""
    for form in forms:
        scope = form.alt_scope if alt and form.alt_scope else form.scope
        if scope == BUILDING:
            yield from _buildings(ledger, form, period, filters)
        elif scope == COMPOUND:
            yield from _compounds(ledger, form, period, filters)
        elif scope == UNIT_PERIOD:
            yield from _units(ledger, form, period, filters)
        elif scope == MEMBER_YEAR:
            yield from _members(ledger, form, period, filters)


def _member_ok(ledger: Ledger, mid: str, f: Filters) -> bool:
    m = ledger.members[mid]
    return (
        (not f.unit or m.unit == f.unit)
        and (not f.community or m.community == f.community)
        and (not f.compound or m.compound == f.compound)
        and (not f.members or m.id in f.members)
    )


def _buildings(ledger: Ledger, form: FormSpec, period: Period, f: Filters) -> Iterator[Job]:
    seen: dict[tuple[str, str, str], bool] = {}
    for m in ledger.members.values():
        key = (m.community, m.compound, m.building)
        seen[key] = seen.get(key, False) or _member_ok(ledger, m.id, f)
    for (community, compound, building), wanted in seen.items():
        if not wanted or (f.building and building != f.building):
            continue
        name = safe_name(f"{community}{compound}{building or '未填楼栋'}_{form.name}")
        stem = "/".join([period.label, safe_name(community), safe_name(compound), form.id, name])
        yield Job(
            form,
            Scope(period, community=community, compound=compound, building=building),
            stem,
            {
                "community": community,
                "compound": compound,
                "building": building,
                "period": period.label,
            },
        )


def _compounds(ledger: Ledger, form: FormSpec, period: Period, f: Filters) -> Iterator[Job]:
    wanted: dict[tuple[str, str], bool] = {}
    for m in ledger.members.values():
        key = (m.community, m.compound)
        wanted[key] = wanted.get(key, False) or _member_ok(ledger, m.id, f)
    for (community, compound), ok in wanted.items():
        if not ok:
            continue
        stem = "/".join(
            [
                period.label,
                safe_name(community),
                safe_name(compound),
                form.id,
                safe_name(f"{community}{compound}_{form.name}"),
            ]
        )
        yield Job(
            form,
            Scope(period, community=community, compound=compound),
            stem,
            {"community": community, "compound": compound, "period": period.label},
        )


def _units(ledger: Ledger, form: FormSpec, period: Period, f: Filters) -> Iterator[Job]:
    for unit in ledger.units:
        if f.unit and unit != f.unit:
            continue
        if not any(_member_ok(ledger, m.id, f) for m in ledger.members_of_unit(unit)):
            continue
        stem = "/".join(
            [
                period.label,
                safe_name(unit),
                form.id,
                safe_name(f"{unit}_{form.name}_{period.label}"),
            ]
        )
        yield Job(form, Scope(period, unit=unit), stem, {"unit": unit, "period": period.label})


def _members(ledger: Ledger, form: FormSpec, period: Period, f: Filters) -> Iterator[Job]:
    for m in ledger.members.values():
        if not _member_ok(ledger, m.id, f):
            continue
        stem = "/".join([period.label, safe_name(m.unit), form.id, safe_name(f"{m.id}_{m.name}")])
        yield Job(
            form,
            Scope(period, member_id=m.id),
            stem,
            {
                "member_id": m.id,
                "name": m.name,
                "unit": m.unit,
                "community": m.community,
                "compound": m.compound,
                "period": period.label,
            },
        )
