"""Stage 4 for public notices (公示栏): a ledger and a scope in, a notice context out.

Every notice shares one frame (title, lead, table, 公示期, 监督电话, issuer block, page
numbers); a notice is a context builder here plus its templates in templates/notices/.
Personal data is masked unless the run lifts it (NoticeOptions.mask).
"""

from __future__ import annotations

import datetime as dt

from generator.forms.context import BLANK, DATE_BLANK, Context, Options, Scope
from generator.ledger.model import Ledger, Member
from generator.ledger.normalize import cn_date
from generator.policy import docno
from generator.policy.privacy import mask_door, mask_phone

DASH = "—"


def _window(opts: Options) -> tuple[dt.date, dt.date]:
    start = opts.notice.start or opts.date
    days = int(opts.profile.notices.get("days", 10))
    return start, opts.notice.end or start + dt.timedelta(days=days - 1)


def frame(
    opts: Options, nid: str, title: str, place: str, year: int, issuer: str, phone: str, record: str
) -> Context:
    """The parts every notice shares."""
    start, end = _window(opts)
    cfg = opts.profile.notices
    lead = str(cfg.get("lead", {}).get(nid, "")).format(place=place, year=year)
    return {
        "title": title,
        "lead": lead.replace("\n", "").replace(" ", ""),
        "closing": cfg.get("closing", ""),
        "period_text": f"公示期：{cn_date(start)}至{cn_date(end)}",
        "phone_text": f"监督电话：{opts.notice.phone or phone or BLANK}",
        "issuer": issuer,
        "issue_date": cn_date(start),
        "paper": opts.notice.paper,
        "doc_no": docno.make(opts.profile.doc_prefix, year, nid, docno.record_key(record)),
        "year": year,
    }  # fmt: skip


def _masking(opts: Options) -> tuple[bool, bool]:
    cfg = opts.profile.notices
    on = opts.notice.mask
    return on and bool(cfg.get("mask_phone", True)), on and bool(cfg.get("mask_door", True))


def _unit_title(m: Member) -> str:
    return f"{m.unit}　{m.title}"


def n1(ledger: Ledger, scope: Scope, opts: Options) -> Context:
    """亮身份公示 for one building: a1's rows with phone and door number masked."""
    cmp = ledger.compounds[(scope.community, scope.compound)]
    phone_on, door_on = _masking(opts)
    rows = []
    members = ledger.members_at(scope.community, scope.compound, scope.building)
    for i, m in enumerate(members, start=1):
        door = mask_door(m.door) if door_on else m.door
        rows.append({
            "no": str(i), "name": m.name, "unit_title": _unit_title(m),
            "phone": mask_phone(m.phone) if phone_on else m.phone,
            "address": f"{m.compound}{m.building}{m.entrance}{door}",
            "speciality": m.speciality, "party": "是" if m.is_party else "否",
        })  # fmt: skip
    place = f"本楼栋（{scope.compound}{scope.building}）"
    ctx = frame(
        opts,
        "n1",
        f"{scope.community}{scope.compound}{scope.building}党员干部亮身份公示",
        place,
        scope.period.year,
        cmp.branch,
        cmp.phone,
        f"{scope.community}/{scope.compound}/{scope.building}",
    )
    ctx["rows"] = rows
    return ctx


def n2(ledger: Ledger, scope: Scope, opts: Options) -> Context:
    """承诺事项公示 for one compound: who pledged what, by when."""
    cmp = ledger.compounds[(scope.community, scope.compound)]
    year = scope.period.year
    rows: list[dict[str, str]] = []
    for m in ledger.members_at(scope.community, scope.compound):
        pledges = [p for p in ledger.pledges.get(m.id, []) if p.year == year]
        if not pledges:
            continue
        many = len(pledges) > 1
        rows.append({
            "no": str(len(rows) + 1), "name": m.name, "unit_title": _unit_title(m),
            "pledged": "\n".join((f"{i}.{p.item}" if many else p.item)
                               for i, p in enumerate(pledges, start=1)),
            "deadlines": "\n".join((f"{i}.{p.deadline or DASH}" if many else p.deadline or DASH)
                                   for i, p in enumerate(pledges, start=1)),
        })  # fmt: skip
    if opts.notice.issuer == "community":
        comm = ledger.communities[scope.community]
        issuer, phone = comm.org, comm.phone
    else:
        issuer, phone = cmp.branch, cmp.phone
    ctx = frame(
        opts,
        "n2",
        f"{scope.community}{scope.compound}党员干部{year}年承诺事项公示",
        f"{scope.compound}",
        year,
        issuer,
        phone,
        f"{scope.community}/{scope.compound}",
    )
    ctx["rows"] = rows
    return ctx


def n3(ledger: Ledger, scope: Scope, opts: Options) -> Context:
    """评价结果公示 per unit (issuer: its party organisation) or per compound (its branch)."""
    year = scope.period.year
    if scope.unit:
        unit = ledger.units[scope.unit]
        members = ledger.members_of_unit(scope.unit)
        issuer, phone, place = unit.org, unit.phone, f"本单位（{unit.name}）"
        title, record = f"{unit.name}党员干部{year}年“五亮五共”活动评价结果公示", unit.name
    else:
        cmp = ledger.compounds[(scope.community, scope.compound)]
        members = ledger.members_at(scope.community, scope.compound)
        issuer, phone, place = cmp.branch, cmp.phone, f"居住在{scope.compound}的"
        title = f"{scope.community}{scope.compound}党员干部{year}年“五亮五共”活动评价结果公示"
        record = f"{scope.community}/{scope.compound}"
    rows = []
    for i, m in enumerate(members, start=1):
        ev = ledger.evaluations.get((m.id, year))
        rows.append(
            {
                "no": str(i),
                "name": m.name,
                "unit_title": _unit_title(m),
                "grade": (ev.grades.get("unit") if ev else "") or DASH,
            }
        )
    ctx = frame(opts, "n3", title, place, year, issuer, phone, record)
    ctx["rows"] = rows
    return ctx


def _blank_frame(opts: Options, nid: str, title: str) -> Context:
    ctx = frame(opts, nid, title, "××", opts.date.year, f"{BLANK}（盖章）", "", "blank")
    ctx.update(period_text=f"公示期：{DATE_BLANK}至{DATE_BLANK}", issue_date=DATE_BLANK, doc_no="")
    return ctx


def n1_blank(opts: Options) -> Context:
    ctx = _blank_frame(opts, "n1", "××社区××小区××楼栋党员干部亮身份公示")
    keys = ("no", "name", "unit_title", "phone", "address", "speciality", "party")
    ctx["rows"] = [{k: str(i) if k == "no" else "" for k in keys} for i in range(1, 11)]
    return ctx


def n2_blank(opts: Options) -> Context:
    ctx = _blank_frame(opts, "n2", "××社区××小区党员干部承诺事项公示")
    keys = ("no", "name", "unit_title", "pledged", "deadlines")
    ctx["rows"] = [{k: str(i) if k == "no" else "" for k in keys} for i in range(1, 11)]
    return ctx


def n3_blank(opts: Options) -> Context:
    ctx = _blank_frame(opts, "n3", "××党员干部“五亮五共”活动评价结果公示")
    keys = ("no", "name", "unit_title", "grade")
    ctx["rows"] = [{k: str(i) if k == "no" else "" for k in keys} for i in range(1, 11)]
    return ctx
