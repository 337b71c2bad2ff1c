"""h5 考核结果反馈表: a unit's members with their 考核等次 and the community's and unit's
opinions, one section per community that assessed them (in ledger order), and the seal
block of each of those community party organisations (community → unit)."""

from __future__ import annotations

from typing import Any

from generator.forms import kit
from generator.forms.registry import Form
from generator.ledger.model import Ledger, Member, Record
from generator.policy.profile import Profile
from generator.types import Context, Options, Scope

EMPTY_BLOCK = kit.signature_block("", "", "", date=" ")


def assessment(ledger: Ledger, member_id: str, year: int) -> Record | None:
    """A member's 考核 row of the year (the last one, if typed twice)."""
    rows = [r for r in ledger.of_member("assessments", member_id) if r.get("year") == year]
    return rows[-1] if rows else None


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}".rstrip("0").rstrip(".") + "%" if whole else "—"


def _by_community(ledger: Ledger, members: list[Member]) -> dict[str, list[Member]]:
    """Members grouped by community, communities in ledger order (then any unknown)."""
    order = {c: i for i, c in enumerate(ledger.communities)}
    groups: dict[str, list[Member]] = {}
    for m in sorted(members, key=lambda m: order.get(m.community, len(order))):
        groups.setdefault(m.community, []).append(m)
    return groups


def _pairs(blocks: list[dict[str, str]]) -> list[list[dict[str, str]]]:
    """Blocks two a row (the DOCX table), the last row padded with an empty block."""
    padded = blocks + [EMPTY_BLOCK] * (len(blocks) % 2)
    return [padded[i : i + 2] for i in range(0, len(padded), 2)]


def _notes(form: Form, profile: Profile) -> str:
    return form.text("note", grades="、".join(profile.choices("assessment_grades")))


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    unit = ledger.units[scope.unit]
    year = scope.period.year
    members = ledger.members_of_unit(scope.unit)
    rows: list[dict[str, Any]] = []
    blocks = []
    counts = dict.fromkeys(opts.profile.choices("assessment_grades"), 0)
    missing, i = 0, 0
    for community, group in _by_community(ledger, members).items():
        c = ledger.communities.get(community)
        org = c.org if c else community
        rows.append({"section": f"{community}（{org}）"})
        blocks.append(kit.signature_block(org, form.text("signer"), "（盖章）"))
        for m in group:
            i += 1
            rec = assessment(ledger, m.id, year)
            grade = str(rec.get("grade", "")) if rec else ""
            if grade in counts:
                counts[grade] += 1
            else:
                missing += 1
            rows.append(
                {
                    "section": "",
                    "no": str(i),
                    "name": m.name,
                    "job": m.title,
                    "compound": m.compound,
                    "grade": grade or kit.DASH,
                    "community_opinion": str(rec.get("community_opinion", "")) if rec else "",
                    "unit_opinion": str(rec.get("unit_opinion", "")) if rec else "",
                }
            )
    rated = sum(counts.values())
    top = next(iter(counts), "")
    grades = "，".join(
        f"{g}{n}人" + (f"（占{_pct(n, rated)}）" if g == top else "") for g, n in counts.items()
    )
    ctx = kit.head(
        form,
        opts,
        form.text("head", org=unit.org),
        ("", ""),
        _notes(form, opts.profile),
        title=form.text("title", year=year),
    )
    ctx.update(kit.table(form, rows))
    ctx.update(
        summary=form.text("summary", n=len(members), rated=rated, grades=grades, missing=missing),
        blocks=blocks,
        block_rows=_pairs(blocks),
        year=year,
    )
    return ctx


def blank(opts: Options, form: Form) -> Context:
    ctx = kit.blank_head(
        form,
        opts,
        form.text("head", org=kit.BLANK + "党组（党委）"),
        notes=_notes(form, opts.profile),
        title=form.text("title", year="____"),
    )
    rows = [{"section": f"{kit.BLANK}社区（{kit.BLANK}社区党组织）"}]
    rows += [{"section": "", **r} for r in kit.blank_rows(form, 10)]
    ctx.update(kit.table(form, rows, fit=False))
    blocks = [kit.signature_block(f"{kit.BLANK}社区党组织", form.text("signer"), "（盖章）")]
    ctx.update(summary="", blocks=blocks, block_rows=_pairs(blocks), year="")
    return ctx


def docx(b: Any, form: Form, profile: Profile) -> Any:
    """The Word template: the declared table with a heading row per community, the
    summary, the community party organisations' seal blocks two a row, foot and notes."""
    doc = b.new_document(landscape=False, margins_mm=(30, 18, 15, 22))
    b.para(doc, "{{ title }}", b.SONG_TITLE, 18, bold=True, align=b.WD_ALIGN_PARAGRAPH.CENTER)
    b.two_sided(doc, "{{ head_left }}", "{{ head_right }}")
    b.declared_table(doc, form.columns, 11, width_mm=170, sections=True)
    b.para(doc, "{{ summary }}", b.FANG, 12).paragraph_format.space_before = b.Pt(4)
    tbl = b.grid_table(doc, [85, 85], 3)
    b.cell_text(tbl.cell(0, 0), "{%tr for pair in block_rows %}")
    for j in range(2):
        cell = tbl.cell(1, j)
        b.cell_text(cell, "{{ pair[" + str(j) + "].label }}", b.HEI, 11)
        b.sig_block(cell, f"pair[{j}]", 11)
    b.row_height(tbl.rows[1], 42)
    b.cell_text(tbl.cell(2, 0), "{%tr endfor %}")
    b.footer_lines(doc)
    return doc
