"""Stage 2 — validate: raw sheets in, a typed ``Ledger`` and every ``Issue`` out.

All rules of DESIGN §2 live here: cell kinds and closed sets, required values, the
references between sheets, member lookup by 编号 or 姓名 (+所在单位), duplicates. A row
with an error is left out of the ledger; the caller decides whether errors block the run.

Closed sets help rather than block: a value typed in other words is mapped through the
profile's aliases; an unknown value in a column that no form prints and no rule counts
is kept with a warning naming the nearest allowed values. A row that points at a member
whose own row is in error is left out silently: the error is reported once, at that row.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Collection
from typing import Any

from generator.errors import Issue
from generator.ledger import normalize as nz
from generator.ledger.load import Cell, RawLedger, RawSheet
from generator.ledger.model import (
    Activity,
    Community,
    Compound,
    Decision,
    Evaluation,
    Ledger,
    Member,
    Pledge,
    Post,
    Record,
    Unit,
)
from generator.ledger.schema import (
    CHOICE,
    CODE,
    CORE,
    DATE,
    EXAMPLE_MARK,
    NUMBER,
    PHONE,
    REQUIRED_SHEETS,
    SIGNED,
    TEXT,
    YEAR,
    YESNO,
    Column,
    Schema,
    Sheet,
    schema_for,
)
from generator.policy.privacy import sensitive
from generator.policy.profile import Profile

Row = dict[str, Any]
CORE_MEMBERS = next(s for s in CORE if s.key == "members")
TYPED = ("decisions", "pledges", "posts", "activities", "evaluations")


class _Collector:
    """Accumulates issues for one raw ledger."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def add(
        self,
        sheet: RawSheet | Sheet | str,
        row: int | None,
        column: str,
        value: object,
        message: str,
        severity: str = "error",
        file: str = "",
    ) -> None:
        fname = getattr(sheet, "file", "") or file
        sname = sheet if isinstance(sheet, str) else sheet.name
        self.issues.append(Issue(fname, sname, row, column, value, message, severity))


_SPACES = re.compile(r"\s+")


def _name(value: object) -> str:
    """A person's name: whitespace padding removed ('张　三' -> '张三')."""
    return _SPACES.sub("", nz.text(value))


# The normaliser of each typed column kind.
_DIRECT: dict[str, Callable[[Cell], object]] = {
    DATE: nz.date,
    YEAR: nz.year,
    PHONE: nz.phone,
    NUMBER: nz.number,
    SIGNED: nz.signed_number,
    CODE: nz.member_code,
    YESNO: functools.partial(nz.yes_no, default=True),
}


class Lenient(ValueError):
    """A value outside a closed set that no form prints: kept, with a warning."""

    def __init__(self, message: str, value: str) -> None:
        super().__init__(message)
        self.value = value


def convert_cell(col: Column, value: Cell, profile: Profile, strict: bool = True) -> object:
    """One raw cell -> its typed value by the column's kind; ValueError(中文) if illegal,
    Lenient (a ValueError carrying the kept value) for an unknown value of a lenient set."""
    if col.kind in _DIRECT:
        return _DIRECT[col.kind](value)
    s = _name(value) if col.key in {"name", "member_name"} else nz.text(value)
    if col.kind == CHOICE and s:
        folded = unicodedata.normalize("NFKC", s).replace(" ", "")
        found = profile.canonical(col.choices, folded) or profile.canonical(col.choices, s)
        if found is not None:
            return found
        allowed = profile.choices(col.choices)
        near = profile.nearest(col.choices, folded)
        hint = f"最接近的是：{'、'.join(near)}" if near else f"可选：{'、'.join(allowed)}"
        if strict:
            raise ValueError(f"应为以下之一：{'、'.join(allowed)}（{hint}）")
        raise Lenient(f"不在可选值中（{hint}）；此列不打印、不计入规则，已按原文保留", s)
    return s


def _rows(
    raw: RawSheet,
    sheet: Sheet,
    profile: Profile,
    out: _Collector,
    strict: Collection[str] | None,
) -> tuple[list[tuple[int, Row]], list[Row]]:
    """Convert every row of a sheet: (the good rows, the partial rows dropped for a bad
    cell — reported here — so that rows pointing at them can be left out quietly)."""
    by_header = {c.header: c for c in sheet.columns}
    index: dict[str, int] = {}
    for i, h in enumerate(raw.headers):
        if h in by_header and h not in index:
            index[h] = i
        elif h and h not in by_header:
            out.add(raw, None, h, None, "未知的列，已忽略", "warning")
    for col in sheet.columns:
        if col.required and col.header not in index:
            out.add(raw, None, col.header, None, "缺少必填列")
    if any(c.required and c.header not in index for c in sheet.columns):
        return [], []
    plan = [
        (col, index.get(col.header), _converter(col, profile, _is_strict(sheet, col, strict)),
         col.limit)
        for col in sheet.columns
    ]  # fmt: skip
    watch = [col for col, pos, _, _ in plan if pos is not None and _watched(col)]
    result: list[tuple[int, Row]] = []
    dropped: list[Row] = []
    for rownum, cells in raw.rows:
        first = next((nz.text(c) for c in cells if c is not None and c != ""), "")
        if first.startswith(EXAMPLE_MARK):
            continue
        row: Row = {"_row": rownum}
        ok = True
        n = len(cells)
        for col, pos, convert, limit in plan:
            value = cells[pos] if pos is not None and pos < n else None
            try:
                row[col.key] = v = convert(value)
            except Lenient as exc:
                row[col.key] = exc.value
                out.add(raw, rownum, col.header, exc.value, str(exc), "warning")
                continue
            except ValueError as exc:
                out.add(raw, rownum, col.header, nz.text(value), str(exc))
                ok = False
                continue
            if type(v) is str and len(v) > limit:
                out.add(raw, rownum, col.header, v, f"内容过长：{len(v)}个字，本列最多{limit}个字")
                ok = False
                continue
            if col.required and row[col.key] in (None, ""):
                out.add(raw, rownum, col.header, None, "必填项为空")
                ok = False
        for col in watch:
            what = sensitive(str(row.get(col.key) or ""))
            if what:
                out.add(
                    raw,
                    rownum,
                    col.header,
                    row[col.key],
                    f"疑似{what}写在了「{col.header}」列；公示时会被遮蔽，"
                    f"请确认是否应填在{'「联系方式」' if what == '电话号码' else '「门牌号」'}列",
                    "warning",
                )
        if ok:
            result.append((rownum, row))
        else:
            dropped.append(row)
    return result, dropped


def _watched(col: Column) -> bool:
    """Free-text columns where a phone or door number would be out of place."""
    return col.kind == TEXT and col.key not in {"door", "name", "member_name", "org", "branch"}


def _is_strict(sheet: Sheet, col: Column, strict: Collection[str] | None) -> bool:
    if col.kind != CHOICE or strict is None:
        return True
    return f"{sheet.key}.{col.key}" in strict or f"{sheet.key}.*" in strict


def _converter(col: Column, profile: Profile, strict: bool) -> Callable[[Cell], object]:
    """The cell converter of a column: the normaliser itself where convert_cell would
    only dispatch to it (half a million cells in a 10,000-member ledger)."""
    if col.kind == TEXT and col.key not in {"name", "member_name"}:
        return nz.text
    if col.kind in _DIRECT:
        return _DIRECT[col.kind]
    if col.kind != CHOICE:
        return lambda value: convert_cell(col, value, profile, strict)
    # A closed set's few words fill most of its column: each cell value converted once
    # (keyed with its type: 1, 1.0 and True are equal keys). Refusals are not kept, so
    # every cell in error is reported; nor are the odd unhashable cells of a JSON ledger.
    known: dict[tuple[type, Cell], object] = {}

    def choice(value: Cell) -> object:
        key = (type(value), value)
        try:
            found = known.get(key, known)
        except TypeError:  # a list or the like
            return convert_cell(col, value, profile, strict)
        if found is known:
            found = known[key] = convert_cell(col, value, profile, strict)
        return found

    return choice


def _unique(
    rows: list[tuple[int, Row]],
    key: Callable[[Row], Any],
    raw: RawSheet,
    col: str,
    out: _Collector,
) -> list[tuple[int, Row]]:
    """Drop and report rows whose key repeats an earlier row's."""
    seen: dict[Any, int] = {}
    kept = []
    for rownum, row in rows:
        k = key(row)
        if k in seen:
            out.add(
                raw,
                rownum,
                col,
                k if isinstance(k, str) else "/".join(str(x) for x in k),
                f"与第{seen[k]}行重复",
            )
            continue
        seen[k] = rownum
        kept.append((rownum, row))
    return kept


def _fields(row: Row, *keys: str) -> dict[str, Any]:
    return {k: row[k] for k in keys if k in row and row[k] is not None}


class _Refused:
    """Members whose own row is in error, by 编号 and by 姓名 (+所在单位)."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.names: set[str] = set()
        self.name_units: set[tuple[str, str]] = set()

    def add(self, row: Row) -> None:
        if row.get("id"):
            self.ids.add(row["id"])
        if row.get("name"):
            self.names.add(row["name"])
            self.name_units.add((row["name"], row.get("unit") or ""))

    def covers(self, r: Row) -> bool:
        """Whether a child row may point at one of these members."""
        code, name, unit = r.get("member_id"), r.get("member_name"), r.get("member_unit")
        if code:
            return code in self.ids
        return bool(name) and (name, unit) in self.name_units if unit else name in self.names


def validate(
    raw: RawLedger, profile: Profile, strict: Collection[str] | None = None
) -> tuple[Ledger, list[Issue]]:
    """RawLedger -> (Ledger of the valid rows, every issue found). ``strict``: the
    closed-set columns ("sheet.column") whose unknown values are errors because a form
    prints them or a rule counts them; the others only warn. None: all are strict."""
    out = _Collector()
    ledger = Ledger(source=raw.source)
    empty = RawSheet(file=_basename(raw.source), name="", headers=[])
    schema = schema_for(profile)
    sheets: dict[str, RawSheet] = {}
    rows: dict[str, list[tuple[int, Row]]] = {}
    refused = _Refused()
    for s in schema.sheets:  # one sheet after another: an .xlsx parses the next meanwhile
        if s.name in raw.sheets:
            sheets[s.key] = raw.sheets[s.name]
            rows[s.key], dropped = _rows(sheets[s.key], s, profile, out, strict)
            if s.key == "members":
                for d in dropped:
                    refused.add(d)
        else:
            sheets[s.key] = RawSheet(file=empty.file, name=s.name, headers=[])
            rows[s.key] = []
            if s.name in REQUIRED_SHEETS:
                out.add(s.name, None, "", None, "缺少工作表", file=empty.file)

    units_raw = sheets["units"]
    for _, r in _unique(rows["units"], lambda r: r["name"], units_raw, "单位名称", out):
        ledger.units[r["name"]] = Unit(
            **_fields(r, "name", "org", "org_type", "secretary", "filler", "phone")
        )
    comm_raw = sheets["communities"]
    for _, r in _unique(rows["communities"], lambda r: r["name"], comm_raw, "社区名称", out):
        ledger.communities[r["name"]] = Community(
            **_fields(r, "name", "org", "street", "secretary", "phone")
        )
    cmp_raw = sheets["compounds"]
    for rownum, r in _unique(
        rows["compounds"], lambda r: (r["community"], r["name"]), cmp_raw, "小区名称", out
    ):
        if r["community"] not in ledger.communities:
            out.add(cmp_raw, rownum, "社区名称", r["community"], "该社区不在「社区」表中")
            continue
        ledger.compounds[(r["community"], r["name"])] = Compound(
            **_fields(
                r,
                "community",
                "name",
                "branch",
                "secretary",
                "contact",
                "phone",
                "committee",
                "committee_head",
            )
        )

    _members(rows["members"], sheets["members"], ledger, out, refused)
    by_name: dict[str, list[Member]] = defaultdict(list)
    for m in ledger.members.values():
        by_name[m.name].append(m)
    _children(rows, sheets, ledger, out, by_name, refused)
    for s in schema.sheets:
        if s.key not in TYPED and s.key not in {"units", "communities", "compounds", "members"}:
            _records(s, rows[s.key], sheets[s.key], ledger, out, by_name, refused, schema)
    return ledger, [*raw.issues, *out.issues]  # those of reading (found as sheets were read)


def _basename(path: str) -> str:
    return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def _natural(code: str) -> tuple[int, str]:
    return (int(code), "") if code.isdigit() else (10**12, code)


def _members(
    rows: list[tuple[int, Row]], raw: RawSheet, ledger: Ledger, out: _Collector, refused: _Refused
) -> None:
    core = {c.key for c in CORE_MEMBERS.columns}
    added = [k for k in (rows[0][1] if rows else {}) if k not in core and not k.startswith("_")]
    same = Counter((r["name"], r["unit"]) for _, r in rows)
    ids = Counter(r["id"] for _, r in rows if r["id"])
    members: list[Member] = []
    for rownum, r in rows:
        bad = False
        if r["id"] and ids[r["id"]] > 1:
            out.add(raw, rownum, "编号", r["id"], "编号重复，每名党员干部的编号必须唯一")
            bad = True
        if same[(r["name"], r["unit"])] > 1 and not r["id"]:
            out.add(
                raw,
                rownum,
                "姓名",
                r["name"],
                f"同一单位「{r['unit']}」有{same[(r['name'], r['unit'])]}人同名，请填写编号以区分",
            )
            bad = True
        if r["unit"] not in ledger.units:
            out.add(raw, rownum, "所在单位", r["unit"], "该单位不在「单位」表中")
            bad = True
        if r["community"] not in ledger.communities:
            out.add(raw, rownum, "社区", r["community"], "该社区不在「社区」表中")
            bad = True
        elif (r["community"], r["compound"]) not in ledger.compounds:
            out.add(
                raw,
                rownum,
                "小区",
                r["compound"],
                f"该小区不在「小区」表中社区「{r['community']}」名下",
            )
            bad = True
        if bad:
            refused.add(r)
            continue
        fields = _fields(
            r,
            "name",
            "unit",
            "title",
            "community",
            "compound",
            "gender",
            "phone",
            "speciality",
            "is_party",
            "reg_date",
            "birth_date",
            "report_mode",
            "relief",
        )
        members.append(
            Member(
                id=r["id"] or f"R{rownum:04d}",
                building=nz.numbered(r["building"], "栋"),
                entrance=nz.numbered(r["entrance"], "单元"),
                door=nz.numbered(r["door"], "室"),
                row=rownum,
                extra={k: r[k] for k in added},  # columns the profile adds (extend:)
                **fields,
            )
        )
    members.sort(key=lambda m: _natural(m.id))
    ledger.members = {m.id: m for m in members}


def _children(
    rows: dict[str, list[tuple[int, Row]]],
    sheets: dict[str, RawSheet],
    ledger: Ledger,
    out: _Collector,
    by_name: dict[str, list[Member]],
    refused: _Refused,
) -> None:
    seen_eval: dict[tuple[str, int], int] = {}
    for key in TYPED:
        raw = sheets[key]
        for rownum, r in rows[key]:
            mid = _resolve(r, rownum, raw, ledger, by_name, out, refused)
            if mid is None:
                continue
            if key == "decisions":
                ledger.decisions[mid].append(
                    Decision(mid, **_fields(r, "date", "matter", "meeting_type"))
                )
            elif key == "pledges":
                ledger.pledges[mid].append(
                    Pledge(
                        mid,
                        **_fields(
                            r, "year", "item", "measures", "deadline", "pledge_date", "status"
                        ),
                    )
                )
            elif key == "posts":
                ledger.posts[mid].append(Post(mid, **_fields(r, "post", "since", "note")))
            elif key == "activities":
                ledger.activities[mid].append(
                    Activity(
                        mid,
                        **_fields(
                            r, "date", "kind", "content", "hours", "confirmer", "place", "rating"
                        ),
                    )
                )
            else:
                k = (mid, r["year"])
                if k in seen_eval:
                    out.add(
                        raw,
                        rownum,
                        "年度",
                        r["year"],
                        f"该党员干部本年度的评价已在第{seen_eval[k]}行填写",
                    )
                    continue
                seen_eval[k] = rownum
                ledger.evaluations[k] = Evaluation(
                    mid,
                    r["year"],
                    r["activity_text"],
                    r["duty_text"],
                    grades={k[6:]: v for k, v in r.items() if k.startswith("grade_") and v},
                    comments={k[8:]: v for k, v in r.items() if k.startswith("comment_") and v},
                )
    for ds in ledger.decisions.values():
        ds.sort(key=lambda d: d.date)
    for acts in ledger.activities.values():
        acts.sort(key=lambda a: a.date)


def _records(
    sheet: Sheet,
    rows: list[tuple[int, Row]],
    raw: RawSheet,
    ledger: Ledger,
    out: _Collector,
    by_name: dict[str, list[Member]],
    refused: _Refused,
    schema: Schema,
) -> None:
    """Rows of a sheet without a model of its own -> ledger.tables[sheet.key]."""
    for rownum, r in rows:
        mid = ""
        if sheet.member_ref:
            found = _resolve(r, rownum, raw, ledger, by_name, out, refused)
            if found is None:
                continue
            mid = found
        if not all(
            _ref_ok(col, r.get(col.key), ledger, raw, rownum, out, schema)
            for col in sheet.columns
            if col.ref
        ):
            continue
        values = {k: v for k, v in r.items() if not k.startswith("_")}
        ledger.tables[sheet.key].append(Record(sheet.key, rownum, values, mid))


def _ref_ok(
    col: Column,
    value: Any,
    ledger: Ledger,
    raw: RawSheet,
    rownum: int,
    out: _Collector,
    schema: Schema,
) -> bool:
    """Whether a referencing cell names something the ledger has (empty is fine)."""
    if value in (None, ""):
        return True
    if col.ref == "members":
        ok, where = value in ledger.members, "「党员干部」表中没有这个编号"
    elif col.ref == "units":
        ok, where = value in ledger.units, "该单位不在「单位」表中"
    elif col.ref == "communities":
        ok, where = value in ledger.communities, "该社区不在「社区」表中"
    else:
        sheet_key, _, key = col.ref.partition(".")
        names = {r.values.get(key) for r in ledger.tables.get(sheet_key, [])}
        target = schema.by_key.get(sheet_key)
        named = (
            f"「{target.name}」表的「{target.column(key).header}」列"
            if target is not None and any(c.key == key for c in target.columns)
            else f"被引用的表（{col.ref}）"
        )
        ok, where = value in names, f"{named}中没有这个值"
    if not ok:
        out.add(raw, rownum, col.header, value, where)
    return ok


def _resolve(
    r: Row,
    rownum: int,
    raw: RawSheet,
    ledger: Ledger,
    by_name: dict[str, list[Member]],
    out: _Collector,
    refused: _Refused,
) -> str | None:
    """Find the member a child row points at, by 编号 or by 姓名 (+所在单位). A row that
    points at a member whose own row is in error is left out without a second error."""
    code, name, unit = r.get("member_id", ""), r.get("member_name", ""), r.get("member_unit", "")
    if code:
        m = ledger.members.get(code)
        if m is None:
            if code not in refused.ids:
                out.add(raw, rownum, "编号", code, "「党员干部」表中没有这个编号")
            return None
        if name and name != m.name:
            out.add(raw, rownum, "姓名", name, f"与编号{code}对应的姓名「{m.name}」不符")
            return None
        return m.id
    if not name:
        out.add(raw, rownum, "编号", None, "编号和姓名都为空，无法确定是哪名党员干部")
        return None
    found = [m for m in by_name.get(name, []) if not unit or m.unit == unit]
    if not found:
        if not refused.covers(r):
            where = f"单位「{unit}」中" if unit else ""
            out.add(raw, rownum, "姓名", name, f"「党员干部」表{where}没有此人")
        return None
    if len(found) > 1:
        units = "、".join(sorted({m.unit for m in found}))
        hint = "请填写编号" if unit or len({m.unit for m in found}) == 1 else "请填写编号或所在单位"
        out.add(raw, rownum, "姓名", name, f"有{len(found)}名同名党员干部（{units}），{hint}")
        return None
    return found[0].id
