"""The fill of a framed one-page form written straight into a PDF page, over its frame.

A framed form (formgen.typ, ``framed-docs``) is a frame — everything documents agreeing on
its frame fields share — and a fill: short texts in fixed boxes. Typst lays the frame out
once per process (pdf.CompiledTypst); a form whose folder declares a stamp recipe
(``stamp(fill, d, grid)`` in its <id>.py) then has its fill drawn here: CJK text is a cmap
lookup at fixed advances, lines break between characters (never before a closing mark
nor after an opening one, never inside a Latin word), and each PDF carries only its own
glyphs (cff.CffFont.subset). About a tenth of Typst's time per document.

The recipe draws in millimetres from the top left of the page's text block, with Typst's
model of a line (its top edge at its fonts' highest cap height — FandolFang gives
none: its ascender —, its bottom edge at the baseline, ``leading`` between lines) and
of CJK marks (trimmed at a line's edges, adjacent ones set closer), so what it draws
stands where Typst's fill would (tests/test_stamp.py holds them together). A text it
cannot draw exactly — a character FandolFang lacks but "_", a word wider than its box,
a line too long for its room — makes ``Fill`` give up (``Unstampable``) and the caller
lays that document out with Typst.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import io
import itertools
import operator
import pickle
import re
import subprocess
import sys
import unicodedata
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from generator.io import machine
from generator.render.cff import CffFont
from generator.render.pdf import EPOCH
from generator.render.pdfsplit import write_pdf
from generator.render.ziputil import flate

if TYPE_CHECKING:
    from generator.render.pdf import CompiledTypst

MM = 72 / 25.4  # points per millimetre
PT = 25.4 / 72  # millimetres per point
LAID = 2_000  # texts whose lines a process remembers: a run's repeated ones stay, a
# member's own go (20,000 held 60 MB more a worker for no more speed)
RARE = 200  # characters the body font lacks a process draws from Noto Serif CJK
_RARE: dict[str, CffFont] = {}  # by resource name: those drawn so far
BLANK_CHARS = "_— 0123456789"  # Noto Serif CJK: the blanks to fill by hand, page numbers
DRAWN = 8  # places a line remembers its operators for (a form's heads stand in a few;
# a table's 是 in hundreds of rows would grow a worker for nothing)
MADE = 64  # font subsets a process keeps made (headers, page numbers, blanks repeat)
A4 = (210.0, 297.0)
# No line starts with these (closing marks, CJK punctuation) ...
NO_START = set("，。、；：？！）》」』】〕〉”’…%‰,.;:?!)]}>％、")
# ... nor ends with these (opening marks).
NO_END = set("（《「『【〔〈“‘([{<")
SPACES = " \u3000"  # trimmed at a line's end (Unicode White_Space), a break after them
OVERHANG = {"–": 0.2, "—": 0.2, "-": 0.55, ".": 0.8, ",": 0.8, ":": 0.3, ";": 0.3}  # of advance
OPENING = set("（《「『【〔〈“‘")  # CJK opening marks: half trimmed at a line's start
CLOSING = set("，。、；：？！）》」』】〕〉”’")  # CJK closing ones: half trimmed at its end


_FONT = operator.itemgetter(0)  # a glyph's font


def _compressed(a: str, b: str) -> bool:
    """Whether Typst sets two adjacent CJK marks half an em closer: any pair of them
    but an opening mark before a closing one (measured, FandolFang, zh-CN)."""
    return (a in CLOSING and (b in CLOSING or b in OPENING)) or (a in OPENING and b in OPENING)


class Unstampable(Exception):
    """This document's fill cannot be drawn here exactly: Typst lays it out instead."""


@dataclass
class Fonts:
    """The fonts a fill draws with: the body font, and one for the underscores of the
    blanks to fill by hand (FandolFang draws _ as a short dash; formgen.typ: fang)."""

    body: CffFont
    blank: CffFont
    names: dict[int, tuple[str, CffFont]] = field(default_factory=dict)  # id -> resource
    glyphs: dict[str, tuple[CffFont, int, float]] = field(default_factory=dict)
    source: tuple[str, int] | None = None  # the blank font's file: a character the body
    # lacks (䶮, 𠮷) is drawn from it, as Typst falls back to Noto Serif CJK (_fallback)
    laid: OrderedDict[tuple[Any, ...], list[Line]] = field(
        default_factory=OrderedDict
    )  # texts laid out lately (Fill.lines)

    def glyph(self, ch: str) -> tuple[CffFont, int, float]:
        """A character's font, CID and advance (em); Unstampable if the font lacks it."""
        font = self.font_of(ch)
        cid = font.cid(ch)
        if cid is None and self.source is not None and ch != "_":
            font = self._fallback(ch)
            cid = font.cid(ch)
        if cid is None:
            raise Unstampable(ch)
        self.glyphs[ch] = (font, cid, font.advance(cid) / font.units_per_em)
        return self.glyphs[ch]

    def _fallback(self, ch: str) -> CffFont:
        """Noto Serif CJK restricted to ``ch``, under a resource of its own (named by the
        character: the same bytes whatever else a process drew); a process draws at most
        RARE such characters."""
        name = f"R{ord(ch):X}"
        font = _RARE.get(name)
        if font is None:
            if len(_RARE) >= RARE:
                raise Unstampable(ch)
            assert self.source is not None
            font = _RARE[name] = CffFont.load(*self.source, chars=ch)
        self.names[id(font)] = (name, font)
        return font

    def font_of(self, ch: str) -> CffFont:
        return self.blank if ch == "_" else self.body

    @staticmethod
    def top(font: CffFont) -> float:
        """Where a line of the font has its top edge above the baseline (em): Typst's
        cap height, the ascender where the font gives none (FandolFang)."""
        return (font.cap_height or font.ascender) / font.units_per_em

    def __post_init__(self) -> None:
        if not self.names:
            self.names.update(
                {id(self.body): ("F1", self.body), id(self.blank): ("F2", self.blank)}
            )

    def res(self, font: CffFont) -> str:
        """The font's resource name on the page (each face its own, whatever ``Fonts``
        draws it: one name, one subset a document)."""
        return self.names[id(font)][0]

    def face(self, body: CffFont, name: str) -> Fonts:
        """Fonts drawing with ``body`` (resource ``name``) and this one's blank font,
        sharing the resource names."""
        self.names[id(body)] = (name, body)
        return Fonts(body, self.blank, self.names)

    def font(self, res: str) -> CffFont:
        """The font of a resource name."""
        return next(font for name, font in reversed(self.names.values()) if name == res)


@dataclass
class Line:
    """A line of text: its glyphs (font, CID, character, pt to set the next one closer)
    and its width (pt)."""

    glyphs: list[tuple[CffFont, int, str, float]]
    width: float
    lead: float = 0.0  # pt the first glyph is drawn left of the line's start (a trimmed mark)
    top: float = 0.0  # em: its top edge above its baseline (the highest of its fonts')
    hang: float = 0.0  # pt its last glyph hangs into the end margin (Typst's overhang)
    glued: bool = False  # a wrapped box's line under its first: never starts a page
    drawn: dict[tuple[float, float, float], bytes] = field(default_factory=dict)  # where -> ops
    runs: dict[float, list[tuple[str, str, float]]] = field(default_factory=dict)  # by size
    used: dict[str, dict[int, str]] | None = None  # resource -> CID -> character


@dataclass
class Fill:
    """One page's fill: text lines, clip boxes and an image, in PDF coordinates."""

    fonts: Fonts
    margin: dict[str, float]  # mm: top, left, right, bottom
    size: float  # the body size (pt)
    paper: tuple[float, float] = A4  # mm: width, height
    ops: list[bytes] = field(default_factory=list)
    used: dict[str, dict[int, str]] = field(default_factory=dict)  # resource -> CID -> char
    image: tuple[float, float, float, int, bytes] | None = None  # x, y, side (pt), w, pixels
    views: dict[int, Fill] = field(default_factory=dict, repr=False)  # by other fonts (face)

    # -------------------------------------------------------------- geometry helpers
    def _x(self, mm: float) -> float:
        return (self.margin["left"] + mm) * MM

    def _y(self, mm: float) -> float:
        return (self.paper[1] - self.margin["top"] - mm) * MM

    @property
    def width(self) -> float:
        """The text block's width (mm)."""
        return self.paper[0] - self.margin["left"] - self.margin["right"]

    def face(self, fonts: Fonts) -> Fill:
        """This fill drawing with other fonts (the same page: its operators and glyphs)."""
        if fonts is self.fonts:
            return self
        view = self.views.get(id(fonts))
        if view is None:
            view = self.views[id(fonts)] = dataclasses.replace(self, fonts=fonts)
        return view

    # -------------------------------------------------------------- text
    def measure(self, text: str, size: float) -> list[tuple[str, CffFont, int, float]]:
        """Each character with its font, CID and advance (pt)."""
        glyphs = self.fonts.glyphs
        out = []
        for ch in text:
            g = glyphs.get(ch) or self.fonts.glyph(ch)
            out.append((ch, g[0], g[1], g[2] * size))
        return out

    def lines(self, text: str, width: float, size: float, keep: str = "",
              boxes: Sequence[tuple[int, int]] = (), indent: float = 0.0
              ) -> list[Line]:  # fmt: skip
        """``text`` broken into lines of at most ``width`` mm at ``size`` pt (a line
        break in the text starts a new line); ``keep`` — and the spans ``boxes`` of a
        text without line breaks — set as Typst boxes: never broken inside, their marks
        trimmed at their own edges. Remembered: the documents of a run repeat most of
        their texts (heads, grades, seals, notes' neighbours). ``indent``: mm less room
        on the first line (a first-line indent: the caller draws that line further in)."""
        key = (text, width, size, keep, tuple(boxes), indent)
        laid = self.fonts.laid
        found = laid.get(key)
        if found is None:
            found = laid[key] = self._lines(text, width, size, keep, boxes, indent)
            if len(laid) > LAID:
                laid.popitem(last=False)  # the least recently used
        else:
            laid.move_to_end(key)
        return found

    def _lines(self, text: str, width: float, size: float, keep: str,
               given: Sequence[tuple[int, int]], indent: float) -> list[Line]:  # fmt: skip
        if given or indent:
            if "\n" in text:
                raise Unstampable("boxes or an indent in a text of several lines")
            return _Para(self.measure(text, size), given).lines(width * MM, indent * MM)
        if not keep and "\n" not in text:
            chars = self.measure(text, size)
            if sum(c[3] for c in chars) <= width * MM:
                return [_single(chars)] if chars else []  # (most cells of a table)
        result: list[Line] = []
        for para in text.split("\n"):
            boxes = []
            at = para.find(keep) if keep else -1
            while at >= 0:
                boxes.append((at, at + len(keep)))
                at = para.find(keep, at + len(keep))
            result += _Para(self.measure(para, size), boxes).lines(width * MM)
        return result

    def draw(self, lines: Sequence[Line], x: float, y: float, w: float, size: float,
             leading: float, align: str = "left") -> None:  # fmt: skip
        """Lines with the first one's top edge at (x, y) mm, in a column ``w`` mm wide."""
        base = self._y(y)
        for line in lines:
            width = line.width - line.hang
            dx = {"left": 0.0, "center": (w * MM - width) / 2, "right": w * MM - width}[align]
            base -= (line.top or Fonts.top(self.fonts.body)) * size
            self._show(line, self._x(x) + dx - line.lead, base, size)
            base -= leading * size

    def _show(self, line: Line, x: float, y: float, size: float) -> None:
        """One line's glyphs from (x, y) pt (each line remembers where it was drawn)."""
        key = (x, y, size)
        ops = line.drawn.get(key)
        if ops is None:
            ops = self._ops(line, x, y, size)
            if len(line.drawn) < DRAWN:
                line.drawn[key] = ops
        self.ops.append(ops)
        if line.used is None:
            line.used = {}
            for font, run in itertools.groupby(line.glyphs, key=_FONT):
                used = line.used.setdefault(self.fonts.res(font), {})
                used.update((cid, ch) for _, cid, ch, _ in run)
        for res, chars in line.used.items():
            self.used.setdefault(res, {}).update(chars)

    def _ops(self, line: Line, x: float, y: float, size: float) -> bytes:
        """A line's operators: a run per font, adjacent marks set closer."""
        runs = line.runs.get(size)
        if runs is None:
            runs = line.runs[size] = self._runs(line, size)
        ops = [b"BT"]
        for res, show, advance in runs:
            ops.append(f"/{res} {_n(size)} Tf 1 0 0 1 {_n(x)} {_n(y)} Tm {show}".encode())
            x += advance
        ops.append(b"ET")
        return b" ".join(ops)

    def _runs(self, line: Line, size: float) -> list[tuple[str, str, float]]:
        """A line's runs at a size, wherever it stands: per font its resource, its show
        operator (adjacent marks set closer) and its advance (pt)."""
        runs = []
        for font, run in itertools.groupby(line.glyphs, key=_FONT):
            glyphs = list(run)
            cids = array("H", [g[1] for g in glyphs])
            if sys.byteorder == "little":
                cids.byteswap()
            if not any(g[3] for g in glyphs):
                show = f"<{cids.tobytes().hex().upper()}>Tj"
            else:
                hexa = []
                for _, cid, _, closer in glyphs:
                    hexa.append(f"{cid:04X}")
                    if closer:
                        hexa.append(f">{_n(closer / size * 1000)}<")
                show = f"[<{''.join(hexa)}>]TJ"
            scale = size / font.units_per_em
            advance = sum(font.advance(g[1]) for g in glyphs) * scale - sum(g[3] for g in glyphs)
            runs.append((self.fonts.res(font), show, advance))
        return runs

    def height(self, lines: Sequence[Line], size: float, leading: float) -> float:
        """The height (mm) of lines at size pt with leading (em) between them."""
        return height_of(lines, Fonts.top(self.fonts.body), size, leading)

    # -------------------------------------------------------------- what recipes call
    def text(self, x: float, y: float, w: float, h: float, text: Any, *, size: float,
             align: str = "center", valign: str = "horizon", leading: float = 0.5,
             min_size: float | None = None, keep: str = "", fit_leading: float = 0.45
             ) -> None:  # fmt: skip
        """``text`` in the box (x, y, w, h) mm, aligned in it, ``leading`` (em) between
        its lines; with ``min_size`` as formgen.typ's fit-text: a text its rough count
        finds too long is measured (``fit``) and set with ``fit_leading``."""
        t = "" if text is None else str(text)
        if not t:
            return
        if min_size is not None and self.rough(t, w, h, size, fit_leading):
            self.fit(x, y, w, h, t, size=size, min_size=min_size, leading=fit_leading,
                     align=align, valign=valign)  # fmt: skip
            return
        lines = self.lines(t, w, size, keep)
        tall = self.height(lines, size, leading)
        top = {"top": y, "horizon": y + (h - tall) / 2, "bottom": y + h - tall}[valign]
        self.draw(lines, x, top, w, size, leading, align)

    @staticmethod
    def rough(t: str, w: float, h: float, size: float, leading: float) -> bool:
        """Whether fit-text measures ``t`` (too long for w × h mm by a rough count)."""
        rough = (len(t) * size / (w * MM) + 1) * size * (1 + leading) * 1.05
        return rough > h * MM

    def fit(self, x: float, y: float, w: float, h: float, t: str, *, size: float,
            min_size: float, leading: float, align: str = "left", valign: str = "top"
            ) -> float:  # fmt: skip
        """formgen.typ fit-text's measured case: a box w × h mm from (x, y), the text at
        the largest of size·0.88ⁿ (down to min_size) that fits it, aligned in it (the
        box takes its cell's alignment), clipped to it; its height (h) in the flow."""
        s = size
        lines = self.lines(t, w, s)
        while s > min_size and self.height(lines, s, leading) > h:
            s = max(min_size, s * 0.88)
            lines = self.lines(t, w, s)
        tall = self.height(lines, s, leading)
        clip = tall > h
        top = (
            y if clip else {"top": y, "horizon": y + (h - tall) / 2, "bottom": y + h - tall}[valign]
        )
        if clip:
            self.ops.append(f"q {_n(self._x(x))} {_n(self._y(y + h))} {_n(w * MM)} "
                            f"{_n(h * MM)} re W n".encode())  # fmt: skip
        self.draw(lines, x, top, w, s, leading, align)
        if clip:
            self.ops.append(b"Q")
        return h

    def one_line(self, x: float, y: float, w: float, text: str, *, size: float,
                 align: str = "left") -> None:  # fmt: skip
        """``text`` on one line, its top edge at y; a text that does not fit gives up."""
        lines = self.lines(text, w, size) if text else []
        if len(lines) > 1:
            raise Unstampable("a line too long for its room")
        self.draw(lines, x, y, w, size, 0.5, align)

    def two_sided(self, x: float, y: float, w: float, left: str, right: str, *,
                  size: float) -> None:  # fmt: skip
        """``left`` flush left and ``right`` flush right on one line (formgen.typ
        two-sided); when they do not fit on one line, Typst lays the page out."""
        lw = sum(a for *_, a in self.measure(left, size))
        rw = sum(a for *_, a in self.measure(right, size))
        if lw + rw > w * MM:
            raise Unstampable("two-sided line too long")
        self.one_line(x, y, w, left, size=size)
        self.one_line(x, y, w, right, size=size, align="right")

    def paragraphs(self, x: float, y: float, w: float, paras: Sequence[str], *,
                   size: float, leading: float = 0.5, gap: float = 0.0,
                   indent: float = 0.0) -> float:  # fmt: skip
        """Paragraphs one under the other from y, ``gap`` mm between them, each
        ``indent`` mm in from x; the y (mm) under the last. Empty ones only: nothing
        (an empty one among others: Typst knows its height)."""
        texts = [str(p) for p in paras]
        if not any(texts):
            return y
        if not all(texts):
            raise Unstampable("an empty paragraph among others")
        for i, p in enumerate(texts):
            y += gap if i else 0.0
            lines = self.lines(str(p), w - indent, size)
            self.draw(lines, x + indent, y, w - indent, size, leading)
            y += self.height(lines, size, leading)
        return y

    def marks(self, x: float, y: float, w: float, s: str, *, size: float) -> None:
        """A string of check boxes on one line (formgen.typ marks): ☑ drawn as □ with a
        √ at 0.8 em inside, 0.14 em in and 0.09 em up from its baseline."""
        plain = s.replace("☑", "□")
        if len(self.lines(plain, w, size)) > 1:
            raise Unstampable("grades too long for one line")
        base = self._y(y) - Fonts.top(self.fonts.body) * size
        at = 0.0  # pt: each piece up to a ticked box drawn, then its tick (reading order)
        for piece in re.split(r"(?<=☑)", s):
            if not piece:
                continue
            text = piece.replace("☑", "□")
            self.draw(self.lines(text, w, size), x + at * PT, y, w, size, 0.5)
            at += sum(a for *_, a in self.measure(text, size))
            if piece.endswith("☑"):
                tick = Line([(self.fonts.body, *self._cid("√"), 0.0)], 0.0)
                box = self.measure("□", size)[0][3]
                self._show(tick, self._x(x) + at - box + 0.14 * size, base + 0.09 * size,
                           0.8 * size)  # fmt: skip

    def _cid(self, ch: str) -> tuple[int, str]:
        cid = self.fonts.body.cid(ch)
        if cid is None:
            raise Unstampable(ch)
        return cid, ch

    def qr(self, x: float, y: float, side: float, width: int, pixels: bytes) -> None:
        """A QR code's modules (grey values, width × width) as an image side mm square
        with its top left at (x, y) mm, unsmoothed."""
        self.image = (self._x(x), self._y(y + side), side * MM, width, pixels)
        self.ops.append(f"q {_n(side * MM)} 0 0 {_n(side * MM)} {_n(self._x(x))} "
                        f"{_n(self._y(y + side))} cm /Im1 Do Q".encode())  # fmt: skip

    def cap(self, size: float) -> float:
        """The height (mm) of a line of body text at size pt: its baseline below its top."""
        return Fonts.top(self.fonts.body) * size * PT


# What formgen.typ declares and a recipe draws against (the sync test, tests/test_stamp.py,
# holds them to Typst's): 附件N's line, and the number band's QR code and edge.
LABEL_HEIGHT = 10.0  # label-height
QR_SIZE, BAND_EDGE = 26.0, 4.0  # qr-size, band-edge
BAND_GAP, BAND_LABEL = 1.5, 8.0  # mm between the code and 编号 beside it; 编号's size (pt)


@dataclass(frozen=True)
class Grid:
    """A form's grid (form.yaml page: grid, mm): ``cell`` gives a cell's box less its
    inset as (x, y, w, h), as formgen.typ's cell/fit-cell place their body."""

    cols: tuple[float, ...]
    rows: tuple[float, ...]
    top: float

    @classmethod
    def of(cls, page: dict[str, Any]) -> Grid:
        g = page["grid"]
        return cls(tuple(map(float, g["cols"])), tuple(map(float, g["rows"])), float(g["top"]))

    def cell(self, x: int, y: int, colspan: int = 1, inset: float | tuple[float, ...] = 1.5
             ) -> tuple[float, float, float, float]:  # fmt: skip
        """(x, y, w, h) mm of the cell's body; inset: all sides, or (x, top, bottom)."""
        ix, it, ib = (inset, inset, inset) if isinstance(inset, float | int) else inset
        left = sum(self.cols[:x]) + ix
        top = self.top + sum(self.rows[:y]) + it
        return left, top, sum(self.cols[x : x + colspan]) - 2 * ix, self.rows[y] - it - ib

    @property
    def below(self) -> float:
        """The y (mm) under the grid's last row."""
        return self.top + sum(self.rows)


def number_band(fill: Fill, d: dict[str, Any]) -> None:
    """编号 and its QR code in the top margin (formgen.typ number-band), the code's right
    edge on the text block's, BAND_EDGE from the paper's top edge: the label under the
    code where the margin is deep enough, else beside it (bottoms aligned), the code as
    large as the margin allows."""
    no = d.get("doc_no") or ""
    if not no:
        return
    from generator.render.qr import qr_pixels

    top = fill.margin["top"]
    under = top >= BAND_EDGE + QR_SIZE + 6
    side = QR_SIZE if under else max(20.0, min(QR_SIZE, top - BAND_EDGE - 2))
    width, pixels = qr_pixels(no)
    y = BAND_EDGE - top
    fill.qr(fill.width - side, y, side, width, bytes(pixels))
    label = f"编号：{no}"
    if under:
        fill.one_line(0, y + side + 0.8, fill.width, label, size=BAND_LABEL, align="right")
    else:
        fill.one_line(0, y + side - fill.cap(BAND_LABEL), fill.width - side - BAND_GAP, label,
                      size=BAND_LABEL, align="right")  # fmt: skip


def _may_break(before: str, after: str) -> bool:
    """Whether a line may break between two characters — UAX #14 as far as these
    forms' texts need: never before a closing mark nor after an opening one, never
    inside a Latin word or number, after a space, and never after a closing quote before a Latin
    letter or digit (measured on Typst: it breaks before an opening quote anywhere)."""
    if after in NO_START or before in NO_END:
        return False
    if before in SPACES or after in SPACES:
        return before in SPACES and after not in SPACES
    if before in "”’" and not _east_asian(after):
        return False
    if before in "%％$¥€" and (after in OPENING or after in "([{"):
        return False  # LB25: PR × OP, PO × OP
    if before == "-":
        return not after.isdigit()  # LB21, LB25: × HY, HY ÷ AL, HY × NU ("0719-", "****545")
    if after == "—":
        return before != "—"  # LB17: ÷ B2, but B2 × B2 (a —— never splits)
    return not (_wordish(before) and _wordish(after))


def _east_asian(ch: str) -> bool:
    """East Asian width wide, full, half — or ambiguous, as in a Chinese text (“” too)."""
    return bool(ch) and unicodedata.east_asian_width(ch) in ("F", "W", "H", "A")


class _Para:
    """A paragraph's characters (character, font, CID, advance in pt) as Typst sets
    them on a line: two adjacent CJK marks half an em closer (``_compressed``); a line's
    starting opening mark and ending closing one trimmed by half; a box (``keep``)
    never broken, its edge marks trimmed by half wherever it stands; a space ending a
    line left out of its width."""

    def __init__(self, chars: list[tuple[str, CffFont, int, float]],
                 boxes: Sequence[tuple[int, int]] = ()) -> None:  # fmt: skip
        self.chars = chars
        n = len(chars)
        self.pair = [0.5 * chars[i][3] if i + 1 < n and _compressed(chars[i][0], chars[i + 1][0])
                     else 0.0 for i in range(n)]  # fmt: skip
        self.box_start, self.box_end = [0.0] * n, [0.0] * n
        self.inside: set[int] = set()  # break positions inside a box
        self.boxed = [False] * n  # inside a box
        self.box_at = dict(boxes)  # start -> end
        for a, b in boxes:
            self.inside.update(range(a + 1, b))
            self.boxed[a:b] = [True] * (b - a)
            if chars[a][0] in OPENING:
                self.box_start[a] = 0.5 * chars[a][3]
            if chars[b - 1][0] in CLOSING:
                self.box_end[b - 1] = 0.5 * chars[b - 1][3]
            if a > 0:
                self.pair[a - 1] = 0.0  # a box is set apart from its neighbours
            self.pair[b - 1] = 0.0
        self.adv = _prefix(c[3] for c in chars)
        self.pairs, self.starts = _prefix(self.pair), _prefix(self.box_start)
        self.ends = _prefix(self.box_end)
        parts = zip(chars, self.pair, self.box_start, self.box_end, strict=True)
        self.eff = _prefix(c[3] - a - b - d for c, a, b, d in parts)  # with every saving

    def lead(self, a: int) -> float:
        """How far left of the line's start its first glyph is drawn (a trimmed mark)."""
        c = self.chars[a]
        return 0.5 * c[3] if c[0] in OPENING else 0.0

    def width(self, a: int, b: int) -> float:
        """The width (pt) of chars[a:b] as one line."""
        if b < len(self.chars):  # (the paragraph's end keeps its spaces, as a box does)
            while b > a and self.chars[b - 1][0] in SPACES and not self.boxed[b - 1]:
                b -= 1
        if b <= a:
            return 0.0
        w = self.adv[b] - self.adv[a] - (self.pairs[b - 1] - self.pairs[a])
        w -= self.ends[b] - self.ends[a] + self.starts[b] - self.starts[a + 1] + self.lead(a)
        last = self.chars[b - 1]
        if last[0] in CLOSING and not self.boxed[b - 1]:
            w -= 0.5 * last[3]
        return w

    def lines(self, full: float, indent: float = 0.0) -> list[Line]:
        """Greedy breaking as Typst's (non-justified) paragraphs do: each line ends at
        the last break opportunity where it still fits (``full`` pt, the first one
        ``indent`` pt less)."""
        chars, n = self.chars, len(self.chars)
        lines: list[Line] = []
        if n == 0:
            return lines
        start = 0
        slack = max((c[3] for c in chars), default=0.0)  # what trims can give back
        while True:
            room = full - indent if not lines else full
            # Past ``hi`` nothing fits whatever the trims; from there back, the first
            # break opportunity that fits (a line's width grows with its end).
            hi = min(n, bisect.bisect_right(self.eff, self.eff[start] + room + slack) - 1)
            while hi < n and chars[hi][0] in SPACES:
                hi += 1  # spaces ending a line take no room
            best = -1
            for p in range(hi, start, -1):
                if p < n and (p in self.inside or not self.may_break(p)):
                    continue
                if self.width(start, p) <= room + 1e-6:
                    best = p
                    break
            if best < 0 and start in self.box_at:
                wrapped, start = self._wrapped(start, room)
                lines += wrapped
                if start >= n:
                    return lines
                continue
            if best < 0:
                raise Unstampable("a word wider than its box")
            end = best
            glyphs = [(f, c, ch, self._closer(i, end)) for i, (ch, f, c, _) in
                      enumerate(chars[start:end], start)]  # fmt: skip
            top = max((Fonts.top(f) for f, *_ in glyphs), default=0.0)
            lead = self.lead(start) if start < end else 0.0
            lines.append(Line(glyphs, self.width(start, end), lead, top, self._hang(start, end)))
            start = end
            while start < n and chars[start][0] in SPACES:
                start += 1
            if start >= n:
                return lines

    def _wrapped(self, a: int, room: float) -> tuple[list[Line], int]:
        """A box wider than the room, at a line's start, as Typst lays it out: its text
        broken inside it (a paragraph of its own), the box as wide as its widest line,
        what fits after it set on its first line; its other lines glued to the first
        (they never start a page). Returns the lines and where the next one starts."""
        b = self.box_at[a]
        inner = _Para(self.chars[a:b]).lines(room)
        wide = max(line.width for line in inner)
        end = b
        for p in range(len(self.chars), b, -1):  # what follows on the box's first line
            if (p < len(self.chars) and (p in self.inside or not self.may_break(p))) or (
                self.width(b, p) + self.lead(b) > room - wide + 1e-6
            ):
                continue
            end = p
            break
        first = inner[0]
        if end > b:
            if first.width < wide - 1e-6:
                raise Unstampable("a wrapped box wider below its first line")
            after = [(f, c, ch, self._closer(i, end)) for i, (ch, f, c, _) in
                     enumerate(self.chars[b:end], b)]  # fmt: skip
            first = Line(first.glyphs + after, wide + self.width(b, end) + self.lead(b),
                         first.lead, max(first.top, *(Fonts.top(f) for f, *_ in after)),
                         self._hang(b, end))  # fmt: skip
        rest = [dataclasses.replace(line, glued=True) for line in inner[1:]]
        while end < len(self.chars) and self.chars[end][0] in SPACES:
            end += 1
        return [first, *rest], end

    def _hang(self, start: int, end: int) -> float:
        """pt the line's last glyph hangs into the end margin (Typst's overhang: dashes,
        Latin stops, colons), moving a centred or right-aligned line; not a lone glyph's,
        nor a box's."""
        last = end - 1
        if self.chars[last][0] in SPACES:
            return 0.0  # a trailing space is the line's last item
        if last <= start or self.boxed[last]:
            return 0.0
        return OVERHANG.get(self.chars[last][0], 0.0) * self.chars[last][3]

    def may_break(self, p: int) -> bool:
        """Whether a line may end before chars[p]."""
        return _may_break(self.chars[p - 1][0], self.chars[p][0])

    def _closer(self, i: int, end: int) -> float:
        """pt the glyph after chars[i] is set closer (none after a line's last)."""
        if i >= end - 1:
            return 0.0
        return self.pair[i] + self.box_end[i] + self.box_start[i + 1]


def height_of(lines: Sequence[Line], top: float, size: float, leading: float) -> float:
    """The height (mm) of lines at size pt, leading (em) between them: each line from
    its top edge (``top`` em where it has none of its own) to its baseline."""
    if not lines:
        return 0.0
    tops = sum(line.top or top for line in lines)
    return (tops + (len(lines) - 1) * leading) * size * PT


def _single(chars: list[tuple[str, CffFont, int, float]]) -> Line:
    """A paragraph that fits its room untrimmed: one line, as _Para would set it."""
    n = len(chars)
    glyphs = []
    for i, (ch, font, cid, adv) in enumerate(chars):
        closer = 0.5 * adv if i + 1 < n and _compressed(ch, chars[i + 1][0]) else 0.0
        glyphs.append((font, cid, ch, closer))
    first, last = chars[0], chars[-1]
    lead = 0.5 * first[3] if first[0] in OPENING else 0.0
    width = sum(c[3] for c in chars) - sum(g[3] for g in glyphs) - lead
    if last[0] in CLOSING:
        width -= 0.5 * last[3]
    hang = OVERHANG.get(last[0], 0.0) * last[3] if n > 1 else 0.0
    top = max(Fonts.top(font) for _, font, _, _ in chars)
    return Line(glyphs, width, lead, top, hang)


def _prefix(values: Iterable[float]) -> list[float]:
    """0 and the running sums of ``values``."""
    return list(itertools.accumulate(values, initial=0.0))


def _wordish(ch: str) -> bool:
    return (ch.isascii() and (ch.isalnum() or ch in "-_./:@#&+'%$*")) or ch in "¥€％"


def _n(v: float) -> str:
    """A number as PDF writes it (at most 3 decimals)."""
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return s if s != "-0" else "0"


# ---------------------------------------------------------------- the PDF


class Frame:
    """A frame PDF's first page as a form XObject: its objects as bytes, numbered from 1,
    copied into every document drawn over it. ``key``: the XObject's number."""

    media: list[float]
    objects: list[bytes]

    @classmethod
    def of(cls, pdf: bytes) -> Frame:
        """The frame of a frame PDF, kept per machine beside it (keyed by the PDF and this
        module's code): a process reads it back without importing pikepdf (45–90 ms)."""
        key = hashlib.sha256(pdf + machine.code(__name__)).hexdigest()[:32]

        def convert() -> bytes:
            made = cls(pdf)
            return pickle.dumps((made.media, made.objects))

        with contextlib.suppress(Exception):  # unreadable: converted here after all
            path = machine.folder("frames") / f"{key}.xobject"
            media, objects = pickle.loads(machine.kept(path, convert))
            frame = cls.__new__(cls)
            frame.media, frame.objects = list(media), list(objects)
            return frame
        return cls(pdf)

    def __init__(self, pdf: bytes) -> None:
        import pikepdf

        src = pikepdf.open(io.BytesIO(pdf))
        page = src.pages[0]
        self.media = [float(v) for v in page.MediaBox]
        numbers: dict[tuple[int, int], int] = {}
        order: list[Any] = []

        def number(obj: Any) -> int:
            og = obj.objgen
            if og not in numbers:
                numbers[og] = len(numbers) + 2
                order.append(obj)
            return numbers[og]

        content = page.Contents.read_bytes() if not isinstance(page.Contents, pikepdf.Array) \
            else b"\n".join(c.read_bytes() for c in page.Contents)  # fmt: skip
        resources = _unparse(page.Resources, number)
        objs: list[bytes] = []
        for obj in order:  # (``number`` appends what each one refers to)
            if isinstance(obj, pikepdf.Stream):
                head = _unparse(obj.stream_dict, number, skip={"/Length"})
                objs.append(_stream(head[2:-2], obj.read_raw_bytes(), deflate=False))
            else:
                objs.append(_unparse(obj, number, direct=True))
        x0, y0, x1, y1 = self.media
        box = f"/Type/XObject/Subtype/Form/BBox[{_n(x0)} {_n(y0)} {_n(x1)} {_n(y1)}]/Resources "
        xobject = _stream(box.encode() + resources, content)
        self.objects = [xobject, *objs]  # object 1 is the XObject
        src.close()


def _unparse(obj: Any, number: Callable[[Any], int], skip: set[str] | None = None,
             direct: bool = False) -> bytes:  # fmt: skip
    """A pikepdf object in PDF syntax, its indirect objects as references numbered by
    ``number``."""
    import pikepdf

    if isinstance(obj, bool):
        return b"true" if obj else b"false"
    if isinstance(obj, int):
        return str(obj).encode()
    if isinstance(obj, float | Decimal):
        return _n(float(obj)).encode()
    if not direct and obj.is_indirect:
        return f"{number(obj)} 0 R".encode()
    if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        items = obj.items()
        parts = [b"<<"]
        for k, v in items:
            if skip and k in skip:
                continue
            parts.append(pikepdf.Name(k).unparse() + b" " + _unparse(v, number))
        parts.append(b">>")
        return b"".join(parts)
    if isinstance(obj, pikepdf.Array):
        return b"[" + b" ".join(_unparse(v, number) for v in obj) + b"]"
    return bytes(obj.unparse())


@dataclass
class Stamper:
    """What a form's fills are drawn with in one process: the fonts, and the frames by
    their frame PDF (kept as bytes ready to copy)."""

    fonts: Fonts
    frames: dict[str, Frame] = field(default_factory=dict)
    made: OrderedDict[tuple[Any, ...], tuple[str, bytes, str, bytes]] = field(
        default_factory=OrderedDict
    )  # font subsets lately embedded: name, font program, widths, ToUnicode

    def frame(self, key: str, make: Callable[[], bytes]) -> Frame:
        if key not in self.frames:
            self.frames[key] = Frame.of(make())
        return self.frames[key]

    def pdf(self, frame: Frame, fill: Fill, stamp: dt.datetime, file_key: str) -> bytes:
        """The document: one page, its frame and its fill."""
        return self.document([fill], stamp, file_key, frame)

    def document(self, fills: Sequence[Fill], stamp: dt.datetime, file_key: str,
                 frame: Frame | None = None) -> bytes:  # fmt: skip
        """The document: a page for each fill (over ``frame`` if any: one-page forms),
        each font subset once for the glyphs of all its pages."""
        objs: list[bytes] = list(frame.objects) if frame else []

        def add(obj: bytes) -> int:
            objs.append(obj)
            return len(objs)

        used: dict[str, dict[int, str]] = {}
        for fill in fills:
            for res, chars in fill.used.items():
                used.setdefault(res, {}).update(chars)
        fonts = {res: self._font(self.fonts.font(res), chars, add)
                 for res, chars in sorted(used.items())}  # fmt: skip
        font_res = b"/Font<<" + b"".join(f"/{name} {num} 0 R".encode()
                                         for name, num in fonts.items()) + b">>"  # fmt: skip
        pages_num = add(b"")  # the page tree, written when its kids are known
        kids = []
        for fill in fills:
            xobjects = b"/Fr 1 0 R" if frame else b""
            if fill.image is not None:
                _, _, _, w, px = fill.image
                im = add(_stream(f"/Type/XObject/Subtype/Image/Width {w}/Height {w}/ColorSpace"
                                 f"/DeviceGray/BitsPerComponent 8/Interpolate false".encode(),
                                 px))  # fmt: skip
                xobjects += f"/Im1 {im} 0 R".encode()
            resources = b"<<" + (b"/XObject<<" + xobjects + b">>" if xobjects else b"")
            resources += font_res + b">>"
            content = (b"q /Fr Do Q\n" if frame else b"") + b"\n".join(fill.ops)
            c = add(_stream(b"", content))
            pw, ph = fill.paper
            kids.append(add(f"<</Type/Page/Parent {pages_num} 0 R/MediaBox[0 0 {_n(pw * MM)} "
                            f"{_n(ph * MM)}]/Resources ".encode() + resources
                            + f"/Contents {c} 0 R>>".encode()))  # fmt: skip
        refs = " ".join(f"{k} 0 R" for k in kids)
        objs[pages_num - 1] = f"<</Type/Pages/Count {len(kids)}/Kids[{refs}]>>".encode()
        catalog = add(f"<</Type/Catalog/Pages {pages_num} 0 R/Lang(zh-CN)>>".encode())
        date = stamp.strftime("D:%Y%m%d%H%M%SZ")
        info = add(f"<</Creator(formgen)/CreationDate({date})/ModDate({date})>>".encode())
        bodies = dict(enumerate(objs, start=1))
        return write_pdf(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", bodies, catalog, info, file_key)

    def _font(self, font: CffFont, chars: dict[int, str], add: Callable[[bytes], int]) -> int:
        cids = sorted(chars)
        key = (id(font), tuple(chars[c] for c in cids), tuple(cids))  # (ToUnicode: chars)
        made = self.made.get(key)
        if made is None:  # (a form's header, page numbers, blanks: the same glyphs often)
            tag = hashlib.sha256(repr(cids).encode()).digest()[:6]
            # Not compressed: deflate takes a CJK font's outlines only 17 % smaller, for
            # more time (2.3 ms for 68 KB) than the rest of the document costs.
            made = (
                "".join(chr(65 + b % 26) for b in tag) + f"+{font.ps_name}",
                _stream(b"/Subtype/CIDFontType0C", font.subset(cids), deflate=False),
                " ".join([_width_entry(font, c) for c in cids]),
                _stream(b"", _to_unicode(chars)),
            )
            self.made[key] = made
            if len(self.made) > MADE:
                self.made.popitem(last=False)
        else:
            self.made.move_to_end(key)
        name, program, widths, unicode = made
        ff = add(program)
        upm = font.units_per_em
        k = 1000 / upm
        x0, y0, x1, y1 = (round(v * k) for v in font.bbox)
        desc = add(f"<</Type/FontDescriptor/FontName/{name}/Flags {font.flags}"
                   f"/FontBBox[{x0} {y0} {x1} {y1}]/ItalicAngle {_n(font.italic_angle)}"
                   f"/Ascent {round(font.ascender * k)}/Descent {round(font.descender * k)}"
                   f"/CapHeight {round((font.cap_height or font.ascender) * k)}"
                   f"/StemV {font.stem_v}/FontFile3 {ff} 0 R>>".encode())  # fmt: skip
        reg, order, supp = font.ros
        cid = add(f"<</Type/Font/Subtype/CIDFontType0/BaseFont/{name}/CIDSystemInfo<</Registry"
                  f"({reg})/Ordering({order})/Supplement {supp}>>/FontDescriptor {desc} 0 R"
                  f"/DW 1000/W[{widths}]>>".encode())  # fmt: skip
        uni = add(unicode)
        return add(f"<</Type/Font/Subtype/Type0/BaseFont/{name}-Identity-H/Encoding/Identity-H"
                   f"/DescendantFonts[{cid} 0 R]/ToUnicode {uni} 0 R>>".encode())  # fmt: skip


@functools.cache
def _width_entry(font: CffFont, cid: int) -> str:
    """A glyph's entry in a CIDFont's W array: its CID and advance (1/1000 em)."""
    return f"{cid}[{_n(font.advance(cid) * 1000 / font.units_per_em)}]"


@functools.cache
def _bfchar(cid: int, ch: str) -> str:
    """A ToUnicode line: the CID to its character (UTF-16BE)."""
    return f"<{cid:04X}> <{ch.encode('utf-16-be').hex().upper()}>"


def _to_unicode(chars: dict[int, str]) -> bytes:
    """A ToUnicode CMap: each CID to its character."""
    body = [_bfchar(c, chars[c]) for c in sorted(chars)]
    chunks = [body[i : i + 100] for i in range(0, len(body), 100)]
    return (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap "
        "/CIDSystemInfo<</Registry(Adobe)/Ordering(UCS)/Supplement 0>> def "
        "/CMapName/Adobe-Identity-UCS def /CMapType 2 def "
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        + "".join(f"{len(c)} beginbfchar\n" + "\n".join(c) + "\nendbfchar\n" for c in chunks)
        + "endcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode()


def _stream(keys: bytes, data: bytes, deflate: bool = True) -> bytes:
    """A stream object: its dictionary's ``keys`` and ``data`` (deflated unless not)."""
    if deflate:
        data = flate(data)
        keys += b"/Filter/FlateDecode"
    return b"<<%s/Length %d>>stream\n%s\nendstream" % (keys, len(data), data)


# ---------------------------------------------------------------- a form's PDFs


def _font_file(family: str) -> tuple[str, int]:
    """The file (and index in a collection) fontconfig gives for a family."""
    out = subprocess.run(["fc-match", "-f", "%{file}\t%{index}", family], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    path, _, index = out.partition("\t")
    return path, int(index or 0)


@functools.cache
def fonts() -> Fonts | None:
    """This process's fonts: FandolFang R for the body, Noto Serif CJK SC for "_"; None
    when either is missing (setup could not install it): Typst then lays out the fills,
    with its own fallbacks."""
    try:
        body, blank = _font_file("FandolFang R"), _font_file("Noto Serif CJK SC")
        found = Fonts(CffFont.load(*body), CffFont.load(*blank, chars=BLANK_CHARS), source=blank)
    except (OSError, RuntimeError, ValueError, subprocess.SubprocessError):
        return None
    names = (found.body.ps_name, found.blank.ps_name)
    if not (names[0].startswith("FandolFang") and names[1].startswith("NotoSerifCJK")):
        return None  # fontconfig gave a substitute
    return found


class Stamped:
    """A framed form whose fill is drawn here: its frames from Typst (``typst``, which
    also lays out what ``recipe`` cannot draw), its fill by ``recipe(fill, context)``."""

    def __init__(self, typst: CompiledTypst, recipe: Callable[[Any, dict[str, Any]], None]) -> None:
        self.typst, self.recipe = typst, recipe
        found = fonts()
        self.stamper = Stamper(found) if found else None

    def render(self, ctx: dict[str, Any], stamp: dt.datetime | None = None, key: str = "") -> bytes:
        """One document -> PDF bytes (``key``, a hash of its inputs: its file identifier)."""
        return self.render_many([ctx], stamp, [key] if key else None)[0]

    def _drawn(self, ctx: dict[str, Any], stamp: dt.datetime | None, key: str) -> bytes | None:
        """The document drawn here, None where its recipe gives up (or fonts are missing)."""
        if self.stamper is None:
            return None
        if self.typst.fields is None:
            return self._pages(ctx, stamp, key)  # a form without a frame: its pages
        try:
            page = ctx["page"]
            fill = Fill(self.stamper.fonts, page["margin"], float(page.get("size", 12)))
            self.recipe(fill, ctx)
        except Unstampable:
            return None
        except Exception:  # a value the recipe did not foresee: never a lost document —
            return None  # Typst lays it out (and reports what it cannot)
        path = self.typst.frame_file(ctx)
        frame = self.stamper.frame(str(path), path.read_bytes)
        return self.stamper.pdf(frame, fill, stamp or EPOCH, key)

    def _pages(self, ctx: dict[str, Any], stamp: dt.datetime | None, key: str) -> bytes | None:
        """A document of a form without a frame (generator/render/tables.py), None where
        its recipe gives up or the table faces are missing."""
        from generator.render.tables import MARGIN, Doc, faces

        found = faces()
        if found is None or self.stamper is None:
            return None
        try:
            p = ctx.get("page") or {}
            margin = MARGIN | {k: float(v) for k, v in (p.get("margin") or {}).items()}
            paper = (297.0, 210.0) if p.get("landscape", True) else A4
            doc = Doc(found, margin, paper, float(p.get("size", 12)))
            self.recipe(doc, ctx)
        except Unstampable:
            return None
        except Exception:  # (as in _drawn: Typst lays the document out)
            return None
        return self.stamper.document(doc.fills, stamp or EPOCH, key)

    def render_many(self, contexts: Sequence[dict[str, Any]], stamp: dt.datetime | None = None,
                    ids: list[str] | None = None) -> list[bytes]:  # fmt: skip
        """Several documents, each drawn on its own; those the recipe gives up on laid out
        by Typst together, in one compilation."""
        from generator.render.renderers import with_qr

        keys = ids or [""] * len(contexts)
        out = [self._drawn(c, stamp, k) for c, k in zip(contexts, keys, strict=True)]
        left = [i for i, pdf in enumerate(out) if pdf is None]
        if left:
            typst = self.typst.render_many([with_qr(contexts[i]) for i in left], stamp,
                                           [keys[i] for i in left] if ids else None)  # fmt: skip
            if typst is None or len(typst) != len(left):  # no document marks: one by one
                typst = [self.typst.render(with_qr(contexts[i]), stamp) for i in left]
            for i, pdf in zip(left, typst, strict=True):
                out[i] = pdf
        return [pdf for pdf in out if pdf is not None]
