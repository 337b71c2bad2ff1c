"""QR codes of document numbers: error correction level Q, a 4-module quiet zone.

Encoded with zxing-cpp (C++), which also decodes the scans: 0.27 ms a code here against
4.9 ms for segno's pure-Python mask search. The module matrix is read once per number
and both pictures come from it with bytes operations (no per-pixel Python loop): the PNG
for Word and the grey values for Typst — at 20,000 numbered documents a run, making
the pictures pixel by pixel and an SVG had cost 25 core-seconds.
"""

from __future__ import annotations

import functools
import struct
import zlib

import zxingcpp

from generator.render.ziputil import flate

QUIET = 4  # modules of white around the symbol (ISO/IEC 18004 asks for 4)

_TO_BITS = bytes(48 if b == 0 else 49 for b in range(256))  # dark -> "0", light -> "1"


def prepare(texts: list[str]) -> None:
    """Encode the QR codes of a chunk of documents one after the other, before they are
    rendered: zxing-cpp's encoder then runs with its tables in the CPU's caches (in a
    2,000-member export, 0.22–0.28 ms a code against 0.29–0.31 when each was encoded
    between two documents' rendering)."""
    for text in texts[:KEPT]:
        _matrix(text)


KEPT = 32  # codes remembered: a chunk's


@functools.lru_cache(maxsize=KEPT)
def _matrix(text: str) -> tuple[int, tuple[bytes, ...]]:
    """Text -> (size, rows): the symbol with its quiet zone, one byte per module,
    0 for dark and 255 for light."""
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="Q")
    view = memoryview(code.to_image(scale=1))  # type: ignore[arg-type]
    height, width = view.shape[0], view.shape[1]  # type: ignore[index]
    pixels = view.tobytes()
    rows = [pixels[y * width : (y + 1) * width] for y in range(height)]
    # zxing-cpp's image may or may not carry the quiet zone; make it exactly QUIET.
    while rows and b"\x00" not in rows[0]:
        rows.pop(0)
    while rows and b"\x00" not in rows[-1]:
        rows.pop()
    # The finder patterns at the top left and bottom left corners start the symbol's
    # columns, and it is square; anything else is trimmed the long way.
    left = rows[0].find(b"\x00")
    core = [r[left : left + len(rows)] for r in rows]
    if rows[-1].find(b"\x00") != left or b"\x00" in rows[0][left + len(rows) :]:
        left = min(len(r) - len(r.lstrip(b"\xff")) for r in rows)
        right = min(len(r) - len(r.rstrip(b"\xff")) for r in rows)
        core = [r[left : len(r) - right] for r in rows]
    size = len(core[0]) + 2 * QUIET
    pad = b"\xff" * QUIET
    blank = b"\xff" * size
    full = [blank] * QUIET + [pad + r + pad for r in core] + [blank] * QUIET
    return size, tuple(full)


@functools.cache
def _spread(scale: int) -> tuple[bytes, ...]:
    """Each byte of 8 modules -> ``scale`` bytes: every bit repeated ``scale`` times."""
    return tuple(
        int("".join(c * scale for c in f"{b:08b}"), 2).to_bytes(scale, "big") for b in range(256)
    )


@functools.lru_cache(maxsize=KEPT)
def qr_png(text: str, scale: int = 4) -> bytes:
    """Text -> a bilevel PNG of its QR code, ``scale`` pixels a module, quiet zone
    included (a 1-bit PNG is three chunks; written directly). The modules are packed
    eight to a byte and each byte widened by a table: no loop over modules."""
    size, rows = _matrix(text)
    pad = (-size) % 8  # light modules making each row whole bytes (beyond the width)
    bits = (b"\xff" * pad).join(rows) + b"\xff" * pad
    packed = int(bits.translate(_TO_BITS), 2).to_bytes(len(bits) // 8, "big")
    wide = b"".join(map(_spread(scale).__getitem__, packed))
    step, keep = (size + pad) // 8 * scale, (size * scale + 7) // 8
    raw = b"".join((b"\0" + wide[y * step : y * step + keep]) * scale for y in range(size))
    header = struct.pack(">IIBBBBB", size * scale, size * scale, 1, 0, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", flate(raw)),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def qr_pixels(text: str) -> tuple[int, list[int]]:
    """Text -> (size, pixels): one 8-bit grey value a module (0 dark, 255 light), row by
    row, quiet zone included — what Typst draws as a pixelated image. A raster of
    modules prints as sharp as a vector (no interpolation) and costs Typst a tenth of
    parsing an SVG (0.45 ms a page, measured)."""
    size, rows = _matrix(text)
    return size, list(b"".join(rows))
