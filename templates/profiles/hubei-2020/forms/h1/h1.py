"""h1 报到登记表: a member's registration at the residence community — who, where, how
(派驻/自主报到), speciality, posts, relief — the community's signature and seal, and the
回执 below a cut line, back to the member's unit party organisation for its records."""

from __future__ import annotations

from typing import Any

from generator.forms import kit
from generator.forms.registry import Form
from generator.ledger.model import Ledger
from generator.ledger.normalize import cn_date
from generator.policy.profile import Profile
from generator.types import Context, Options, Scope


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    m = ledger.members[scope.member_id]
    unit = ledger.units[m.unit]
    community = ledger.communities.get(m.community)
    cmp = ledger.compounds.get((m.community, m.compound))
    org = community.org if community else f"{m.community}党组织"
    year = m.reg_date.year if m.reg_date else scope.period.year
    date = cn_date(m.reg_date)
    ctx = kit.head(form, opts, f"报到社区：{org}", notes=form.text("note"))
    ctx.update(
        name=m.name,
        gender=m.gender,
        birth=cn_date(m.birth_date),
        phone=m.phone,
        unit=m.unit,
        org=unit.org,
        job=m.title,
        address=f"{m.community}{m.address}",
        branch=cmp.branch if cmp else "",
        modes=kit.grade_marks(opts.profile.choices("report_modes"), m.report_mode),
        reg_date=date,
        posts="、".join(p.post for p in ledger.posts.get(m.id, [])),
        speciality=m.speciality,
        relief=m.relief,
        block=kit.signature_block(form.text("opinion"), form.text("signer"), f"{org}（盖章）"),
        cut=form.text("cut"),
        receipt_title=form.text("receipt_title"),
        receipt_to=f"{unit.org}：",
        receipt=form.text(
            "receipt",
            name=m.name,
            title=m.title,
            date=date or kit.DATE_BLANK,
            place=f"{m.community}{m.compound}",
        ),
        receipt_end=form.text("receipt_end"),
        receipt_seal=f"{org}（盖章）",
        receipt_date="年　月　日",
        doc_no=kit.number(opts, year, form, m.id),
        year=year,
    )
    return ctx


def blank(opts: Options, form: Form) -> Context:
    ctx = kit.blank_head(form, opts, f"报到社区：{kit.BLANK}社区党组织", notes=form.text("note"))
    org = f"{kit.BLANK}社区党组织"
    ctx.update(
        {k: "" for k in ("name", "gender", "birth", "phone", "unit", "org", "job", "address")},
        branch="",
        modes=kit.grade_marks(opts.profile.choices("report_modes"), ""),
        reg_date="",
        posts="",
        speciality="",
        relief="",
        block=kit.signature_block(form.text("opinion"), form.text("signer"), f"{org}（盖章）"),
        cut=form.text("cut"),
        receipt_title=form.text("receipt_title"),
        receipt_to=f"{kit.BLANK}党组织：",
        receipt=form.text(
            "receipt",
            name=kit.BLANK,
            title=kit.BLANK,
            date=kit.DATE_BLANK,
            place=f"{kit.BLANK}社区{kit.BLANK}小区",
        ),
        receipt_end=form.text("receipt_end"),
        receipt_seal=f"{org}（盖章）",
        receipt_date="年　月　日",
        doc_no="",
        year="",
    )
    return ctx


ROWS = (  # label, key, label, key (a key alone spans the row)
    ("姓名", "name", "性别", "gender"),
    ("出生日期", "birth", "联系方式", "phone"),
    ("所在单位", "unit", "职务", "job"),
    ("所属单位党组织", "org", None, None),
    ("居住地址", "address", None, None),
    ("所在小区党组织", "branch", None, None),
    ("报到方式", "modes", "报到日期", "reg_date"),
    ("认领岗位", "posts", None, None),
    ("个人特长爱好", "speciality", None, None),
    ("减免情况", "relief", None, None),
)


def docx(b: Any, form: Form, profile: Profile) -> Any:
    """The Word template: the same table and 回执 as the PDF."""
    doc = b.new_document(landscape=False, margins_mm=(18, 18, 12, 22))
    b.top_band(doc, form.label, with_qr=True)
    b.para(doc, "{{ title }}", b.SONG_TITLE, 20, bold=True, align=b.WD_ALIGN_PARAGRAPH.CENTER)
    b.two_sided(doc, "{{ head_left }}", "{{ head_right }}")
    tbl = b.grid_table(doc, [36, 49, 28, 57], len(ROWS) + 1)
    for i, (l1, k1, l2, k2) in enumerate(ROWS):
        b.cell_text(tbl.cell(i, 0), l1, b.HEI)
        left = b.WD_ALIGN_PARAGRAPH.LEFT
        if l2 is None:
            c = tbl.cell(i, 1).merge(tbl.cell(i, 3))
            b.cell_text(c, "{{ " + str(k1) + " }}", align=left)
        else:
            b.cell_text(tbl.cell(i, 1), "{{ " + str(k1) + " }}")
            b.cell_text(tbl.cell(i, 2), l2, b.HEI)
            b.cell_text(tbl.cell(i, 3), "{{ " + str(k2) + " }}")
        b.row_height(tbl.rows[i], 9)
    last = len(ROWS)
    b.cell_text(tbl.cell(last, 0), "{{ block.label }}", b.HEI)
    b.sig_block(tbl.cell(last, 1).merge(tbl.cell(last, 3)), "block")
    b.row_height(tbl.rows[last], 34)
    b.para(doc, "{{ notes }}", b.FANG, 9).paragraph_format.space_before = b.Pt(3)
    cut = b.para(doc, "- - - - - - - - ✂ {{ cut }} - - - - - - - -", b.FANG, 9)
    cut.alignment = b.WD_ALIGN_PARAGRAPH.CENTER
    cut.paragraph_format.space_before = b.Pt(8)
    cut.paragraph_format.space_after = b.Pt(8)
    b.para(
        doc, "{{ receipt_title }}", b.SONG_TITLE, 16, bold=True, align=b.WD_ALIGN_PARAGRAPH.CENTER
    )
    b.para(doc, "编号：{{ doc_no }}", b.FANG, 9, align=b.WD_ALIGN_PARAGRAPH.RIGHT)
    b.para(doc, "{{ receipt_to }}", b.FANG, 14)
    b.para(doc, "{{ receipt }}", b.FANG, 14, indent_chars=2)
    b.para(doc, "{{ receipt_end }}", b.FANG, 14, indent_chars=2)
    for key in ("receipt_seal", "receipt_date"):
        p = b.para(doc, "{{ " + key + " }}", b.FANG, 14, align=b.WD_ALIGN_PARAGRAPH.RIGHT)
        p.paragraph_format.right_indent = b.Pt(28)
        if key == "receipt_seal":
            p.paragraph_format.space_before = b.Pt(18)
    return doc
