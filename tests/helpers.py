"""Read generated documents back: DOCX paragraphs/cells/fonts, PDF text/fonts, XLSX cells."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from docx import Document
from pypdf import PdfReader


def docx_paragraphs(path: Path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs]


def docx_cells(path: Path) -> list[str]:
    out: list[str] = []
    for t in Document(str(path)).tables:
        for row in t.rows:
            out += [c.text for c in row.cells]
    return out


def docx_xml(path: Path, part: str = "word/document.xml") -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(part).decode("utf-8")


def pdf_pages(path: Path) -> list[str]:
    doc = pdfium.PdfDocument(str(path))
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def pdf_fonts(path: Path) -> dict[str, bool]:
    """BaseFont name -> whether the font program is embedded; fonts of the page and of
    the forms it draws (a two-layer form's frame is one)."""
    fonts: dict[str, bool] = {}

    def walk(res: Any, seen: set[int]) -> None:
        for ref in res.get("/Font", {}).values():
            font = ref.get_object()
            for f in [font, *[d.get_object() for d in font.get("/DescendantFonts", [])]]:
                desc = f.get("/FontDescriptor")
                if desc is not None:
                    desc = desc.get_object()
                    fonts[str(f["/BaseFont"])] = any(
                        k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")
                    )
        for ref in res.get("/XObject", {}).values():
            xobj = ref.get_object()
            if id(xobj) not in seen and "/Resources" in xobj:
                seen.add(id(xobj))
                walk(xobj["/Resources"].get_object(), seen)

    for page in PdfReader(str(path)).pages:
        walk(page["/Resources"].get_object(), set())
    return fonts


def manifest(out: Path) -> list[dict[str, Any]]:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))["documents"]


def find(out: Path, form: str, fmt: str, **keys: str) -> Path:
    """The one manifest entry of a form/format matching the keys, as a path."""
    hits = [
        e
        for e in manifest(out)
        if e["form"] == form and e["format"] == fmt and all(e.get(k) == v for k, v in keys.items())
    ]
    assert len(hits) == 1, (form, fmt, keys, len(hits))
    return out / hits[0]["path"]


def pdf_bytes_text(data: bytes) -> str:
    doc = pdfium.PdfDocument(io.BytesIO(data))
    try:
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def squash(text: str) -> str:
    """Text without whitespace: PDF extraction adds spaces at CJK–Latin boundaries and
    breaks lines where the layout wraps."""
    return "".join(text.split())


def pdf_text(path: Path) -> str:
    """All pages' text of a PDF, squashed."""
    return squash("".join(pdf_pages(path)))
