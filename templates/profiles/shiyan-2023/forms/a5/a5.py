"""附件5 评价表: a member's year — address, posts, activities — and the signature blocks
of the profile's evaluating parties, each with its grade ticked (FORMS.md a5)."""

from __future__ import annotations

from typing import Any

from generator.forms import kit
from generator.forms.registry import Form
from generator.ledger.model import Ledger, Member
from generator.policy.profile import Profile
from generator.types import Context, Options, Scope

COMMITTEE = "业委会（自管委员会）"


def _parties(opts: Options) -> list[dict[str, str]]:
    """Each party's label, signer line and seal line where that is the same on every
    sheet (a committee's seal names the compound's 业委会): what the PDF frame prints."""
    return [
        {"label": p.label, "signer": p.signer, "seal": "" if "{" in p.seal else p.seal}
        for p in opts.profile.parties
    ]


def _notes(opts: Options, form: Form) -> str:
    return form.text("note", grades="、".join(opts.profile.grades))


def _activity(ledger: Ledger, m: Member, year: int, form: Form) -> str:
    """When the ledger has no 活动情况 text: the year's counts from the other sheets."""
    acts = [a for a in ledger.activities.get(m.id, []) if a.date.year == year]
    return form.text(
        "summary",
        year=year,
        decisions=sum(1 for d in ledger.decisions.get(m.id, []) if d.date.year == year),
        activities=len(acts),
        hours=f"{sum(a.hours or 0 for a in acts):g}",
        pledges=sum(1 for p in ledger.pledges.get(m.id, []) if p.year == year),
    )


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    m = ledger.members[scope.member_id]
    unit = ledger.units[m.unit]
    year = scope.period.year
    ev = ledger.evaluations.get((m.id, year))
    cmp = ledger.compounds.get((m.community, m.compound))
    ctx = kit.head(form, opts, f"单位：{unit.org}", (unit.filler, unit.phone), _notes(opts, form))
    ctx.update(
        name=m.name,
        job=m.title,
        address=m.address,
        posts="、".join(p.post for p in ledger.posts.get(m.id, [])),
        activity=ev.activity_text if ev and ev.activity_text else _activity(ledger, m, year, form),
        duty_heading=form.text("duty") + (f"：{ev.duty_text}" if ev and ev.duty_text else ""),
        duty_label=form.text("duty"),
        duty=ev.duty_text if ev and ev.duty_text else "",
        blocks=kit.party_blocks(
            opts.profile,
            cmp.committee if cmp and cmp.committee else COMMITTEE,
            ev.grades if ev else {},
            ev.comments if ev else {},
        ),
        parties=_parties(opts),
        doc_no=kit.number(opts, year, form, m.id),
        year=year,
    )
    return ctx


def blank(opts: Options, form: Form) -> Context:
    ctx = kit.blank_head(
        form, opts, f"单位：{kit.BLANK}党组（党委）", foot=("", ""), notes=_notes(opts, form)
    )
    ctx.update(
        name="",
        job="",
        address="",
        posts="",
        activity="",
        duty_heading=form.text("duty"),
        duty_label=form.text("duty"),
        duty="",
        blocks=kit.party_blocks(opts.profile, COMMITTEE),
        parties=_parties(opts),
        doc_no="",
        year="",
    )
    return ctx


def docx(b: Any, form: Form, profile: Profile) -> Any:
    """The Word template: the PDF's table, with the profile's parties' signature blocks
    two a row (the last across the row when their number is odd)."""
    from generator.forms.docx_templates import start  # Word's libraries: only here

    doc = start(form, title_size=18, head_size=11, space_after=4)
    n = len(profile.parties)
    rows = 5 + (n + 1) // 2
    tbl = b.grid_table(doc, [28, 50, 28, 50], rows)
    b.cell_text(tbl.cell(0, 0), "姓名", b.HEI, 11)
    b.cell_text(tbl.cell(0, 1), "{{ name }}", size=11)
    b.cell_text(tbl.cell(0, 2), "职务", b.HEI, 11)
    b.cell_text(tbl.cell(0, 3), "{{ job }}", size=11)
    b.row_height(tbl.rows[0], 10)
    lines = (
        ("家庭住址", "address", 10),
        ("担任居住社区或小区职务", "posts", 12),
        ("“五亮五共”活动情况", "activity", 22),
        ("{{ duty_label }}", "duty", 10),
    )
    for i, (label, key, h) in enumerate(lines, start=1):
        b.cell_text(tbl.cell(i, 0), label, b.HEI, 11)
        c = tbl.cell(i, 1).merge(tbl.cell(i, 3))
        b.cell_text(c, "{{ " + key + " }}", size=11, align=b.WD_ALIGN_PARAGRAPH.LEFT)
        b.row_height(tbl.rows[i], h)
    for i, party in enumerate(profile.parties):
        row, col = 5 + i // 2, 2 * (i % 2)
        b.cell_text(tbl.cell(row, col), party.label, b.HEI, 11)
        cell = tbl.cell(row, col + 1)
        if i == n - 1 and i % 2 == 0:
            cell = cell.merge(tbl.cell(row, 3))
        b.sig_block(cell, f"blocks[{i}]")
        b.row_height(tbl.rows[row], 43)
    p = b.two_sided(doc, "{{ foot_left }}", "{{ foot_right }}", size=11, space_after=0)
    p.paragraph_format.space_before = b.Pt(3)
    b.para(doc, "{{ notes }}", b.FANG, 9)
    return doc


# The template whose fill ``stamp`` draws (layouts.digest of a5.typ and formgen.typ):
# change them together,
# tests/test_stamp.py compares them on clerk-typed documents.
STAMPS = "7745b2ddc9efaf63588ac53d9b72dd2d172a1a4f51e7632831f3812ef7a5d067"


def stamp(fill: Any, d: Context) -> None:
    """The fill of a5.typ, drawn straight into the page (generator/render/stamp.py):
    each member's text in the cells, the grades, a seal line that is not the frame's,
    the 填报人 line and the number band."""
    from generator.render.stamp import LABEL_HEIGHT, PT, Grid, number_band

    g = Grid.of(d["page"])
    size = 11.0
    number_band(fill, d)
    fill.two_sided(0, LABEL_HEIGHT + 9.6, fill.width, d["head_left"], d["head_right"], size=size)
    fill.text(*g.cell(1, 0), d["name"], size=size, min_size=6)
    fill.text(*g.cell(3, 0), d["job"], size=size, min_size=6)
    rows = (("address", "horizon", 1.5), ("posts", "horizon", 1.5), ("activity", "top", 2.5),
            ("duty", "horizon", 1.5))  # fmt: skip
    for row, (key, valign, inset) in enumerate(rows, start=1):
        cell = g.cell(1, row, 3, inset)
        fill.text(*cell, d[key], size=size, min_size=6, align="left", valign=valign)
    n = len(d["blocks"])
    for i, b in enumerate(d["blocks"]):
        col, row, span = (3, 5 + i // 2, 1) if i % 2 else (1, 5 + i // 2, 3 if i == n - 1 else 1)
        x, top, w, h = g.cell(col, row, span, (3.5, 2.5, 2.0))
        y = top
        room = h - 4 * 5.5 - 1  # above the signer, seal and date lines (sig-room)
        if b["comment"]:  # sig-top: a long comment shrinks above the grades
            room -= (2 * size * 1.45 + 6) * PT if b["grades"] else 0
            if fill.rough(b["comment"], w, room, size, 0.45):
                y += fill.fit(x, y, w, room, b["comment"], size=size, min_size=6, leading=0.45)
            else:
                lines = fill.lines(b["comment"], w, size)
                fill.draw(lines, x, y, w, size, 0.45)
                y += fill.height(lines, size, 0.45)
            y += 0.5 * size * PT  # the paragraphs' spacing
        if b["grades"]:
            fill.paragraphs(x, y, w, ["评价等次："], size=size, leading=0.45)
            fill.marks(x, y + fill.cap(size) + 0.45 * size * PT, w,
                       b["grades"], size=size)  # fmt: skip
        if b["seal"] != d["parties"][i]["seal"]:
            # sig-lines: the seal's line ends one line (the date's) above the body's foot
            fill.text(x, top, w, h - 5.5, b["seal"], size=size, align="right", valign="bottom",
                      keep="（盖章）")  # fmt: skip
    fill.two_sided(0, g.below + 3, fill.width, d["foot_left"], d["foot_right"], size=size)
