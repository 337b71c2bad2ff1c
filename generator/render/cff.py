"""CID-keyed CFF fonts for a fill written straight into PDF content streams.

One font, once per process::

    font = CffFont.load(path, index=0, chars=None)

reads an OpenType font (``index``: the face in a .ttc/.otc collection) whose glyphs are
a CID-keyed CFF, and gives

* its metrics, for the PDF FontDescriptor: ``ps_name``, ``units_per_em``, ``ascender``,
  ``descender``, ``cap_height`` (OS/2's, 0 when the font says 0), ``bbox``,
  ``italic_angle``, ``stem_v``, ``flags``, and ``ros`` = (Registry, Ordering, Supplement)
  for /CIDSystemInfo — all in font units;
* ``cid(ch)``: a character's CID (cmap → glyph → CID through the charset), None when the
  font lacks it; ``advance(cid)``: that glyph's advance width (hmtx);
* ``subset(cids)``: the bytes of a /FontFile3 /Subtype /CIDFontType0C holding .notdef and
  exactly those glyphs, each under its original CID (so text shown with Identity-H codes
  = CIDs is the same whatever the subset), with only the Font DICTs they use.

``chars`` restricts the font to those characters' glyphs (and .notdef): a big font of
which a document only ever needs a few characters (Noto Serif CJK's "_") loads in a
blink. The first load of a font runs fontTools (its CFF desubroutinized, the restriction
done by ``fontTools.subset``; some 20 s for the whole FandolFang) and keeps the result
on disk — one file, under ``$XDG_CACHE_HOME/formgen/cff`` or else
``<tempdir>/formgen-<uid>/cff``, named and checked by the font file's path, size and
mtime, the index, the chars and ``_VERSION`` — so every later process maps that file and
reads the offsets of its charstrings (a few ms, no fontTools). A missing, stale or broken
cache file is made anew. Loads are memoized per process. A font that is not a CID-keyed
CFF raises RuntimeError.

A subset is assembled from those charstrings in pure Python: header, Name INDEX (the
CFF's own name, which in a collection may be another face's than ``ps_name``), Top DICT
(offsets written as 5-byte integers, so its size is known beforehand), String and Global
Subr INDEXes copied, then charset (format 0), FDSelect (format 3), CharStrings, FDArray
(the Font DICTs used, renumbered) and their Private DICTs (Subrs dropped: the charstrings
call none). Same CIDs in, same bytes out.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import mmap
import os
import struct
import sys
import zlib
from array import array
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

_VERSION = 1  # of the cached file: bump when what goes in it changes
_MAGIC = b"formgenC"
_TRAILER = struct.Struct("<II8s")  # of a cache file: JSON length, arrays' length, magic
_CHARSET, _CHARSTRINGS, _PRIVATE, _SUBRS = 15, 17, 18, 19
_ROS, _FDARRAY, _FDSELECT = 12 << 8 | 30, 12 << 8 | 36, 12 << 8 | 37
_OFFSET_OPS = (_CHARSET, _FDSELECT, _CHARSTRINGS, _FDARRAY)  # written by subset()
_DROPPED = {16, _PRIVATE, *_OFFSET_OPS}  # Encoding, Private: not in a CIDFont's Top DICT
_Data = bytes | mmap.mmap  # a CFF table, read or mapped
_OFF_FMT = {1: "B", 2: "H", 4: "I"}  # struct codes of INDEX offsets by size


def cache_dir() -> Path:
    """The folder of the prepared fonts (~/.cache/formgen/cff), kept across reboots
    (preparing FandolFang again costs ~20 s a process)."""
    from generator.io.machine import folder

    return folder("cff")


# ------------------------------------------------------------------ reading CFF


def _index(data: _Data, pos: int) -> tuple[list[int], int]:
    """A CFF INDEX at ``pos``: the absolute offsets of its items (count + 1 of them) and
    where it ends."""
    count = struct.unpack_from(">H", data, pos)[0]
    if count == 0:
        return [pos + 2], pos + 2
    size = data[pos + 2]
    base = pos + 2 + (count + 1) * size  # offsets count from the byte before the data
    raw = data[pos + 3 : base + 1]
    if size == 3:  # widened to 4 bytes each, for struct
        wide = bytearray(4 * (count + 1))
        wide[1::4], wide[2::4], wide[3::4] = raw[0::3], raw[1::3], raw[2::3]
        raw, size = bytes(wide), 4
    offs = [base + r for r in struct.unpack(f">{count + 1}{_OFF_FMT[size]}", raw)]
    return offs, offs[-1]


def _items(data: _Data, pos: int) -> tuple[list[bytes], int]:
    """A CFF INDEX's items and where it ends."""
    offs, end = _index(data, pos)
    return [data[a:b] for a, b in itertools.pairwise(offs)], end


def cff_dict(data: bytes) -> list[tuple[int, bytes, list[int]]]:
    """A CFF DICT's entries in order: (operator, its operands' bytes, the operands as
    integers — a real counts as 0)."""
    entries: list[tuple[int, bytes, list[int]]] = []
    operands: list[int] = []
    start = i = 0
    while i < len(data):
        b0 = data[i]
        if b0 <= 21:
            op = (12 << 8 | data[i + 1]) if b0 == 12 else b0
            entries.append((op, data[start:i], operands))
            i += 2 if b0 == 12 else 1
            start, operands = i, []
        elif b0 == 28:
            operands.append(struct.unpack_from(">h", data, i + 1)[0])
            i += 3
        elif b0 == 29:
            operands.append(struct.unpack_from(">i", data, i + 1)[0])
            i += 5
        elif b0 == 30:
            i += 1
            while data[i] & 0x0F != 0x0F and data[i] >> 4 != 0x0F:
                i += 1
            i += 1
            operands.append(0)
        elif b0 <= 246:
            operands.append(b0 - 139)
            i += 1
        elif b0 <= 250:
            operands.append((b0 - 247) * 256 + data[i + 1] + 108)
            i += 2
        elif b0 <= 254:
            operands.append(-(b0 - 251) * 256 - data[i + 1] - 108)
            i += 2
        else:
            raise ValueError("bad CFF DICT")
    return entries


def _op_bytes(op: int) -> bytes:
    return bytes((12, op & 0xFF)) if op >> 8 else bytes((op,))


def _charset(data: _Data, pos: int, count: int) -> list[int]:
    """The CIDs of glyphs 0 .. count-1 (glyph 0, .notdef, is CID 0)."""
    cids = [0]
    fmt = data[pos]
    pos += 1
    if fmt == 0:
        cids += struct.unpack_from(f">{count - 1}H", data, pos)
    elif fmt in (1, 2):
        while len(cids) < count:
            first = struct.unpack_from(">H", data, pos)[0]
            left = data[pos + 2] if fmt == 1 else struct.unpack_from(">H", data, pos + 2)[0]
            pos += 3 if fmt == 1 else 4
            cids += range(first, first + left + 1)
    else:
        raise ValueError(f"charset format {fmt}")
    return cids[:count]


def _fdselect(data: _Data, pos: int, count: int) -> list[int]:
    """The Font DICT of glyphs 0 .. count-1."""
    fmt = data[pos]
    if fmt == 0:
        return list(data[pos + 1 : pos + 1 + count])
    if fmt != 3:
        raise ValueError(f"FDSelect format {fmt}")
    n = struct.unpack_from(">H", data, pos + 1)[0]
    fds: list[int] = []
    for r in range(n):
        first, fd, nxt = struct.unpack_from(">HBH", data, pos + 3 + 3 * r)
        fds += [fd] * (nxt - first)
    return fds


def _off_size(n: int) -> int:
    """The byte size of INDEX offsets that reach ``n``."""
    return 1 if n < 1 << 8 else 2 if n < 1 << 16 else 3 if n < 1 << 24 else 4


def _index_bytes(items: list[bytes]) -> bytes:
    """A CFF INDEX of ``items``."""
    if not items:
        return b"\x00\x00"
    ends = list(itertools.accumulate(map(len, items), initial=1))
    size = _off_size(ends[-1])
    if size == 3:
        table = b"".join(e.to_bytes(3, "big") for e in ends)
    else:
        table = struct.pack(f">{len(ends)}{_OFF_FMT[size]}", *ends)
    return b"".join((struct.pack(">HB", len(items), size), table, *items))


def _index_len(lengths: list[int]) -> int:
    """The byte size of an INDEX of items this long."""
    if not lengths:
        return 2
    total = sum(lengths) + 1
    return 3 + (len(lengths) + 1) * _off_size(total) + total - 1


def _int5(value: int) -> bytes:
    """An integer DICT operand in the fixed 5-byte form."""
    return b"\x1d" + struct.pack(">i", value)


class _Parsed:
    """A CID-keyed CFF table split into what a subset is built from."""

    def __init__(self, data: _Data) -> None:
        head_size = data[2]
        _, name_end = _index(data, head_size)
        tops, pos = _items(data, name_end)
        strings_start = pos
        _, pos = _index(data, pos)  # String INDEX
        gsubrs_offs, pos = _index(data, pos)
        self.head = data[:name_end]
        self.strings_gsubrs = data[strings_start:pos]  # SIDs and (no) global subrs, kept
        if len(gsubrs_offs) > 1:
            raise ValueError("CFF has global subroutines: not desubroutinized")
        top = cff_dict(tops[0])
        ops = {op: operands for op, _, operands in top}
        if _ROS not in ops or _FDARRAY not in ops or _FDSELECT not in ops:
            raise ValueError("CFF is not CID-keyed")
        self.top = b"".join(raw + _op_bytes(op) for op, raw, _ in top if op not in _DROPPED)
        self.data = data
        self.offsets, _ = _index(data, ops[_CHARSTRINGS][-1])  # charstring g: [g] to [g + 1]
        count = len(self.offsets) - 1
        self.cids = _charset(data, ops[_CHARSET][-1], count) if ops.get(_CHARSET) else [0]
        if len(self.cids) != count:
            raise ValueError("charset shorter than CharStrings")
        self.fds = _fdselect(data, ops[_FDSELECT][-1], count)
        self.fd_dicts: list[bytes] = []  # without Private
        self.privates: list[bytes] = []  # without Subrs
        for fd_raw in _items(data, ops[_FDARRAY][-1])[0]:
            entries = cff_dict(fd_raw)
            self.fd_dicts.append(
                b"".join(raw + _op_bytes(op) for op, raw, _ in entries if op != _PRIVATE)
            )
            private = b""
            for op, _, operands in entries:
                if op == _PRIVATE:
                    size, at = operands[-2:]
                    private = b"".join(
                        raw + _op_bytes(p_op)
                        for p_op, raw, _ in cff_dict(data[at : at + size])
                        if p_op != _SUBRS
                    )
            self.privates.append(private)


# ------------------------------------------------------------------ preparing (fontTools)


def _prepare(
    path: str, index: int, chars: str | None
) -> tuple[dict[str, Any], dict[int, int], list[int], bytes]:
    """Run fontTools once: the font's metrics, its cmap (code point → CID), advances (by
    glyph) and CFF table desubroutinized (and restricted to ``chars``' glyphs)."""
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=index) as font:
        return _prepared(font, path, chars)


def _prepared(
    font: Any, path: str, chars: str | None
) -> tuple[dict[str, Any], dict[int, int], list[int], bytes]:
    """``_prepare`` on the open fontTools font."""
    from fontTools import subset as ft_subset

    if "CFF " not in font:
        raise RuntimeError(f"{path}: not a CFF-flavoured OpenType font")
    if chars is not None:
        options = ft_subset.Options(
            desubroutinize=True,
            name_IDs=["*"],
            name_languages=["*"],
            notdef_outline=True,
            glyph_names=False,
            layout_features=[],
        )
        subsetter = ft_subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(c) for c in chars])
        subsetter.subset(font)
    cff = font["CFF "].cff
    top = cff.topDictIndex[0]
    if not hasattr(top, "ROS"):
        raise RuntimeError(f"{path}: its CFF is not CID-keyed")
    if chars is None:
        cff.desubroutinize()
    data = font["CFF "].compile(font)
    parsed = _Parsed(data)
    order = font.getGlyphOrder()
    if len(order) != len(parsed.cids):
        raise RuntimeError(f"{path}: {len(order)} glyphs but {len(parsed.cids)} charstrings")
    gid = {name: i for i, name in enumerate(order)}
    cmap = {cp: parsed.cids[gid[name]] for cp, name in sorted(font.getBestCmap().items())}
    hmtx = font["hmtx"]
    head, hhea, post = font["head"], font["hhea"], font["post"]
    os2 = font.get("OS/2")
    stem_v = getattr(top.FDArray[0].Private, "StdVW", None)
    if stem_v is None:  # a guess from the weight, as PDF writers do
        stem_v = 50 + int(((os2.usWeightClass if os2 else 400) / 65) ** 2)
    panose = getattr(os2, "panose", None)
    serif = panose is not None and panose.bFamilyType == 2 and 2 <= panose.bSerifStyle <= 10
    italic = post.italicAngle != 0 or bool(head.macStyle & 2)
    # FixedPitch 1, Serif 2, Symbolic 4 (glyphs beyond the standard Latin set), Italic 64
    flags = (1 if post.isFixedPitch else 0) | (2 if serif else 0) | 4 | (64 if italic else 0)
    meta = {
        "ps_name": (font["name"].getDebugName(6) if "name" in font else None) or cff.fontNames[0],
        "units_per_em": head.unitsPerEm,
        "ascender": hhea.ascent,
        "descender": hhea.descent,
        "cap_height": getattr(os2, "sCapHeight", 0) or 0,
        "bbox": [head.xMin, head.yMin, head.xMax, head.yMax],
        "italic_angle": float(post.italicAngle),
        "stem_v": round(stem_v),
        "flags": flags,
        "ros": list(top.ROS),
    }
    return meta, cmap, [hmtx[name][0] for name in order], data


def _le(values: array[int]) -> array[int]:
    """``values`` in little-endian order (the cache file's), or back."""
    if sys.byteorder == "big":
        values.byteswap()
    return values


def _read_cache(file: Path, key: list[Any]) -> CffFont | None:
    """The font in cache ``file`` (mapped, not read), None if it is another font's or stale.
    The file: the CFF table (so its offsets are the file's), code points (u32), their CIDs
    and the advances (u16), the metadata (JSON), then the trailer."""
    with open(file, "rb") as fh:
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    meta_len, arrays_len, magic = _TRAILER.unpack_from(mm, len(mm) - _TRAILER.size)
    if magic != _MAGIC:
        return None
    meta_at = len(mm) - _TRAILER.size - meta_len
    meta = json.loads(mm[meta_at : meta_at + meta_len])
    if meta.get("key") != key:
        return None
    at = meta_at - arrays_len
    n, glyphs = meta["cmap_len"], meta["glyphs"]
    cps, cids, advances = array("I"), array("H"), array("H")
    cps.frombytes(mm[at : at + 4 * n])
    cids.frombytes(mm[at + 4 * n : at + 6 * n])
    advances.frombytes(mm[at + 6 * n : at + 6 * n + 2 * glyphs])
    return CffFont(meta, dict(zip(_le(cps), _le(cids), strict=True)), _le(advances), mm)


def _write_cache(
    file: Path, meta: dict[str, Any], cmap: dict[int, int], advances: list[int], data: bytes
) -> None:
    """Write cache ``file`` whole (another process sees the old one or the new one)."""
    import tempfile

    arrays = b"".join(
        (
            _le(array("I", cmap)).tobytes(),
            _le(array("H", cmap.values())).tobytes(),
            _le(array("H", advances)).tobytes(),
        )
    )
    meta = {**meta, "cmap_len": len(cmap), "glyphs": len(advances)}
    head = json.dumps(meta, ensure_ascii=False, separators=(",", ":")).encode()
    file.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=file.parent, delete=False) as out:
        out.write(data + arrays + head + _TRAILER.pack(len(head), len(arrays), _MAGIC))
    os.replace(out.name, file)


# ------------------------------------------------------------------ the font


_MEMO: dict[tuple[Any, ...], CffFont] = {}


class CffFont:
    """A CID-keyed CFF font: metrics, char → CID, advances and per-document subsets."""

    ps_name: str
    units_per_em: int
    ascender: int
    descender: int
    cap_height: int
    bbox: tuple[int, int, int, int]
    italic_angle: float
    stem_v: int
    flags: int
    ros: tuple[str, str, int]

    def __init__(
        self,
        meta: dict[str, Any],
        cmap: dict[int, int],
        advances: Sequence[int],
        data: _Data,
    ) -> None:
        """The font of a prepared CFF table ``data`` (its offsets count from data's start),
        its metrics ``meta``, ``cmap`` (code point → CID) and ``advances`` by glyph."""
        self.ps_name = meta["ps_name"]
        self.units_per_em = meta["units_per_em"]
        self.ascender = meta["ascender"]
        self.descender = meta["descender"]
        self.cap_height = meta["cap_height"]
        x0, y0, x1, y1 = meta["bbox"]
        self.bbox = (x0, y0, x1, y1)
        self.italic_angle = meta["italic_angle"]
        self.stem_v = meta["stem_v"]
        self.flags = meta["flags"]
        registry, ordering, supplement = meta["ros"]
        self.ros = (registry, ordering, supplement)
        cff = _Parsed(data)
        self._cff = cff
        self._cmap = cmap
        self._gid = {cid: gid for gid, cid in enumerate(cff.cids)}
        self._advances = advances
        if len(advances) != len(cff.cids):
            raise ValueError("advances do not match the glyphs")
        top_index_len = _index_len([len(cff.top) + 26])  # 4 offsets: 6 + 7 + 6 + 7 bytes
        self._fixed = len(cff.head) + top_index_len + len(cff.strings_gsubrs)

    @classmethod
    def load(cls, path: str | Path, index: int = 0, chars: str | None = None) -> CffFont:
        """The font at ``path`` (face ``index`` of a collection), restricted to ``chars``'
        glyphs when given; from this process's memo, else the disk cache, else fontTools
        (whose result then goes to the cache)."""
        real = os.path.realpath(path)
        st = os.stat(real)
        wanted = None if chars is None else "".join(sorted(set(chars)))
        key = (real, st.st_size, st.st_mtime_ns, index, wanted, _VERSION)
        font = _MEMO.get(key)
        if font is None:
            font = _MEMO[key] = cls._cached(key)
        return font

    @classmethod
    def _cached(cls, key: tuple[Any, ...]) -> CffFont:
        """The font from its cache file, made (and written) first if need be."""
        real, _, _, index, chars, _ = key
        crc = zlib.crc32(json.dumps(key).encode())
        file = cache_dir() / f"{Path(real).stem}-{index}-{crc:08x}.bin"
        try:
            font = _read_cache(file, list(key))
            if font is not None:
                return font
        except (OSError, ValueError, KeyError, struct.error):
            pass  # absent or unreadable: made anew below
        meta, cmap, advances, data = _prepare(real, index, chars)
        meta["key"] = list(key)
        font = cls(meta, cmap, advances, data)
        with contextlib.suppress(OSError):  # no cache then: the next process prepares anew
            _write_cache(file, meta, cmap, advances, data)
        return font

    def cid(self, ch: str) -> int | None:
        """The CID of character ``ch``, None when the font (or its restriction) lacks it."""
        return self._cmap.get(ord(ch))

    def advance(self, cid: int) -> int:
        """The advance width of glyph ``cid`` in font units; KeyError if the font lacks it."""
        return self._advances[self._gid[cid]]

    def subset(self, cids: Iterable[int]) -> bytes:
        """A CID-keyed CFF (the bytes of /FontFile3 /Subtype /CIDFontType0C) of .notdef and
        the glyphs ``cids``, each kept under its CID; ValueError for a CID the font lacks."""
        cff = self._cff
        kept = sorted(set(cids) - {0})
        try:
            gids = [0, *(self._gid[c] for c in kept)]
        except KeyError as e:
            raise ValueError(f"CID {e.args[0]} is not in {self.ps_name}") from None
        n = len(gids)
        charset = struct.pack(f">B{n - 1}H", 0, *kept)
        all_fds = cff.fds
        fds = [all_fds[g] for g in gids]
        used = sorted(set(fds))
        if len(used) == 1:
            fdselect = struct.pack(">BHHBH", 3, 1, 0, 0, n)
        else:
            new = {fd: i for i, fd in enumerate(used)}
            ranges = [
                struct.pack(">HB", first, new[fds[first]])
                for first in range(n)
                if first == 0 or fds[first] != fds[first - 1]
            ]
            fdselect = b"".join((struct.pack(">BH", 3, len(ranges)), *ranges, struct.pack(">H", n)))
        data, offs = cff.data, cff.offsets
        charstrings = _index_bytes([data[offs[g] : offs[g + 1]] for g in gids])
        at_charset = self._fixed
        at_fdselect = at_charset + len(charset)
        at_charstrings = at_fdselect + len(fdselect)
        at_fdarray = at_charstrings + len(charstrings)
        fd_dicts = [cff.fd_dicts[fd] for fd in used]
        privates = [cff.privates[fd] for fd in used]
        at_private = at_fdarray + _index_len([len(d) + 11 for d in fd_dicts])
        fd_items = []
        for fd_dict, private in zip(fd_dicts, privates, strict=True):
            fd_items.append(fd_dict + _int5(len(private)) + _int5(at_private) + b"\x12")
            at_private += len(private)
        top = b"".join(
            (
                cff.top,
                _int5(at_charset),
                b"\x0f",
                _int5(at_fdselect),
                b"\x0c\x25",
                _int5(at_charstrings),
                b"\x11",
                _int5(at_fdarray),
                b"\x0c\x24",
            )
        )
        return b"".join(
            (
                cff.head,
                _index_bytes([top]),
                cff.strings_gsubrs,
                charset,
                fdselect,
                charstrings,
                _index_bytes(fd_items),
                *privates,
            )
        )
