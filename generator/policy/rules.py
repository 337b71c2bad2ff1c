"""The rules engine: a profile's quantitative rules (declared as data in profile.yaml) and
a validated ledger in, one result row per rule, entity and window out.

A rule names who it is about (``scope``), what it measures, in which windows (``per``)
and what is required (``min``/``max``)::

    - id: activities_per_quarter          # a member's rows of a sheet in each quarter
      name: 每季度参加发展共建活动不少于1次
      scope: member
      count: activities
      per: quarter
      min: 1
    - id: post_share                      # the part of a unit's members with ≥ 1 post
      scope: unit
      share: {count: posts, least: 1}
      min: 0.3333

Measures: ``count: SHEET`` (rows; ``where: {column: value}`` narrows them, a value
``$column`` is the entity's own; ``count: $rows`` counts a row group's own rows, in one
pass instead of a pass over the sheet per group), ``sum: SHEET.COLUMN``,
``share: {count: SHEET, least: N}`` (the part of an aggregate's members whose count
reaches N) or ``share: {where: …}`` (the part of a group's rows that match), and
``measure: NAME`` for a function a profile folder declares in ``rules.py``
(``MEASURES = {NAME: fn(ledger, entity, window)}``).
Scopes: member, unit, community, compound, unit_community, or ``{rows: SHEET}`` (each row
an entity) and ``{groups: SHEET, by: [columns]}`` (rows grouped), with ``label`` (how the
report names the scope: 党员干部, 单位, 社区 or 小区) and ``name`` (a format of the row).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from generator.errors import UserError
from generator.ledger.model import Ledger, Member, Record
from generator.policy.period import Period, Window, windows
from generator.policy.profile import Profile

MEMBER, UNIT, COMMUNITY, COMPOUND = "党员干部", "单位", "社区", "小区"
REPORT_COLUMNS = ("规则", "范围", "编号", "名称", "实际", "要求", "结果")
PASS, FAIL = "达标", "未达标"

# Typed sheets of the ledger model: rows per member, and the field that dates a row.
_TYPED_DATE = {
    "decisions": "date",
    "activities": "date",
    "pledges": "year",
    "evaluations": "year",
    "posts": "since",
}
_RULE_KEYS = {
    "id",
    "name",
    "scope",
    "count",
    "sum",
    "share",
    "measure",
    "where",
    "per",
    "min",
    "max",
    "display",
    "severity",
    "blocks",
    "unit",
}


@dataclass(frozen=True)
class Entity:
    """What a rule is about: a member, a unit, a community, a compound, a unit × community
    pair, or a row (or group of rows) of a sheet."""

    kind: str  # member | unit | community | compound | unit_community | rows
    label: str  # 党员干部 | 单位 | 社区 | 小区
    code: str  # the member's 编号, else ''
    name: str
    unit: str = ""  # for 达标率 per unit
    members: tuple[Member, ...] = ()
    values: dict[str, Any] = field(default_factory=dict)
    rows: tuple[Record, ...] = ()


@dataclass(frozen=True)
class Result:
    """One row of the report: a rule, an entity, a window, and whether it is met."""

    rule_id: str
    rule: str
    scope: str
    code: str
    name: str
    actual: str
    required: str
    ok: bool
    unit: str = ""
    severity: str = "warning"
    blocks: tuple[str, ...] = ()
    community: str = ""

    @property
    def result(self) -> str:
        return PASS if self.ok else FAIL

    def cells(self) -> tuple[str, ...]:
        """The report's columns: 规则, 范围, 编号, 名称, 实际, 要求, 结果."""
        return (
            self.rule,
            self.scope,
            self.code,
            self.name,
            self.actual,
            self.required,
            self.result,
        )


Measure = Callable[[Ledger, Entity, Window], float]


@dataclass(frozen=True)
class Rule:
    """A declared rule, checked once when the profile's rules are read."""

    id: str
    name: str
    scope: Any
    measure: Measure
    per: str = ""
    min: float | None = None
    max: float | None = None
    display: str = ""
    share: bool = False
    severity: str = "warning"
    blocks: tuple[str, ...] = ()

    def required(self) -> str:
        """The requirement as the report prints it (≥ 2, ≤ 30%, 1–2)."""
        if self.display:
            return ("≥" if self.min is not None else "≤") + self.display
        fmt = _pct if self.share else _num
        if self.min is not None and self.max is not None:
            return f"{fmt(self.min)}–{fmt(self.max)}"
        return f"≥{fmt(self.min)}" if self.min is not None else f"≤{fmt(self.max)}"

    def ok(self, value: float) -> bool:
        low = self.min is None or value >= self.min - 1e-9
        return low and (self.max is None or value <= self.max + 1e-9)


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def _pct(x: float | None) -> str:
    return "" if x is None else f"{100 * x:.1f}".rstrip("0").rstrip(".") + "%"


# ------------------------------------------------------------------ rows of a sheet
def _when(rec: Any, key: str) -> tuple[str, Any]:
    """How a row is dated: ('date', d) in a window; ('year', y); ('since', d) held from d."""
    if key in _TYPED_DATE:
        f = _TYPED_DATE[key]
        return ("year" if f == "year" else "date" if f == "date" else "since", getattr(rec, f))
    values = rec.values
    if isinstance(values.get("date"), dt.date):
        return "date", values["date"]
    if isinstance(values.get("year"), int):
        return "year", values["year"]
    for v in values.values():
        if isinstance(v, dt.date):
            return "since", v
    return "none", None


def _in_window(rec: Any, key: str, w: Window) -> bool:
    how, value = _when(rec, key)
    if how == "date":
        return value is not None and w.contains(value)
    if how == "year":
        return value is not None and w.start.year <= value <= w.end.year
    if how == "since":
        return value is None or value <= w.end
    return True


def _value(rec: Any, col: str) -> Any:
    return rec.values.get(col) if isinstance(rec, Record) else getattr(rec, col, None)


def _matches(rec: Any, where: dict[str, Any], entity: Entity) -> bool:
    for col, want in where.items():
        if isinstance(want, str) and want.startswith("$"):
            want = entity.values.get(want[1:])
        have = _value(rec, col)
        if isinstance(want, list):
            if have not in want:
                return False
        elif have != want and not (
            isinstance(have, bool) and want in ("是", "否") and have == (want == "是")
        ):
            return False
    return True


def _member_rows(ledger: Ledger, key: str, mid: str) -> list[Any]:
    if key in _TYPED_DATE:
        if key == "evaluations":
            return ledger.evaluations_of.get(mid, [])
        return list(getattr(ledger, key).get(mid, []))
    return ledger.of_member(key, mid)


def _rows_of(ledger: Ledger, key: str, entity: Entity) -> Iterable[Any]:
    """The rows of sheet ``key`` that belong to an entity."""
    if entity.kind == "member":
        return _member_rows(ledger, key, entity.code)
    if entity.kind == "rows":
        if key in _TYPED_DATE:
            return [r for m in ledger.members.values() for r in _member_rows(ledger, key, m.id)]
        return ledger.table(key)
    own = [r for m in entity.members for r in _member_rows(ledger, key, m.id)]
    if key in _TYPED_DATE or not ledger.table(key) or ledger.table(key)[0].member_id:
        return own
    unit, community = entity.values.get("unit"), entity.values.get("community")
    return [
        r
        for r in ledger.table(key)
        if (unit is None or r.values.get("unit") == unit)
        and (community is None or r.values.get("community") == community)
    ]


def _selected(
    ledger: Ledger, key: str, entity: Entity, w: Window, where: dict[str, Any]
) -> list[Any]:
    return [
        r
        for r in _rows_of(ledger, key, entity)
        if _in_window(r, key, w) and _matches(r, where, entity)
    ]


# ------------------------------------------------------------------ measures
def _count(key: str, where: dict[str, Any]) -> Measure:
    if key == "$rows":  # a row group's own rows ({rows:}/{groups:} scopes), not the sheet's
        return lambda ledger, e, w: float(
            sum(_in_window(r, "", w) and _matches(r, where, e) for r in e.rows)
        )
    return lambda ledger, e, w: float(len(_selected(ledger, key, e, w, where)))


def _sum(spec: str, where: dict[str, Any]) -> Measure:
    key, _, col = spec.partition(".")

    def measure(ledger: Ledger, e: Entity, w: Window) -> float:
        return float(sum(_value(r, col) or 0 for r in _selected(ledger, key, e, w, where)))

    return measure


def _share(spec: dict[str, Any]) -> Measure:
    key, least = spec.get("count", ""), float(spec.get("least", 1))
    where = dict(spec.get("where", {}))

    def measure(ledger: Ledger, e: Entity, w: Window) -> float:
        if e.kind == "rows":  # the part of a group's rows that match
            return sum(_matches(r, where, e) for r in e.rows) / len(e.rows) if e.rows else 0.0
        if not e.members:
            return 0.0
        met = 0
        for m in e.members:
            one = Entity("member", MEMBER, m.id, m.name, m.unit, (m,))
            met += len(_selected(ledger, key, one, w, where)) >= least
        return met / len(e.members)

    return measure


def _profile_measures(profile: Profile) -> dict[str, Measure]:
    """MEASURES of a profile folder's rules.py ({} when it has none)."""
    path = profile.folder / "rules.py"
    if not path.is_file():
        return {}
    spec = importlib.util.spec_from_file_location(f"formgen_rules_{abs(hash(path))}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(getattr(module, "MEASURES", {}))


def parse_rules(profile: Profile) -> list[Rule]:
    """The profile's declared rules, checked: UserError naming the rule for a bad one."""
    custom: dict[str, Measure] | None = None
    rules = []
    for i, spec in enumerate(profile.rules, start=1):
        where = f"政策配置「{profile.id}」的第{i}条规则（{spec.get('name', spec.get('id', ''))}）"
        unknown = set(spec) - _RULE_KEYS
        if unknown:
            raise UserError(f"{where}有未知的键：{'、'.join(sorted(unknown))}。")
        filt = dict(spec.get("where", {}))
        if "count" in spec:
            measure = _count(str(spec["count"]), filt)
        elif "sum" in spec:
            measure = _sum(str(spec["sum"]), filt)
        elif "share" in spec:
            measure = _share(dict(spec["share"]))
        elif "measure" in spec:
            if custom is None:
                custom = _profile_measures(profile)
            if spec["measure"] not in custom:
                raise UserError(f"{where}的 measure「{spec['measure']}」在 rules.py 中没有定义。")
            measure = custom[spec["measure"]]
        else:
            raise UserError(f"{where}没有写要计的量（count、sum、share 或 measure）。")
        if spec.get("min") is None and spec.get("max") is None:
            raise UserError(f"{where}没有写要求（min 或 max）。")
        rules.append(
            Rule(
                id=str(spec.get("id", f"rule{i}")),
                name=str(spec.get("name", spec.get("id", ""))),
                scope=spec.get("scope", "member"),
                measure=measure,
                per=str(spec.get("per", "")),
                min=_opt(spec.get("min")),
                max=_opt(spec.get("max")),
                display=str(spec.get("display", "")),
                share="share" in spec,
                severity=str(spec.get("severity", "warning")),
                blocks=tuple(spec.get("blocks", ())),
            )
        )
    return rules


def _opt(x: Any) -> float | None:
    return None if x is None else float(x)


# ------------------------------------------------------------------ entities
def entities(ledger: Ledger, scope: Any) -> Iterator[Entity]:
    """The entities a rule's scope ranges over, in ledger order."""
    if scope == "member":
        for m in ledger.members.values():
            yield Entity("member", MEMBER, m.id, m.name, m.unit, (m,), {"unit": m.unit})
    elif scope == "unit":
        for u in ledger.units:
            yield Entity("unit", UNIT, "", u, u, tuple(ledger.members_of_unit(u)), {"unit": u})
    elif scope == "community":
        by: dict[str, list[Member]] = defaultdict(list)
        for m in ledger.members.values():
            by[m.community].append(m)
        for c in ledger.communities:
            yield Entity("community", COMMUNITY, "", c, "", tuple(by[c]), {"community": c})
    elif scope == "compound":
        for c, name in ledger.compounds:
            yield Entity(
                "compound",
                COMPOUND,
                "",
                f"{c}{name}",
                "",
                tuple(ledger.members_at(c, name)),
                {"community": c, "compound": name},
            )
    elif scope == "unit_community":
        yield from _pairs(ledger)
    elif isinstance(scope, dict):
        yield from _row_entities(ledger, scope)
    else:
        raise UserError(
            f"规则的 scope「{scope}」未知。",
            "可用：member、unit、community、compound、unit_community、{rows: 表}、{groups: 表}",
        )


def _pairs(ledger: Ledger) -> Iterator[Entity]:
    pairs: dict[tuple[str, str], list[Member]] = {}
    for m in ledger.members.values():
        pairs.setdefault((m.unit, m.community), []).append(m)
    for rows in ledger.tables.values():
        for r in rows:
            u, c = r.values.get("unit"), r.values.get("community")
            if u in ledger.units and c in ledger.communities:
                pairs.setdefault((u, c), [])
    for (u, c), ms in pairs.items():
        yield Entity(
            "unit_community", UNIT, "", f"{u}（{c}）", u, tuple(ms), {"unit": u, "community": c}
        )


def _row_entities(ledger: Ledger, scope: dict[str, Any]) -> Iterator[Entity]:
    key = scope.get("rows") or scope.get("groups")
    rows = [
        r
        for r in ledger.table(str(key))
        if _matches(r, dict(scope.get("where", {})), Entity("rows", "", "", ""))
    ]
    label = str(scope.get("label", UNIT))
    fmt = str(scope.get("name", "{" + "}{".join(scope.get("by", [])) + "}"))
    groups: dict[tuple[Any, ...], list[Record]] = {}
    for r in rows:
        by = tuple(r.values.get(c) for c in scope.get("by", [])) if "groups" in scope else (r.row,)
        groups.setdefault(by, []).append(r)
    for members in groups.values():
        values = dict(members[0].values)
        unit = str(values.get("unit") or "")
        if not unit and members[0].member_id in ledger.members:
            unit = ledger.members[members[0].member_id].unit
        yield Entity(
            "rows",
            label,
            "",
            fmt.format_map(defaultdict(str, values)),
            unit,
            (),
            values,
            tuple(members),
        )


# ------------------------------------------------------------------ evaluation
def evaluate(
    ledger: Ledger, profile: Profile, period: Period, as_of: dt.date | None = None
) -> list[Result]:
    """Every rule of the profile on every entity and window of ``period`` that has
    begun by ``as_of``: one Result each, in rule order then ledger order."""
    results: list[Result] = []
    for rule in parse_rules(profile):
        wins = windows(period, rule.per, as_of)
        for e in entities(ledger, rule.scope):
            for w in wins:
                value = rule.measure(ledger, e, w)
                label = rule.name + (f"（{w.label}）" if rule.per and len(wins) > 1 else "")
                actual = _pct(value) if rule.share else _num(value)
                if rule.share and e.members:
                    actual += f"（{round(value * len(e.members))}/{len(e.members)}人）"
                elif rule.share and e.rows:  # the part of a group's rows: of how many
                    actual += f"（{round(value * len(e.rows))}/{len(e.rows)}）"
                community = str(e.values.get("community") or "")
                if e.kind == "member":
                    community = e.members[0].community
                results.append(
                    Result(
                        rule.id,
                        label,
                        e.label,
                        e.code,
                        e.name,
                        actual,
                        rule.required(),
                        rule.ok(value),
                        e.unit,
                        rule.severity,
                        rule.blocks,
                        community,
                    )
                )
    return results


def pass_rates(results: Iterable[Result]) -> dict[str, tuple[int, int]]:
    """Per unit: (rows 达标, rows in all) — the 达标率 chart's data."""
    rates: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        if r.unit:
            rates[r.unit][0] += r.ok
            rates[r.unit][1] += 1
    return {u: (a, b) for u, (a, b) in rates.items()}


def share_needed(total: int, share: float) -> int:
    """How many of ``total`` make ``share`` (⌈total × share⌉)."""
    return math.ceil(total * share - 1e-6)
