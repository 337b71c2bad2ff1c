"""Measures of the wuhan-2021 rules that the generic ones cannot express (rules.py of a
profile folder: ``MEASURES = {name: fn(ledger, entity, window) -> float}``)."""

from __future__ import annotations

from generator.ledger.model import Ledger
from generator.policy.period import Window
from generator.policy.rules import Entity


def captain_in_team(ledger: Ledger, entity: Entity, window: Window) -> float:
    """A team (one row of 服务团队): 1 when it names a captain who is among its members
    (团队成员 rows of the same 团队名称), else 0."""
    captain = str(entity.values.get("captain") or "")
    name = entity.values.get("name")
    if not captain:
        return 0.0
    return float(
        any(r.member_id == captain and r.get("team") == name for r in ledger.table("team_members"))
    )


MEASURES = {"captain_in_team": captain_in_team}
