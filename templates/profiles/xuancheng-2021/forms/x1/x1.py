"""x1 党员户标牌: a compound's party-member households — members living at the same door
(楼栋, 单元, 门牌号) — one plate each, in address order, laid out several to an A4 sheet.
Each sheet of the context holds exactly the plates printed on it."""

from __future__ import annotations

import re
from typing import Any

from generator.forms import kit
from generator.forms.registry import Form
from generator.ledger.model import Compound, Ledger, Member
from generator.types import Context, Options, Scope

# Text sizes (pt) a plate's lines start from and may shrink to, and the room they have.
NAMES_PT, UNIT_PT, MIN_PT = 18.0, 11.0, 8.0
MARGIN = 8.0  # mm of the plate left and right of its text


def _natural(text: str) -> tuple[Any, ...]:
    """'12栋' after '3栋': numbers compared as numbers."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


def households(ledger: Ledger, community: str, compound: str) -> list[list[Member]]:
    """The party members of a compound grouped by door, in address order; a member
    without a door number is a household of their own."""
    doors: dict[tuple[str, ...], list[Member]] = {}
    for m in ledger.members_at(community, compound):
        if m.is_party:
            key = (m.building, m.entrance, m.door) if m.door else (m.building, m.entrance, m.id)
            doors.setdefault(key, []).append(m)
    return [doors[k] for k in sorted(doors, key=lambda k: tuple(map(_natural, k)))]


def wanted(ledger: Ledger, scope: Scope) -> bool:
    return bool(households(ledger, scope.community, scope.compound))


def _fit(text: str, start: float, width_mm: float) -> float:
    """The text size (pt) at which a line fits the plate's width, at least MIN_PT (a
    longer text then wraps)."""
    em = (kit.text_em(text) or 1.0) + 0.5  # a little slack: the line must not wrap
    return round(max(MIN_PT, min(start, width_mm / em * 72 / 25.4)), 1)


def _plate(form: Form, people: list[str], unit: str, address: str, issuer: str) -> dict[str, Any]:
    """One plate: the household's names (a long line wraps between names, never inside
    one), its units and its address, each line sized to fit the plate."""
    width = float(form.page["plate"]["width"]) - 2 * MARGIN
    names = "　".join(people)
    return {
        "title": form.text("plate"),
        "names": names,
        "people": people,
        "names_pt": _fit(names, NAMES_PT, width),
        "unit": unit,
        "unit_pt": _fit(unit, UNIT_PT, width),
        "address": address,
        "issuer": issuer,
    }


def _per_sheet(form: Form) -> int:
    return int(form.page["plate"]["cols"]) * int(form.page["plate"]["rows"])


def _sheets(form: Form, plates: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The plates, cut into the A4 sheets they are printed on."""
    per = _per_sheet(form)
    return [plates[i : i + per] for i in range(0, len(plates), per)]


def _frame(form: Form, cmp: Compound | None, sheets: list[list[dict[str, Any]]]) -> Context:
    return {
        "title": form.title,
        "motto": form.text("motto"),
        "plate": dict(form.page["plate"]),
        "compound": cmp.name if cmp else "",
        "sheets": sheets,
    }


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    cmp = ledger.compounds[(scope.community, scope.compound)]
    plates = []
    for home in households(ledger, scope.community, scope.compound):
        first = home[0]
        plates.append(
            _plate(
                form,
                [m.name for m in home],
                "、".join(dict.fromkeys(m.unit for m in home)),
                f"{first.building}{first.entrance}{first.door}",
                cmp.branch,
            )
        )
    return _frame(form, cmp, _sheets(form, plates))


def blank(opts: Options, form: Form) -> Context:
    plate = _plate(form, [kit.BLANK * 2], kit.BLANK * 3, "____栋____单元____室", kit.BLANK * 2)
    return _frame(form, None, _sheets(form, [plate] * _per_sheet(form)))
