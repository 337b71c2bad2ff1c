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
import itertools
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
BLANK_ROW_MM = 8.0  # the height of a blank form's row, to write in by hand
DASH = "—"

# Page geometry (mm). GB/T 9704-2012: A4 portrait, top 37, bottom 35, left 28 (the binding
# side), right 26 — a text block of 156 × 225 mm. A landscape form is that sheet turned
# with its head at the binding side (GB/T 9704 §10.2, 横排表格): the same text block lying
# down, 225 × 156 mm — top 28, bottom 26, left 35, right 37. A form that cannot fit its
# page so declares its own margins in form.yaml (page: margin:) and says why there.
PAPER = {"a4": (210.0, 297.0), "a3": (297.0, 420.0)}
GBT = {"top": 37.0, "bottom": 35.0, "left": 28.0, "right": 26.0}
GBT_LANDSCAPE = {"top": 28.0, "bottom": 26.0, "left": 35.0, "right": 37.0}
MARGINS = {"portrait": GBT, "landscape": GBT_LANDSCAPE}
TABLE_SIZE = {"table": 12.0, "notice": 14.0, "sheet": 12.0}  # pt, table text
CELL_INSET = 2.0  # mm, left and right of a table cell's text
TITLE_SIZE = 22.0  # pt: 2号


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
    """The page a form is laid out on: paper, orientation, margins (mm), table text size.
    Margins: GB/T 9704's (turned for a landscape page) unless the declaration gives its
    own (``page: margin:``)."""
    base = GBT_LANDSCAPE if form.landscape else GBT
    margin = {**base, **{k: float(v) for k, v in form.page.get("margin", {}).items()}}
    return {
        "paper": form.paper,
        "landscape": form.landscape,
        "margin": margin,
        "size": float(form.page.get("table_size", TABLE_SIZE.get(form.kind, 12.0))),
        **({"grid": form.page["grid"]} if "grid" in form.page else {}),
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
    title_parts: Sequence[str] = (),
) -> Context:
    """Title, the head line (left text · 时间), the foot line (填报人 · 联系电话) and notes.
    ``title_parts``: the title in the pieces it may break between (``title_lines``)."""
    return {
        "title": "".join(title_parts) or title or form.title,
        **titled(form, title_parts),
        "head_left": head_left,
        "head_right": f"时间：{cn_date(opts.date)}",
        "foot_left": f"{foot_labels[0]}：{or_blank(foot[0])}" if foot[0] is not None else "",
        "foot_right": f"{foot_labels[1]}：{or_blank(foot[1])}",
        "notes": notes,
        "page": page(form),
    }


def titled(form: Form, parts: Sequence[str]) -> Context:
    """``title_lines`` of a title given in parts, for the PDF (nothing when not given)."""
    return {"title_lines": title_lines(parts, text_width(form))} if parts else {}


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
# Advance widths (thousandths of an em) of FandolFang's printable ASCII, U+0020–U+007E,
# as Typst lays them out: the 仿宋 every table is set in. Digits are half an em; "_" (the
# blanks to fill by hand) is wider.
_ASCII = (
    333, 278, 500, 833, 500, 833, 781, 278, 389, 389, 500, 778, 278, 333, 278, 500,
    500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 278, 278, 778, 778, 778, 472,
    778, 739, 703, 722, 758, 675, 647, 782, 739, 350, 508, 767, 619, 906, 739, 778,
    675, 778, 731, 556, 722, 739, 739, 1017, 739, 739, 611, 278, 500, 278, 611, 778,
    500, 489, 561, 444, 561, 444, 306, 500, 561, 283, 311, 533, 283, 839, 561, 500,
    561, 533, 392, 394, 389, 561, 533, 728, 533, 533, 446, 500, 278, 500, 611,
)  # fmt: skip


@functools.lru_cache(maxsize=65536)
def text_em(text: str) -> float:
    """The width of a line of text in ems, as the forms' 仿宋 sets it (no CJK–Latin
    spacing): ASCII by FandolFang's advances, CJK, full-width and ambiguous-width
    characters (“”、—) 1, anything else ½."""
    width = 0.0
    for ch in text:
        code = ord(ch)
        if 0x20 <= code < 0x7F:
            width += _ASCII[code - 0x20] / 1000
        elif code >= 0x2E80 or unicodedata.east_asian_width(ch) in {"W", "F", "A"}:
            width += 1.0
        else:
            width += 0.5
    return width


@functools.lru_cache(maxsize=65536)
def _lines_em(text: str) -> float:
    return max((text_em(line) for line in text.split("\n")), default=0.0)


# Where a long value prefers to wrap: after the full-width space between unit and post
# (所在单位　职务), after a list separator.
_SOFT_BREAKS = ("　", "；", "、")


@functools.lru_cache(maxsize=65536)  # (a unit's names and titles recur form after form)
def _segments_em(text: str) -> float:
    """The widest piece of a value between its preferred breaks: the width a column
    needs for the value to wrap only there."""
    pieces = [text]
    for sep in ("\n", *_SOFT_BREAKS):
        pieces = [q for piece in pieces for q in piece.split(sep)]
    return max((text_em(q) + 1.0 for q in pieces if q), default=0.0)


def fit_columns(
    columns: Sequence[Column], rows: Iterable[dict[str, Any]], total: float, size_pt: float
) -> list[float]:
    """Column widths (mm, summing to ``total``) from the content: each column as wide as
    its longest value (at most 40 % of the table) and never narrower than its header's
    longest line, so a header never breaks inside a word (``wrap`` gives its lines).
    Room left over goes to the text columns. Room missing is taken from the columns with
    the most text, water-filling: first down to the widest piece of their values between
    preferred breaks (所在单位　职务 wraps after the unit), only then further; short
    values (names, phones, dates, 是/否) keep their line."""
    em = size_pt * 25.4 / 72
    pad = 2 * CELL_INSET
    slack = 0.3 * em  # rounding and the odd wider glyph: a value that fits never wraps
    rows = list(rows)
    floor = [_lines_em(c.head) * em + pad + 0.4 * em for c in columns]
    for group in dict.fromkeys(c.group for c in columns if c.group):  # its header too
        idx = [i for i, c in enumerate(columns) if c.group == group]
        short = _lines_em(group) * em + pad + 0.4 * em - sum(floor[i] for i in idx)
        for i in idx:
            floor[i] += max(0.0, short) / len(idx)
    if not any(str(r.get(c.key, "")) for r in rows for c in columns if c.key != "no"):
        weights = [c.width for c in columns]  # an empty form: the declared proportions
        want = [max(f, total * w / sum(weights)) for f, w in zip(floor, weights, strict=True)]
        soft = list(floor)
    else:
        values = [[str(r.get(c.key, "")) for r in rows] for c in columns]
        want = [
            max(f, min(total * 0.4, max(map(_lines_em, vs), default=0) * em + pad + slack))
            for f, vs in zip(floor, values, strict=True)
        ]
        soft = [
            max(f, min(w, max(map(_segments_em, vs), default=0) * em + pad + slack))
            for f, w, vs in zip(floor, want, values, strict=True)
        ]
    spare = total - sum(want)
    if spare >= 0:
        text = [i for i, c in enumerate(columns) if c.align == "left"] or list(range(len(columns)))
        base = sum(want[i] for i in text)
        widths = [w + (spare * w / base if i in text else 0.0) for i, w in enumerate(want)]
    elif sum(floor) < total:
        # Too wide: cut the widest columns down to one level, no lower than their widest
        # piece between preferred breaks while that is possible, else their header.
        low = soft if sum(soft) <= total else floor
        lo = _level(low, want, total)
        widths = [max(f, min(w, lo)) for f, w in zip(low, want, strict=True)]
        widths[max(range(len(widths)), key=widths.__getitem__)] += total - sum(widths)
    else:
        widths = [f * total / sum(floor) for f in floor]
    widths = [round(w, 1) for w in widths]
    widths[-1] = round(total - sum(widths[:-1]), 1)
    return widths


def _level(low: Sequence[float], want: Sequence[float], total: float) -> float:
    """The highest level L in [0, max(want)] with sum(max(f, min(w, L))) <= total (each
    column wants w, keeps at least f): that sum grows piecewise linearly with L, so L is
    found on the segment between the breakpoints (the f and w) where it passes total."""
    pairs = list(zip(low, want, strict=True))

    def used(level: float) -> float:
        return sum(max(f, min(w, level)) for f, w in pairs)

    top = max(want)
    points = sorted({0.0, top, *(v for p in pairs for v in p if 0.0 < v < top)})
    if used(0.0) > total:
        return 0.0
    for a, b in itertools.pairwise(points):
        if used(b) > total:  # on (a, b) the sum rises by the columns with f < L < w
            slope = sum(1 for f, w in pairs if f <= a and w >= b)
            return a + (total - used(a)) / slope if slope else a
    return top


def title_lines(parts: Sequence[str], width_mm: float, size_pt: float = TITLE_SIZE) -> list[str]:
    """A title as printed: one line if it fits the text block, else broken between its
    parts (the place, then the rest — never inside a word like 承诺事项), filling each line
    before the next; a part longer than a line is broken where it must."""
    per_line = width_mm / (size_pt * 25.4 / 72) - 0.5  # ems a line holds, bold digits wider
    lines: list[str] = []
    for part in (p for p in parts if p):
        if lines and text_em(lines[-1] + part) * 1.05 <= per_line:
            lines[-1] += part
            continue
        while text_em(part) * 1.05 > per_line:
            cut = len(part)
            while cut > 1 and text_em(part[:cut]) * 1.05 > per_line:
                cut -= 1
            lines.append(part[:cut])
            part = part[cut:]
        lines.append(part)
    return lines


def table(form: Form, rows: list[dict[str, Any]], fit: bool = True) -> Context:
    """The table of a form's declaration: its columns (label, group, alignment, a width in
    mm fitted to these rows) and the rows, for the shared table components to draw; with
    ``fit=False`` (an entirely blank form) the declared proportions and rows to write in."""
    p = page(form)
    widths = fit_columns(form.columns, rows if fit else [], text_width(form), p["size"])
    em = p["size"] * 25.4 / 72
    columns = [
        {
            "key": c.key,
            "label": c.head,
            "group": c.group,
            "align": c.align,
            "w": w,
            "words": fit and _wraps_at_breaks(c.key, rows, w, em),
        }
        for c, w in zip(form.columns, widths, strict=True)
    ]
    # An entirely blank form (fit=False): rows tall enough to write in by hand.
    return {"columns": columns, "rows": rows, "min_row": 0 if fit else BLANK_ROW_MM}


def _wraps_at_breaks(key: str, rows: list[dict[str, Any]], width: float, em: float) -> bool:
    """Whether a column's values should wrap only at their preferred breaks (the PDF
    keeps each piece on one line): some value is too long for a line, and every piece of
    every value fits the column."""
    values = [str(r.get(key, "")) for r in rows]
    room = width - 2 * CELL_INSET - 0.2 * em
    return any(_lines_em(v) * em > room for v in values) and all(
        _segments_em(v) * em <= room + em for v in values
    )


def blank_rows(form: Form, n: int = BLANK_ROWS) -> list[dict[str, str]]:
    """n empty rows of the form's columns, numbered in 序号."""
    return [{c.key: str(i) if c.key == "no" else "" for c in form.columns} for i in range(1, n + 1)]


# ------------------------------------------------------------------ points and ranks
def ranks(scores: Sequence[float]) -> list[int]:
    """Competition ranks of scores, highest first, in the scores' own order: ties share a
    rank and the next rank skips (90, 85, 85, 80 -> 1, 2, 2, 4)."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    out = [0] * len(scores)
    for pos, i in enumerate(order):
        prev = order[pos - 1] if pos else None
        out[i] = out[prev] if prev is not None and scores[prev] == scores[i] else pos + 1
    return out


def grade_for(score: float, thresholds: Sequence[tuple[str, float]]) -> str:
    """The grade a score reaches: ``thresholds`` are (grade, lowest score), best first;
    below every threshold, the last grade."""
    for grade, least in thresholds:
        if score >= least - 1e-9:
            return grade
    return thresholds[-1][0] if thresholds else ""


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
    title_parts: Sequence[str] = (),
) -> Context:
    """The frame every public notice shares: title, lead, 公示期, 监督电话, the issuer
    block (with （盖章）) and the document number. ``title_parts``: the title in the
    pieces it may break between (``title_lines``)."""
    start, end = notice_window(opts)
    cfg = opts.profile.notices
    lead = str(cfg.get("lead", {}).get(form.id, "") or form.text("lead"))
    return {
        "title": "".join(title_parts) or title,
        **titled(form, title_parts),
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


def blank_notice(form: Form, opts: Options, title: str, place: str = "××") -> Context:
    """The frame of an entirely blank notice (its lead names ``place`` and the year ××)."""
    ctx = notice(form, opts, title, place, opts.date.year, BLANK, "", "blank")
    lead = str(opts.profile.notices.get("lead", {}).get(form.id, "") or form.text("lead"))
    ctx.update(
        lead=lead.format(place=place, year="××").replace("\n", "").replace(" ", ""),
        period_text=f"公示期：{DATE_BLANK}至{DATE_BLANK}", issue_date=DATE_BLANK, doc_no="",
    )  # fmt: skip
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
