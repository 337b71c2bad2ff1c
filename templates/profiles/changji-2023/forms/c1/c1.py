"""c1 共驻共治共建协议书: one unit party organisation and one community party organisation —
the parties, the clauses (the seed's words with this pair's 共建内容, contacts and term),
both signature and seal blocks dated the day of signing, and their 四张清单 attached."""

from __future__ import annotations

from typing import Any

from generator.forms import kit
from generator.forms.registry import Form
from generator.ledger.model import Ledger, Record
from generator.ledger.normalize import cn_date
from generator.policy.profile import Profile
from generator.types import Context, Options, Scope

CN = "一二三四五六七八九十"


def agreement(ledger: Ledger, unit: str, community: str) -> Record | None:
    """The pair's latest 共建协议 row (by 签订日期; an undated one counts as oldest)."""
    rows = [
        r
        for r in ledger.table("agreements")
        if r.get("unit") == unit and r.get("community") == community
    ]
    rows.sort(key=lambda r: (r.get("signed") is not None, r.get("signed") or 0, r.row))
    return rows[-1] if rows else None


def titles(profile: Profile) -> dict[str, str]:
    """清单类型 -> the heading it prints under (资源清单（服务资源）): the profile's
    ``list_titles``."""
    return {str(k): str(v) for k, v in profile.raw.get("list_titles", {}).items()}


def list_rows(
    ledger: Ledger, form: Form, profile: Profile, unit: str, community: str
) -> list[dict[str, str]]:
    """The pair's 清单 rows, a heading row per list type (in the profile's order), each
    list numbered from 1; types without rows are left out."""
    heads = titles(profile)
    rows: list[dict[str, str]] = []
    mine = [
        r
        for r in ledger.table("lists")
        if r.get("unit") == unit and r.get("community") == community
    ]
    known = profile.choices("list_types")
    kinds = [
        *known,
        *dict.fromkeys(str(r.get("list_type")) for r in mine if r.get("list_type") not in known),
    ]
    n = 0
    for kind in kinds:
        of_kind = [r for r in mine if r.get("list_type") == kind]
        if not of_kind:
            continue
        n += 1
        rows.append({"section": f"{CN[n - 1]}、{heads.get(kind, kind)}"})
        for i, r in enumerate(of_kind, start=1):
            rows.append(
                {
                    "section": "",
                    "no": str(i),
                    "item": str(r.get("item", "")),
                    "owner": str(r.get("owner", "")),
                    "deadline": str(r.get("deadline", "")),
                    "status": str(r.get("status", "")),
                }
            )
    return rows


def _value(rec: Record | None, key: str, blank: str) -> str:
    """A column of the agreement's row as a clause prints it (without a closing 。: the
    clause has its own)."""
    return str(rec.get(key, blank)).rstrip("。；;.") if rec else blank


def _clauses(form: Form, profile: Profile, **values: str) -> list[str]:
    grades = "、".join(profile.grades)
    return form.text("clauses", grades=grades, **values).split("\n")


def _blocks(form: Form, org_a: str, org_b: str, date: str) -> list[dict[str, str]]:
    return [
        kit.signature_block(form.text("side_a"), form.text("signer"), org_a, date=date),
        kit.signature_block(form.text("side_b"), form.text("signer"), org_b, date=date),
    ]


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    unit = ledger.units[scope.unit]
    community = ledger.communities[scope.community]
    rec = agreement(ledger, scope.unit, scope.community)
    signed = rec.get("signed") if rec else None
    rows = list_rows(ledger, form, opts.profile, scope.unit, scope.community)
    ctx = kit.head(form, opts, "")
    ctx.update(kit.table(form, rows))
    year = signed.year if signed else scope.period.year
    ctx.update(
        party_a=form.text("party_a", org=community.org),
        party_b=form.text("party_b", org=unit.org),
        preamble=form.text("preamble"),
        clauses=_clauses(
            form,
            opts.profile,
            content=_value(rec, "content", kit.BLANK * 4),
            community_contact=_value(rec, "community_contact", kit.BLANK),
            unit_contact=_value(rec, "unit_contact", kit.BLANK),
            valid=_value(rec, "valid", form.text("valid_blank")),
        ),
        annex=form.text("annex"),
        no_lists=form.text("no_lists") if not rows else "",
        blocks=_blocks(form, community.org, unit.org, cn_date(signed) if signed else "年　月　日"),
        doc_no=kit.number(opts, year, form, f"{scope.unit}/{scope.community}"),
        year=year,
    )
    return ctx


def blank(opts: Options, form: Form) -> Context:
    ctx = kit.blank_head(form, opts, "")
    # Rows to fill by hand: two lines high.
    rows = [{**r, "section": "", "item": "\u00a0\n\u00a0"} for r in kit.blank_rows(form, 10)]
    ctx.update(kit.table(form, rows, fit=False))
    ctx.update(
        party_a=form.text("party_a", org=kit.BLANK * 2),
        party_b=form.text("party_b", org=kit.BLANK * 2),
        preamble=form.text("preamble"),
        clauses=_clauses(
            form,
            opts.profile,
            content=kit.BLANK * 6,
            community_contact=kit.BLANK,
            unit_contact=kit.BLANK,
            valid=form.text("valid_blank"),
        ),
        annex=form.text("annex"),
        no_lists="",
        blocks=_blocks(form, "", "", "年　月　日"),
        doc_no="",
        year="",
    )
    return ctx


def docx(b: Any, form: Form, profile: Profile) -> Any:
    """The Word template: the agreement in the official style, the two seal blocks side by
    side (a table without borders), the 四张清单 after a page break."""
    doc = b.new_document(landscape=False, margins_mm=(37, 26, 30, 28))
    b.page_number_footer(doc, 14)
    b.top_band(doc, "", with_qr=True)
    center = b.WD_ALIGN_PARAGRAPH.CENTER
    b.para(doc, "{{ title }}", b.SONG_TITLE, 22, bold=True, align=center, space_after=18)
    b.para(doc, "{{ party_a }}", b.FANG, 14, space_after=4)
    b.para(doc, "{{ party_b }}", b.FANG, 14, space_after=8)
    b.para(doc, "{{ preamble }}", b.FANG, 14, indent_chars=2, space_after=4)
    b.para(doc, "{%p for c in clauses %}", b.FANG, 14)
    p = b.para(doc, "{{ c }}", b.FANG, 14, indent_chars=2, space_after=4)
    p.paragraph_format.keep_with_next = True  # the last clause stays with the seals
    b.para(doc, "{%p endfor %}", b.FANG, 14)
    tbl = doc.add_table(rows=1, cols=2)  # no borders
    for j in range(2):
        cell = tbl.cell(0, j)
        path = f"blocks[{j}]"
        b.cell_text(cell, "{{ " + path + ".label }}", b.HEI, 14, align=b.WD_ALIGN_PARAGRAPH.LEFT)
        for key, gap in (("seal", 6), ("signer", 24), ("date", 14)):
            q = b.para(cell, "{{ " + path + "." + key + " }}", b.FANG, 14)
            q.paragraph_format.space_before = b.Pt(gap)
            q.paragraph_format.keep_with_next = True
            if key == "date":
                q.alignment = b.WD_ALIGN_PARAGRAPH.RIGHT
    annex = b.para(doc, "{{ annex }}", b.HEI, 16, space_after=8)
    annex.paragraph_format.page_break_before = True
    b.para(doc, "{%p if no_lists %}", b.FANG, 14)
    b.para(doc, "{{ no_lists }}", b.FANG, 14)
    b.para(doc, "{%p else %}", b.FANG, 14)
    b.declared_table(doc, form.columns, 12, width_mm=156, sections=True)
    b.para(doc, "{%p endif %}", b.FANG, 14)
    return doc
