"""The shared pieces of every DOCX template, as python-docx components: a document set
up in the official style, paragraphs, the two-sided head line, the 附件N/编号/QR band,
a declared table with its two-level header and a row loop, the signature block, the
notice frame, page numbers. ``generator.forms.docx_templates`` puts them together per
form (``formgen templates build``); the .docx files are committed in the form folders,
and a clerk may edit them in Word/WPS.

Every Jinja tag sits in one run; fonts name the official families in the East-Asian
slot. A template records a hash of its document part when built, so an edited copy is
told from the built one (``is_edited``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from generator.render.docx import QR_DESCR, stamp_built
from generator.render.qr import qr_png

FANG, SONG_TITLE, HEI, KAI = "仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312"


def set_font(
    run_or_style,
    east: str,
    size: float | None = None,
    bold: bool = False,
    ascii_font: str = "Times New Roman",
) -> None:
    """Set the Latin and the East-Asian font (w:eastAsia) of a run or style."""
    font = run_or_style.font
    font.name = ascii_font
    if size:
        font.size = Pt(size)
    font.bold = bold or None
    el = run_or_style.element if hasattr(run_or_style, "element") else run_or_style._element
    rpr = el.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), ascii_font)
    fonts.set(qn("w:eastAsia"), east)
    fonts.set(qn("w:hint"), "eastAsia")


def new_document(
    landscape: bool,
    margins_mm: tuple[float, float, float, float],
    paper_mm: tuple[float, float] = (210, 297),
) -> DocxDocument:
    """A document with zh-CN language, official fonts, A4 and the given margins (t, r, b, l)."""
    doc = Document()
    settings = doc.settings.element
    tfl = settings.find(qn("w:themeFontLang"))
    if tfl is None:
        tfl = OxmlElement("w:themeFontLang")
        settings.append(tfl)
    tfl.set(qn("w:val"), "en-US")
    tfl.set(qn("w:eastAsia"), "zh-CN")
    for style in doc.styles:
        if style.type == 1 and hasattr(style, "font"):
            rpr = style.element.get_or_add_rPr()
            lang = rpr.find(qn("w:lang")) or OxmlElement("w:lang")
            lang.set(qn("w:val"), "en-US")
            lang.set(qn("w:eastAsia"), "zh-CN")
            rpr.append(lang)
    normal = doc.styles["Normal"]
    set_font(normal, FANG, 12)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.line_spacing = 1.15
    for name in ("Table Grid",):
        set_font(doc.styles[name], FANG, 12)
    sec = doc.sections[0]
    pw, ph = paper_mm
    sec.page_width, sec.page_height = Mm(pw), Mm(ph)
    if landscape:
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_width, sec.page_height = Mm(ph), Mm(pw)
    t, r, b, left = margins_mm
    sec.top_margin, sec.right_margin, sec.bottom_margin, sec.left_margin = (
        Mm(t),
        Mm(r),
        Mm(b),
        Mm(left),
    )
    sec.header_distance, sec.footer_distance = Mm(10), Mm(8)
    # Drop the empty first paragraph of the default template.
    body = doc.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)
    return doc


def text_width(doc: DocxDocument) -> int:
    """The width of the text block, in EMU."""
    sec = doc.sections[0]
    return int(sec.page_width or 0) - int(sec.left_margin or 0) - int(sec.right_margin or 0)


def para(
    container,
    text: str = "",
    font: str = FANG,
    size: float = 12,
    bold: bool = False,
    align=None,
    indent_chars: float = 0,
    space_after: float = 0,
):
    """Add a paragraph holding one run of text (a Jinja tag stays whole in one run)."""
    p = container.add_paragraph()
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_after = Pt(space_after)
    if indent_chars:
        p.paragraph_format.first_line_indent = Pt(size * indent_chars)
    if text:
        set_font(p.add_run(text), font, size, bold)
    return p


def two_sided(
    doc: DocxDocument,
    left: str,
    right: str,
    size: float = 12,
    font: str = FANG,
    space_after: float = 4,
):
    """One line with text flush left and text flush right (a right tab stop)."""
    p = doc.add_paragraph()
    p.paragraph_format.tab_stops.add_tab_stop(text_width(doc), WD_TAB_ALIGNMENT.RIGHT)
    p.paragraph_format.space_after = Pt(space_after)
    set_font(p.add_run(left), font, size)
    set_font(p.add_run("\t"), font, size)
    set_font(p.add_run(right), font, size)
    return p


def page_number_footer(doc: DocxDocument, size: float = 14) -> None:
    """Footer '— 1 —' centred, with a PAGE field."""
    p = doc.sections[0].footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(p.add_run("— "), SONG_TITLE, size)
    run = p.add_run()
    set_font(run, SONG_TITLE, size)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            fc = OxmlElement("w:fldChar")
            fc.set(qn("w:fldCharType"), kind)
            run._element.append(fc)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._element.append(instr)
    set_font(p.add_run(" —"), SONG_TITLE, size)


def top_band(doc: DocxDocument, label: str, with_qr: bool) -> None:
    """附件N at the left; 编号 and a QR placeholder at the right (borderless)."""
    if not with_qr:
        para(doc, label, HEI, 14)
        return
    tbl = doc.add_table(rows=1, cols=2)
    tbl.alignment = WD_TABLE_ALIGNMENT.CENTER
    w = text_width(doc)
    left, right = tbl.rows[0].cells
    left.width, right.width = w - Mm(60), Mm(60)
    tbl.columns[0].width, tbl.columns[1].width = w - Mm(60), Mm(60)
    left.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    lp = left.paragraphs[0]
    set_font(lp.add_run(label), HEI, 14)
    rp = right.paragraphs[0]
    rp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buf = io.BytesIO(qr_png("SY0000-A0-M0000-0"))
    rp.add_run().add_picture(buf, width=Mm(23))
    rp.runs[-1]._element.xpath(".//wp:docPr")[0].set("descr", QR_DESCR)
    np_ = right.add_paragraph()
    np_.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    set_font(np_.add_run("编号：{{ doc_no }}"), FANG, 9)


def grid_table(doc: DocxDocument, widths_mm: list[float], rows: int):
    tbl = doc.add_table(rows=rows, cols=len(widths_mm))
    tbl.style = doc.styles["Table Grid"]
    tbl.alignment = WD_TABLE_ALIGNMENT.CENTER
    tbl.autofit = False
    for col, w in zip(tbl.columns, widths_mm, strict=True):
        col.width = Mm(w)  # w:gridCol, which Word/WPS/LibreOffice lay out by
    for row in tbl.rows:
        for cell, w in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(w)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    return tbl


def cell_text(
    cell,
    text: str,
    font: str = FANG,
    size: float = 12,
    bold: bool = False,
    align=WD_ALIGN_PARAGRAPH.CENTER,
) -> None:
    p = cell.paragraphs[0]
    p.alignment = align
    set_font(p.add_run(text), font, size, bold)


def repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def row_height(row, mm: float, exact: bool = False) -> None:
    row.height = Mm(mm)
    row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY if exact else WD_ROW_HEIGHT_RULE.AT_LEAST


def declared_table(
    doc: DocxDocument,
    columns: Sequence[Any],
    size: float = 12,
    loop: str = "r in rows",
    width_mm: float | None = None,
    sections: bool = False,
) -> None:
    """A form's declared table: the header (two rows where columns share a group, merged
    as in the seed; a header's \\n is a line break), then one row repeated per record
    ({%tr for %}), each cell aligned as its column declares. Widths in the declared
    proportions of the text width. ``sections``: a record with a ``section`` is drawn as
    one heading cell across the table (四张清单: 一、资源清单)."""
    total = width_mm if width_mm is not None else text_width(doc) / Mm(1) * 0.995
    weights = [float(c.width) for c in columns]
    widths = [total * w / sum(weights) for w in weights]
    two = any(c.group for c in columns)
    n_head = 2 if two else 1
    tbl = grid_table(doc, widths, n_head + (7 if sections else 3))
    merges: list[tuple[int, int, int, int]] = []
    j = 0
    while j < len(columns):
        c = columns[j]
        if two and c.group:
            span = 1
            while j + span < len(columns) and columns[j + span].group == c.group:
                span += 1
            cell_text(tbl.cell(0, j), c.group, HEI, size)
            for k in range(j, j + span):
                cell_text(tbl.cell(1, k), columns[k].head, HEI, size)
            if span > 1:
                merges.append((0, j, 0, j + span - 1))
            j += span
            continue
        cell_text(tbl.cell(0, j), c.head, HEI, size)
        if two:
            merges.append((0, j, 1, j))
        j += 1
    for i in range(n_head):
        repeat_header(tbl.rows[i])
        row_height(tbl.rows[i], 9)
    for r0, c0, r1, c1 in merges:
        merged = tbl.cell(r0, c0).merge(tbl.cell(r1, c1))
        for p in merged.paragraphs[1:]:
            p._element.getparent().remove(p._element)
    var = loop.split()[0]
    cell_text(tbl.cell(n_head, 0), "{%tr for " + loop + " %}")
    data = n_head + 1
    if sections:
        cell_text(tbl.cell(data, 0), f"{{%tr if {var}.section is defined and {var}.section %}}")
        heading = tbl.cell(data + 1, 0).merge(tbl.cell(data + 1, len(columns) - 1))
        for p in heading.paragraphs[1:]:
            p._element.getparent().remove(p._element)
        cell_text(heading, "{{ " + var + ".section }}", HEI, size, align=WD_ALIGN_PARAGRAPH.LEFT)
        row_height(tbl.rows[data + 1], 9)
        cell_text(tbl.cell(data + 2, 0), "{%tr else %}")
        data += 3
    for j, c in enumerate(columns):
        align = WD_ALIGN_PARAGRAPH.CENTER if c.align == "center" else WD_ALIGN_PARAGRAPH.LEFT
        cell_text(tbl.cell(data, j), "{{ " + var + "." + c.key + " }}", FANG, size, align=align)
    row_height(tbl.rows[data], 10)
    if sections:
        cell_text(tbl.cell(data + 1, 0), "{%tr endif %}")
        data += 1
    cell_text(tbl.cell(data + 1, 0), "{%tr endfor %}")


def sig_block(cell: Any, path: str, size: float = 10.5) -> None:
    """The signature block (generator/forms/kit.py signature_block) in a table cell: the
    comment, 评价等次 with the grade ticked, the signer line, the seal line and the date.
    ``path`` names the block in the context (``blocks[0]``)."""
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    cell_text(cell, "{{ " + path + ".comment }}", align=WD_ALIGN_PARAGRAPH.LEFT)
    para(cell, "{%p if " + path + ".grades %}", FANG, size)
    para(cell, "评价等次：", FANG, size)
    para(cell, "{{ " + path + ".grades }}", FANG, size)
    para(cell, "{%p endif %}", FANG, size)
    para(cell, "{{ " + path + ".signer }}", FANG, size).paragraph_format.space_before = Pt(14)
    para(cell, "{{ " + path + ".seal }}", FANG, size, align=WD_ALIGN_PARAGRAPH.RIGHT)
    para(cell, "{{ " + path + ".date }}", FANG, size, align=WD_ALIGN_PARAGRAPH.RIGHT)


def notice_frame(
    doc: DocxDocument, columns: Sequence[Any], table_size: float, k: float = 1.0
) -> None:
    """A public notice in the shared frame: the 编号/QR band, title, lead, the declared
    table, closing, 公示期, 监督电话, and the issuer (with （盖章）) and date at the right."""
    page_number_footer(doc, 14 * k)
    top_band(doc, "", with_qr=True)
    para(
        doc,
        "{{ title }}",
        SONG_TITLE,
        22 * k,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        space_after=12 * k,
    )
    para(doc, "{{ lead }}", FANG, 16 * k, indent_chars=2, space_after=6 * k)
    declared_table(doc, columns, table_size * k)
    for key in ("closing", "period_text", "phone_text"):
        p = para(doc, "{{ " + key + " }}", FANG, 16 * k, indent_chars=2)
        p.paragraph_format.keep_with_next = True  # with the issuer: no seal alone on a page
        if key == "closing":
            p.paragraph_format.space_before = Pt(8 * k)
    for i, key in enumerate(("issuer }}{{ seal", "issue_date")):
        p = para(doc, "{{ " + key + " }}", FANG, 16 * k, align=WD_ALIGN_PARAGRAPH.RIGHT)
        p.paragraph_format.right_indent = Pt(16 * k * 2)
        p.paragraph_format.keep_with_next = i == 0
        if i == 0:
            p.paragraph_format.space_before = Pt(40 * k)


def save(doc: DocxDocument, path: Path) -> Path:
    """Write the template, recording the hash of its document part (see is_edited)."""
    buf = io.BytesIO()
    doc.save(buf)
    data = stamp_built(buf.getvalue())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def footer_lines(doc: DocxDocument, notes: bool = True) -> None:
    p = two_sided(doc, "{{ foot_left }}", "{{ foot_right }}", space_after=2)
    p.paragraph_format.space_before = Pt(6)
    if notes:
        para(doc, "{{ notes }}", FANG, 10.5)
