"""h2 服务纪实手册: a member's year as a booklet — cover, 填写说明, registration, posts and
pledges, one row per activity of the year (in date order), the year's totals against the
minimums the profile's rules set, and the community's confirmation. A4 or A5 (--paper).
"""

from __future__ import annotations

from typing import Any

from generator.forms import kit
from generator.forms.registry import Form
from generator.ledger.model import Activity, Ledger, Member
from generator.ledger.normalize import cn_date
from generator.policy.profile import Profile
from generator.policy.rules import FAIL, PASS
from generator.types import Context, Options, Scope

# Per paper: the table's width (mm, the text block) and its text size (pt).
PAPERS = {"a4": (165.0, 10.5), "a5": (122.0, 8.5)}
NONE_ROWS = 5  # blank rows to fill by hand when the ledger has no activity


def _blank_rows(form: Form, n: int) -> list[dict[str, str]]:
    """Rows to fill by hand: numbered, two lines high (room for handwriting)."""
    return [{**r, "content": "\u00a0\n\u00a0"} for r in kit.blank_rows(form, n)]


def _paper(opts: Options) -> str:
    return opts.notice.paper if opts.notice.paper in PAPERS else "a4"


def _hours(h: float | None) -> str:
    return "" if h is None else f"{h:g}"


def _row(i: int, a: Activity) -> dict[str, str]:
    content = f"{a.kind}：{a.content}" if a.kind and a.content else a.kind or a.content
    return {
        "no": str(i),
        "date": f"{a.date.month}月{a.date.day}日",
        "place": a.place,
        "content": content,
        "hours": _hours(a.hours),
        "confirmer": a.confirmer,
        "rating": a.rating,
    }


def _rule(profile: Profile, per: str, **measure: str) -> float | None:
    """The minimum of the profile's rule that counts (or sums) activities per member in
    each ``per`` window, if it has one."""
    for r in profile.rules:
        same = all(r.get(k) == v for k, v in measure.items())
        if same and r.get("scope", "member") == "member" and r.get("per") == per and r.get("min"):
            return float(r["min"])
    return None


def minimums(profile: Profile) -> tuple[float | None, float | None, float | None]:
    """The profile's yearly minimum of activities and of hours, and its monthly minimum of
    activities (None where it sets none): what h2 and h4 measure a member against."""
    return (
        _rule(profile, "year", count="activities"),
        _rule(profile, "year", sum="activities.hours"),
        _rule(profile, "month", count="activities"),
    )


def totals(profile: Profile, acts: list[Activity]) -> list[dict[str, str]]:
    """The year's totals against the profile's minimums: times, hours, months."""
    rows = []
    times, least, monthly = minimums(profile)
    hours = sum(a.hours or 0 for a in acts)
    if times is not None:
        ok = len(acts) >= times
        rows.append(
            {
                "item": "参加服务活动次数",
                "actual": f"{len(acts)}次",
                "required": f"不少于{times:g}次",
                "result": PASS if ok else FAIL,
            }
        )
    if least is not None:
        rows.append(
            {
                "item": "累计服务时长",
                "actual": f"{hours:g}小时",
                "required": f"不少于{least:g}小时",
                "result": PASS if hours >= least - 1e-9 else FAIL,
            }
        )
    if monthly is not None:
        per = {m: sum(1 for a in acts if a.date.month == m) for m in range(1, 13)}
        short = [f"{m}月" for m, n in per.items() if n < monthly]
        which = "、".join(short) if len(short) <= 4 else f"{len(short)}个月不足"
        rows.append(
            {
                "item": "参加活动的月份",
                "actual": f"{12 - len(short)}个月",
                "required": f"每月不少于{monthly:g}次",
                "result": PASS if not short else f"{FAIL}（{which}）",
            }
        )
    return rows


def _ratings(profile: Profile, acts: list[Activity]) -> str:
    counts = [f"{r}{sum(1 for a in acts if a.rating == r)}次" for r in profile.choices("ratings")]
    return "服务对象评价：" + "，".join(counts) + "。"


def _basics(ledger: Ledger, m: Member, opts: Options) -> dict[str, str]:
    unit = ledger.units[m.unit]
    return {
        "name": m.name,
        "gender": m.gender,
        "unit": m.unit,
        "org": unit.org,
        "job": m.title,
        "phone": m.phone,
        "residence": f"{m.community}{m.address}",
        "reg_date": cn_date(m.reg_date),
        "modes": kit.grade_marks(opts.profile.choices("report_modes"), m.report_mode),
        "speciality": m.speciality,
        "relief": m.relief,
    }


def _balanced(form: Form, widths: list[float]) -> list[float]:
    """地点 and 内容 share their room one to two: on A5 the fitting cuts both to one level
    and the content would wrap in four lines beside a half-empty 地点."""
    keys = [c.key for c in form.columns]
    i, j = keys.index("place"), keys.index("content")
    pool = widths[i] + widths[j]
    out = list(widths)
    out[i] = round(min(widths[i], pool / 3), 1)
    out[j] = round(pool - out[i], 1)
    return out


def _frame(form: Form, opts: Options, rows: list[dict[str, str]]) -> Context:
    """What every booklet shares: texts, the paper, the table's columns fitted to it."""
    paper = _paper(opts)
    width, size = PAPERS[paper]
    widths = _balanced(form, kit.fit_columns(form.columns, rows, width, size))
    return {
        "title": form.title,
        "paper": paper,
        "size": size,
        "cover_top": form.text("cover_top"),
        "cover_title": form.text("cover_title"),
        "intro_title": form.text("intro_title"),
        "intro": form.text("intro").split("\n"),
        "intro_source": form.text("intro_source"),
        "sections": [form.text(k) for k in ("s1", "s2", "s3", "s4")],
        "pledge_hint": form.text("pledge_hint"),
        "columns": [
            {"key": c.key, "label": c.head, "group": "", "align": c.align, "w": w}
            for c, w in zip(form.columns, widths, strict=True)
        ],
        "rows": rows,
    }


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    m = ledger.members[scope.member_id]
    year = scope.period.year
    acts = sorted(
        (a for a in ledger.activities.get(m.id, []) if a.date.year == year), key=lambda a: a.date
    )
    rows = [_row(i, a) for i, a in enumerate(acts, start=1)]
    community = ledger.communities.get(m.community)
    org = community.org if community else f"{m.community}党组织"
    pledges = [p for p in ledger.pledges.get(m.id, []) if p.year == year]
    ctx = _frame(form, opts, rows or _blank_rows(form, NONE_ROWS))
    ctx.update(
        year=year,
        year_text=f"（{year}年度）",
        none=form.text("none") if not rows else "",
        posts="、".join(p.post for p in ledger.posts.get(m.id, [])) or "无",
        pledges=[
            f"{i}.{p.item}（完成时限：{kit.or_blank(p.deadline)}；{p.status or '状态未填'}）"
            for i, p in enumerate(pledges, start=1)
        ]
        or ["无"],
        totals=totals(opts.profile, acts),
        ratings=_ratings(opts.profile, acts),
        block=kit.signature_block(form.text("confirm"), form.text("signer"), f"{org}（盖章）"),
        doc_no=kit.number(opts, year, form, m.id),
        **_basics(ledger, m, opts),
    )
    return ctx


def blank(opts: Options, form: Form) -> Context:
    ctx = _frame(form, opts, _blank_rows(form, 16))
    keys = ("name", "gender", "unit", "org", "job", "phone", "residence", "reg_date")
    ctx.update(
        {k: "" for k in (*keys, "speciality", "relief")},
        year="",
        year_text="（　　　　年度）",
        none="",
        modes=kit.grade_marks(opts.profile.choices("report_modes"), ""),
        posts="",
        pledges=["1.", "2."],
        totals=[{**t, "actual": "", "result": ""} for t in totals(opts.profile, [])],
        ratings=_ratings(opts.profile, []).replace("0次", "　次"),
        block=kit.signature_block(
            form.text("confirm"), form.text("signer"), f"{kit.BLANK}社区党组织（盖章）"
        ),
        doc_no="",
    )
    return ctx


def _page_numbers_after_cover(b: Any, doc: Any) -> None:
    """— 1 — from the page after the cover: no footer on the first page, numbering from 0."""
    sec = doc.sections[0]
    sec.different_first_page_header_footer = True
    num = b.OxmlElement("w:pgNumType")
    num.set(b.qn("w:start"), "0")
    sec._sectPr.append(num)
    b.page_number_footer(doc, 10.5)


def _template(b: Any, form: Form, paper: str) -> Any:
    a5 = paper == "a5"
    width, size = PAPERS[paper]
    body, head = (10.0, 11.0) if a5 else (12.0, 14.0)
    margins = (15, 12, 16, 14) if a5 else (28, 20, 22, 25)
    doc = b.new_document(False, margins, (148, 210) if a5 else (210, 297))
    _page_numbers_after_cover(b, doc)
    b.top_band(doc, "", with_qr=True)
    center = b.WD_ALIGN_PARAGRAPH.CENTER
    b.para(doc, "", b.FANG, body).paragraph_format.space_before = b.Pt(40 if a5 else 80)
    b.para(doc, "{{ cover_top }}", b.SONG_TITLE, 14 if a5 else 18, bold=True, align=center)
    b.para(doc, "{{ cover_title }}", b.SONG_TITLE, 30 if a5 else 40, bold=True, align=center)
    b.para(doc, "{{ year_text }}", b.FANG, 14 if a5 else 18, align=center, space_after=60)
    for label, key in (("姓　　名", "name"), ("所在单位", "unit"), ("职　　务", "job")):
        b.para(doc, f"{label}：{{{{ {key} }}}}", b.HEI, head, align=center, space_after=10)
    b.para(doc, "居住社区：{{ residence }}", b.HEI, head, align=center)
    intro = b.para(doc, "{{ intro_title }}", b.HEI, head, align=center, space_after=6)
    intro.paragraph_format.page_break_before = True
    b.para(doc, "{%p for t in intro %}", b.FANG, body)
    b.para(doc, "{{ t }}", b.FANG, body, indent_chars=2, space_after=4)
    b.para(doc, "{%p endfor %}", b.FANG, body)
    b.para(doc, "{{ intro_source }}", b.FANG, body - 1.5, align=b.WD_ALIGN_PARAGRAPH.RIGHT)
    b.para(doc, "{{ sections[0] }}", b.HEI, head, space_after=4)
    cols = [24, 37, 22, 39] if a5 else [31, 51, 28, 55]
    tbl = b.grid_table(doc, cols, 8)
    pairs = (
        ("姓名", "name", "性别", "gender"),
        ("所在单位", "unit", "职务", "job"),
        ("所属党组织", "org", None, None),
        ("居住地址", "residence", None, None),
        ("联系方式", "phone", "报到时间", "reg_date"),
        ("报到方式", "modes", None, None),
        ("个人特长爱好", "speciality", None, None),
        ("减免情况", "relief", None, None),
    )
    for i, (l1, k1, l2, k2) in enumerate(pairs):
        b.cell_text(tbl.cell(i, 0), l1, b.HEI, size)
        if l2 is None:
            c = tbl.cell(i, 1).merge(tbl.cell(i, 3))
            b.cell_text(c, "{{ " + str(k1) + " }}", size=size, align=b.WD_ALIGN_PARAGRAPH.LEFT)
        else:
            b.cell_text(tbl.cell(i, 1), "{{ " + str(k1) + " }}", size=size)
            b.cell_text(tbl.cell(i, 2), l2, b.HEI, size)
            b.cell_text(tbl.cell(i, 3), "{{ " + str(k2) + " }}", size=size)
        b.row_height(tbl.rows[i], 8)
    b.para(
        doc, "{{ sections[1] }}", b.HEI, head, space_after=4
    ).paragraph_format.space_before = b.Pt(8)
    tbl = b.grid_table(doc, [cols[0], sum(cols[1:])], 2)
    b.cell_text(tbl.cell(0, 0), "认领岗位", b.HEI, size)
    b.cell_text(tbl.cell(0, 1), "{{ posts }}", size=size, align=b.WD_ALIGN_PARAGRAPH.LEFT)
    b.cell_text(tbl.cell(1, 0), "公开承诺", b.HEI, size)
    c = tbl.cell(1, 1)
    b.cell_text(c, "{%p for it in pledges %}", size=size, align=b.WD_ALIGN_PARAGRAPH.LEFT)
    b.para(c, "{{ it }}", b.FANG, size)
    b.para(c, "{%p endfor %}", b.FANG, size)
    b.para(c, "{{ pledge_hint }}", b.FANG, size - 1.5)
    b.para(
        doc, "{{ sections[2] }}", b.HEI, head, space_after=4
    ).paragraph_format.space_before = b.Pt(8)
    b.para(doc, "{%p if none %}", b.FANG, body)
    b.para(doc, "{{ none }}", b.FANG, body)
    b.para(doc, "{%p endif %}", b.FANG, body)
    b.declared_table(doc, form.columns, size, width_mm=width)
    p = b.para(doc, "{{ sections[3] }}", b.HEI, head, space_after=4)
    p.paragraph_format.space_before = b.Pt(8)
    p.paragraph_format.keep_with_next = True
    tbl = b.grid_table(doc, [width * 0.28, width * 0.22, width * 0.22, width * 0.28], 6)
    for j, h in enumerate(("项目", "本年度", "要求", "情况")):
        b.cell_text(tbl.cell(0, j), h, b.HEI, size)
    b.cell_text(tbl.cell(1, 0), "{%tr for t in totals %}", size=size)
    for j, k in enumerate(("item", "actual", "required", "result")):
        b.cell_text(tbl.cell(2, j), "{{ t." + k + " }}", size=size)
    b.cell_text(tbl.cell(3, 0), "{%tr endfor %}", size=size)
    c = tbl.cell(4, 0).merge(tbl.cell(4, 3))
    b.cell_text(c, "{{ ratings }}", size=size, align=b.WD_ALIGN_PARAGRAPH.LEFT)
    b.cell_text(tbl.cell(5, 0), "{{ block.label }}", b.HEI, size)
    b.sig_block(tbl.cell(5, 1).merge(tbl.cell(5, 3)), "block", size)
    b.row_height(tbl.rows[5], 32 if a5 else 36)
    for row in tbl.rows:
        for cell in row.cells:
            for par in cell.paragraphs:
                par.paragraph_format.keep_with_next = True
    return doc


def docx(b: Any, form: Form, profile: Profile) -> dict[str, Any]:
    """The Word templates: A4 (h2.docx) and A5 (h2.a5.docx), the PDF's sections."""
    return {
        f"{form.id}.docx": _template(b, form, "a4"),
        f"{form.id}.a5.docx": _template(b, form, "a5"),
    }
