"""Measures of the xuancheng-2021 rules that the generic ones cannot express (rules.py of
a profile folder: ``MEASURES = {name: fn(ledger, entity, window) -> float}``)."""

from __future__ import annotations

import datetime as dt

from generator.ledger.model import Ledger
from generator.policy.period import Window
from generator.policy.rules import Entity


def part_time_members(ledger: Ledger, entity: Entity, window: Window) -> float:
    """A 大工委 (its 组织架构 rows): how many are 兼职委员 (「吸纳……党组织负责人，担任街道
    “大工委”兼职委员」) — the rows whose 职务 says 兼职; every row when no 职务 is filled."""
    duties = [str(r.get("duty", "")) for r in entity.rows]
    if not any(duties):
        return float(len(duties))
    return float(sum("兼职" in d for d in duties))


def days_to_reregister(ledger: Ledger, entity: Entity, window: Window) -> float:
    """A member whose address changed (居住地变化日期): the days from the move to the
    报到日期 at the new compound, or — not registered since — to the window's end; 0 for
    a member who has not moved (or moved after the window)."""
    member = entity.members[0]
    moved = member.extra.get("moved")
    if not isinstance(moved, dt.date) or moved > window.end:
        return 0.0
    reg = member.reg_date
    until = reg if reg is not None and reg >= moved else window.end
    return float((until - moved).days)


MEASURES = {
    "part_time_members": part_time_members,
    "days_to_reregister": days_to_reregister,
}
