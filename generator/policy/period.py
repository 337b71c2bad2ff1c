"""Reporting periods: '2026' (a year) or '2026Q1' (a quarter)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from generator.errors import UserError

_Q_CN = "一二三四"


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None = None

    @classmethod
    def parse(cls, text: str) -> Period:
        m = re.fullmatch(r"\s*(\d{4})\s*(?:[Qq]([1-4]))?\s*", text)
        if not m:
            raise UserError(
                f"无法识别的统计期间「{text}」。", "写成 2026（全年）或 2026Q1（第一季度）。"
            )
        return cls(int(m.group(1)), int(m.group(2)) if m.group(2) else None)

    @property
    def label(self) -> str:
        return f"{self.year}" + (f"Q{self.quarter}" if self.quarter else "")

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * (self.quarter - 1) + 1 if self.quarter else 1, 1)

    @property
    def end(self) -> dt.date:
        if not self.quarter:
            return dt.date(self.year, 12, 31)
        month = 3 * self.quarter
        return dt.date(self.year, month, 30 if month in (6, 9) else 31)

    @property
    def cn(self) -> str:
        return f"{self.year}年" + (f"第{_Q_CN[self.quarter - 1]}季度" if self.quarter else "全年")

    def contains(self, d: dt.date) -> bool:
        return self.start <= d <= self.end
