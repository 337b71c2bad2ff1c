"""w3 服务团队备案表: a unit's service teams — number, names, captains and their phones —
for the 街道 (seed 001: 数量、名称、队长姓名及联系方式). Teams are put together by w2."""

from __future__ import annotations

from typing import Any

from generator.forms import kit
from generator.forms.registry import Form, code_of, forms_of
from generator.ledger.model import Ledger
from generator.types import Context, Options, Scope


def _teams(ledger: Ledger, opts: Options, unit: str) -> list[Any]:
    """The unit's teams, as w2 puts them together (w2.teams)."""
    w2 = code_of(forms_of(opts.profile)["w2"])
    return [t for t in w2.teams(ledger) if t.unit == unit]


def wanted(ledger: Ledger, scope: Scope) -> bool:
    return any(r.get("unit") == scope.unit for r in ledger.table("teams"))


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    unit = ledger.units[scope.unit]
    rows = []
    teams = _teams(ledger, opts, scope.unit)
    for i, t in enumerate(teams, start=1):
        rows.append(
            {
                "no": str(i),
                "team": t.name,
                "community": t.community,
                "tasks": t.tasks,
                "frequency": t.frequency,
                "captain": t.captain.name if t.captain else "",
                "captain_phone": t.captain.phone if t.captain else "",
                "vice": t.vice.name if t.vice else "",
                "vice_phone": t.vice.phone if t.vice else "",
                "size": str(len(t.members)),
            }
        )
    ctx = kit.head(
        form, opts, form.text("head", org=unit.org), (unit.filler, unit.phone), form.text("note")
    )
    people = sum(len(t.members) for t in teams)
    ctx.update(kit.table(form, rows), summary=form.text("summary", teams=len(teams), people=people))
    return ctx


def blank(opts: Options, form: Form) -> Context:
    ctx = kit.blank_head(form, opts, form.text("head", org=kit.BLANK), notes=form.text("note"))
    ctx.update(kit.table(form, kit.blank_rows(form, 10), fit=False))
    ctx["summary"] = form.text("summary", teams=kit.BLANK, people=kit.BLANK)
    return ctx
