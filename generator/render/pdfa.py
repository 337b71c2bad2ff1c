"""PDF/A-2b for what the archive keeps (ISO 19005-2 = GB/T 23286.1, DA/T 47's format for
long-term keeping): signed sheets as filed and the catalogue of a package.

pikepdf's PDF/A module does the work: it gives the file one PDF/A output intent (the
sRGB profile), XMP metadata declaring PDF/A-2 level B in agreement with the document
information, a file identifier; writes it; and validates the bytes written against
veraPDF's rules, approving only what it can check. A scanned page it cannot approve
(device CMYK, an unembedded font of a scanner's text layer …) is drawn again from its
pixels, in colour at the scan's resolution, and that page is made PDF/A instead.

The validator cannot check CID-keyed CFF fonts (Noto CJK, FandolFang); the catalogue is
set in LXGW WenKai, a TrueType font it does check, and only a rare character (䶮, 𠮷)
falls back to Noto CJK, embedded like every font. ``unchecked_fonts`` accepts a
document whose only findings are such fonts the validator could not check.
"""

from __future__ import annotations

import datetime as dt
import io

import pikepdf
import pikepdf.pdfa as pdfa

from generator.errors import FormgenError

FLAVOUR = "2b"
RASTER_DPI = 200  # a scan's resolution (archive.scans.SCAN_DPI)


def archival(pdf: bytes, title: str, created: dt.datetime, unchecked_fonts: bool = False) -> bytes:
    """PDF bytes -> PDF/A-2b bytes that passed validation (see the module's text)."""
    try:
        return _save(pdf, title, created, unchecked_fonts)
    except pdfa.PdfaError:
        pass
    try:
        return _save(_from_pixels(pdf), title, created, unchecked_fonts)
    except pdfa.PdfaError as exc:
        reasons = "；".join(sorted({f.message for f in exc.report.findings}))[:300]
        raise FormgenError(f"无法转为 PDF/A-2b 长期保存格式：{reasons}") from None


def problems(pdf: bytes) -> list[str]:
    """What keeps a PDF from PDF/A-2b, per the validator; [] when it passes."""
    report = pdfa.validate_written(io.BytesIO(pdf), FLAVOUR)
    return [f"{f.kind} {f.rule} {f.where}: {f.message}" for f in report.findings]


def _save(data: bytes, title: str, created: dt.datetime, unchecked_fonts: bool) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.docinfo["/Title"] = title
        pdf.docinfo["/Creator"] = "formgen"
        pdf.docinfo["/CreationDate"] = _pdf_date(created)
        for obj in pdf.objects:  # optional in PDF/A-2 and not checked when present
            if isinstance(obj, pikepdf.Dictionary) and "/CIDSet" in obj:
                del obj["/CIDSet"]
        out = io.BytesIO()
        if not unchecked_fonts:
            pdfa.save(pdf, out, FLAVOUR, deterministic_id=True)
            return out.getvalue()
        pdfa.prepare(pdf, FLAVOUR)
        report = pdfa.check(pdf, FLAVOUR, deterministic_id=True)
        pdf.save(out, **report.save_kwargs)
    written = pdfa.validate_written(io.BytesIO(out.getvalue()), FLAVOUR, report.save_kwargs)
    if any(not _unchecked_font(f) for f in written.findings):
        raise pdfa.PdfaError(written)
    return out.getvalue()


def _unchecked_font(finding: pdfa.Finding) -> bool:
    return finding.kind == "unsupported" and finding.rule == "pikepdf:font-program"


def _from_pixels(data: bytes) -> bytes:
    """Each page drawn again as an image (colour, RASTER_DPI) in a new PDF."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        images = [
            doc[i].render(scale=RASTER_DPI / 72).to_pil().convert("RGB") for i in range(len(doc))
        ]
    finally:
        doc.close()
    buf = io.BytesIO()
    images[0].save(
        buf, "PDF", resolution=RASTER_DPI, save_all=True, append_images=images[1:], quality=90
    )
    return buf.getvalue()


def _pdf_date(when: dt.datetime) -> str:
    """A PDF date in UTC: D:20261201083000+00'00'."""
    utc = (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    return utc.strftime("D:%Y%m%d%H%M%S+00'00'")
