"""h4 单位年度报告: a unit's year — members registered and the reporting rate, activities
and hours, who met the yearly minimums, decisions, pledges done, posts held, half-year
reports, projects and agreements, assessment results — as figures counted from the
ledger, the unit's projects, the seal of its party organisation, and each member's row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from generator.forms import kit
from generator.forms.registry import Form, code_of, forms_of
from generator.ledger.model import Ledger, Member, Record
from generator.ledger.normalize import cn_date
from generator.policy.profile import Profile
from generator.types import Context, Options, Scope

PROJECT = "项目清单"
DONE = "已完成"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}".rstrip("0").rstrip(".") + "%" if whole else "—"


def _minimums(profile: Profile) -> tuple[float | None, float | None, float | None]:
    """The yearly minimums h2 measures a member against (its ``minimums``)."""
    fn: Callable[[Profile], tuple[float | None, float | None, float | None]]
    fn = code_of(forms_of(profile)["h2"]).minimums
    return fn(profile)


def _member_row(ledger: Ledger, i: int, m: Member, year: int) -> dict[str, Any]:
    acts = [a for a in ledger.activities.get(m.id, []) if a.date.year == year]
    pledges = [p for p in ledger.pledges.get(m.id, []) if p.year == year]
    halves = sorted(
        {
            str(r.get("half"))
            for r in ledger.of_member("half_reports", m.id)
            if r.get("year") == year
        }
    )
    grades = [r for r in ledger.of_member("assessments", m.id) if r.get("year") == year]
    registered = m.reg_date is not None and m.reg_date <= dt.date(year, 12, 31)
    return {
        "no": str(i),
        "name": m.name,
        "job": m.title,
        "residence": f"{m.community}{m.compound}",
        "reg_date": cn_date(m.reg_date) if registered else "未报到",
        "times": len(acts),  # numbers stay numbers in the XLSX
        "hours": f"{sum(a.hours or 0 for a in acts):g}",
        "pledges": len(pledges),
        "done": sum(1 for p in pledges if p.status == DONE),
        "posts": "、".join(p.post for p in ledger.posts.get(m.id, [])),
        "reports": "、".join(h.replace("半年", "") for h in halves) or "—",
        "grade": str(grades[-1].get("grade", "")) if grades else "—",
        # for the figures
        "_registered": registered,
        "_acts": acts,
        "_pledges": pledges,
        "_halves": halves,
        "_grade": str(grades[-1].get("grade", "")) if grades else "",
    }


def _projects(ledger: Ledger, unit: str) -> list[Record]:
    return [
        r for r in ledger.table("lists") if r.get("unit") == unit and r.get("list_type") == PROJECT
    ]


def figures(ledger: Ledger, unit: str, year: int, profile: Profile) -> list[dict[str, str]]:
    """The report's figures (项目, 数量, 说明), each counted from the ledger."""
    members = ledger.members_of_unit(unit)
    rows = [_member_row(ledger, i, m, year) for i, m in enumerate(members, 1)]
    n = len(members)
    reg = [r for r, m in zip(rows, members, strict=True) if r["_registered"]]
    modes = {
        mode: sum(1 for m in members if m.report_mode == mode)
        for mode in profile.choices("report_modes")
    }
    acts = [a for r in rows for a in r["_acts"]]
    hours = sum(a.hours or 0 for a in acts)
    times, least, _ = _minimums(profile)
    met = sum(
        1
        for r in rows
        if (times is None or len(r["_acts"]) >= times)
        and (least is None or sum(a.hours or 0 for a in r["_acts"]) >= least - 1e-9)
    )
    decisions = sum(
        1 for m in members for d in ledger.decisions.get(m.id, []) if d.date.year == year
    )
    pledges = [p for r in rows for p in r["_pledges"]]
    done = sum(1 for p in pledges if p.status == DONE)
    posted = [m for m in members if ledger.posts.get(m.id)]
    n_posts = sum(len(ledger.posts.get(m.id, [])) for m in members)
    h1 = sum(1 for r in rows if "上半年" in r["_halves"])
    h2 = sum(1 for r in rows if "下半年" in r["_halves"])
    projects = _projects(ledger, unit)
    pdone = sum(1 for r in projects if r.get("status") == DONE)
    agreements = [
        r
        for r in ledger.table("agreements")
        if r.get("unit") == unit and (r.get("signed") is None or r.get("signed").year <= year)
    ]
    grades = {
        g: sum(1 for r in rows if r["_grade"] == g) for g in profile.choices("assessment_grades")
    }
    rated = sum(grades.values())
    need = "、".join(
        x for x in (f"{times:g}次" if times else "", f"{least:g}小时" if least else "") if x
    )
    top = profile.choices("assessment_grades")[:1]
    return [
        {"item": "在职党员干部", "value": f"{n}人", "note": ""},
        {
            "item": "到居住地社区（小区）报到",
            "value": f"{len(reg)}人",
            "note": f"报到率{_pct(len(reg), n)}"
            + ("；" + "，".join(f"{k}{v}人" for k, v in modes.items()) if modes else ""),
        },
        {
            "item": "经批准减免下沉任务",
            "value": f"{sum(1 for m in members if m.relief)}人",
            "note": "",
        },
        {
            "item": "参加社区（小区）治理、服务活动",
            "value": f"{len(acts)}次，{hours:g}小时",
            "note": f"人均{len(acts) / n:.1f}次、{hours / n:.1f}小时" if n else "",
        },
        {
            "item": f"全年达到{need}要求" if need else "全年达到活动要求",
            "value": f"{met}人",
            "note": f"占{_pct(met, n)}",
        },
        {"item": "参与民主议事、决策共谋", "value": f"{decisions}次", "note": ""},
        {
            "item": "公开承诺事项",
            "value": f"{len(pledges)}件",
            "note": f"已完成{done}件，完成率{_pct(done, len(pledges))}",
        },
        {
            "item": "在小区担任职务",
            "value": f"{len(posted)}人",
            "note": f"共{n_posts}个岗位",
        },
        {
            "item": "向所属党支部报告（半年报告）",
            "value": f"上半年{h1}人，下半年{h2}人",
            "note": f"报告率{_pct(h1, n)}、{_pct(h2, n)}",
        },
        {
            "item": "领办民生实事、落实共建项目",
            "value": f"{len(projects)}项",
            "note": f"已完成{pdone}项",
        },
        {
            "item": "与社区签订共建协议",
            "value": f"{len(agreements)}份",
            "note": "、".join(dict.fromkeys(str(r.get("community")) for r in agreements)),
        },
        {
            "item": "下沉工作考核",
            "value": "，".join(f"{g}{k}人" for g, k in grades.items()),
            "note": f"{top[0]}占{_pct(grades[top[0]], rated)}" if top and rated else "",
        },
    ]


def _shown(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    unit = ledger.units[scope.unit]
    year = scope.period.year
    members = ledger.members_of_unit(scope.unit)
    rows = _shown([_member_row(ledger, i, m, year) for i, m in enumerate(members, 1)])
    figs = figures(ledger, scope.unit, year, opts.profile)
    ctx = kit.head(
        form,
        opts,
        f"报告单位：{unit.org}",
        (unit.filler, unit.phone),
        form.text("note"),
        title=form.text("title", org=unit.org, year=year),
    )
    ctx.update(kit.table(form, rows))
    ctx.update(
        lead=form.text("lead", year=year),
        sections=[form.text("s1"), form.text("s2")],
        figures=[{"no": str(i), **f} for i, f in enumerate(figs, 1)],
        projects=[
            {
                "no": str(i),
                "community": str(r.get("community", "")),
                "item": str(r.get("item", "")),
                "owner": str(r.get("owner", "")),
                "deadline": str(r.get("deadline", "")),
                "status": str(r.get("status", "")),
            }
            for i, r in enumerate(_projects(ledger, scope.unit), 1)
        ],
        no_projects=form.text("no_projects"),
        end=form.text("end"),
        block=kit.signature_block(
            "", form.text("signer"), f"{unit.org}（盖章）", date=cn_date(opts.date)
        ),
        annex=form.text("annex"),
        summary="；".join(
            f"{f['item']}{f['value']}" + (f"（{f['note']}）" if f["note"] else "") for f in figs
        )
        + "。",
        year=year,
    )
    return ctx


def blank(opts: Options, form: Form) -> Context:
    ctx = kit.blank_head(
        form,
        opts,
        f"报告单位：{kit.BLANK}",
        notes=form.text("note"),
        title=form.text("title", org="××党组（党委）", year="××"),
    )
    ctx.update(kit.table(form, kit.blank_rows(form, 10), fit=False))
    ctx.update(
        lead=form.text("lead", year="____"),
        sections=[form.text("s1"), form.text("s2")],
        figures=[
            {"no": str(i), "item": f["item"], "value": "", "note": ""}
            for i, f in enumerate(_blank_items(opts.profile), 1)
        ],
        projects=[
            {"no": str(i), "community": "", "item": "", "owner": "", "deadline": "", "status": ""}
            for i in range(1, 4)
        ],
        no_projects="",
        end=form.text("end"),
        block=kit.signature_block("", form.text("signer"), f"{kit.BLANK}党组（党委）（盖章）"),
        annex=form.text("annex"),
        summary="",
        year="",
    )
    return ctx


def _blank_items(profile: Profile) -> list[dict[str, str]]:
    """The figures' items with no ledger behind them (the blank form)."""
    empty = Ledger(source="")
    return figures(empty, "", 2000, profile)


def docx(b: Any, form: Form, profile: Profile) -> Any:
    """The Word template: the report, its seal block, then 附表 with the declared table."""
    doc = b.new_document(landscape=False, margins_mm=(30, 18, 20, 22))
    b.page_number_footer(doc, 12)
    left, right, center = (
        b.WD_ALIGN_PARAGRAPH.LEFT,
        b.WD_ALIGN_PARAGRAPH.RIGHT,
        b.WD_ALIGN_PARAGRAPH.CENTER,
    )
    b.para(doc, "{{ title }}", b.SONG_TITLE, 18, bold=True, align=center, space_after=6)
    b.two_sided(doc, "{{ head_left }}", "{{ head_right }}")
    b.para(doc, "{{ lead }}", b.FANG, 14, indent_chars=2, space_after=4)
    b.para(doc, "{{ sections[0] }}", b.HEI, 14, space_after=4)
    tbl = b.grid_table(doc, [14, 66, 36, 54], 4)
    for j, h in enumerate(("序号", "项目", "数量", "说明")):
        b.cell_text(tbl.cell(0, j), h, b.HEI, 11)
    b.cell_text(tbl.cell(1, 0), "{%tr for f in figures %}", size=11)
    for j, k in enumerate(("no", "item", "value", "note")):
        b.cell_text(tbl.cell(2, j), "{{ f." + k + " }}", size=11, align=center if j == 0 else left)
    b.cell_text(tbl.cell(3, 0), "{%tr endfor %}", size=11)
    p = b.para(doc, "{{ sections[1] }}", b.HEI, 14, space_after=4)
    p.paragraph_format.space_before = b.Pt(8)
    b.para(doc, "{%p if projects %}", b.FANG, 11)
    tbl = b.grid_table(doc, [14, 30, 56, 22, 26, 22], 4)
    for j, h in enumerate(("序号", "社区", "事项", "责任人", "完成时限", "状态")):
        b.cell_text(tbl.cell(0, j), h, b.HEI, 11)
    b.cell_text(tbl.cell(1, 0), "{%tr for r in projects %}", size=11)
    for j, k in enumerate(("no", "community", "item", "owner", "deadline", "status")):
        b.cell_text(
            tbl.cell(2, j), "{{ r." + k + " }}", size=11, align=left if k == "item" else center
        )
    b.cell_text(tbl.cell(3, 0), "{%tr endfor %}", size=11)
    b.para(doc, "{%p else %}", b.FANG, 11)
    b.para(doc, "{{ no_projects }}", b.FANG, 14, indent_chars=2)
    b.para(doc, "{%p endif %}", b.FANG, 11)
    p = b.para(doc, "{{ end }}", b.FANG, 14, indent_chars=2)
    p.paragraph_format.space_before = b.Pt(8)
    p.paragraph_format.keep_with_next = True
    for key in ("block.signer", "block.seal", "block.date"):
        p = b.para(doc, "{{ " + key + " }}", b.FANG, 14, align=right)
        p.paragraph_format.right_indent = b.Pt(28)
        p.paragraph_format.keep_with_next = key != "block.date"
        p.paragraph_format.space_before = b.Pt(14 if key == "block.signer" else 4)
    sec = doc.add_section()  # 附表 on A4 landscape
    sec.orientation = b.WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = b.Mm(297), b.Mm(210)
    sec.top_margin, sec.bottom_margin = b.Mm(20), b.Mm(18)
    b.para(doc, "{{ annex }}", b.HEI, 14, space_after=4)
    b.declared_table(doc, form.columns, 10.5, width_mm=255)
    b.footer_lines(doc)
    return doc
