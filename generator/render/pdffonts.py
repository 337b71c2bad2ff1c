"""Per-document font subsets for documents cut out of one Typst compilation.

Typst subsets each font once per compilation, so every document cut out of a batch
carried the glyphs of all its neighbours (an a5 PDF ~96 KB where one laid out alone is
~55 KB) — and, in its ToUnicode map, which characters they used. Here each document's
fonts keep only the glyphs its own pages show: the outlines of the others become empty
glyphs (the glyph numbering stays, so the pages' text is untouched), and the width
array, the CIDSet and the ToUnicode map list only the document's own glyphs.

Done for Typst's CID-keyed CFF fonts (CIDFontType0C: its CharStrings are the last table
and carry no subroutines, so only that table changes) and TrueType fonts (FontFile2:
glyf and loca rebuilt). A font reached in any way this module does not read (a content
stream it cannot parse, another kind of font program) is copied as it is.
"""

from __future__ import annotations

import codecs
import itertools
import re
import struct
import zlib
from array import array
from collections.abc import Callable, Iterable
from typing import Any

from generator.render.ziputil import flate

_LENGTH = re.compile(rb"/Length\s+(\d+)")
REF = re.compile(rb"(\d+) 0 R")
_FONTS_INLINE = re.compile(rb"/Font\s*<<([^>]*)>>")
_FONTS_REF = re.compile(rb"/Font\s+(\d+) 0 R")
_NAMED_REF = re.compile(rb"/([^\s/<>\[\]()]+)\s*(\d+) 0 R")
_RESOURCES_REF = re.compile(rb"/Resources\s+(\d+) 0 R")
_CONTENTS = re.compile(rb"/Contents\s*(?:\[([^\]]*)\]|(\d+) 0 R)")
_FONT = rb"/([^\s/\[\]()<>{}%]+)\s+[-+\d.]+\s+Tf"
# a font chosen, a literal string without parentheses inside, a hex string, a stray ( or )
_PLAIN = rb"(?:[^\\()]++|\\.)*+"  # string bytes without unescaped parentheses
_NESTED = rb"\((" + _PLAIN.replace(b")*+", b"|\\(" + _PLAIN + b"\\))*+") + rb")\)"  # ( ) inside
# Past the bytes no token starts with, one of: a font chosen, a literal string (with one
# level of parentheses inside), a hex string, a stray parenthesis, or any other name.
_TEXT = re.compile(
    rb"[^/(<)]*+(?:" + _FONT + rb"|" + _NESTED + rb"|<([0-9A-Fa-f\s]*)>|([()])|/)", re.S
)
_TOKEN = re.compile(_FONT + rb"|(\()|<([0-9A-Fa-f\s]*)>")
_PARENS = re.compile(rb"\\[\\()]|[()]")  # escapes that matter to the balance, and parentheses
_W = re.compile(rb"/W\s*\[([^\]]*(?:\[[^\]]*\][^\]]*)*)\]")
_ENDCHAR = b"\x0e"  # a Type 2 charstring of an empty glyph


def _unescape(raw: bytes) -> bytes:
    """A PDF literal string's bytes. Its escapes are Python's (octal, \\n, \\t, …, and a
    backslash before a line break), but for \\( and \\), written here as octal first."""
    if b"\\" not in raw:
        return raw
    raw = raw.replace(b"\\\\", b"\\134").replace(b"\\(", b"\\050").replace(b"\\)", b"\\051")
    return codecs.escape_decode(raw)[0]


def _shown(text: bytes) -> dict[bytes, set[int]] | None:
    """The glyphs (2 bytes each) a content stream shows, by font name; None when its
    text is not laid out as expected. One pass of one expression over the stream; a
    stream whose strings hold parentheses (balanced ones are left unescaped) is read
    string by string."""
    strings: dict[bytes, list[bytes]] = {}
    current: list[bytes] | None = None
    for font, string, hexa, stray in _TEXT.findall(text):
        if font:
            current = strings.setdefault(font, [])
        elif stray:
            return _shown_slowly(text)
        elif not (string or hexa):
            continue
        elif current is None:
            return None
        elif hexa:
            current.append(bytes.fromhex(hexa.decode()))
        else:
            current.append(_unescape(string))
    return {name: set(_gids(b"".join(parts))) for name, parts in strings.items()}


def _shown_slowly(text: bytes) -> dict[bytes, set[int]] | None:
    """``_shown`` for a stream with parentheses inside its strings."""
    out: dict[bytes, set[int]] = {}
    current: set[int] | None = None
    pos = 0
    while (m := _TOKEN.search(text, pos)) is not None:
        pos = m.end()
        if m.group(1) is not None:
            current = out.setdefault(m.group(1), set())
        elif m.group(2) is not None:
            pos = _string_end(text, pos)
            if current is None:
                return None
            current.update(_gids(_unescape(text[m.end() : pos - 1])))
        elif current is not None:
            current.update(_gids(bytes.fromhex(m.group(3).decode())))
    return out


def _string_end(text: bytes, pos: int) -> int:
    """Just past the ")" that closes a literal string whose "(" ends at ``pos`` (strings
    may hold balanced parentheses unescaped, and escaped ones)."""
    depth = 1
    for m in _PARENS.finditer(text, pos):
        token = m.group()
        if token == b"(":
            depth += 1
        elif token == b")":
            depth -= 1
            if depth == 0:
                return m.end()
    raise ValueError("unterminated string")


def _gids(data: bytes) -> Iterable[int]:
    ids = array("H", data[: len(data) // 2 * 2])
    if struct.pack("=H", 1) == b"\x01\x00":  # little-endian host
        ids.byteswap()
    return ids


class Fonts:
    """The fonts of one batch PDF (``pdf``, a pdfsplit._Pdf) and, per document, the
    bodies of its font objects trimmed to the document's glyphs."""

    def __init__(self, pdf: Any) -> None:
        self.pdf = pdf
        self._streams: dict[int, bytes] = {}
        self._fonts: dict[int, _Font | None] = {}
        self._refs_to: dict[int, set[int]] | None = None

    def stream(self, num: int) -> bytes:
        """An object's stream, decoded (FlateDecode or none)."""
        if num not in self._streams:
            head, tail = self.pdf.dict_part(num)
            length = _LENGTH.search(head)
            start = tail.index(b"stream") + 6
            start += 2 if tail[start : start + 2] == b"\r\n" else 1
            raw = tail[start : start + int(length.group(1))] if length else b""
            if b"/Filter" in head:
                if not re.search(rb"/Filter\s*/FlateDecode", head):
                    raise ValueError("not Flate")
                raw = zlib.decompress(raw)
            self._streams[num] = raw
        return self._streams[num]

    def _referrers(self, num: int) -> set[int]:
        """The objects of the batch that refer to object ``num``."""
        if self._refs_to is None:
            self._refs_to = {}
            for obj in self.pdf.content:
                for ref in self.pdf.refs(obj):
                    self._refs_to.setdefault(ref, set()).add(obj)
        return self._refs_to.get(num, set())

    def font(self, num: int) -> _Font | None:
        if num not in self._fonts:
            try:
                self._fonts[num] = _Font.read(self, num)
            except (ValueError, KeyError, IndexError, struct.error, zlib.error):
                self._fonts[num] = None
        return self._fonts[num]

    def trimmed(self, pages: list[int], reach: set[int]) -> dict[int, bytes]:
        """New bodies (object number -> content) for the fonts a document's pages reach,
        each holding only the glyphs those pages show; {} (fonts copied as they are)
        when something is not laid out as expected."""
        try:
            return self._trimmed(pages, reach)
        except (ValueError, KeyError, IndexError, struct.error, zlib.error):
            return {}

    def _trimmed(self, pages: list[int], reach: set[int]) -> dict[int, bytes]:
        used: dict[int, set[int]] = {}
        holders, owners = self._holders(pages, reach)
        for fonts, contents in holders:
            text = b"".join(self.stream(c) for c in contents)
            shown = _shown(text)
            if shown is None:
                return {}
            for name, glyphs in shown.items():
                num = fonts.get(name)
                if num is None:
                    return {}  # a font its resources do not name: leave them all
                used.setdefault(num, set()).update(glyphs)
        bodies: dict[int, bytes] = {}
        for num, gids in used.items():
            if not self._referrers(num) & reach <= owners:
                continue  # reached from somewhere this module does not read
            font = self.font(num)
            if font is not None and not gids | {0} >= font.glyphs:
                bodies.update(font.keep(gids | {0}))
        return bodies

    def _holders(
        self, pages: list[int], reach: set[int]
    ) -> tuple[list[tuple[dict[bytes, int], list[int]]], set[int]]:
        """Each content stream of the document with the fonts its resources name (the
        pages, and the form XObjects they reach), and the objects holding those names."""
        out: list[tuple[dict[bytes, int], list[int]]] = []
        owners: set[int] = set()
        pdf = self.pdf
        for page in pages:
            head = pdf.dict_part(page)[0]
            res = _RESOURCES_REF.search(head)
            owner = int(res.group(1)) if res else page
            cont = _CONTENTS.search(head)
            if cont:
                refs = REF.findall(cont.group(1)) if cont.group(1) else [cont.group(2)]
                out.append((self._font_names(owner, owners), [int(r) for r in refs]))
        for num in reach:
            head = pdf.dict_part(num)[0]
            if b"/Subtype/Form" in head and b"/Font" in head:
                out.append((self._font_names(num, owners), [num]))
        return out, owners

    def _font_names(self, owner: int, owners: set[int]) -> dict[bytes, int]:
        """The fonts a resources dictionary (in object ``owner``) names."""
        resources = self.pdf.dict_part(owner)[0]
        found = _FONTS_INLINE.search(resources)
        if found:
            owners.add(owner)
            return {k: int(v) for k, v in _NAMED_REF.findall(found.group(1))}
        ref = _FONTS_REF.search(resources)
        if ref:
            owners.add(int(ref.group(1)))
            names = self.pdf.dict_part(int(ref.group(1)))[0]
            return {k: int(v) for k, v in _NAMED_REF.findall(names)}
        return {}


def _stream_body(head: bytes, data: bytes, deflate: bool = True) -> bytes:
    """An object's content: ``head`` (a dictionary whose /Length is replaced) and the
    data, deflated (unless ``deflate`` is false, or it is a few bytes)."""
    if len(data) < 128 or not deflate:
        packed = data
        head = re.sub(rb"/Filter\s*/FlateDecode", b"", head)
    else:
        packed = flate(data)
        if b"/Filter" not in head:
            head = head[:-2] + b"/Filter/FlateDecode>>"
    head = _LENGTH.sub(b"/Length %d" % len(packed), head, count=1)
    return head + b"\nstream\n" + packed + b"\nendstream"


class _Font:
    """A Type0 font of the batch: its parts (object numbers), glyphs, and how to write
    the parts again for a subset of its glyphs."""

    def __init__(self) -> None:
        self.glyphs: set[int] = set()
        self.parts: list[tuple[int, Callable[[set[int]], bytes]]] = []

    @classmethod
    def read(cls, fonts: Fonts, num: int) -> _Font | None:
        pdf = fonts.pdf
        head = pdf.dict_part(num)[0]
        if b"/Type0" not in head:
            return None
        desc = re.search(rb"/DescendantFonts\s*\[\s*(\d+) 0 R\s*\]", head)
        if not desc:
            return None
        cid_num = int(desc.group(1))
        cid = pdf.dict_part(cid_num)[0]
        fd_ref = re.search(rb"/FontDescriptor\s+(\d+) 0 R", cid)
        if not fd_ref:
            return None
        fd_num = int(fd_ref.group(1))
        fd = pdf.dict_part(fd_num)[0]
        font = cls()
        program = re.search(rb"/FontFile([23])\s+(\d+) 0 R", fd)
        if not program:
            return None
        prog_num = int(program.group(2))
        data = fonts.stream(prog_num)
        prog_head = pdf.dict_part(prog_num)[0]
        # CFF outlines hardly deflate (Noto CJK: by 16 %); deflating each document's
        # font again cost more than all the rest of the trimming: they are stored.
        packed = _LENGTH.search(prog_head)
        deflate = packed is None or int(packed.group(1)) < len(data) * 3 // 4
        if program.group(1) == b"3":
            if b"/CIDFontType0C" not in prog_head:
                return None
            cff = _Cff(data)
            font.glyphs = set(range(cff.count))
            font.parts.append(
                (prog_num, lambda keep: _stream_body(prog_head, cff.keep(keep), deflate))
            )
        else:
            if b"/CIDToGIDMap/Identity" not in cid.replace(b" ", b""):
                return None
            ttf = _TrueType(data)
            font.glyphs = set(range(ttf.count))
            font.parts.append(
                (prog_num, lambda k: _stream_body(prog_head, ttf.keep(ttf.closure(k)), deflate))
            )
        widths = _W.search(cid)
        if widths:
            ranges = _parse_w(widths.group(1))
            before, after = cid[: widths.start()], cid[widths.end() :]
            font.parts.append(
                (cid_num, lambda keep: before + b"/W[" + _write_w(ranges, keep) + b"]" + after)
            )
        cidset = re.search(rb"/CIDSet\s+(\d+) 0 R", fd)
        if cidset:
            set_num = int(cidset.group(1))
            set_head = pdf.dict_part(set_num)[0]
            font.parts.append((set_num, lambda keep: _stream_body(set_head, _cidset(keep))))
        tounicode = re.search(rb"/ToUnicode\s+(\d+) 0 R", head)
        if tounicode:
            map_num = int(tounicode.group(1))
            cmap = _CMap(fonts.stream(map_num))
            map_head = pdf.dict_part(map_num)[0]
            font.parts.append((map_num, lambda keep: _stream_body(map_head, cmap.keep(keep))))
        return font

    def keep(self, keep: set[int]) -> dict[int, bytes]:
        return {num: make(keep) for num, make in self.parts}


# ------------------------------------------------------------------ font programs


def _index(data: bytes, pos: int) -> tuple[list[int], int]:
    """A CFF INDEX at ``pos``: the absolute offsets of its items (count + 1 of them)."""
    count = struct.unpack_from(">H", data, pos)[0]
    if count == 0:
        return [pos + 2], pos + 2
    size = data[pos + 2]
    base = pos + 3 + (count + 1) * size - 1
    offs = [
        base + int.from_bytes(data[pos + 3 + i * size : pos + 3 + (i + 1) * size], "big")
        for i in range(count + 1)
    ]
    return offs, offs[-1]


def _dict_offset(top: bytes, op: int) -> int | None:
    """The (last) operand of operator ``op`` in a CFF DICT."""
    from generator.render.cff import cff_dict

    for key, _, operands in cff_dict(top):
        if key == op:
            return operands[-1] if operands else None
    return None


class _Cff:
    """A bare CFF font whose CharStrings INDEX is its last table."""

    def __init__(self, data: bytes) -> None:
        _, pos = _index(data, data[2])  # Name INDEX
        tops, pos = _index(data, pos)  # Top DICT INDEX
        at = _dict_offset(data[tops[0] : tops[1]], 17)
        if at is None:
            raise ValueError("no CharStrings")
        self.offsets, end = _index(data, at)
        if end != len(data):
            raise ValueError("CharStrings not last")
        self.data, self.at = data, at
        self.count = len(self.offsets) - 1

    def keep(self, keep: set[int]) -> bytes:
        data, offs = self.data, self.offsets
        items = [data[offs[g] : offs[g + 1]] if g in keep else _ENDCHAR for g in range(self.count)]
        ends = list(itertools.accumulate(map(len, items), initial=1))
        size = 2 if ends[-1] < 1 << 16 else 4  # offsets of 2 bytes, or 4
        table = array("H" if size == 2 else "I", ends)
        if struct.pack("=H", 1) == b"\x01\x00":
            table.byteswap()  # CFF is big-endian
        head = struct.pack(">HB", self.count, size)
        return b"".join((data[: self.at], head, table.tobytes(), *items))


class _TrueType:
    """A TrueType font program: glyf and loca rewritten for a subset of its glyphs."""

    def __init__(self, data: bytes) -> None:
        count = struct.unpack_from(">H", data, 4)[0]
        self.tables: dict[bytes, tuple[int, int]] = {}
        self.order: list[bytes] = []
        for i in range(count):
            tag, _, off, length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
            self.tables[tag] = (off, length)
            self.order.append(tag)
        head_off = self.tables[b"head"][0]
        self.long = struct.unpack_from(">h", data, head_off + 50)[0] == 1
        self.count = struct.unpack_from(">H", data, self.tables[b"maxp"][0] + 4)[0]
        loca_off, _ = self.tables[b"loca"]
        fmt = f">{self.count + 1}{'I' if self.long else 'H'}"
        loca = struct.unpack_from(fmt, data, loca_off)
        self.loca = list(loca) if self.long else [x * 2 for x in loca]
        self.data = data

    def closure(self, keep: set[int]) -> set[int]:
        """The glyphs and the components of the composite ones among them."""
        data, glyf = self.data, self.tables[b"glyf"][0]
        out, todo = set(), list(keep)
        while todo:
            g = todo.pop()
            if g in out or g >= self.count:
                continue
            out.add(g)
            start, end = glyf + self.loca[g], glyf + self.loca[g + 1]
            if end - start < 10 or struct.unpack_from(">h", data, start)[0] >= 0:
                continue
            pos = start + 10
            while True:  # a composite glyph: its components
                flags, component = struct.unpack_from(">HH", data, pos)
                todo.append(component)
                pos += 4 + (4 if flags & 0x1 else 2)
                pos += 2 if flags & 0x8 else 4 if flags & 0x40 else 8 if flags & 0x80 else 0
                if not flags & 0x20:
                    break
        return out

    def keep(self, keep: set[int]) -> bytes:
        data = self.data
        glyf_off = self.tables[b"glyf"][0]
        glyf = bytearray()
        loca = []
        for g in range(self.count):
            loca.append(len(glyf))
            if g in keep:
                glyf += data[glyf_off + self.loca[g] : glyf_off + self.loca[g + 1]]
                glyf += b"\0" * (-len(glyf) % 4)
        loca.append(len(glyf))
        new_loca = struct.pack(f">{len(loca)}I", *loca) if self.long else struct.pack(
            f">{len(loca)}H", *(x // 2 for x in loca)
        )  # fmt: skip
        tables = {tag: data[off : off + length] for tag, (off, length) in self.tables.items()}
        tables[b"glyf"], tables[b"loca"] = bytes(glyf), new_loca
        head = bytearray(data[:12])
        pos = 12 + 16 * len(self.order)
        records, bodies = [], []
        for tag in self.order:
            body = tables[tag]
            records.append(struct.pack(">4sIII", tag, _checksum(body), pos, len(body)))
            padded = body + b"\0" * (-len(body) % 4)
            bodies.append(padded)
            pos += len(padded)
        return bytes(head) + b"".join(records) + b"".join(bodies)


def _checksum(body: bytes) -> int:
    padded = body + b"\0" * (-len(body) % 4)
    return sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF


# ------------------------------------------------------------------ widths, CIDSet, ToUnicode


def _parse_w(text: bytes) -> list[tuple[int, float | list[float]]]:
    """A /W array as (first glyph, width) runs: ``c [w1 w2 …]`` and ``c1 c2 w``."""
    tokens = re.findall(rb"\[|\]|[-+\d.]+", text)
    out: list[tuple[int, float | list[float]]] = []
    i = 0
    while i < len(tokens):
        first = int(tokens[i])
        if tokens[i + 1] == b"[":
            j = tokens.index(b"]", i + 2)
            out.append((first, [float(t) for t in tokens[i + 2 : j]]))
            i = j + 1
        else:
            last, width = int(tokens[i + 1]), float(tokens[i + 2])
            out += [(g, width) for g in range(first, last + 1)]
            i += 3
    flat: list[tuple[int, float | list[float]]] = []
    for first, w in out:
        if isinstance(w, list):
            flat += [(first + k, v) for k, v in enumerate(w)]
        else:
            flat.append((first, w))
    return flat


def _num(x: float | list[float]) -> bytes:
    assert not isinstance(x, list)
    return (b"%d" % x) if x == int(x) else repr(x).encode()


def _write_w(widths: list[tuple[int, float | list[float]]], keep: set[int]) -> bytes:
    runs: list[bytes] = []
    prev: tuple[int, int, float | list[float]] | None = None
    for g, w in widths:
        if g not in keep:
            continue
        if prev and prev[1] == g - 1 and prev[2] == w:
            prev = (prev[0], g, w)
            continue
        if prev:
            runs.append(b"%d %d %s" % (prev[0], prev[1], _num(prev[2])))
        prev = (g, g, w)
    if prev:
        runs.append(b"%d %d %s" % (prev[0], prev[1], _num(prev[2])))
    return b" ".join(runs)


def _cidset(keep: set[int]) -> bytes:
    bits = bytearray((max(keep) // 8) + 1)
    for g in keep:
        bits[g // 8] |= 0x80 >> (g % 8)
    return bytes(bits)


_BFCHAR = re.compile(rb"\d+\s+beginbfchar\s*(.*?)\s*endbfchar", re.S)
_PAIR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>")


class _CMap:
    """A ToUnicode CMap, read once per batch; ``keep`` writes its bfchar entries of
    some glyphs only (bfrange entries, which Typst does not write, are kept)."""

    def __init__(self, cmap: bytes) -> None:
        first = _BFCHAR.search(cmap)
        if first is None:
            raise ValueError("no bfchar")
        self.head = cmap[: first.start()]
        self.tail = _BFCHAR.sub(b"", cmap[first.end() :])
        self.lines = [
            (int(src, 16), b"<%s> <%s>" % (src, dst))
            for block in _BFCHAR.findall(cmap)
            for src, dst in _PAIR.findall(block)
        ]

    def keep(self, keep: set[int]) -> bytes:
        lines = [line for gid, line in self.lines if gid in keep]
        blocks = [
            b"%d beginbfchar\n%s\nendbfchar" % (len(part), b"\n".join(part))
            for part in (lines[i : i + 100] for i in range(0, len(lines), 100))
        ]
        return self.head + b"\n".join(blocks) + self.tail
