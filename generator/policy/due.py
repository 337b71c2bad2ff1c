"""Deadlines of the active profile (重点任务清单): what is due when, and for which period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.policy.period import Period
from generator.policy.profile import Profile

_QUARTER_ENDS = ((3, 31), (6, 30), (9, 30), (12, 31))


@dataclass(frozen=True)
class Deadline:
    date: dt.date
    who: str
    task: str
    forms: tuple[str, ...]
    period: Period


def _period(rule: str, day: dt.date) -> Period:
    """The statistics period a deadline's forms cover: the quarter, half year or year the
    day falls in."""
    if rule == "quarter":
        return Period(day.year, (day.month - 1) // 3 + 1)
    if rule == "half":
        return Period(day.year, half=1 if day.month <= 6 else 2)
    return Period(day.year)


def deadlines(profile: Profile, today: dt.date, days: int = 366) -> list[Deadline]:
    """Every deadline from ``today`` on, within ``days``, in date order."""
    found: list[Deadline] = []
    for entry in profile.deadlines:
        dates: list[dt.date] = []
        for year in (today.year, today.year + 1):
            if entry["date"] == "quarter_end":
                dates += [dt.date(year, m, d) for m, d in _QUARTER_ENDS]
            else:
                month, day = (int(x) for x in str(entry["date"]).split("-"))
                dates.append(dt.date(year, month, day))
        for d in dates:
            if today <= d <= today + dt.timedelta(days=days):
                found.append(
                    Deadline(
                        d,
                        entry["who"],
                        entry["task"],
                        tuple(entry["forms"]),
                        _period(entry.get("period", "year"), d),
                    )
                )
    return sorted(found, key=lambda x: (x.date, x.task))


def due_on(profile: Profile, day: dt.date) -> list[Deadline]:
    """The deadlines that fall on ``day`` (and name a form to export)."""
    return [d for d in deadlines(profile, day, days=0) if d.forms]
