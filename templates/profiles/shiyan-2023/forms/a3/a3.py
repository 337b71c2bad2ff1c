"""附件3 承诺书: a member's pledges of the year, at least two numbered lines, with the
measures and deadlines (FORMS.md a3)."""

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
    year = scope.period.year
    pledges = [p for p in ledger.pledges.get(m.id, []) if p.year == year]
    items = [f"{i}.{p.item}" for i, p in enumerate(pledges, start=1)]
    items += [f"{i}.{kit.BLANK * 3}" for i in range(len(items) + 1, 3)]
    measures = [
        f"{i}.{kit.or_blank(p.measures)}（完成时限：{kit.or_blank(p.deadline)}）"
        for i, p in enumerate(pledges, start=1)
    ]
    dates = sorted(p.pledge_date for p in pledges if p.pledge_date)
    ctx = kit.head(form, opts, f"单位：{unit.org}", (unit.filler, unit.phone), form.text("note"))
    ctx.update(
        name=m.name,
        job=m.title,
        residence=f"{m.community}{m.compound}",
        items=items,
        measures=measures or [kit.BLANK * 4],
        pledge_date=cn_date(dates[0]) if dates else kit.DATE_BLANK,
        pledge_note=form.text("rule"),
        doc_no=kit.number(opts, year, form, m.id),
        year=year,
    )
    return ctx


def blank(opts: Options, form: Form) -> Context:
    ctx = kit.blank_head(
        form, opts, f"单位：{kit.BLANK}党组（党委）", foot=("", ""), notes=form.text("note")
    )
    ctx.update(
        name="",
        job="",
        residence="",
        items=[f"1.{kit.BLANK * 3}", f"2.{kit.BLANK * 3}"],
        measures=[""],
        pledge_date=kit.DATE_BLANK,
        pledge_note=form.text("rule"),
        doc_no="",
        year="",
    )
    return ctx


def docx(b: Any, form: Form, profile: Profile) -> Any:
    """The Word template: the same table as the PDF, drawn with the shared components."""
    from generator.forms.docx_templates import start  # Word's libraries: only here

    doc = start(form, title_size=20)
    tbl = b.grid_table(doc, [30, 66, 20, 40], 4)
    b.cell_text(tbl.cell(0, 0), "姓名", b.HEI)
    b.cell_text(tbl.cell(0, 1), "{{ name }}")
    b.cell_text(tbl.cell(0, 2), "职务", b.HEI)
    b.cell_text(tbl.cell(0, 3), "{{ job }}")
    b.row_height(tbl.rows[0], 12)
    b.cell_text(tbl.cell(1, 0), "居住地社区（小区）", b.HEI)
    tbl.cell(1, 1).merge(tbl.cell(1, 3))
    b.cell_text(tbl.cell(1, 1), "{{ residence }}")
    b.row_height(tbl.rows[1], 12)
    b.cell_text(tbl.cell(2, 0), "承诺事项", b.HEI)
    c = tbl.cell(2, 1).merge(tbl.cell(2, 3))
    c.vertical_alignment = b.WD_CELL_VERTICAL_ALIGNMENT.TOP
    b.cell_text(c, "我承诺：", align=b.WD_ALIGN_PARAGRAPH.LEFT)
    for text in ("{%p for it in items %}", "{{ it }}", "{%p endfor %}"):
        b.para(c, text, b.FANG, 12, indent_chars=2 if text == "{{ it }}" else 0)
    b.para(c, "")
    b.para(c, "承诺时间：{{ pledge_date }}", b.FANG, 12, indent_chars=12)
    b.para(c, "本人签字：", b.FANG, 12, indent_chars=12).paragraph_format.space_after = b.Pt(18)
    b.para(c, "{{ pledge_note }}", b.KAI, 10.5, indent_chars=2)
    b.row_height(tbl.rows[2], 100)
    b.cell_text(tbl.cell(3, 0), "主要举措及\n完成时限", b.HEI)
    c = tbl.cell(3, 1).merge(tbl.cell(3, 3))
    c.vertical_alignment = b.WD_CELL_VERTICAL_ALIGNMENT.TOP
    b.cell_text(c, "{%p for m in measures %}", align=b.WD_ALIGN_PARAGRAPH.LEFT)
    b.para(c, "{{ m }}", b.FANG, 12)
    b.para(c, "{%p endfor %}")
    b.row_height(tbl.rows[3], 45)
    b.footer_lines(doc)
    return doc


# The template whose fill ``stamp`` draws (layouts.digest of a3.typ and formgen.typ):
# change them together,
# tests/test_stamp.py compares them on clerk-typed documents.
STAMPS = "833dd19a05f262270640d2f766afe36e84821ed263dd7aa865a7540545048ab8"


def stamp(fill: Any, d: Context) -> None:
    """The fill of a3.typ, drawn straight into the page (generator/render/stamp.py):
    the member's name, post and residence, the pledged items under 我承诺, the date, the
    measures, the 填报人 line and the number band."""
    from generator.render.stamp import LABEL_HEIGHT, PT, Grid, number_band

    g = Grid.of(d["page"])
    size = 12.0
    number_band(fill, d)
    fill.two_sided(0, LABEL_HEIGHT + 10.1, fill.width, d["head_left"], d["head_right"], size=size)
    fill.text(*g.cell(1, 0, 1, 5 * PT), d["name"], size=size, min_size=6)
    fill.text(*g.cell(3, 0, 1, 5 * PT), d["job"], size=size, min_size=6)
    fill.text(*g.cell(1, 1, 3, 5 * PT), d["residence"], size=size, min_size=6)
    x, y, w, h = g.cell(1, 2, 3, 4.0)
    # under 我承诺 (the frame's), each item a block 3 mm below the last, 2 em in
    fill.paragraphs(x, y + fill.cap(size) + 3.0, w, d["items"], size=size, gap=3.0,
                    indent=2 * size * PT)  # fmt: skip
    # 承诺时间 on the first of the cell's last lines (8.7 + 15.5 + 9 mm), 45 % in
    fill.one_line(x + 0.45 * w, y + h - 33.2, 0.55 * w, f"承诺时间：{d['pledge_date']}", size=size)
    x, y, w, h = g.cell(1, 3, 3, 4.0)
    fill.paragraphs(x, y, w, d["measures"], size=size, gap=3.0)
    fill.two_sided(0, g.below + 3, fill.width, d["foot_left"], d["foot_right"], size=size)
