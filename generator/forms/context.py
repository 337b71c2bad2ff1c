"""Stage 4 — context: a ledger and one document's scope in, a plain dict out.

Every format of a form renders the same dict, so the same data gives the same text
in DOCX, XLSX and PDF. Missing values become blanks to fill by hand.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from generator.ledger.model import Compound, Ledger, Member, Unit
from generator.ledger.normalize import cn_date
from generator.policy import docno
from generator.policy.period import Period
from generator.policy.profile import Profile

BLANK = "______"
DATE_BLANK = "____年__月__日"
BLANK_ROWS = 12

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


def _or_blank(value: str | None) -> str:
    return value if value else BLANK


def _common(
    title: str,
    head_left: str,
    opts: Options,
    foot: tuple[str, str],
    notes: str,
    date: dt.date | None = None,
) -> Context:
    return {
        "title": title,
        "head_left": head_left,
        "head_right": f"时间：{cn_date(date or opts.date)}" if date or opts.date else "",
        "foot_left": f"填报人：{_or_blank(foot[0])}" if foot[0] is not None else "",
        "foot_right": f"联系电话：{_or_blank(foot[1])}",
        "notes": notes,
    }


def _number(opts: Options, year: int, form: str, record: str) -> str:
    return docno.make(opts.profile.doc_prefix, year, form, docno.record_key(record))


# ---------------------------------------------------------------- a1 公示表
def a1(ledger: Ledger, scope: Scope, opts: Options) -> Context:
    cmp = ledger.compounds[(scope.community, scope.compound)]
    members = ledger.members_at(scope.community, scope.compound, scope.building)
    ctx = _common(
        f"{scope.community}{scope.compound}{scope.building}党员干部基本情况公示表",
        f"公示单位：{cmp.branch}",
        opts,
        ("", ""),
        "",
    )
    ctx.update(_a1_footer(cmp))
    ctx["rows"] = [_a1_row(i, m) for i, m in enumerate(members, start=1)]
    return ctx


def _a1_row(i: int, m: Member) -> dict[str, str]:
    return {
        "no": str(i), "name": m.name, "unit_title": f"{m.unit}　{m.title}", "phone": m.phone,
        "address": m.address, "speciality": m.speciality, "party": "是" if m.is_party else "否",
    }  # fmt: skip


def _a1_footer(cmp: Compound | None) -> Context:
    return {
        "foot_left": f"小区党支部联系人：{_or_blank(cmp.contact if cmp else '')}",
        "foot_right": f"联系电话：{_or_blank(cmp.phone if cmp else '')}",
    }


def a1_blank(opts: Options) -> Context:
    ctx = _common(
        "××社区××小区××楼栋党员干部基本情况公示表",
        f"公示单位：{BLANK}小区党支部",
        opts,
        ("", ""),
        "",
    )
    ctx.update(_a1_footer(None), head_right=f"时间：{DATE_BLANK}")
    ctx["rows"] = [
        _empty_row(i, "no name unit_title phone address speciality party")
        for i in range(1, BLANK_ROWS + 1)
    ]
    return ctx


def _empty_row(i: int, keys: str) -> dict[str, str]:
    return {k: "" for k in keys.split()} | {"no": str(i)}


# ---------------------------------------------------------------- a2 决策共谋统计表
A2_NOTE = "注：此表由各机关事业单位党组（党委）填写，分别报党委组织部、直属机关工委。"


def _unit_head(label: str, unit: Unit | None, period: Period | None) -> str:
    org = unit.org if unit else f"{BLANK}党组（党委）"
    return f"{label}：{org}" + (f"　　统计期间：{period.cn}" if period else "")


def a2(ledger: Ledger, scope: Scope, opts: Options) -> Context:
    unit = ledger.units[scope.unit]
    need = int(opts.profile.quotas.get("decisions_per_year", 0))
    rows = []
    for i, m in enumerate(ledger.members_of_unit(scope.unit), start=1):
        ds = [d for d in ledger.decisions.get(m.id, []) if scope.period.contains(d.date)]
        short = scope.period.quarter is None and len(ds) < need
        rows.append({
            "no": str(i), "name": m.name, "job": m.title, "community": m.community,
            "compound": m.compound, "count": str(len(ds)),
            "matters": "；".join(d.matter for d in ds),
            "note": f"未达全年{need}次" if short else "",
        })  # fmt: skip
    ctx = _common(
        "党员干部参加社区和小区决策共谋活动情况统计表",
        _unit_head("统计单位", unit, scope.period),
        opts,
        (unit.filler, unit.phone),
        A2_NOTE,
    )
    ctx["rows"] = rows
    return ctx


def a2_blank(opts: Options) -> Context:
    ctx = _common(
        "党员干部参加社区和小区决策共谋活动情况统计表",
        _unit_head("统计单位", None, None),
        opts,
        ("", ""),
        A2_NOTE,
    )
    ctx["head_right"] = f"时间：{DATE_BLANK}"
    ctx["rows"] = [
        _empty_row(i, "no name job community compound count matters note")
        for i in range(1, BLANK_ROWS + 1)
    ]
    return ctx


# ---------------------------------------------------------------- a3 承诺书
A3_NOTE = (
    "注：此表由单位党组织负责组织填报，于每年 2 月底前分别报党委组织部、直属机关工委，"
    "并分送到党员干部居住地社区、小区党组织，按要求进行公示。"
)
A3_RULE = (
    "承诺的事项要是社区（小区）发展共建或无疫小区建设中可量化、可操作、可考评的实事，"
    "每名党员干部每年不少于 1 件。"
)


def a3(ledger: Ledger, scope: Scope, opts: Options) -> Context:
    m = ledger.members[scope.member_id]
    unit = ledger.units[m.unit]
    year = scope.period.year
    pledges = [p for p in ledger.pledges.get(m.id, []) if p.year == year]
    items = [f"{i}.{p.item}" for i, p in enumerate(pledges, start=1)]
    items += [f"{i}.{BLANK * 3}" for i in range(len(items) + 1, 3)]
    measures = [
        f"{i}.{_or_blank(p.measures)}（完成时限：{_or_blank(p.deadline)}）"
        for i, p in enumerate(pledges, start=1)
    ]
    dates = sorted(p.pledge_date for p in pledges if p.pledge_date)
    ctx = _common(
        "党员干部参加社区和小区发展共建活动承诺书",
        f"单位：{unit.org}",
        opts,
        (unit.filler, unit.phone),
        A3_NOTE,
    )
    ctx.update(
        name=m.name, job=m.title, residence=f"{m.community}{m.compound}", items=items,
        measures=measures or [BLANK * 4], pledge_date=cn_date(dates[0]) if dates else DATE_BLANK,
        pledge_note=A3_RULE, doc_no=_number(opts, year, "a3", m.id), year=year,
    )  # fmt: skip
    return ctx


def a3_blank(opts: Options) -> Context:
    ctx = _common(
        "党员干部参加社区和小区发展共建活动承诺书",
        f"单位：{BLANK}党组（党委）",
        opts,
        ("", ""),
        A3_NOTE,
    )
    ctx.update(
        head_right=f"时间：{DATE_BLANK}", name="", job="", residence="",
        items=[f"1.{BLANK * 3}", f"2.{BLANK * 3}"], measures=[""], pledge_date=DATE_BLANK,
        pledge_note=A3_RULE, doc_no="", year="",
    )  # fmt: skip
    return ctx


# ---------------------------------------------------------------- a4 任职情况统计表
A4_NOTE = "注：此表由各机关事业单位党组（党委）填写，每季度末分别报党委组织部、直属机关工委。"


def a4(ledger: Ledger, scope: Scope, opts: Options) -> Context:
    unit = ledger.units[scope.unit]
    members = ledger.members_of_unit(scope.unit)
    rows: list[dict[str, str]] = []
    holders = 0
    for m in members:
        posts = [
            p for p in ledger.posts.get(m.id, []) if p.since is None or p.since <= scope.period.end
        ]
        holders += bool(posts)
        for p in posts:
            rows.append({
                "no": str(len(rows) + 1), "name": m.name, "job": m.title,
                "community": m.community, "compound": m.compound, "post": p.post,
                "since": cn_date(p.since), "note": p.note,
            })  # fmt: skip
    share = float(opts.profile.quotas.get("post_share", 1 / 3))
    ctx = _common(
        "党员干部在所在小区任职情况统计表",
        _unit_head("统计单位", unit, scope.period),
        opts,
        (unit.filler, unit.phone),
        A4_NOTE,
    )
    ctx["rows"] = rows
    ctx["summary"] = a4_summary(len(members), holders, share)
    return ctx


def a4_summary(total: int, holders: int, share: float = 1 / 3) -> str:
    """本单位党员干部总数 N 人，在小区任职 M 人，占比 P% — and whether it meets 1/3."""
    pct = 100 * holders / total if total else 0.0
    text = (
        f"本单位党员干部总数{total}人，在小区任职{holders}人，"
        f"占比{pct:.1f}%（要求不少于三分之一）。"
    )
    need = math.ceil(total * share - 1e-6)
    if total and holders < need:
        text += f"未达到三分之一的要求，至少还需{need - holders}人在小区任职。"
    return text


def a4_blank(opts: Options) -> Context:
    ctx = _common(
        "党员干部在所在小区任职情况统计表",
        _unit_head("统计单位", None, None),
        opts,
        ("", ""),
        A4_NOTE,
    )
    ctx["head_right"] = f"时间：{DATE_BLANK}"
    ctx["rows"] = [
        _empty_row(i, "no name job community compound post since note")
        for i in range(1, BLANK_ROWS + 1)
    ]
    ctx["summary"] = (
        f"本单位党员干部总数{BLANK}人，在小区任职{BLANK}人，占比{BLANK}%（要求不少于三分之一）。"
    )
    return ctx


# ---------------------------------------------------------------- a5 评价表
A5_NOTE = (
    "注：1.此表由单位党组织负责组织填报，于12月底前分别报党委组织部、直属机关工委。"
    "单位党组织、居住地社区党组织、居住地小区党支部要备份存档。"
    "2.评价意见中均要明确评价等次：{grades}。"
)
SIGNERS = {
    "self": ("自我评价", "本人签字：", ""),
    "committee": ("小区业委会（自管委员会）评价", "业委会主任签字：", "{committee}（盖章）"),
    "branch": ("小区党支部意见", "党支部书记签字：", "小区党支部（盖章）"),
    "community": ("社区党组织评价意见", "社区书记签字：", "社区党组织（盖章）"),
    "unit": ("单位党组织评价意见", "单位党组织书记签字：", "单位党组织（盖章）"),
}


def grade_marks(grades: tuple[str, ...], chosen: str) -> str:
    """'良好' -> '□好 ☑良好 □一般 □差'."""
    return " ".join(("☑" if g == chosen else "□") + g for g in grades)


def _blocks(
    opts: Options, cmp: Compound | None, grades: dict[str, str], comments: dict[str, str]
) -> dict[str, dict[str, str]]:
    committee = cmp.committee if cmp and cmp.committee else "业委会（自管委员会）"
    return {
        key: {
            "label": label, "comment": comments.get(key, ""),
            "grades": grade_marks(opts.profile.grades, grades.get(key, "")),
            "grade": grades.get(key, ""), "signer": signer,
            "seal": seal.format(committee=committee),
        }
        for key, (label, signer, seal) in SIGNERS.items()
    }  # fmt: skip


# Each block's signer line and its seal line where that is the same on every sheet (the
# committee's names the compound's committee): what the PDF frame may print. One dict for
# every a5 context (contexts are never changed after they are built).
SIGNER_LINES: dict[str, dict[str, str]] = {
    key: {"signer": signer, "seal": "" if "{" in seal else seal}
    for key, (_label, signer, seal) in SIGNERS.items()
}


def a5(ledger: Ledger, scope: Scope, opts: Options) -> Context:
    m = ledger.members[scope.member_id]
    unit = ledger.units[m.unit]
    year = scope.period.year
    ev = ledger.evaluations.get((m.id, year))
    cmp = ledger.compounds.get((m.community, m.compound))
    activity = ev.activity_text if ev and ev.activity_text else _activity_summary(ledger, m, year)
    ctx = _common(
        "党员干部参加“五亮五共”活动情况评价表",
        f"单位：{unit.org}",
        opts,
        (unit.filler, unit.phone),
        A5_NOTE.format(grades="、".join(opts.profile.grades)),
    )
    ctx.update(
        name=m.name, job=m.title, address=m.address,
        posts="、".join(p.post for p in ledger.posts.get(m.id, [])),
        activity=activity,
        duty_heading="履职情况评价" + (f"：{ev.duty_text}" if ev and ev.duty_text else ""),
        blocks=_blocks(opts, cmp, ev.grades if ev else {}, ev.comments if ev else {}),
        signers=SIGNER_LINES, doc_no=_number(opts, year, "a5", m.id), year=year,
    )  # fmt: skip
    return ctx


def _activity_summary(ledger: Ledger, m: Member, year: int) -> str:
    """When the ledger has no 活动情况 text: the year's counts from the other sheets."""
    ds = [d for d in ledger.decisions.get(m.id, []) if d.date.year == year]
    acts = [a for a in ledger.activities.get(m.id, []) if a.date.year == year]
    pl = [p for p in ledger.pledges.get(m.id, []) if p.year == year]
    hours = sum(a.hours or 0 for a in acts)
    return (
        f"{year}年参加社区（小区）决策共谋{len(ds)}次，参加共建活动{len(acts)}次"
        f"（共{hours:g}小时），承诺事项{len(pl)}件。"
    )


def a5_blank(opts: Options) -> Context:
    ctx = _common(
        "党员干部参加“五亮五共”活动情况评价表",
        f"单位：{BLANK}党组（党委）",
        opts,
        ("", ""),
        A5_NOTE.format(grades="、".join(opts.profile.grades)),
    )
    ctx.update(
        head_right=f"时间：{DATE_BLANK}", name="", job="", address="", posts="", activity="",
        duty_heading="履职情况评价", blocks=_blocks(opts, None, {}, {}), signers=SIGNER_LINES,
        doc_no="", year="",
    )  # fmt: skip
    return ctx
