"""Table forms and notices drawn straight into PDF pages, as Typst lays them out:
formgen.typ's ``table-docs`` (附件N, the title, the head line, the declared table with its
header on every page, and under its last rows the summary, the foot line and the notes)
and notice.typ (the number band on every page, the title, the justified lead, the table,
the closing block); page numbers "— N —".

A form's recipe (``stamp(doc, d)`` in its <id>.py) calls ``table_form`` or ``notice``; each
page is a ``stamp.Fill`` and the document goes out through ``Stamper.document``. The
layout is Typst's, as measured on its output: a row is as tall as its tallest cell (lines
of the cell's font, ``leading`` between them) plus the insets, its cells centred in it; a
row that does not fit is split as Typst splits it (each cell's lines down to the page's
foot, no orphan, no widow) or starts the next page under the repeated header; the last
``KEEP`` rows go with the closing block. What the recipe cannot draw exactly — a head line
too long for one line, a numbered table form, a section row, a near tie in a justified
lead, a row longer than two pages — makes it give up (``Unstampable``): Typst lays that
document out. tests/test_tables.py holds the two together character by character.
"""

from __future__ import annotations

import functools
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from generator.render.cff import CffFont
from generator.render.stamp import (
    LABEL_HEIGHT,
    MM,
    PT,
    Fill,
    Fonts,
    Line,
    Unstampable,
    _font_file,
    _n,
    fonts,
    height_of,
    number_band,
)

MARGIN = {"top": 37.0, "bottom": 35.0, "left": 28.0, "right": 26.0}  # form-docs' default
TITLE_SIZE, TITLE_BELOW = 22.0, 5.0  # title: 2号, 5 mm under it
HEAD_BELOW = 2.5  # the head line's block: 2.5 mm above the table
LEADING = 0.5  # em, formgen.typ's par leading
KEEP = 2  # rows kept with the closing block
SUMMARY_GAP, NOTES_GAP = 3.0, 1.5  # mm: above the foot line after a summary, above notes
NOTE_SIZE = 10.5
NUMBER_SIZE, NUMBER_DESCENT = 14.0, 7.0  # page numbers: 4号, 7 mm under the text block
LABEL_SIZE = 16.0  # 附件N: 3号黑体
EPS = 0.02 * PT  # mm: nearer than this to a page's foot, rounding may decide (Typst's own
# is 1e-4 pt; rows of one shape leave the same 0.25 pt spare page after page)
_WORDS = re.compile(r"[^　；、]+[　；、]*")  # formgen.typ word-breaks


def _common() -> str:
    """The characters the table faces are prepared for: ASCII and GB 2312 (every
    character of the national standard set; a rarer one in a title or a header sends
    that document to Typst)."""
    out = [chr(c) for c in range(0x20, 0x7F)]
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                out.append(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(out)


@dataclass(frozen=True)
class Faces:
    """The fonts of a table form: 仿宋 (the body), 黑体 (Noto Sans CJK: header, 附件N),
    the title's bold 宋体 and the page numbers' 宋体 (Noto Serif CJK)."""

    fang: Fonts
    hei: Fonts
    title: Fonts
    song: Fonts


@functools.cache
def faces() -> Faces | None:
    """This process's table faces, None where a font is missing (Typst then lays out)."""
    body = fonts()
    if body is None:
        return None
    try:
        common = _common()
        hei = CffFont.load(*_font_file("Noto Sans CJK SC"), chars=common)
        bold = CffFont.load(*_font_file("Noto Serif CJK SC:bold"), chars=common)
    except (OSError, RuntimeError, ValueError, subprocess.SubprocessError):
        return None
    if not (hei.ps_name.startswith("NotoSansCJK") and bold.ps_name.startswith("NotoSerifCJK")):
        return None  # fontconfig gave a substitute
    return Faces(body, body.face(hei, "F3"), body.face(bold, "F4"),
                 body.face(body.blank, "F2"))  # fmt: skip


@dataclass
class Doc:
    """A document's pages as they are drawn: ``page()`` starts the next one."""

    faces: Faces
    margin: dict[str, float]
    paper: tuple[float, float]
    size: float
    fills: list[Fill] = field(default_factory=list)

    def page(self) -> Fill:
        fill = Fill(self.faces.fang, self.margin, self.size, self.paper)
        self.fills.append(fill)
        return fill

    @property
    def height(self) -> float:
        """The text block's height (mm)."""
        return self.paper[1] - self.margin["top"] - self.margin["bottom"]


@dataclass(frozen=True)
class Style:
    """A declared table's cells (formgen.typ data-table): insets (mm) and leading (em)."""

    inset_x: float = 2.0
    inset_y: float = 2.0
    leading: float = LEADING


FORM = Style()  # table-docs
NOTICE = Style(inset_y=1.4, leading=0.4)  # notice.typ (A4)


@dataclass
class Cell:
    """A cell's lines in its font and size, aligned in its box."""

    fonts: Fonts
    lines: list[Line]
    size: float
    align: str = "center"
    leading: float = LEADING

    @property
    def height(self) -> float:
        """mm, without the insets."""
        return _tall(self, self.lines)


@dataclass
class Row:
    """A row of cells: ``spans`` (x, colspan, rowspan) of each cell; ``fixed`` its
    height when the track is not auto (a blank form's rows to write in by hand)."""

    cells: list[Cell]
    spans: list[tuple[int, int, int]]
    fixed: float = 0.0
    height: float = 0.0


def _cell(fill: Fill, fonts: Fonts, text: str, width: float, size: float, align: str,
          style: Style, words: bool = False) -> Cell:  # fmt: skip
    """A cell's text broken into lines of ``width`` mm (less the insets)."""
    f = fill.face(fonts)
    if not text:
        return Cell(fonts, [], size, align, style.leading)
    boxes = [m.span() for m in _WORDS.finditer(text)] if words else []
    lines = f.lines(text, width - 2 * style.inset_x, size, boxes=boxes)
    if align != "left" and any(line.glued for line in lines):
        raise Unstampable("a wrapped box in a centred cell")
    return Cell(fonts, lines, size, align, style.leading)


def _header(fill: Fill, faces: Faces, cols: Sequence[dict[str, Any]], style: Style,
            size: float) -> list[Row]:  # fmt: skip
    """The header rows (one, or two where columns share a group) — formgen.typ header-cells."""
    widths = [float(c["w"]) for c in cols]

    def label(text: str, x: int, n: int = 1) -> Cell:
        return _cell(fill, faces.hei, text, sum(widths[x : x + n]), size, "center", style)

    if not any(c.get("group") for c in cols):
        return [Row([label(c["label"], i) for i, c in enumerate(cols)],
                    [(i, 1, 1) for i in range(len(cols))])]  # fmt: skip
    top, bottom = Row([], []), Row([], [])
    i = 0
    while i < len(cols):
        group = cols[i].get("group") or ""
        if not group:
            top.cells.append(label(cols[i]["label"], i))
            top.spans.append((i, 1, 2))
            i += 1
            continue
        n = 1
        while i + n < len(cols) and cols[i + n].get("group") == group:
            n += 1
        top.cells.append(label(group, i, n))
        top.spans.append((i, n, 1))
        for j in range(i, i + n):
            bottom.cells.append(label(cols[j]["label"], j))
            bottom.spans.append((j, 1, 1))
        i += n
    return [top, bottom]


def _size_rows(rows: list[Row], style: Style) -> None:
    """Each row's height: its tallest one-row cell; a cell spanning two rows grows the
    second (Typst sizes the last auto row a rowspan covers)."""
    pad = 2 * style.inset_y
    for r, row in enumerate(rows):
        if row.fixed:
            row.height = row.fixed
            continue
        row.height = max((c.height + pad for c, s in zip(row.cells, row.spans, strict=True)
                          if s[2] == 1), default=pad)  # fmt: skip
        if r > 0:
            prev = rows[r - 1]
            for c, s in zip(prev.cells, prev.spans, strict=True):
                if s[2] == 2:
                    row.height = max(row.height, c.height + pad - prev.height)


@dataclass
class _Table:
    """Where the table stands on the page being drawn, and its strokes there."""

    left: float
    widths: list[float]
    style: Style
    hlines: list[tuple[float, float, float]] = field(default_factory=list)  # y, x0, x1
    vlines: list[tuple[float, float, float]] = field(default_factory=list)  # x, y0, y1


def _draw_row(fill: Fill, table: _Table, rows: list[Row], r: int, y: float,
              parts: Sequence[list[Line]] | None = None, height: float = 0.0) -> None:  # fmt: skip
    """Row r (of ``rows``, for spans) with its top at y: each cell centred in its span,
    and its borders. ``parts``, ``height``: a fragment of the row (each cell's lines on
    this page, the fragment's height)."""
    row, ix, iy = rows[r], table.style.inset_x, table.style.inset_y
    xs = [table.left + sum(table.widths[:i]) for i in range(len(table.widths) + 1)]
    for c, (cell, (x, n, span)) in enumerate(zip(row.cells, row.spans, strict=True)):
        h = height or row.height + (rows[r + 1].height if span == 2 else 0.0)
        lines = cell.lines if parts is None else parts[c]
        w = xs[x + n] - xs[x]
        top = y + iy + (h - 2 * iy - _tall(cell, lines)) / 2
        f = fill.face(cell.fonts)
        f.draw(lines, xs[x] + ix, top, w - 2 * ix, cell.size, cell.leading, cell.align)
        table.hlines += [(y, xs[x], xs[x + n]), (y + h, xs[x], xs[x + n])]
        table.vlines += [(xs[x], y, y + h), (xs[x + n], y, y + h)]


def _tall(cell: Cell, lines: Sequence[Line]) -> float:
    """mm: the height of some of a cell's lines."""
    return height_of(lines, Fonts.top(cell.fonts.body), cell.size, cell.leading)


def _fitting(cell: Cell, room: float) -> int:
    """How many of a cell's lines Typst's flow puts in ``room`` mm: as many as fit, but
    never one line alone at the foot (an orphan) or at the top of the next page (a
    widow) — so a paragraph of two or three lines is never split. Raises where a line
    ends within EPS of the room (rounding would decide)."""
    lines, n = cell.lines, len(cell.lines)
    hs = [_tall(cell, [ln]) for ln in lines]
    lead = cell.leading * cell.size * PT
    orphans = widows = n >= 2
    used = 0.0
    for i in range(n):
        start = used + (lead if i else 0.0)
        if i == 0 and orphans:
            need = sum(hs[:3]) + 2 * lead if n == 3 else hs[0] + lead + hs[1]
        elif widows and i >= 2 and i + 2 == n:
            need = hs[i] + lead + hs[i + 1]
        else:
            need = hs[i]
        if abs(start + need - room) < EPS:
            raise Unstampable("a line at a page's foot")
        if start + need > room:
            if lines[i].glued:
                raise Unstampable("a wrapped box at a page's foot")
            return i
        used = start + hs[i]
    return n


def _strokes(fill: Fill, table: _Table) -> None:
    """The table's rules on this page: 1 pt, touching segments of a line drawn as one."""
    ops = [b"q 0 G 1 w 2 J"]
    for (at, a, b), horizontal in [*((h, True) for h in _merged(table.hlines)),
                                   *((v, False) for v in _merged(table.vlines))]:  # fmt: skip
        if horizontal:
            y = _n(fill._y(at))
            ops.append(f"{_n(fill._x(a))} {y} m {_n(fill._x(b))} {y} l S".encode())
        else:
            x = _n(fill._x(at))
            ops.append(f"{x} {_n(fill._y(a))} m {x} {_n(fill._y(b))} l S".encode())
    fill.ops.append(b" ".join(ops) + b" Q")
    table.hlines.clear()
    table.vlines.clear()


def _merged(segments: list[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
    """Segments (at, from, to) of the same lines, those that touch or overlap joined."""
    out: list[tuple[float, float, float]] = []
    for at, a, b in sorted(set(segments)):
        if out and abs(out[-1][0] - at) < 1e-9 and a <= out[-1][2] + 1e-9:
            out[-1] = (at, out[-1][1], max(out[-1][2], b))
        else:
            out.append((at, a, b))
    return out


def _page_number(doc: Doc, fill: Fill, n: int) -> None:
    """ "— n —" centred NUMBER_DESCENT under the text block (formgen.typ page-number)."""
    f = fill.face(doc.faces.song)
    text = f"— {n} —"
    lines = f.lines(text, fill.width, NUMBER_SIZE)
    f.draw(lines, 0, doc.height + NUMBER_DESCENT, fill.width, NUMBER_SIZE, LEADING, "center")


def table_form(doc: Doc, d: dict[str, Any], label: str) -> None:
    """formgen.typ table-docs for one document: its pages drawn into ``doc``."""
    if d.get("doc_no"):
        raise Unstampable("a numbered table form")
    faces, size = doc.faces, doc.size
    fill = doc.page()
    y = 0.0
    if label:
        f = fill.face(faces.hei)
        f.draw(f.lines(label, fill.width, LABEL_SIZE), 0, 0, fill.width, LABEL_SIZE, LEADING)
        y = LABEL_HEIGHT
    y = _title(fill, faces, d, y, LEADING) + TITLE_BELOW
    fill.two_sided(0, y, fill.width, d["head_left"], d["head_right"], size=size)
    y += fill.cap(size) + HEAD_BELOW
    width = sum(float(c["w"]) for c in d["columns"])
    _table(doc, fill, y, d, FORM, _closing(fill, d, width, size))
    for n, page in enumerate(doc.fills, start=1):
        _page_number(doc, page, n)


def _title(fill: Fill, faces: Faces, d: dict[str, Any], y: float, leading: float) -> float:
    """The title (2号, bold) centred from y, a line for each of its title_lines; the y
    under it. A title line too long for the page gives up."""
    face = fill.face(faces.title)
    given = d.get("title_lines") or [d["title"]]
    lines = [line for t in given for line in face.lines(t, fill.width, TITLE_SIZE)]
    if len(lines) != len(given):
        raise Unstampable("a title line too long for the page")
    face.draw(lines, 0, y, fill.width, TITLE_SIZE, leading, "center")
    return y + face.height(lines, TITLE_SIZE, leading)


Closing = tuple[float, Callable[[Fill, float], None]]  # its height (mm), how to draw it at y


def _table(doc: Doc, fill: Fill, y: float, d: dict[str, Any], style: Style,
           closing: Closing) -> None:  # fmt: skip
    """formgen.typ data-table from y on the last page of ``doc``: the header on every
    page, rows split over pages as Typst splits them, the last KEEP rows on one page
    with the closing block drawn under them."""
    faces, size = doc.faces, fill.size
    cols = d["columns"]
    widths = [float(c["w"]) for c in cols]
    header = _header(fill, faces, cols, style, size)
    _size_rows(header, style)
    body = _body(fill, faces, d, widths, size, style)
    table = _Table(0.0, widths, style)
    pad = 2 * style.inset_y
    rows_here = 0  # body rows on this page

    def new_page() -> float:
        nonlocal fill, rows_here
        _strokes(fill, table)
        fill = doc.page()
        rows_here = 0
        return _place_header(fill, table, header, 0.0)

    y = _place_header(fill, table, header, y)
    kept = min(KEEP, len(body))
    if kept == 0:
        raise Unstampable("a table without rows")
    for i, row in enumerate(body[: len(body) - kept]):
        if y + row.height > doc.height - EPS:
            room = doc.height - y
            fits = [0 if row.fixed else _fitting(c, room - pad) for c in row.cells]
            if not row.fixed and all(
                k or not c.lines for k, c in zip(fits, row.cells, strict=True)
            ):
                # Typst splits the row: its cells' first lines here, down to the page's
                # foot, the rest under the header of the next page
                _draw_row(fill, table, body, i, y, [c.lines[:k] for k, c in
                          zip(fits, row.cells, strict=True)], room)  # fmt: skip
                rest = [c.lines[k:] for k, c in zip(fits, row.cells, strict=True)]
                tall = max(_tall(c, r) for c, r in zip(row.cells, rest, strict=True)) + pad
                y = new_page()
                if y + tall > doc.height - EPS:
                    raise Unstampable("a row longer than two pages")
                _draw_row(fill, table, body, i, y, rest, tall)
                y += tall
                rows_here += 1
                continue
            if rows_here == 0:
                raise Unstampable("a row taller than a page")
            y = new_page()
            if y + row.height > doc.height - EPS:
                raise Unstampable("a row taller than a page")
        _draw_row(fill, table, body, i, y)
        y += row.height
        rows_here += 1
    group = body[len(body) - kept :]
    tall = sum(r.height for r in group) + closing[0]
    if y + tall > doc.height - EPS:
        if abs(y + tall - doc.height) < 2 * EPS or rows_here == 0:
            raise Unstampable("the closing block at a page's foot")
        y = new_page()
        if y + tall > doc.height - EPS:
            raise Unstampable("the closing block taller than a page")
    for j in range(len(group)):
        _draw_row(fill, table, body, len(body) - kept + j, y)
        y += group[j].height
    _strokes(fill, table)
    closing[1](fill, y)


def _place_header(fill: Fill, table: _Table, header: list[Row], y: float) -> float:
    for r in range(len(header)):
        _draw_row(fill, table, header, r, y)
        y += header[r].height
    return y


def _body(fill: Fill, faces: Faces, d: dict[str, Any], widths: list[float],
          size: float, style: Style) -> list[Row]:  # fmt: skip
    """The data rows (formgen.typ row-cells), sized."""
    tall = float(d.get("min_row") or 0)
    rows = []
    for r in d["rows"]:
        if r.get("section"):
            raise Unstampable("a section row")
        cells = []
        for c, w in zip(d["columns"], widths, strict=True):
            v = r.get(c["key"])
            text = "" if v is None else str(v)
            align = "center" if c["align"] == "center" else "left"
            cells.append(_cell(fill, faces.fang, text, w, size, align, style,
                               bool(c.get("words"))))  # fmt: skip
        row = Row(cells, [(i, 1, 1) for i in range(len(cells))], fixed=tall)
        if tall and max(c.height for c in cells) + 2 * style.inset_y > tall + EPS:
            raise Unstampable("a blank form's row overflows")
        rows.append(row)
    _size_rows(rows, style)
    return rows


def _closing(fill: Fill, d: dict[str, Any], width: float, size: float) -> Closing:
    """The closing block under the table (table-form's tail): its height (mm) and how to
    draw it from a y."""
    summary = d.get("summary") or ""
    notes = d.get("notes") or ""
    s_lines = fill.lines(summary, width, size) if summary else []
    n_lines = fill.lines(notes, width, NOTE_SIZE) if notes else []
    lw = sum(a for *_, a in fill.measure(d["foot_left"], size))
    rw = sum(a for *_, a in fill.measure(d["foot_right"], size))
    if lw + rw > width * MM:
        raise Unstampable("foot line too long")
    tall = fill.height(s_lines, size, LEADING) + (SUMMARY_GAP if summary else 0.0)
    tall += fill.cap(size)
    if notes:
        tall += NOTES_GAP + fill.height(n_lines, NOTE_SIZE, LEADING)

    def draw(page: Fill, y: float) -> None:
        if summary:
            page.draw(s_lines, 0, y, width, size, LEADING)
            y += page.height(s_lines, size, LEADING) + SUMMARY_GAP
        page.two_sided(0, y, width, d["foot_left"], d["foot_right"], size=size)
        y += page.cap(size)
        if notes:
            page.draw(n_lines, 0, y + NOTES_GAP, width, NOTE_SIZE, LEADING)

    return tall, draw


# ---------------------------------------------------------------- notices (notice.typ)
TYPST_MM = 2.83465  # pt a millimetre as Typst converts (a justified line's room)
NOTICE_SIZE = 16.0  # 3号: title aside, a notice's text
TITLE_GAP = 3.5  # mm under a notice's title
ISSUER_INSET = 4.0  # em: the issuer block stands four characters in from the right
LEAD_BELOW = 0.5  # mm, v(0.5mm) between the lead (and its paragraph spacing) and the table
CLOSING_ABOVE = 2.0  # mm, v(2mm) opening the closing block
ISSUER_GUTTER, ISSUER_ABOVE = 4.0, 14.0  # mm: beside 公示期 (landscape), above (portrait)
ISSUER_SPACING = 0.6  # em between the issuer's line and the date's (a stack)


def notice(doc: Doc, d: dict[str, Any]) -> None:
    """notice.typ for one document (A4; an A3 notice is Typst's): the number band on
    every page, the title, the justified lead, the declared table, and kept with its last
    rows the closing block — closing sentence, 公示期, 监督电话, issuer and date."""
    p = d["page"]
    if d.get("paper", "a4") != "a4":
        raise Unstampable("an A3 notice")
    faces = doc.faces
    fill = doc.page()
    y = _title(fill, faces, d, 0.0, LEADING) + TITLE_GAP
    lines = justified(fill, d["lead"], NOTICE_SIZE, indent=2.0)
    fill.draw(lines, 0, y, fill.width, NOTICE_SIZE, LEADING)
    y += fill.height(lines, NOTICE_SIZE, LEADING) + (0.5 * NOTICE_SIZE * PT + LEAD_BELOW)
    width = sum(float(c["w"]) for c in d["columns"])
    closing = _notice_closing(fill, d, width, bool(p["landscape"]))
    _table(doc, fill, y, d, NOTICE, closing)
    for n, page in enumerate(doc.fills, start=1):
        number_band(page, d)  # (notice.typ's foreground: on every page)
        _page_number(doc, page, n)


def justified(fill: Fill, text: str, size: float, indent: float) -> list[Line]:
    """A justified paragraph across the text block (Typst's optimized breaking,
    generator/render/justify.py), its first line ``indent`` em in; each glyph where
    Typst sets it (a line's glyphs spaced by TJ adjustments)."""
    from generator.render.justify import justify_lines

    chars = fill.measure(text, size)
    if any(font is not fill.fonts.body for _, font, _, _ in chars):
        raise Unstampable("a justified paragraph in more than one font")
    w, m = fill.paper[0], fill.margin
    room = w * TYPST_MM - (m["left"] * TYPST_MM + m["right"] * TYPST_MM)
    placed, sure = justify_lines([(c[0], c[3]) for c in chars], room, indent * size, size)
    if not sure:
        raise Unstampable("a justified paragraph Typst's rounding may break otherwise")
    out, at = [], 0
    top = Fonts.top(fill.fonts.body)
    for row in placed:
        glyphs = []
        for k, (ch, x) in enumerate(row):
            while chars[at][0] != ch:
                at += 1  # a space trimmed at the end of the line before
            _, font, cid, adv = chars[at]
            at += 1
            step = row[k + 1][1] - x if k + 1 < len(row) else adv
            glyphs.append((font, cid, ch, adv - step))
        if glyphs:
            width = row[-1][1] + chars[at - 1][3]
            out.append(Line(glyphs, width, -row[0][1], top))
    return out


def _notice_closing(fill: Fill, d: dict[str, Any], width: float, landscape: bool) -> Closing:
    """notice.typ closing-block: its height (mm) and how to draw it from a y."""
    size, em = NOTICE_SIZE, NOTICE_SIZE * PT
    cap, gap = fill.cap(size), 0.5 * em
    indent = 2 * em

    def para(text: str, room: float) -> list[Line]:
        return fill.lines(text, room, size, indent=indent) if text else []

    def tall_of(lines: list[Line]) -> float:
        return fill.height(lines, size, LEADING)

    def draw_para(page: Fill, lines: list[Line], y: float, room: float) -> float:
        """The paragraph's lines from y, its first line ``indent`` in; the y under it."""
        if lines:
            page.draw(lines[:1], indent, y, room - indent, size, LEADING)
            page.draw(lines[1:], 0, y + cap + LEADING * em, room, size, LEADING)
        return y + tall_of(lines)

    closing = para(d.get("closing") or "", width)
    issuer = fill.lines(d["issuer"] + (d.get("seal") or ""), width, size)
    date = fill.lines(d["issue_date"], width, size)
    if len(issuer) > 1 or len(date) > 1:
        raise Unstampable("an issuer too long for one line")
    inner = max(issuer[0].width, date[0].width) * PT
    box = inner + ISSUER_INSET * em
    room = width - box - ISSUER_GUTTER if landscape else width
    if room < width / 4:
        raise Unstampable("an issuer block too wide")
    period, phone = para(d["period_text"], room), para(d["phone_text"], room)
    if not (period and phone):
        raise Unstampable("a notice without 公示期 or 监督电话")
    left_h = tall_of(period) + gap + tall_of(phone)
    right_h = 2 * cap + ISSUER_SPACING * em
    tall = CLOSING_ABOVE + ((tall_of(closing) + gap) if closing else 0.0)
    tall += max(left_h, right_h) if landscape else left_h + ISSUER_ABOVE + right_h

    def draw(page: Fill, y: float) -> None:
        y += CLOSING_ABOVE
        if closing:
            y = draw_para(page, closing, y, width) + gap
        if landscape:
            row = max(left_h, right_h)
            lt, rt = y + row - left_h, y + row - right_h
        else:
            lt, rt = y, y + left_h + ISSUER_ABOVE
        draw_para(page, phone, draw_para(page, period, lt, room) + gap, room)
        x = width - box
        page.draw(issuer, x, rt, inner, size, LEADING, "center")
        page.draw(date, x, rt + cap + ISSUER_SPACING * em, inner, size, LEADING, "center")

    return tall, draw
