"""Cutting a Typst PDF of several documents into one PDF each (generator/render/pdfsplit):
the same pages and text as PDFium's cut, a well-formed file, None for anything else."""

from __future__ import annotations

import io
import re

import pypdfium2 as pdfium
from pypdf import PdfReader

from generator.policy.period import Period
from generator.render import pdffonts
from generator.render.pdfsplit import split_documents
from generator.render.renderers import Renderers, with_qr
from generator.types import Scope
from tests.conftest import context, layout
from tests.helpers import pdf_bytes_text


def _batch(ledger, opts, form: str, scopes: list[Scope]) -> tuple[bytes, list[dict]]:
    r = Renderers()
    ctxs = [with_qr(context(form, ledger, opts, **_fields(s))) for s in scopes]
    typ = r._typst_for(layout(form), ctxs[0])
    return typ._compile(ctxs, None), ctxs


def _fields(s: Scope) -> dict:
    return {k: v for k, v in vars(s).items() if v}


def _pdfium_pages(data: bytes) -> list[str]:
    doc = pdfium.PdfDocument(io.BytesIO(data))
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def test_each_document_gets_its_own_pages_and_text(ledger, opts):
    members = ["0001", "0002", "0003", "0004", "0005"]
    data, ctxs = _batch(ledger, opts, "a5",
                        [Scope(period=Period(2026), member_id=m) for m in members])  # fmt: skip
    whole = _pdfium_pages(data)
    docs = split_documents(data, len(ctxs), ["0123456789abcdef" * 2] + [""] * 4)
    assert docs is not None and len(docs) == 5
    for i, (doc, ctx) in enumerate(zip(docs, ctxs, strict=True)):
        pages = _pdfium_pages(doc)
        assert pages == [whole[i]]  # the same text as in the whole batch
        assert ctx["name"] in pdf_bytes_text(doc)
        reader = PdfReader(io.BytesIO(doc), strict=True)  # a well-formed file
        assert len(reader.pages) == 1
        assert "/Outlines" not in reader.trailer["/Root"]  # the batch's bookmarks stay behind
    assert b"/ID[<0123456789ABCDEF0123456789ABCDEF>" in docs[0]
    assert split_documents(data, 5, [""] * 5) == split_documents(data, 5, [""] * 5)


def test_documents_of_several_pages_keep_all_of_them(ledger, opts):
    scopes = [Scope(period=Period(2026), unit=u) for u in ledger.units]
    data, ctxs = _batch(ledger, opts, "a2", scopes)
    docs = split_documents(data, len(ctxs), [""] * len(ctxs))
    assert docs is not None
    assert sum(len(_pdfium_pages(d)) for d in docs) == len(_pdfium_pages(data))
    assert [_pdfium_pages(d) for d in docs] != [[]] * len(docs)


def test_anything_else_is_left_to_pdfium(ledger, opts):
    data, _ = _batch(ledger, opts, "a5", [Scope(period=Period(2026), member_id="0001")] * 2)
    assert split_documents(data, 3, [""] * 3) is None  # bookmarks do not match the count
    assert split_documents(data[:-200], 2, [""] * 2) is None  # no cross-reference table
    assert split_documents(data.replace(b"/Type/Pages", b"/Type/ObjStm", 1), 2, [""] * 2) is None
    assert split_documents(b"%PDF-1.7\n", 1, [""]) is None


def _mapped_characters(data: bytes) -> set[str]:
    """Every character the ToUnicode maps of a PDF's fonts name (pages and frames)."""
    found: set[str] = set()
    reader = PdfReader(io.BytesIO(data))

    def walk(resources, seen: set[int]) -> None:
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            if "/ToUnicode" in font:
                cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
                for dst in re.findall(r"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]+)>", cmap):
                    found.add(bytes.fromhex(dst).decode("utf-16-be"))
        for xobj in (resources.get("/XObject") or {}).values():
            xobj = xobj.get_object()
            if "/Resources" in xobj and id(xobj) not in seen:
                seen.add(id(xobj))
                walk(xobj["/Resources"].get_object(), seen)

    for page in reader.pages:
        walk(page["/Resources"].get_object(), set())
    return found


def _pixels(data: bytes) -> list[bytes]:
    doc = pdfium.PdfDocument(io.BytesIO(data))
    try:
        return [doc[i].render(scale=1).to_pil().tobytes() for i in range(len(doc))]
    finally:
        doc.close()


def test_each_document_carries_only_its_own_glyphs(ledger, opts, monkeypatch):
    """刘䶮 and 吉𠮷祥 laid out in one compilation: each one's PDF maps (and draws) only
    its own name's characters, and its pages look exactly as cut with the batch's fonts."""
    scopes = [Scope(period=Period(2026), member_id=m) for m in ("0001", "0002")]
    data, _ = _batch(ledger, opts, "a5", scopes)
    docs = split_documents(data, 2, ["", ""])
    assert docs is not None
    first, second = (_mapped_characters(d) for d in docs)
    assert "䶮" in first and "𠮷" not in first
    assert "𠮷" in second and "䶮" not in second
    monkeypatch.setattr(pdffonts.Fonts, "trimmed", lambda self, pages, reach: {})
    whole = split_documents(data, 2, ["", ""])
    assert whole is not None
    assert "𠮷" in _mapped_characters(whole[0])  # the batch's subsets, as before
    for mine, batch in zip(docs, whole, strict=True):
        assert _pixels(mine) == _pixels(batch)
