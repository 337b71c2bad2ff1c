"""Run-wide plain types, below every stage that uses them: what one document covers
(Scope), the run's choices that shape the text (Options, NoticeOptions), the narrowing of
a run (Filters), and the context a form's builder hands to every renderer (Context)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from generator.policy.period import Period
from generator.policy.profile import Profile

Context = dict[str, Any]


@dataclass(frozen=True)
class Scope:
    """What one document covers; only the keys its form's scope needs are set."""

    period: Period
    unit: str = ""
    community: str = ""
    compound: str = ""
    building: str = ""
    member_id: str = ""
    row: int = 0  # a sheet row, for forms made one per row (a record's sheet is the form's)


@dataclass(frozen=True)
class NoticeOptions:
    """Choices for public notices: 公示期, paper, masking, issuer, grouping."""

    start: dt.date | None = None  # default: the run's date
    end: dt.date | None = None  # default: start + the profile's notice days - 1
    paper: str = "a4"  # a4 | a3
    mask: bool = True  # False only with --no-mask
    issuer: str = "branch"  # n2: branch | community
    by: str = "unit"  # n3: unit | compound
    phone: str = ""  # 监督电话; default the issuer's phone


@dataclass(frozen=True)
class Options:
    """Run-wide choices that shape the text: the date printed, the profile, notices."""

    profile: Profile
    date: dt.date = field(default_factory=dt.date.today)
    notice: NoticeOptions = field(default_factory=NoticeOptions)


@dataclass(frozen=True)
class Filters:
    """Optional narrowing of a run: by unit, community, compound, building or member."""

    unit: str = ""
    community: str = ""
    compound: str = ""
    members: tuple[str, ...] = ()
    building: str = ""
