"""h3 在职党员半年报告: a member's half year — activities and hours, decisions, the year's
pledges and their status, posts — counted from the ledger; 思想工作情况 and 下步打算 from the
半年报告 sheet; the member's and the branch secretary's signatures (seed 003, 双报告)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from generator.forms import kit
from generator.forms.registry import Form
from generator.ledger.model import Ledger, Record
from generator.ledger.normalize import cn_date
from generator.policy.profile import Profile
from generator.types import Context, Options, Scope

HALVES = ("上半年", "下半年")


def _report(ledger: Ledger, member_id: str, year: int, half: str) -> Record | None:
    """The member's 半年报告 row of that half year (the last one, if typed twice)."""
    rows = [
        r
        for r in ledger.of_member("half_reports", member_id)
        if r.get("year") == year and r.get("half") == half
    ]
    return rows[-1] if rows else None


def _counted(items: list[str]) -> str:
    """'环境整治', '环境整治', '巡逻' -> '环境整治2次、巡逻1次'."""
    return "、".join(f"{k}{n}次" for k, n in Counter(items).items())


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    m = ledger.members[scope.member_id]
    unit = ledger.units[m.unit]
    per = scope.period
    half = HALVES[(per.half or 1) - 1]
    acts = sorted(
        (a for a in ledger.activities.get(m.id, []) if per.contains(a.date)), key=lambda a: a.date
    )
    hours = sum(a.hours or 0 for a in acts)
    kinds = _counted([a.kind for a in acts if a.kind])
    rated = _counted([a.rating for a in acts if a.rating])
    decisions = sorted(
        (d for d in ledger.decisions.get(m.id, []) if per.contains(d.date)), key=lambda d: d.date
    )
    pledges = [p for p in ledger.pledges.get(m.id, []) if p.year == per.year]
    states = Counter(p.status or "状态未填" for p in pledges)
    posts = [p.post for p in ledger.posts.get(m.id, []) if p.since is None or p.since <= per.end]
    rep = _report(ledger, m.id, per.year, half)
    ctx = kit.head(form, opts, f"所属党组织：{unit.org}", notes=form.text("note"))
    date = rep.get("report_date") if rep else None
    ctx["head_right"] = f"报告日期：{cn_date(date) or kit.DATE_BLANK}"
    ctx.update(
        period_text=f"报告期间：{per.cn}",
        name=m.name,
        job=m.title,
        unit=m.unit,
        reg_date=cn_date(m.reg_date),
        residence=f"{m.community}{m.compound}",
        section=form.text("section"),
        activities=form.text(
            "activities",
            n=len(acts),
            hours=f"{hours:g}",
            kinds=f"（{kinds}）" if kinds else "",
        )
        + (f"服务对象评价：{rated}。" if rated else ""),
        decisions=form.text(
            "decisions",
            n=len(decisions),
            matters=("：" + "；".join(d.matter for d in decisions)) if decisions else "",
        ),
        pledges=form.text(
            "pledges",
            year=per.year,
            n=len(pledges),
            states=("，其中" + "，".join(f"{s}{n}件" for s, n in states.items()))
            if pledges
            else "",
        ),
        pledge_items=[
            f"{i}.{p.item}（{p.status or '状态未填'}）" for i, p in enumerate(pledges, 1)
        ],
        posts="、".join(posts) or "无",
        relief=m.relief,
        thoughts=str(rep.get("thoughts", "")) if rep else "",
        plans=str(rep.get("plans", "")) if rep else "",
        blocks=_blocks(form),
        doc_no=kit.number(opts, per.year, form, f"{m.id}H{per.half or 1}"),
        year=per.year,
    )
    return ctx


def _blocks(form: Form) -> list[dict[str, str]]:
    return [
        kit.signature_block(form.text("self"), form.text("self_signer")),
        kit.signature_block(form.text("branch"), form.text("branch_signer")),
    ]


def blank(opts: Options, form: Form) -> Context:
    ctx = kit.blank_head(form, opts, f"所属党组织：{kit.BLANK}", notes=form.text("note"))
    ctx["head_right"] = f"报告日期：{kit.DATE_BLANK}"
    n = "____"
    ctx.update(
        period_text="报告期间：____年□上半年 □下半年",
        name="",
        job="",
        unit="",
        reg_date="",
        residence="",
        section=form.text("section"),
        activities=form.text("activities", n=n, hours=n, kinds=""),
        decisions=form.text("decisions", n=n, matters=""),
        pledges=form.text("pledges", year=n, n=n, states=""),
        pledge_items=[],
        posts="",
        relief="",
        thoughts="",
        plans="",
        blocks=_blocks(form),
        doc_no="",
        year="",
    )
    return ctx


LINES = (  # label, key, height (mm) of the rows under the section heading
    ("参加治理、\n服务活动", "activities", 16),
    ("参与民主议事", "decisions", 14),
    ("公开承诺事项", "pledges", 20),
    ("小区任职", "posts", 9),
    ("思想工作情况", "thoughts", 46),
    ("下步打算", "plans", 30),
)


def docx(b: Any, form: Form, profile: Profile) -> Any:
    """The Word template: the PDF's table, the two signature blocks side by side."""
    doc = b.new_document(landscape=False, margins_mm=(18, 18, 12, 22))
    b.top_band(doc, form.label, with_qr=True)
    b.para(doc, "{{ title }}", b.SONG_TITLE, 18, bold=True, align=b.WD_ALIGN_PARAGRAPH.CENTER)
    b.two_sided(doc, "{{ period_text }}", "{{ head_right }}", space_after=0)
    b.para(doc, "{{ head_left }}", b.FANG, 12, space_after=4)
    tbl = b.grid_table(doc, [34, 51, 28, 57], 5 + len(LINES))
    left = b.WD_ALIGN_PARAGRAPH.LEFT
    for i, (l1, k1, l2, k2) in enumerate(
        (("姓名", "name", "职务", "job"), ("所在单位", "unit", "报到时间", "reg_date"))
    ):
        b.cell_text(tbl.cell(i, 0), l1, b.HEI)
        b.cell_text(tbl.cell(i, 1), "{{ " + k1 + " }}")
        b.cell_text(tbl.cell(i, 2), l2, b.HEI)
        b.cell_text(tbl.cell(i, 3), "{{ " + k2 + " }}")
        b.row_height(tbl.rows[i], 9)
    b.cell_text(tbl.cell(2, 0), "居住地社区\n（小区）", b.HEI)
    b.cell_text(tbl.cell(2, 1).merge(tbl.cell(2, 3)), "{{ residence }}", align=left)
    b.cell_text(tbl.cell(3, 0).merge(tbl.cell(3, 3)), "{{ section }}", b.HEI)
    for i, (label, key, h) in enumerate(LINES, start=4):
        b.cell_text(tbl.cell(i, 0), label, b.HEI)
        c = tbl.cell(i, 1).merge(tbl.cell(i, 3))
        c.vertical_alignment = b.WD_CELL_VERTICAL_ALIGNMENT.TOP
        b.cell_text(c, "{{ " + key + " }}", align=left)
        if key == "pledges":
            b.para(c, "{%p for it in pledge_items %}", b.FANG, 12)
            b.para(c, "{{ it }}", b.FANG, 12)
            b.para(c, "{%p endfor %}", b.FANG, 12)
        b.row_height(tbl.rows[i], h)
    last = 4 + len(LINES)
    for j, col in enumerate((0, 2)):
        b.cell_text(tbl.cell(last, col), "{{ blocks[" + str(j) + "].label }}", b.HEI)
        b.sig_block(tbl.cell(last, col + 1), f"blocks[{j}]")
    b.row_height(tbl.rows[last], 30)
    b.para(doc, "{{ notes }}", b.FANG, 10.5).paragraph_format.space_before = b.Pt(4)
    return doc
