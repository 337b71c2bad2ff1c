"""Stage 2 — validate: raw sheets in, a typed ``Ledger`` and every ``Issue`` out.

All rules of DESIGN §2 live here: cell kinds and closed sets, required values, the
references between sheets, member lookup by 编号 or 姓名 (+所在单位), duplicates. A row
with an error is left out of the ledger; the caller decides whether errors block the run.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
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
    Unit,
)
from generator.ledger.schema import (
    CHOICE,
    CODE,
    DATE,
    EXAMPLE_MARK,
    NUMBER,
    PARTIES,
    PHONE,
    SHEETS,
    TEXT,
    YEAR,
    YESNO,
    Column,
    Sheet,
)
from generator.policy.profile import Profile

REQUIRED_SHEETS = ("单位", "社区", "小区", "党员干部")
Row = dict[str, Any]


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


def _name(value: object) -> str:
    """A person's name: whitespace padding removed ('张　三' -> '张三')."""
    return re.sub(r"\s+", "", nz.text(value))


# The normaliser of each typed column kind.
_DIRECT: dict[str, Callable[[Cell], object]] = {
    DATE: nz.date, YEAR: nz.year, PHONE: nz.phone, NUMBER: nz.number,
    CODE: nz.member_code, YESNO: functools.partial(nz.yes_no, default=True),
}  # fmt: skip


def convert_cell(col: Column, value: Cell, profile: Profile) -> object:
    """One raw cell -> its typed value by the column's kind; ValueError(中文) if illegal."""
    if col.kind in _DIRECT:
        return _DIRECT[col.kind](value)
    s = _name(value) if col.key in {"name", "member_name"} else nz.text(value)
    if col.kind == CHOICE and s:
        allowed: tuple[str, ...] = getattr(profile, col.choices)
        folded = unicodedata.normalize("NFKC", s).replace(" ", "")
        if folded not in allowed:
            raise ValueError(f"应为以下之一：{'、'.join(allowed)}")
        return folded
    return s


def _rows(raw: RawSheet, sheet: Sheet, profile: Profile, out: _Collector) -> list[tuple[int, Row]]:
    """Convert every row of a sheet; rows with a bad cell are reported and dropped."""
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
        return []
    plan = [
        (col, index.get(col.header), _converter(col, profile), col.limit) for col in sheet.columns
    ]
    result: list[tuple[int, Row]] = []
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
        if ok:
            result.append((rownum, row))
    return result


def _converter(col: Column, profile: Profile) -> Callable[[Cell], object]:
    """The cell converter of a column: the normaliser itself where convert_cell would
    only dispatch to it (half a million cells in a 10,000-member ledger)."""
    if col.kind == TEXT and col.key not in {"name", "member_name"}:
        return nz.text
    if col.kind in _DIRECT:
        return _DIRECT[col.kind]
    return lambda value: convert_cell(col, value, profile)


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


def validate(raw: RawLedger, profile: Profile) -> tuple[Ledger, list[Issue]]:
    """RawLedger -> (Ledger of the valid rows, every issue found)."""
    out = _Collector()
    ledger = Ledger(source=raw.source)
    empty = RawSheet(file=_basename(raw.source), name="", headers=[])
    sheets: dict[str, RawSheet] = {}
    rows: dict[str, list[tuple[int, Row]]] = {}
    for s in SHEETS:  # one sheet after another: an .xlsx parses the next one meanwhile
        if s.name in raw.sheets:
            sheets[s.key] = raw.sheets[s.name]
            rows[s.key] = _rows(sheets[s.key], s, profile, out)
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

    _members(rows["members"], sheets["members"], ledger, out)
    _children(rows, sheets, ledger, out)
    return ledger, [*raw.issues, *out.issues]  # those of reading (found as sheets were read)


def _basename(path: str) -> str:
    return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def _natural(code: str) -> tuple[int, str]:
    return (int(code), "") if code.isdigit() else (10**12, code)


def _members(rows: list[tuple[int, Row]], raw: RawSheet, ledger: Ledger, out: _Collector) -> None:
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
        )
        members.append(
            Member(
                id=r["id"] or f"R{rownum:04d}",
                building=nz.numbered(r["building"], "栋"),
                entrance=nz.numbered(r["entrance"], "单元"),
                door=nz.numbered(r["door"], "室"),
                row=rownum,
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
) -> None:
    by_name: dict[str, list[Member]] = defaultdict(list)
    for m in ledger.members.values():
        by_name[m.name].append(m)
    seen_eval: dict[tuple[str, int], int] = {}
    for key in ("decisions", "pledges", "posts", "activities", "evaluations"):
        raw = sheets[key]
        for rownum, r in rows[key]:
            mid = _resolve(r, rownum, raw, ledger, by_name, out)
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
                    Activity(mid, **_fields(r, "date", "kind", "content", "hours", "confirmer"))
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
                    grades={p: r[f"grade_{p}"] for p, _ in PARTIES if r.get(f"grade_{p}")},
                    comments={p: r[f"comment_{p}"] for p, _ in PARTIES if r.get(f"comment_{p}")},
                )
    for ds in ledger.decisions.values():
        ds.sort(key=lambda d: d.date)
    for acts in ledger.activities.values():
        acts.sort(key=lambda a: a.date)


def _resolve(
    r: Row,
    rownum: int,
    raw: RawSheet,
    ledger: Ledger,
    by_name: dict[str, list[Member]],
    out: _Collector,
) -> str | None:
    """Find the member a child row points at, by 编号 or by 姓名 (+所在单位)."""
    code, name, unit = r.get("member_id", ""), r.get("member_name", ""), r.get("member_unit", "")
    if code:
        m = ledger.members.get(code)
        if m is None:
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
        where = f"单位「{unit}」中" if unit else ""
        out.add(raw, rownum, "姓名", name, f"「党员干部」表{where}没有此人")
        return None
    if len(found) > 1:
        units = "、".join(sorted({m.unit for m in found}))
        hint = "请填写编号" if unit or len({m.unit for m in found}) == 1 else "请填写编号或所在单位"
        out.add(raw, rownum, "姓名", name, f"有{len(found)}名同名党员干部（{units}），{hint}")
        return None
    return found[0].id


def quota_warnings(ledger: Ledger, profile: Profile, year: int) -> list[Issue]:
    """Shortfalls against the profile's yearly quotas, as warnings (DESIGN §5)."""
    q = profile.quotas
    src = _basename(ledger.source)
    warn: list[Issue] = []
    need_dec = int(q.get("decisions_per_year", 0))
    need_pl = int(q.get("pledges_per_year", 0))
    for m in ledger.members.values():
        n = sum(1 for d in ledger.decisions.get(m.id, []) if d.date.year == year)
        if n < need_dec:
            warn.append(
                Issue(
                    src,
                    "决策共谋",
                    None,
                    "",
                    m.name,
                    f"{m.unit} {m.name}（{m.id}）{year}年参加决策共谋{n}次，未达全年{need_dec}次",
                    "warning",
                )
            )
        p = sum(1 for x in ledger.pledges.get(m.id, []) if x.year == year)
        if p < need_pl:
            warn.append(
                Issue(
                    src,
                    "承诺事项",
                    None,
                    "",
                    m.name,
                    f"{m.unit} {m.name}（{m.id}）{year}年承诺事项{p}件，未达每年{need_pl}件",
                    "warning",
                )
            )
    share = q.get("post_share", 0)
    for unit in ledger.units:
        ms = ledger.members_of_unit(unit)
        held = sum(1 for m in ms if ledger.posts.get(m.id))
        if ms and held / len(ms) < share:
            warn.append(
                Issue(
                    src,
                    "小区任职",
                    None,
                    "",
                    unit,
                    f"{unit}在小区任职{held}人/共{len(ms)}人，不足三分之一",
                    "warning",
                )
            )
    return warn
