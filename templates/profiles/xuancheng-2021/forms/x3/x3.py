"""x3 负面行为提醒函: one 负面记录 row as a letter from the community party organisation
to the member's unit party organisation — the facts, the talk and the rectification as
recorded, the seed's rule — and the 回执 the unit returns, sealed, below a cut line.
Internal: nothing is masked."""

from __future__ import annotations

from typing import Any

from generator.forms import kit
from generator.forms.registry import Form
from generator.ledger.model import Ledger, Record
from generator.ledger.normalize import cn_date
from generator.policy.profile import Profile
from generator.types import Context, Options, Scope

# A blank line to fill by hand that may wrap (runs of ______ cannot break).
LINE = " ".join([kit.BLANK] * 4)


@kit.per_ledger
def _records(ledger: Ledger) -> dict[int, Record]:
    """负面记录 rows by their row number."""
    return {r.row: r for r in ledger.table("negatives")}


def _sentence(text: str) -> str:
    """A behaviour as typed, ending as a sentence does."""
    text = text.strip()
    return text if text.endswith(("。", "！", "；")) else text + "。"


def _flat(text: str) -> str:
    return text.replace("\n", "").replace(" ", "")


def build(ledger: Ledger, scope: Scope, opts: Options, form: Form) -> Context:
    rec = _records(ledger)[scope.row]
    m = ledger.members[rec.member_id]
    unit = ledger.units[m.unit]
    community = ledger.communities[m.community]
    day = rec["date"]
    year = day.year
    second = form.text("talked", date=cn_date(rec["talk_date"])) if rec.get("talk_date") else ""
    done = rec.get("rectification")
    second += form.text("rectified", text=done) if done else form.text("unrectified")
    issued = rec.get("notified") or opts.date
    doc_no = kit.number(opts, year, form, f"{m.id}R{rec.row}")  # member, sheet row
    return {
        "title": form.title,
        "to": f"{unit.org}：",
        "paragraphs": [
            form.text(
                "facts",
                name=m.name,
                title=m.title,
                address=m.address,
                date=cn_date(day),
                behaviour=_sentence(str(rec["behaviour"])),
            ),
            second,
            _flat(form.text("rule")),
        ],
        "issuer": community.org,
        "seal": "（盖章）",
        "issue_date": cn_date(issued),
        "contact": form.text(
            "contact",
            who=community.secretary or kit.BLANK,
            phone=community.phone or kit.BLANK,
        ),
        "cut": form.text("cut"),
        "receipt": form.text("receipt"),
        "receipt_to": f"{community.org}：",
        "receipt_body": _flat(
            form.text("receipt_body", date=cn_date(issued), name=m.name, no=doc_no, year=year)
        ),
        "handled": form.text("handled"),
        "block": kit.signature_block("", "单位党组织书记签字：", f"{unit.org}（盖章）"),
        "doc_no": doc_no,
        "year": year,
    }


def blank(opts: Options, form: Form) -> Context:
    b = kit.BLANK
    return {
        "title": form.title,
        "to": f"{b}党组（党委）：",
        "paragraphs": [
            form.text(
                "facts", name=b, title=b, address=f"{b} {b}", date=kit.DATE_BLANK, behaviour=LINE
            ),
            form.text("talked", date=kit.DATE_BLANK) + form.text("rectified", text=LINE),
            _flat(form.text("rule")),
        ],
        "issuer": f"{b}社区党组织",
        "seal": "（盖章）",
        "issue_date": kit.DATE_BLANK,
        "contact": form.text("contact", who=b, phone=b),
        "cut": form.text("cut"),
        "receipt": form.text("receipt"),
        "receipt_to": f"{b}社区党组织：",
        "receipt_body": _flat(
            form.text("receipt_body", date=kit.DATE_BLANK, name=b, no=b, year="____")
        ),
        "handled": form.text("handled"),
        "block": kit.signature_block("", "单位党组织书记签字：", "单位党组织（盖章）"),
        "doc_no": "",
        "year": "",
    }


def docx(b: Any, form: Form, profile: Profile) -> Any:
    """The Word template: the letter, the cut line and the 回执, as the PDF draws them."""
    doc = b.new_document(landscape=False, margins_mm=(30, 24, 18, 26))
    b.top_band(doc, "", with_qr=True)
    b.para(doc, "{{ title }}", b.SONG_TITLE, 20, bold=True, align=b.WD_ALIGN_PARAGRAPH.CENTER,
           space_after=10)  # fmt: skip
    b.para(doc, "{{ to }}", b.FANG, 14, space_after=2)
    for text in ("{%p for p in paragraphs %}", "{{ p }}", "{%p endfor %}"):
        b.para(doc, text, b.FANG, 14, indent_chars=2 if text == "{{ p }}" else 0)
    issuer = b.para(doc, "{{ issuer }}{{ seal }}", b.FANG, 14, align=b.WD_ALIGN_PARAGRAPH.RIGHT)
    issuer.paragraph_format.space_before = b.Pt(24)
    issuer.paragraph_format.keep_with_next = True
    b.para(doc, "{{ issue_date }}", b.FANG, 14, align=b.WD_ALIGN_PARAGRAPH.RIGHT)
    b.para(doc, "{{ contact }}", b.FANG, 12, space_after=6)
    cut = b.para(doc, "✂－－－－－－－－－－－－{{ cut }}－－－－－－－－－－－－", b.FANG, 10.5,
                 align=b.WD_ALIGN_PARAGRAPH.CENTER, space_after=6)  # fmt: skip
    cut.paragraph_format.space_before = b.Pt(6)
    b.para(doc, "{{ receipt }}", b.SONG_TITLE, 16, bold=True, align=b.WD_ALIGN_PARAGRAPH.CENTER,
           space_after=6)  # fmt: skip
    b.para(doc, "{{ receipt_to }}", b.FANG, 12)
    b.para(doc, "{{ receipt_body }}", b.FANG, 12, indent_chars=2)
    b.para(doc, "{{ handled }}", b.FANG, 12, indent_chars=2, space_after=36)
    tbl = b.grid_table(doc, [80, 80], 1)
    tbl.style = None
    b.sig_block(tbl.cell(0, 1), "block", size=12)
    return doc
