"""Typst's justified paragraph (par(justify: true)), modelled for a CJK text in one font:
a notice's lead (generator/render/tables.py). Written by measuring Typst 0.15.1 (as
typst-py 0.15.2 bundles it) against its source.

    justify_lines(chars, room, first_indent, size) -> ([[(ch, x), ...], ...], sure)

``chars``: the paragraph's characters with their advances in pt (FandolFang's at
``size``); ``room``: the line width (pt, computed with Typst's 2.83465 pt a millimetre);
``first_indent``: the first line's indent (pt); ``size``: the font size (pt). Returns the
lines, each a list of (character, x of its glyph origin in pt from the line's left edge;
a space trimmed at a line's end left out), and ``sure``: False where the model may differ
from Typst (a near tie in the line breaking, a character it was not measured on) — the
caller then lets Typst lay the paragraph out. About 1 ms a paragraph.

What Typst does (typst-layout inline/{shaping,line,linebreak}.rs, par(justify: true)):

* Adjustability per glyph (shaping.rs ``base_adjustability``): CJK closing marks
  (，。．、：；？！》）』」】〗〕〉］｝ and full-width ”’) may shrink by half their advance on
  the right, opening marks (《（『「【〖〔〈［｛ and full-width “‘) by half on the left,
  · and ・ by a quarter on each side; a space may stretch by 50 % and shrink by 1/3 of its
  advance (justification-limits' spacing 2/3..150 %); nothing else stretches or shrinks
  (tracking limits 0).
* Adjacent CJK marks (shaping.rs ``calculate_adjustability``): when a mark's right
  shrinkability plus the next one's left is at least half its advance, the pair is set
  half an advance closer, taken from the first one's right as far as it goes, then from
  the second one's left (so: closing+closing, closing+opening, opening+opening).
* A line (line.rs ``line``): its text starting with an opening mark has that mark's left
  shrinkability taken away, its text ending with a closing mark (before any trailing space
  is trimmed!) has that mark's right one taken away; a trailing space is trimmed.
* Line breaking (linebreak.rs ``linebreak_optimized``): Knuth–Plass over the UAX #14
  break opportunities. ratio = (room - width) / stretchability (or shrinkability when
  negative); a line needing more stretch than its stretchability has ratio
  1 + extra / justifiables / (size/2), where justifiables counts CJ characters, CJK marks
  and spaces, less one when the line ends with a CJ character or mark — as the line leaves
  it: a full-width ” or ’ trimmed to half an em there is no mark any more (shaping.rs asks
  advance + stretchability == 1em), so no one less. (Likewise the adjacent-marks rule
  skips a quote already shrunk.) Cost (1 + 100
  |ratio|^3 + penalty)^2, the last line costs 1 unless it has to shrink, a last line that
  is a single unbreakable segment pays 100 more (runt), ratio < -1 is overfull (1e6).
  Ties: the later predecessor wins — but Typst's float noise decides near ties (A3's
  16√2 pt sizes make equal-looking layouts differ in the 14th digit): ``sure`` is
  False when the chosen layout beat another by less than TIE (relative).
* Measured (Typst 0.15.1 as bundled by typst-py 0.15.2): a line ending "， " (a space
  after the mark) still has the mark trimmed; the first line never has its opening
  mark trimmed (its text starts with the indent); a line may break before — (not inside
  ——) and after - before a letter; a line ending in — - . , : ; hangs 0.2/0.55/0.8/0.3
  of that glyph's advance into the margin (line.rs ``overhang``) when placed, not when
  broken.
* Placement (line.rs ``commit``, shaping.rs ``build``): a line too wide shrinks every glyph
  by ratio*shrinkability (ratio >= -1); a justified (not last) line narrower than the room
  stretches spaces first (ratio <= 1), then shares what is left equally to the right of
  every justifiable glyph. The last line is left-aligned unstretched.

How it is computed: ``_Para`` prepares the glyphs once with prefix sums, so a candidate
line's width/stretch/shrink/justifiables cost O(1) in the Knuth–Plass loop (``_pbreak``);
predecessors whose line is so short that its cost alone puts them past the best are not
visited (their cost only grows as the line shortens). Sums in a different order than
Typst's differ by ~1e-13 relative: near ties are flagged by TIE anyway, and a candidate
near a discontinuity of raw_ratio/raw_cost (|delta| = 1e-4, ratio = -1) is summed in
Typst's order (``_pline``).
"""

from __future__ import annotations

import math

from generator.render.stamp import OVERHANG, _east_asian
from generator.render.stamp import _may_break as may_break  # (one set of break rules)

# -- character classes (Typst's shaping.rs, GB style) ---------------------------------
LEFT_ALIGNED = set("，。．、：；？！》）』」】〗〕〉］｝")  # closing marks (+ full-width ”’)
RIGHT_ALIGNED = set("《（『「【〖〔〈［｛")  # opening marks (+ full-width “‘)
CENTER = set("\u30fb\u00b7")
SPACES = set(" \u00a0\u3000")
BEGIN_PUNCT = set("“‘《〈（『「【〖〔［｛")
END_PUNCT = set("”’，．。、：；》〉）』」】〗〕］｝？！")


def _is_cj(ch: str) -> bool:
    """Han, Hiragana, Katakana script (Typst's is_cj_script), roughly by block."""
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0x20000 <= o <= 0x3FFFF
        or 0xF900 <= o <= 0xFAFF
        or (0x3040 <= o <= 0x30FF and o not in (0x30FB, 0x30A0))
        or o in (0x3005, 0x3007, 0x3021)
        or 0x2E80 <= o <= 0x2FDF
    )


def _script(ch: str) -> str:
    """'latin', 'cj' or '' (common: digits, marks, spaces) — for Typst's shaping runs."""
    if _is_cj(ch):
        return "cj"
    if ch.isalpha() and not _east_asian(ch):
        return "latin"
    return ""


QUOTES = set("“”‘’")


def _punct_now(ch, punct, adv):
    """Whether a glyph is a CJK mark as Typst asks at a given moment: a quote only while
    its advance (plus its zero stretchability) is still a full em (shaping.rs
    is_cjk_left/right_aligned_punctuation), i.e. not after it was shrunk."""
    return punct and (ch not in QUOTES or adv == 1.0)


def _ratio(room, width, stretch, shrink, just, size):
    """linebreak.rs raw_ratio."""
    delta = room - width
    if delta == 0.0 or abs(delta) < 1e-4:
        delta = 0.0
    adj = max(stretch if delta >= 0 else shrink, 0.0)
    if adj == 0.0:
        ratio = 0.0 if delta == 0 else (math.inf if delta > 0 else -math.inf)
    else:
        ratio = delta / adj
    if ratio > 1.0:
        extra = (delta - adj) / float(max(just, 1))
        ratio = 1.0 + extra / (size / 2.0)
    return min(max(ratio, -2.0), 10.0)


TIE = 1e-9  # relative: a closer call than this on the chosen path makes the model unsure


# _Para holds the paragraph's glyphs as parallel lists (advances, offsets and
# adjustabilities in em, as Typst's shaping makes them) and prefix sums over them in pt.
# A line's width, stretch, shrink and justifiables are then differences of prefix sums
# plus O(1) corrections for its edges. The sums' rounding differs from Typst's order by
# ~1e-13 relative, which only matters (a) at near ties, which the TIE check flags
# anyway, and (b) at the discontinuities of raw_ratio/raw_cost (|delta| = 1e-4,
# ratio = -1): a pair that comes within NEAR of one is recomputed with _pline, which sums
# in Typst's order.

NEAR = 1e-9  # relative to the room: that close to a discontinuity, sum the slow way
PRUNE = 1e-6  # relative: predecessors that cannot come within this of the best are skipped

_CLS: dict = {}
_BRK: dict = {}


def _cls(ch):
    """Per character (cached): space, closing, closing quote, opening, opening quote,
    center, cj, script, begin punct, end punct, trailing whitespace, known."""
    c = _CLS.get(ch)
    if c is None:
        c = _CLS[ch] = (
            ch in SPACES,
            ch in LEFT_ALIGNED,
            ch in "”’",
            ch in RIGHT_ALIGNED,
            ch in "“‘",
            ch in CENTER,
            _is_cj(ch),
            _script(ch),
            ch in BEGIN_PUNCT,
            ch in END_PUNCT,
            ch in " \t",
            known(ch),
        )
    return c


def _may_break(before, after):
    k = before + after
    r = _BRK.get(k)
    if r is None:
        r = _BRK[k] = may_break(before, after)
    return r


class _Para:
    """The paragraph prepared once: glyphs (em, after the adjacent-marks rule), their
    shaping runs, line-edge corrections and prefix sums (pt)."""

    __slots__ = (
        "JC",
        "SH",
        "ST",
        "W",
        "adv",
        "cjend",
        "ec",
        "just",
        "known",
        "n",
        "off",
        "run",
        "sc",
        "shl",
        "shr",
        "size",
        "str",
        "text",
    )

    def __init__(self, chars, size, upem=1000):
        text = self.text = "".join([c for c, _ in chars])
        n = self.n = len(text)
        self.size = size
        adv = [round(a / size * upem) / upem for _, a in chars]
        off = [0.0] * n
        shl = [0.0] * n
        shr = [0.0] * n
        stre = [0.0] * n
        just = [False] * n
        punct = [False] * n
        run = [0] * n
        cjend = [0] * n
        sc = [0.0] * n  # left shrinkability an opening mark loses at a line's start (em)
        ec = [0.0] * n  # right shrinkability a closing mark loses at a line's end (em)
        cls = [_cls(ch) for ch in text]
        self.known = all(c[11] for c in cls)
        r, prev = 0, ""
        for i, c in enumerate(cls):
            sp, left, qleft, right, qright, center, cj = c[:7]
            a = adv[i]
            full = a == 1.0
            left = left or (qleft and full)
            right = right or (qright and full)
            if sp:
                stre[i] = max((1.5 - 1.0) * a, 0.0)
                shr[i] = min((1.0 - 2 / 3) * a, a * 0.75)
            elif left:
                shr[i] = a / 2.0
            elif right:
                shl[i] = a / 2.0
            elif center:
                shl[i] = shr[i] = a / 4.0
            p = punct[i] = left or right or center
            just[i] = sp or cj or p
            cur = c[7]
            if cur and prev and cur != prev:
                r += 1
                prev = cur
            elif not prev:
                prev = cur
            run[i] = r
        for i in range(n - 1):  # adjacent CJK marks (calculate_adjustability)
            if _punct_now(text[i], punct[i], adv[i]) and _punct_now(
                text[i + 1], punct[i + 1], adv[i + 1]
            ):
                delta = adv[i] / 2.0
                if shr[i] + shl[i + 1] >= delta:
                    left = min(shr[i], delta)
                    adv[i] -= left
                    shr[i] -= left
                    rest = delta - left
                    off[i + 1] -= rest
                    adv[i + 1] -= rest
                    shl[i + 1] -= rest
        for i, c in enumerate(cls):
            ch = text[i]
            if i and c[8] and (c[3] or (c[4] and punct[i])):
                sc[i] = shl[i]
            if c[9] and (c[1] or (c[2] and punct[i])):
                ec[i] = shr[i]
            # a line ending here loses one justifiable if its last glyph (as the line
            # leaves it: a closing quote trimmed to half an em is no mark) is CJ or a mark
            cjend[i] = 1 if (c[6] or _punct_now(ch, punct[i], adv[i] - ec[i])) else 0
        W = [0.0] * (n + 1)
        ST = [0.0] * (n + 1)
        SH = [0.0] * (n + 1)
        JC = [0] * (n + 1)
        w = st = sh = 0.0
        j = 0
        for i in range(n):
            w += size * adv[i]
            st += size * (0.0 + stre[i])
            sh += size * (shl[i] + shr[i])
            j += just[i]
            W[i + 1], ST[i + 1], SH[i + 1], JC[i + 1] = w, st, sh, j
        self.adv, self.off, self.shl, self.shr, self.str = adv, off, shl, shr, stre
        self.just, self.run, self.sc, self.ec, self.cjend = just, run, sc, ec, cjend
        self.W, self.ST, self.SH, self.JC = W, ST, SH, JC

    def breaks(self):
        t = self.text
        out = [p for p in range(1, self.n) if _may_break(t[p - 1], t[p])]
        out.append(self.n)
        return out


def _pline(P, a, b, indent, last):
    """A line's glyph rows and sums (width, stretch, shrink, justifiables) in Typst's
    order (bit for bit), for the candidates near a jump in its cost rules."""
    text, size = P.text, P.size
    e = b
    if not last:
        while e > a and text[e - 1] in " \t":
            e -= 1
    adv, off, shl, shr, stre, just, run = P.adv, P.off, P.shl, P.shr, P.str, P.just, P.run
    rows = [[text[i], adv[i], off[i], shl[i], shr[i], 0.0, stre[i], just[i]] for i in range(a, e)]
    if rows and a > 0 and P.sc[a]:
        row = rows[0]
        s = row[3]
        row[2] -= s
        row[1] -= s
        row[3] -= s
    if rows and P.ec[e - 1]:
        row = rows[-1]
        s = row[4]
        row[1] -= s
        row[4] -= s
    width = 0.0
    if indent:
        width += indent
    stretch = shrink = 0.0
    item = 0.0
    for k, row in enumerate(rows):
        item += size * row[1]
        if k + 1 == len(rows) or run[a + k + 1] != run[a + k]:
            width += item
            item = 0.0
        stretch += size * (row[5] + row[6])
        shrink += size * (row[3] + row[4])
    nj = sum(1 for row in rows if row[7])
    if rows and P.cjend[e - 1]:
        nj -= 1
    return rows, width, stretch, shrink, nj


def _pbreak(P, room, first_indent):
    """Typst's optimized line breaking on a _Para: ([(start, end)], sure), as linebreak()."""
    n, size = P.n, P.size
    text = P.text
    W, ST, SH, JC, sc, ec, cjend = P.W, P.ST, P.SH, P.JC, P.sc, P.ec, P.cjend
    half = size / 2.0
    near = NEAR * max(room, 1.0)
    lo4, hi4 = 1e-4 - near, 1e-4 + near
    # the predecessors (table rows): position, total, pred index, gap; and per position
    # the start side of a line: width/stretch/shrink/justifiables to subtract
    pos = [0]
    tot = [0.0]
    pred = [0]
    gaps = [0.0]
    Aw = [-first_indent]
    Ast = [0.0]
    Ash = [0.0]
    Aj = [0]
    active = 0
    prev_end = 0
    bps = P.breaks()
    for end in bps:
        mandatory = end == n
        e = end
        if not mandatory:
            while e > 0 and text[e - 1] in " \t":
                e -= 1
        if e > 0:
            x = size * ec[e - 1]
            Ew, Est, Esh, Ej = W[e] - x, ST[e], SH[e] - x, JC[e] - cjend[e - 1]
        else:
            Ew = Est = Esh = 0.0
            Ej = 0
        R = room - Ew
        m = len(pos)
        lb = min(tot[active:m])  # no predecessor's total is below this
        best_i = -1
        best = 0.0
        gap = math.inf
        pi = active
        while pi < m:
            a = pos[pi]
            if a < e:
                delta = R + Aw[pi]
                d = -delta if delta < 0 else delta
                if lo4 < d < hi4:
                    ratio = None
                elif d < 1e-4:
                    delta = 0.0
                    ratio = 0.0
                elif delta > 0:
                    adj = Est - Ast[pi]
                    ratio = delta / adj if adj > 0 else math.inf
                    if ratio > 1.0:
                        nj = Ej - Aj[pi]
                        ratio = 1.0 + (delta - adj) / float(nj if nj > 1 else 1) / half
                        if ratio > 10.0:
                            ratio = 10.0
                else:
                    adj = Esh - Ash[pi]
                    if adj > 0:
                        ratio = delta / adj
                        if -1.0 - NEAR < ratio < -1.0 + NEAR:
                            ratio = None
                        elif ratio < -2.0:
                            ratio = -2.0
                    else:
                        ratio = -2.0
            else:
                ratio = None  # an empty line (all trimmed spaces): the slow way
            if ratio is None:
                ind = first_indent if a == 0 else 0.0
                _, width, st, sh, nj = _pline(P, a, end, ind, mandatory)
                ratio = _ratio(room, width, st, sh, nj, size)
            if ratio < -1.0:
                if active == pi:
                    active += 1
                c = 1.0 + 1_000_000.0
            elif not mandatory or ratio < 0:
                r = -ratio if ratio < 0 else ratio
                c = 1.0 + 100.0 * (r * r * r)
            else:
                c = 1.0
            if mandatory and prev_end == a:
                c += 100.0
            cost = c * c
            total = tot[pi] + cost
            if best_i < 0 or best >= total:  # a tie: the later predecessor
                if best_i >= 0:
                    d = best - total
                    if 0.0 < d < gap:  # (an exact tie goes the same way in Typst: the
                        gap = d  # n3 leads' "（…（9））" at 16 pt, 30 of 30 measured)
                best_i, best = pi, total
            else:
                d = total - best
                if d < gap:
                    gap = d
                # later predecessors make shorter lines: their ratio (>= this one's when
                # not shrinking) and cost can only grow, and their totals are >= lb
                if ratio >= 0 and not mandatory and lb + cost > best * (1.0 + PRUNE):
                    break
            pi += 1
        if mandatory:
            active = m
        pos.append(end)
        tot.append(best)
        pred.append(best_i)
        gaps.append(gap / max(best, 1.0))
        x = size * sc[end] if end < n else 0.0
        Aw.append(W[end] + x)
        Ast.append(ST[end])
        Ash.append(SH[end] + x)
        Aj.append(JC[end])
        prev_end = end
    spans = []
    sure = True
    i = len(pos) - 1
    while i:
        pi = pred[i]
        sure &= gaps[i] > TIE
        spans.append((pos[pi], pos[i]))
        i = pi
    return spans[::-1], sure


def _place(P, spans, room, first_indent):
    """The lines' glyph positions (line.rs commit), as _justify() places them."""
    n, size = P.n, P.size
    out = []
    for a, b in spans:
        last = b == n
        indent = first_indent if a == 0 else 0.0
        rows, width, st, sh, just = _pline(P, a, b, indent, last)
        remaining = room - width
        if rows and (len(rows) > 1 or a == 0):  # hanging punctuation (line.rs commit)
            remaining += OVERHANG.get(rows[-1][0], 0.0) * rows[-1][1] * size
        jr, extra = 0.0, 0.0
        if remaining < 0 and sh > 0:
            jr = max(remaining / sh, -1.0)
        elif not last:
            if st > 0:
                jr = min(remaining / st, 1.0)
                remaining = max(remaining - st, 0.0)
            if just > 0 and remaining > 0:
                extra = remaining / just
        x = indent
        line = []
        if jr == 0.0 and extra == 0.0:
            for ch, adv, off, _, _, _, _, _ in rows:
                line.append((ch, x + off * size + 0.0))
                x += adv * size + 0.0 + 0.0
        else:
            for ch, adv, off, shl, shr, stl, stre, j in rows:
                left = (shl if jr < 0 else stl) * jr * size
                right = (shr if jr < 0 else stre) * jr * size + (extra if j else 0.0)
                line.append((ch, x + off * size + left))
                x += adv * size + left + right
        out.append(line)
    return out


def justify_lines(
    chars: list[tuple[str, float]], room: float, first_indent: float, size: float, upem: int = 1000
) -> tuple[list[list[tuple[str, float]]], bool]:
    """The justified paragraph and whether the model may be trusted, in one pass:
    ([[(ch, x pt from the line's left), ...], ...], sure) — see the module's docstring;
    ``sure`` is False on a near tie in the line breaking or when a character is not
    known()."""
    P = _Para(chars, size, upem)
    spans, sure = _pbreak(P, room, first_indent)
    return _place(P, spans, room, first_indent), sure and P.known


def known(ch: str) -> bool:
    """A character whose breaking and adjustment the model handles (measured)."""
    return (
        _is_cj(ch)
        or ch in LEFT_ALIGNED
        or ch in RIGHT_ALIGNED
        or ch in "“”‘’ "
        or (ch.isascii() and ch.isalnum())
        or ch in "…—-"
    )
