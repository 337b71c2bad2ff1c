"""A minimal, deterministic ZIP writer for OOXML packages.

Parts are deflated once and reused across documents (``Part``); only the parts that
change per document are deflated per call, and those quickly (``quick``). Every entry
carries the same fixed timestamp, so the same content always gives the same bytes (and
the same SHA-256).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from functools import cached_property

from isal import isal_zlib

_DOS_TIME, _DOS_DATE = 0, (0 << 9) | (1 << 5) | 1  # 1980-01-01 00:00
_UTF8 = 0x0800


@dataclass(frozen=True)
class Part:
    """One zip entry, already compressed."""

    name: bytes
    crc: int
    size: int
    data: bytes  # raw deflate stream
    method: int = 8

    @cached_property
    def headers(self) -> tuple[bytes, bytes]:
        """Its local header, and its central directory record without the trailing offset
        and name: made once for a part that every document shares."""
        local = struct.pack(
            "<4s5H3L2H", b"PK\x03\x04", 20, _UTF8, self.method, _DOS_TIME, _DOS_DATE,
            self.crc, len(self.data), self.size, len(self.name), 0,
        ) + self.name  # fmt: skip
        central = struct.pack(
            "<4s6H3L5HL", b"PK\x01\x02", 20, 20, _UTF8, self.method, _DOS_TIME, _DOS_DATE,
            self.crc, len(self.data), self.size, len(self.name), 0, 0, 0, 0, 0,
        )  # fmt: skip
        return local, central


def deflate(name: str, content: bytes) -> Part:
    """Compress one entry's content -> Part, at zlib's level 6 (parts deflated once a
    run). The window and hash tables are no larger than the content needs: setting up
    zlib's defaults costs 0.04 ms, more than compressing a small part."""
    bits = min(15, max(9, (len(content) - 1).bit_length()))
    c = zlib.compressobj(6, zlib.DEFLATED, -bits, min(8, max(1, bits - 7)))
    data = c.compress(content) + c.flush()
    return Part(name.encode("utf-8"), zlib.crc32(content), len(content), data)


def quick(name: str, content: bytes) -> Part:
    """Compress a part made per document -> Part, with ISA-L's fastest level: a fifth of
    zlib's level 1 time (0.03 against 0.13 ms for a form's 20 KB document.xml) at the
    same size."""
    c = isal_zlib.compressobj(1, isal_zlib.DEFLATED, -15)
    data = c.compress(content) + c.flush()
    return Part(name.encode("utf-8"), zlib.crc32(content), len(content), data)


def flate(data: bytes) -> bytes:
    """A zlib stream (a PDF's FlateDecode, a PNG's IDAT) at ISA-L's fastest level: 0.06
    against zlib level 1's 0.34 ms for a 40 KB font subset, 0.005 against 0.05 for a
    500-byte stream (zlib's set-up), and a few per cent smaller."""
    return isal_zlib.compress(data, 1)


def stored(name: str, content: bytes) -> Part:
    """An entry kept as it is (method 0): for content already compressed, as a PNG."""
    return Part(name.encode("utf-8"), zlib.crc32(content), len(content), content, method=0)


def build(parts: list[Part]) -> bytes:
    """Parts in order -> the bytes of a ZIP file."""
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for p in parts:
        local, head = p.headers
        central += (head, struct.pack("<L", offset), p.name)
        out += (local, p.data)
        offset += len(local) + len(p.data)
    cd = b"".join(central)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(parts), len(parts), len(cd), offset, 0)
    return b"".join([*out, cd, end])


def rezip(data: bytes) -> bytes:
    """Any zip's bytes -> the same entries re-packed deterministically."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return build([deflate(i.filename, z.read(i)) for i in z.infolist()])
