"""Typed records of a validated ledger. Plain dataclasses; no I/O, no rendering."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


@dataclass(slots=True)
class Unit:
    name: str
    org: str
    org_type: str = ""
    secretary: str = ""
    filler: str = ""
    phone: str = ""


@dataclass(slots=True)
class Community:
    name: str
    org: str
    street: str = ""
    secretary: str = ""
    phone: str = ""


@dataclass(slots=True)
class Compound:
    community: str
    name: str
    branch: str
    secretary: str = ""
    contact: str = ""
    phone: str = ""
    committee: str = ""
    committee_head: str = ""


@dataclass(slots=True)
class Member:
    id: str
    name: str
    unit: str
    title: str
    community: str
    compound: str
    gender: str = ""
    phone: str = ""
    building: str = ""
    entrance: str = ""
    door: str = ""
    speciality: str = ""
    is_party: bool = True
    reg_date: dt.date | None = None
    birth_date: dt.date | None = None
    report_mode: str = ""
    relief: str = ""
    row: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # columns a profile adds (extend:)

    @property
    def address(self) -> str:
        """小区 + 楼栋 + 单元 + 门牌号, as printed on a1 and a5."""
        return f"{self.compound}{self.building}{self.entrance}{self.door}"


@dataclass(slots=True)
class Decision:
    member_id: str
    date: dt.date
    matter: str
    meeting_type: str = ""


@dataclass(slots=True)
class Pledge:
    member_id: str
    year: int
    item: str
    measures: str = ""
    deadline: str = ""
    pledge_date: dt.date | None = None
    status: str = ""


@dataclass(slots=True)
class Post:
    member_id: str
    post: str
    since: dt.date | None = None
    note: str = ""


@dataclass(slots=True)
class Activity:
    member_id: str
    date: dt.date
    kind: str = ""
    content: str = ""
    hours: float | None = None
    confirmer: str = ""
    place: str = ""
    rating: str = ""


@dataclass(slots=True)
class Evaluation:
    member_id: str
    year: int
    activity_text: str = ""
    duty_text: str = ""
    grades: dict[str, str] = field(default_factory=dict)  # party key -> grade word
    comments: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Record:
    """One row of a sheet without a model of its own (考核, 积分, 清单, a profile's sheets):
    its values by column key, its row number, and the member it points at, if any."""

    sheet: str
    row: int
    values: dict[str, Any]
    member_id: str = ""

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def get(self, key: str, default: Any = None) -> Any:
        value = self.values.get(key)
        return default if value is None or value == "" else value


@dataclass
class Ledger:
    """Everything a run needs, indexed by the keys the forms look up."""

    source: str
    units: dict[str, Unit] = field(default_factory=dict)
    communities: dict[str, Community] = field(default_factory=dict)
    compounds: dict[tuple[str, str], Compound] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)  # in member order
    decisions: dict[str, list[Decision]] = field(default_factory=lambda: defaultdict(list))
    pledges: dict[str, list[Pledge]] = field(default_factory=lambda: defaultdict(list))
    posts: dict[str, list[Post]] = field(default_factory=lambda: defaultdict(list))
    activities: dict[str, list[Activity]] = field(default_factory=lambda: defaultdict(list))
    evaluations: dict[tuple[str, int], Evaluation] = field(default_factory=dict)
    tables: dict[str, list[Record]] = field(default_factory=lambda: defaultdict(list))

    def table(self, key: str) -> list[Record]:
        """The rows of a sheet without a model of its own, by the sheet's key, in order."""
        return self.tables.get(key, [])

    def of_member(self, key: str, member_id: str) -> list[Record]:
        """The rows of such a sheet that point at one member."""
        return self._by_member.get((key, member_id), [])

    @cached_property
    def evaluations_of(self) -> dict[str, list[Evaluation]]:
        """Each member's evaluations, by member id."""
        index: dict[str, list[Evaluation]] = defaultdict(list)
        for (mid, _), ev in self.evaluations.items():
            index[mid].append(ev)
        return index

    @cached_property
    def _by_member(self) -> dict[tuple[str, str], list[Record]]:
        index: dict[tuple[str, str], list[Record]] = defaultdict(list)
        for key, rows in self.tables.items():
            for r in rows:
                if r.member_id:
                    index[(key, r.member_id)].append(r)
        return index

    def years(self) -> list[int]:
        """Years that appear in pledges, evaluations, decisions and activities."""
        ys = {y for (_, y) in self.evaluations}
        ys |= {p.year for ps in self.pledges.values() for p in ps}
        ys |= {d.date.year for ds in self.decisions.values() for d in ds}
        ys |= {a.date.year for acts in self.activities.values() for a in acts}
        for rows in self.tables.values():
            for r in rows:
                year, day = r.values.get("year"), r.values.get("date")
                if isinstance(year, int):
                    ys.add(year)
                elif isinstance(day, dt.date):
                    ys.add(day.year)
        return sorted(ys)

    @cached_property
    def _by_place(self) -> dict[tuple[str, ...], list[Member]]:
        """Members by unit, by (community, compound) and by (community, compound, building),
        each list in member order. Built once, on first use."""
        index: dict[tuple[str, ...], list[Member]] = defaultdict(list)
        for m in self.members.values():
            index[("unit", m.unit)].append(m)
            index[("compound", m.community, m.compound)].append(m)
            index[("building", m.community, m.compound, m.building)].append(m)
        return index

    def members_of_unit(self, unit: str) -> list[Member]:
        return self._by_place.get(("unit", unit), [])

    def members_at(
        self, community: str, compound: str, building: str | None = None
    ) -> list[Member]:
        """Members living in a compound, or in one building of it when building is given."""
        if building is None:
            return self._by_place.get(("compound", community, compound), [])
        return self._by_place.get(("building", community, compound, building), [])
