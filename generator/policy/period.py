"""Reporting periods: '2026' (a year), '2026H1' (a half year) or '2026Q1' (a quarter);
and the windows a rule counts in (each month, quarter or half of a period)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from generator.errors import UserError

_Q_CN = "一二三四"
_H_CN = ("上半年", "下半年")


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None = None
    half: int | None = None

    @classmethod
    def parse(cls, text: str) -> Period:
        m = re.fullmatch(r"\s*(\d{4})\s*(?:[Qq]([1-4])|[Hh]([12]))?\s*", text)
        if not m or not 2000 <= int(m.group(1)) <= 2100:
            raise UserError(
                f"无法识别的统计期间「{text}」。",
                "写成 2026（全年）、2026H1（上半年）或 2026Q1（第一季度），年份在2000–2100之间。",
            )
        q, h = m.group(2), m.group(3)
        return cls(int(m.group(1)), int(q) if q else None, int(h) if h else None)

    @property
    def label(self) -> str:
        if self.quarter:
            return f"{self.year}Q{self.quarter}"
        return f"{self.year}" + (f"H{self.half}" if self.half else "")

    @property
    def start(self) -> dt.date:
        if self.quarter:
            return dt.date(self.year, 3 * (self.quarter - 1) + 1, 1)
        return dt.date(self.year, 7 if self.half == 2 else 1, 1)

    @property
    def end(self) -> dt.date:
        if self.quarter:
            return _month_end(self.year, 3 * self.quarter)
        return dt.date(self.year, 6, 30) if self.half == 1 else dt.date(self.year, 12, 31)

    @property
    def cn(self) -> str:
        if self.quarter:
            return f"{self.year}年第{_Q_CN[self.quarter - 1]}季度"
        return f"{self.year}年" + (_H_CN[self.half - 1] if self.half else "全年")

    def contains(self, d: dt.date) -> bool:
        return self.start <= d <= self.end

    def halves(self) -> list[Period]:
        """The half years this period lies in (a year: both)."""
        if self.half:
            return [self]
        if self.quarter:
            return [Period(self.year, half=1 if self.quarter <= 2 else 2)]
        return [Period(self.year, half=1), Period(self.year, half=2)]


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


@dataclass(frozen=True)
class Window:
    """A span a rule counts in: its label (2026年第一季度) and first and last day."""

    label: str
    start: dt.date
    end: dt.date

    def contains(self, d: dt.date) -> bool:
        return self.start <= d <= self.end


def windows(period: Period, per: str, as_of: dt.date | None = None) -> list[Window]:
    """The windows of ``per`` (year, half, quarter, month, or '' for the period itself)
    within ``period`` that have begun by ``as_of`` (all of them when None)."""
    y = period.year
    if per == "year":
        spans = [(f"{y}年", dt.date(y, 1, 1), dt.date(y, 12, 31))]
    elif per == "half":
        spans = [
            (f"{y}年{_H_CN[i]}", p.start, p.end)
            for i, p in enumerate((Period(y, half=1), Period(y, half=2)))
        ]
    elif per == "quarter":
        spans = [
            (f"{y}年第{_Q_CN[q - 1]}季度", Period(y, q).start, Period(y, q).end)
            for q in range(1, 5)
        ]
    elif per == "month":
        spans = [(f"{y}年{m}月", dt.date(y, m, 1), _month_end(y, m)) for m in range(1, 13)]
    else:
        return [Window(period.cn, period.start, period.end)]
    found = [
        Window(label, a, b)
        for label, a, b in spans
        if a <= period.end and b >= period.start and (as_of is None or a <= as_of)
    ]
    return found or [Window(label, a, b) for label, a, b in spans[:1]]
