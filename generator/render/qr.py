"""QR codes of document numbers (segno): level Q, a 4-module quiet zone (DESIGN §4)."""

from __future__ import annotations

import io

import segno


def qr_png(text: str, scale: int = 8) -> bytes:
    """Text -> PNG bytes of its QR code."""
    buf = io.BytesIO()
    segno.make(text, error="q", boost_error=False).save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()


def qr_svg(text: str) -> str:
    """Text -> an SVG document of its QR code (scales without loss in PDF)."""
    buf = io.BytesIO()
    segno.make(text, error="q", boost_error=False).save(
        buf, kind="svg", scale=1, border=4, xmldecl=False, svgns=True, unit="mm"
    )
    return buf.getvalue().decode("ascii")
