"""generator.render.cff: CID-keyed CFF fonts, their per-document subsets and disk cache."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from fontTools.cffLib import CFFFontSet
from fontTools.pens.recordingPen import RecordingPen
from fontTools.ttLib import TTFont

from generator.render import cff
from generator.render.cff import CffFont

SENTENCE = "中华人民共和国社区党委组织委员会议记录，时间、地点：出席人员与主持人签名。"
TEXT = SENTENCE + "0123456789" + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _fc(pattern: str, fmt: str) -> str:
    return subprocess.run(
        ["fc-match", "-f", fmt, pattern], check=True, capture_output=True, text=True
    ).stdout


FANDOL = _fc("FandolFang R", "%{file}")
NOTO, NOTO_INDEX = _fc("Noto Serif CJK SC", "%{file}:%{index}").rsplit(":", 1)


@pytest.fixture(scope="module")
def fandol() -> CffFont:
    assert "FandolFang" in FANDOL, FANDOL
    return CffFont.load(FANDOL)


@pytest.fixture(scope="module")
def original() -> Iterator[TTFont]:
    """FandolFang as fontTools reads it (with its subroutines)."""
    with TTFont(FANDOL, lazy=True) as font:
        yield font


def _cids(font: CffFont, text: str) -> list[int]:
    cids = [font.cid(ch) for ch in text]
    assert None not in cids, [ch for ch in text if font.cid(ch) is None]
    return sorted({c for c in cids if c is not None})


def _parse(data: bytes) -> CFFFontSet:
    fontset = CFFFontSet()
    fontset.decompile(io.BytesIO(data), None)
    return fontset


def _drawing(charstrings, name: str) -> tuple[list, int]:
    """A glyph's outline (pen calls) and advance width."""
    cs = charstrings[name]
    pen = RecordingPen()
    cs.draw(pen)
    return pen.value, cs.width


def test_fandol_metrics(fandol):
    assert fandol.ps_name == "FandolFang-Regular"
    assert fandol.ros == ("Adobe", "GB1", 5)
    assert fandol.units_per_em == 1000
    assert (fandol.ascender, fandol.descender) == (880, -120)
    assert fandol.cap_height == 0  # the font's own (raw) value
    x0, y0, x1, y1 = fandol.bbox
    assert x0 < 0 < x1 and y0 < 0 < y1
    assert fandol.stem_v == 70  # the Private DICT's StdVW
    assert fandol.flags & 4  # symbolic
    assert fandol.cid("\U0001f600") is None


def test_subset_keeps_cids_outlines_and_widths(fandol, original):
    cids = _cids(fandol, TEXT)
    assert 90 <= len(cids) <= 110
    data = fandol.subset(cids)
    fontset = _parse(data)
    top = fontset.topDictIndex[0]
    orig_top = original["CFF "].cff.topDictIndex[0]
    assert top.ROS == orig_top.ROS == ("Adobe", "GB1", 5)
    assert top.CIDCount == orig_top.CIDCount
    assert list(top.FontBBox) == list(orig_top.FontBBox)
    assert len(top.CharStrings) == len(cids) + 1
    names = [f"cid{c:05d}" for c in cids]
    assert top.charset == [".notdef", *names]
    hmtx = original["hmtx"]
    orig_strings = orig_top.CharStrings
    for cid, name in zip(cids, names, strict=True):
        outline, width = _drawing(top.CharStrings, name)
        assert outline, name
        # the original font draws it through its subroutines: same outline, same width
        assert (outline, width) == _drawing(orig_strings, name), name
        assert width == hmtx[name][0] == fandol.advance(cid), name
    _, notdef_width = _drawing(top.CharStrings, ".notdef")
    assert notdef_width == hmtx[".notdef"][0]


def test_subset_programs_are_the_desubroutinized_ones(fandol):
    """Each kept charstring's program (hints too) is the prepared font's, byte for byte."""
    cids = _cids(fandol, TEXT)
    subset = _parse(fandol.subset(cids)).topDictIndex[0].CharStrings
    full = _parse(bytes(fandol._cff.data)).topDictIndex[0].CharStrings  # the cached CFF
    for name in [".notdef", *(f"cid{c:05d}" for c in cids)]:
        mine, theirs = subset[name], full[name]
        mine.decompile()
        theirs.decompile()
        assert mine.program == theirs.program, name
        assert not any(op in ("callsubr", "callgsubr") for op in mine.program)
        assert mine.private.nominalWidthX == theirs.private.nominalWidthX


def test_subset_is_deterministic(fandol):
    cids = _cids(fandol, TEXT)
    data = fandol.subset(cids)
    assert fandol.subset(reversed([*cids, 0, cids[3]])) == data
    assert fandol.subset(cids[1:]) != data
    assert len(_parse(fandol.subset([])).topDictIndex[0].CharStrings) == 1  # .notdef alone


def test_unknown_cid(fandol):
    with pytest.raises(ValueError, match="CID 65000"):
        fandol.subset([17, 65000])
    with pytest.raises(KeyError):
        fandol.advance(65000)


# ------------------------------------------------------------------ in a PDF


def _pdf(font: CffFont, cids: list[int], program: bytes, subtype: bytes) -> bytes:
    """A one-page PDF showing ``cids`` (Identity-H) in a Type0 font whose descendant's
    FontFile3 is ``program`` (``subtype``: CIDFontType0C or OpenType)."""
    widths = b" ".join(b"%d [%d]" % (c, font.advance(c)) for c in cids)
    x0, y0, x1, y1 = font.bbox
    name = b"ABCDEF+" + font.ps_name.encode()
    registry, ordering, supplement = font.ros
    text = b"".join(b"%04X" % c for c in cids)
    content = b"BT /F1 16 Tf 10 40 Td <" + text + b"> Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d 100] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>" % (20 + 16 * len(cids)),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H "
        b"/DescendantFonts [6 0 R] >>" % name,
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /%s "
        b"/CIDSystemInfo << /Registry (%s) /Ordering (%s) /Supplement %d >> "
        b"/FontDescriptor 7 0 R /DW 1000 /W [%s] >>"
        % (name, registry.encode(), ordering.encode(), supplement, widths),
        b"<< /Type /FontDescriptor /FontName /%s /Flags %d /FontBBox [%d %d %d %d] "
        b"/ItalicAngle %d /Ascent %d /Descent %d /CapHeight %d /StemV %d /FontFile3 8 0 R >>"
        % (
            name,
            font.flags,
            x0,
            y0,
            x1,
            y1,
            font.italic_angle,
            font.ascender,
            font.descender,
            font.cap_height or font.ascender,
            font.stem_v,
        ),
        b"<< /Subtype /%s /Length %d >>\nstream\n" % (subtype, len(program))
        + program
        + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for num, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (num, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _render(pdf: bytes) -> tuple[bytes, list[str], str]:
    """The page's grey pixels (at 2x), each char's font name and the page's text."""
    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[0]
        image = page.render(scale=2).to_pil().convert("L")
        textpage = page.get_textpage()
        fonts = []
        for i in range(textpage.count_chars()):
            buf = (pdfium_c.FPDF_WCHAR * 256)()  # the name comes back as UTF-8 bytes
            size = pdfium_c.FPDFText_GetFontInfo(textpage, i, buf, 256, None)
            fonts.append(bytes(buf)[: max(size - 1, 0)].decode())
        return image.tobytes(), fonts, textpage.get_text_range()
    finally:
        doc.close()


def _differ(a: bytes, b: bytes) -> int:
    """How many pixels of two renderings differ by more than a quarter of the grey scale."""
    return sum(1 for p, q in zip(a, b, strict=True) if abs(p - q) > 64)


def test_subset_draws_in_a_pdf_like_the_whole_font(fandol):
    cids = _cids(fandol, SENTENCE)
    pixels, fonts, text = _render(_pdf(fandol, cids, fandol.subset(cids), b"CIDFontType0C"))
    dark = sum(1 for p in pixels if p < 128)
    assert dark > 2000
    assert fonts and all("FandolFang" in name for name in fonts), fonts
    assert set(text) == set(SENTENCE)  # the viewer reads the CIDs as Adobe-GB1's
    # The same codes shown with the whole font file embedded draw the same pixels (but
    # for anti-aliasing): the subset's glyphs are the font's own, not a viewer's stand-in.
    whole = Path(FANDOL).read_bytes()
    assert _differ(_render(_pdf(fandol, cids, whole, b"OpenType"))[0], pixels) < dark // 100
    # while other glyphs, or none (.notdef is blank), differ by thousands of pixels
    others = [c + 1 for c in cids]
    assert (
        _differ(_render(_pdf(fandol, others, fandol.subset(others), b"CIDFontType0C"))[0], pixels)
        > dark // 2
    )
    lacking = _render(_pdf(fandol, cids, fandol.subset(cids[:1]), b"CIDFontType0C"))[0]
    assert _differ(lacking, pixels) > dark // 2


def test_pdfminer_reads_the_font_name(fandol):
    high_level = pytest.importorskip("pdfminer.high_level")
    layout = pytest.importorskip("pdfminer.layout")
    cids = _cids(fandol, TEXT)
    pdf = _pdf(fandol, cids, fandol.subset(cids), b"CIDFontType0C")
    chars = [
        obj
        for page in high_level.extract_pages(io.BytesIO(pdf))
        for box in page
        if isinstance(box, layout.LTTextContainer)
        for line in box
        for obj in line
        if isinstance(obj, layout.LTChar)
    ]
    assert len(chars) == len(cids)
    assert all("FandolFang" in ch.fontname for ch in chars)


# ------------------------------------------------------------------ a few chars of a big font


def test_noto_restricted_to_a_char():
    noto = CffFont.load(NOTO, int(NOTO_INDEX), chars="_")
    cid = noto.cid("_")
    assert cid is not None
    assert noto.cid("中") is None  # not asked for
    with TTFont(NOTO, fontNumber=int(NOTO_INDEX), lazy=True) as whole:
        name = whole.getBestCmap()[ord("_")]
        advance = whole["hmtx"][name][0]
        drawn = _drawing(whole["CFF "].cff.topDictIndex[0].CharStrings, name)
    assert name == f"cid{cid:05d}"  # the CID is the font's own
    assert noto.advance(cid) == advance
    top = _parse(noto.subset([cid])).topDictIndex[0]
    assert noto.ros == top.ROS
    assert top.charset == [".notdef", name]
    outline, width = _drawing(top.CharStrings, name)
    assert outline and width == noto.advance(cid)
    assert (outline, width) == drawn
    assert noto.ps_name.startswith("NotoSerifCJK")


def test_noto_glyphs_keep_their_own_font_dicts():
    """Glyphs of three Font DICTs (.notdef, "_", "中"): each drawn with its own Private
    DICT (its nominalWidthX), so each keeps its width."""
    noto = CffFont.load(NOTO, int(NOTO_INDEX), chars="_中")
    cids = [noto.cid("_"), noto.cid("中")]
    assert None not in cids
    top = _parse(noto.subset(c for c in cids if c is not None)).topDictIndex[0]
    assert len(top.FDArray) == 3
    widths = {name: _drawing(top.CharStrings, name)[1] for name in top.charset}
    with TTFont(NOTO, fontNumber=int(NOTO_INDEX), lazy=True) as whole:
        assert widths == {name: whole["hmtx"][name][0] for name in top.charset}
    assert len(set(widths.values())) == 2  # "_" is narrow


# ------------------------------------------------------------------ the caches


@pytest.fixture
def cold(tmp_path, monkeypatch):
    """An empty disk cache and memo."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(cff, "_MEMO", {})
    return tmp_path / "formgen" / "cff"


def test_second_load_comes_from_the_disk_cache(cold, monkeypatch):
    first = CffFont.load(NOTO, int(NOTO_INDEX), chars="_-")
    assert CffFont.load(NOTO, int(NOTO_INDEX), chars="-_") is first  # memoized
    files = list(cold.iterdir())
    assert len(files) == 1

    def no_fonttools(*args):
        raise AssertionError("fontTools ran again")

    monkeypatch.setattr(cff, "_prepare", no_fonttools)
    monkeypatch.setattr(cff, "_MEMO", {})
    again = CffFont.load(NOTO, int(NOTO_INDEX), chars="_-")
    assert again is not first
    cids = [first.cid("_"), first.cid("-")]
    assert again.subset(cids) == first.subset(cids)
    assert (again.ps_name, again.bbox, again.flags) == (first.ps_name, first.bbox, first.flags)
    with pytest.raises(AssertionError, match="fontTools ran again"):
        CffFont.load(NOTO, int(NOTO_INDEX), chars="_")  # other chars: another font


def test_a_broken_cache_file_is_made_anew(cold, monkeypatch):
    first = CffFont.load(NOTO, int(NOTO_INDEX), chars="_")
    (file,) = cold.iterdir()
    file.write_bytes(file.read_bytes()[:-20])
    monkeypatch.setattr(cff, "_MEMO", {})
    again = CffFont.load(NOTO, int(NOTO_INDEX), chars="_")
    cid = first.cid("_")
    assert cid is not None and again.subset([cid]) == first.subset([cid])
    assert file.stat().st_size > 40


def test_a_font_that_is_not_cid_keyed(tmp_path, cold):
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.t2CharStringPen import T2CharStringPen

    pen = T2CharStringPen(500, None)
    pen.moveTo((0, 0))
    pen.lineTo((500, 0))
    pen.lineTo((250, 500))
    pen.closePath()
    builder = FontBuilder(1000, isTTF=False)
    builder.setupGlyphOrder([".notdef", "A"])
    builder.setupCharacterMap({ord("A"): "A"})
    builder.setupCFF(
        "Plain-Regular", {}, {".notdef": pen.getCharString(), "A": pen.getCharString()}, {}
    )
    builder.setupHorizontalMetrics({".notdef": (500, 0), "A": (500, 0)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Plain", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    path = tmp_path / "plain.otf"
    builder.save(str(path))
    with pytest.raises(RuntimeError, match="not CID-keyed"):
        CffFont.load(path)
    with pytest.raises(RuntimeError, match="not a CFF"):
        CffFont.load(_fc("DejaVu Sans", "%{file}"))
