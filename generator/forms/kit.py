"""What every form's builder shares: blanks, the head and foot lines, document numbers,
the table a declaration's columns make (with widths fitted to the content), the
signature block, and the public notice's frame with its masking.

A builder (``<form>/<id>.py``) composes these; it never lays anything out itself.
Every format of a form renders the same context, so the same data gives the same text
in DOCX, XLSX and PDF. Missing values become blanks to fill by hand.
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from generator.forms.registry import Column, Form
from generator.ledger.model import Ledger
from generator.ledger.normalize import cn_date
from generator.policy import docno
from generator.policy.privacy import mask_context, mask_door, mask_phone, mask_text
from generator.policy.profile import Profile
from generator.types import Context, Options

BLANK = "______"
DATE_BLANK = "____年__月__日"
BLANK_ROWS = 12
DASH = "—"

# Page geometry (mm). GB/T 9704-2012: A4, top 37, bottom 35, left 28, right 26.
PAPER = {"a4": (210.0, 297.0), "a3": (297.0, 420.0)}
MARGINS = {
    "table": {"top": 22, "bottom": 15, "left": 18, "right": 18},
    "notice": {"top": 37, "bottom": 35, "left": 28, "right": 26},
    "notice-landscape": {"top": 30, "bottom": 26, "left": 28, "right": 26},
    "sheet": {"top": 34, "bottom": 10, "left": 22, "right": 18},
}
TABLE_SIZE = {"table": 12.0, "notice": 14.0, "sheet": 12.0}  # pt, table text
CELL_INSET = 2.0  # mm, left and right of a table cell's text


T = TypeVar("T")


def per_ledger(fn: Callable[[Ledger], T]) -> Callable[[Ledger], T]:
    """``fn(ledger)`` worked out once per ledger (the last one given), not once per
    document: the indexes a form's documents share (teams with their members, a sheet's
    rows by place). A ledger is not changed once validated."""
    last: list[Any] = [None, None]

    @functools.wraps(fn)
    def once(ledger: Ledger) -> T:
        if last[0] is not ledger:
            last[0], last[1] = ledger, fn(ledger)
        result: T = last[1]
        return result

    return once


def or_blank(value: str | None) -> str:
    return value if value else BLANK


def page(form: Form) -> dict[str, Any]:
    """The page a form is laid out on: paper, orientation, margins (mm), table text size."""
    key = form.kind + ("-landscape" if form.kind == "notice" and form.landscape else "")
    margin = {**MARGINS[key], **{k: float(v) for k, v in form.page.get("margin", {}).items()}}
    return {
        "paper": form.paper,
        "landscape": form.landscape,
        "margin": margin,
        "size": float(form.page.get("table_size", TABLE_SIZE[form.kind])),
    }


def text_width(form: Form) -> float:
    """Width (mm) of the text block of the form's A4 page."""
    w, h = PAPER["a4"]
    p = page(form)
    return (h if form.landscape else w) - p["margin"]["left"] - p["margin"]["right"]


def head(
    form: Form,
    opts: Options,
    head_left: str,
    foot: tuple[str | None, str] = ("", ""),
    notes: str = "",
    title: str = "",
    foot_labels: tuple[str, str] = ("填报人", "联系电话"),
) -> Context:
    """Title, the head line (left text · 时间), the foot line (填报人 · 联系电话) and notes."""
    return {
        "title": title or form.title,
        "head_left": head_left,
        "head_right": f"时间：{cn_date(opts.date)}",
        "foot_left": f"{foot_labels[0]}：{or_blank(foot[0])}" if foot[0] is not None else "",
        "foot_right": f"{foot_labels[1]}：{or_blank(foot[1])}",
        "notes": notes,
        "page": page(form),
    }


def blank_head(form: Form, opts: Options, head_left: str, **kw: Any) -> Context:
    """``head`` for an entirely blank form: the date and the foot left to fill by hand."""
    ctx = head(form, opts, head_left, **kw)
    ctx["head_right"] = f"时间：{DATE_BLANK}"
    return ctx


def number(opts: Options, year: int, form: Form, record: str) -> str:
    """The stable document number of a form, year and record (with its check character)."""
    return docno.make(opts.profile.doc_prefix, year, form.id, docno.record_key(record))


def unit_head(label: str, org: str | None, period_cn: str = "") -> str:
    """统计单位：<党组织>　　统计期间：2026年全年 (a blank organisation when none)."""
    return f"{label}：{org or BLANK + '党组（党委）'}" + (
        f"　　统计期间：{period_cn}" if period_cn else ""
    )


# ------------------------------------------------------------------ tables
@functools.lru_cache(maxsize=65536)
def text_em(text: str) -> float:
    """The width of a line of text in ems: CJK, full-width and the punctuation CJK fonts
    draw full width (“”、—) 1, ASCII and digits ½, and ¼ where a CJK character meets a
    Latin letter or digit (the space Typst puts there: 2021年10月底 is 6.75 em wide)."""
    width = 0.0
    prev = ""  # "cjk", "latin" or "" (punctuation, spaces)
    for ch in text:
        if ord(ch) < 0x80 or (
            ord(ch) < 0x2E80 and unicodedata.east_asian_width(ch) not in {"W", "F", "A"}
        ):
            width += 0.55 if ch.isupper() else 0.5
            kind = "latin" if ch.isalnum() else ""
        else:
            width += 1.0
            kind = "cjk" if unicodedata.category(ch).startswith("L") else ""
        if kind and prev and kind != prev:
            width += 0.25
        prev = kind
    return width


def _lines_em(text: str) -> float:
    return max((text_em(line) for line in text.split("\n")), default=0.0)


def fit_columns(
    columns: Sequence[Column], rows: Iterable[dict[str, Any]], total: float, size_pt: float
) -> list[float]:
    """Column widths (mm, summing to ``total``) from the content: each column as wide as
    its longest value (at most 40 % of the table) and never narrower than its header's
    longest line, so a header never breaks inside a word; room left over goes to the text
    columns, room missing is taken from the columns with the most text."""
    em = size_pt * 25.4 / 72
    pad = 2 * CELL_INSET
    rows = list(rows)
    floor = [_lines_em(c.head) * em + pad + 0.4 * em for c in columns]
    if not any(str(r.get(c.key, "")) for r in rows for c in columns if c.key != "no"):
        weights = [c.width for c in columns]  # an empty form: the declared proportions
        want = [max(f, total * w / sum(weights)) for f, w in zip(floor, weights, strict=True)]
    else:
        want = [
            max(
                f,
                min(
                    total * 0.4,
                    (max((_lines_em(str(r.get(c.key, ""))) for r in rows), default=0) + 0.3) * em
                    + pad,
                ),
            )
            for f, c in zip(floor, columns, strict=True)
        ]
    for group in dict.fromkeys(c.group for c in columns if c.group):
        idx = [i for i, c in enumerate(columns) if c.group == group]
        short = _lines_em(group) * em + pad + 0.4 * em - sum(want[i] for i in idx)
        for i in idx:
            want[i] += max(0.0, short) / len(idx)
    spare = total - sum(want)
    if spare >= 0:
        text = [i for i, c in enumerate(columns) if c.align == "left"] or list(range(len(columns)))
        base = sum(want[i] for i in text)
        widths = [w + (spare * w / base if i in text else 0.0) for i, w in enumerate(want)]
    elif sum(floor) < total:
        # Too wide: cut the widest columns down to one level, so short values (names,
        # phones, 是/否) keep their line and the long texts wrap.
        lo, hi = 0.0, max(want)
        for _ in range(40):
            level = (lo + hi) / 2
            if sum(max(f, min(w, level)) for f, w in zip(floor, want, strict=True)) > total:
                hi = level
            else:
                lo = level
        widths = [max(f, min(w, lo)) for f, w in zip(floor, want, strict=True)]
        widths[max(range(len(widths)), key=widths.__getitem__)] += total - sum(widths)
    else:
        widths = [f * total / sum(floor) for f in floor]
    widths = [round(w, 1) for w in widths]
    widths[-1] = round(total - sum(widths[:-1]), 1)
    return widths


def table(form: Form, rows: list[dict[str, Any]], fit: bool = True) -> Context:
    """The table of a form's declaration: its columns (label, group, alignment, a width in
    mm fitted to these rows) and the rows, for the shared table components to draw."""
    p = page(form)
    widths = fit_columns(form.columns, rows if fit else [], text_width(form), p["size"])
    columns = [
        {"key": c.key, "label": c.head, "group": c.group, "align": c.align, "w": w}
        for c, w in zip(form.columns, widths, strict=True)
    ]
    return {"columns": columns, "rows": rows}


def blank_rows(form: Form, n: int = BLANK_ROWS) -> list[dict[str, str]]:
    """n empty rows of the form's columns, numbered in 序号."""
    return [{c.key: str(i) if c.key == "no" else "" for c in form.columns} for i in range(1, n + 1)]


# ------------------------------------------------------------------ signature blocks
def grade_marks(grades: Sequence[str], chosen: str) -> str:
    """'良好' -> '□好 ☑良好 □一般 □差'."""
    return " ".join(("☑" if g == chosen else "□") + g for g in grades)


def signature_block(
    label: str,
    signer: str,
    seal: str = "",
    comment: str = "",
    grades: Sequence[str] = (),
    grade: str = "",
    date: str = "",
) -> dict[str, str]:
    """The one signature block every form uses: who signs (label), the signer line, the
    seal line (with room for a 42 mm round seal), the date line, and — where a grade is
    asked — the comment and 评价等次 with the grade ticked."""
    return {
        "label": label,
        "comment": comment,
        "grades": grade_marks(grades, grade) if grades else "",
        "grade": grade,
        "signer": signer,
        "seal": seal,
        "date": date or "年　月　日",
    }


def party_blocks(
    profile: Profile,
    committee: str,
    grades: dict[str, str] | None = None,
    comments: dict[str, str] | None = None,
) -> list[dict[str, str]]:
    """The evaluating parties' signature blocks, in the profile's order ({committee} in a
    seal line is the compound's 业委会)."""
    grades, comments = grades or {}, comments or {}
    return [
        {
            "key": p.key,
            **signature_block(
                p.label,
                p.signer,
                p.seal.format(committee=committee),
                comments.get(p.key, ""),
                profile.grades,
                grades.get(p.key, ""),
            ),
        }
        for p in profile.parties
    ]


# ------------------------------------------------------------------ public notices
def notice_window(opts: Options) -> tuple[dt.date, dt.date]:
    """公示期: from the run's --from (or date), for the profile's number of days."""
    start = opts.notice.start or opts.date
    days = int(opts.profile.notices.get("days", 10))
    return start, opts.notice.end or start + dt.timedelta(days=days - 1)


def notice(
    form: Form,
    opts: Options,
    title: str,
    place: str,
    year: int,
    issuer: str,
    phone: str,
    record: str,
) -> Context:
    """The frame every public notice shares: title, lead, 公示期, 监督电话, the issuer
    block (with （盖章）) and the document number."""
    start, end = notice_window(opts)
    cfg = opts.profile.notices
    lead = str(cfg.get("lead", {}).get(form.id, "") or form.text("lead"))
    return {
        "title": title,
        "lead": lead.format(place=place, year=year).replace("\n", "").replace(" ", ""),
        "closing": cfg.get("closing", ""),
        "period_text": f"公示期：{cn_date(start)}至{cn_date(end)}",
        "phone_text": f"监督电话：{opts.notice.phone or phone or BLANK}",
        "issuer": issuer,
        "seal": "（盖章）",
        "issue_date": cn_date(start),
        "paper": opts.notice.paper,
        "page": page(form),
        "doc_no": number(opts, year, form, record),
        "year": year,
    }


def blank_notice(form: Form, opts: Options, title: str) -> Context:
    """The frame of an entirely blank notice."""
    ctx = notice(form, opts, title, "××", opts.date.year, BLANK, "", "blank")
    ctx.update(period_text=f"公示期：{DATE_BLANK}至{DATE_BLANK}", issue_date=DATE_BLANK, doc_no="")
    return ctx


def masked(ctx: Context, opts: Options, form: Form) -> Context:
    """A notice's context as the public may see it: every phone and door number masked
    wherever it stands, but for what the profile exempts (监督电话; per-column exceptions
    such as Wuhan's captains' phones). Unchanged when the run lifts masking."""
    cfg = opts.profile.masking
    if not opts.notice.mask:
        return ctx
    phones, doors = bool(cfg.get("phone", True)), bool(cfg.get("door", True))
    exempt = frozenset(cfg.get("exempt", ())) | frozenset(cfg.get("columns", {}).get(form.id, ()))
    return mask_context(ctx, functools.partial(mask_text, phones=phones, doors=doors), exempt)


def masked_phone(opts: Options, phone: str) -> str:
    """A phone in its own column of a notice: masked (even a short local number)."""
    on = opts.notice.mask and opts.profile.masking.get("phone", True)
    return mask_phone(phone) if on else phone


def masked_door(opts: Options, door: str) -> str:
    """A door number in its own column of a notice: masked."""
    on = opts.notice.mask and opts.profile.masking.get("door", True)
    return mask_door(door) if on else door
