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
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt

from generator.render.built import stamp_built
from generator.render.docx import QR_DESCR
from generator.render.qr import qr_png

FANG, SONG_TITLE, HEI, KAI = "仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312"


def set_font(
    run_or_style,
    east: str,
    size: float | None = None,
    bold: bool = False,
    ascii_font: str | None = None,
) -> None:
    """Set the Latin and the East-Asian font (w:eastAsia) of a run or style. Digits and
    Latin letters are set in the East-Asian font too unless ``ascii_font`` says otherwise,
    as the PDF sets them (its 仿宋 has them): the same widths in both."""
    ascii_font = ascii_font or east
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
    _official_defaults(doc)
    normal = doc.styles["Normal"]
    set_font(normal, FANG, 12)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    no_autospace(normal.element.get_or_add_pPr())
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


_JAPANESE_FONT = re.compile(r'<a:font script="(?:Jpan|Hang|Hant)" typeface="[^"]*"/>\s*')
_FONT_ENTRY = re.compile(r"<w:font w:name=\"([^\"]*)\">.*?</w:font>\s*", re.S)
_LANG_DEFAULT = re.compile(r'(<w:lang w:val="[^"]*" w:eastAsia=")[^"]*(")')


def _official_defaults(doc: DocxDocument) -> None:
    """python-docx's default template speaks en-US and Japanese: its docDefaults give
    East-Asian text the language en-US and the theme's fonts, the theme names MS Mincho
    and MS Gothic (and Korean and Traditional fonts), the font table lists them. Here the
    defaults are zh-CN in 仿宋_GB2312, the theme's East-Asian fonts the official names
    (方正小标宋简体 for headings, 仿宋_GB2312 for text) and the font table names those."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")) if defaults is not None else None
    if rpr is not None:
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is not None:
            for attr in list(fonts.attrib):
                del fonts.attrib[attr]
            for attr, name in (("w:ascii", "Times New Roman"), ("w:hAnsi", "Times New Roman"),
                               ("w:eastAsia", FANG), ("w:cs", "Times New Roman")):  # fmt: skip
                fonts.set(qn(attr), name)
        lang = rpr.find(qn("w:lang"))
        if lang is not None:
            lang.set(qn("w:eastAsia"), "zh-CN")
    ppr = defaults.find(qn("w:pPrDefault")) if defaults is not None else None
    ppr = ppr.find(qn("w:pPr")) if ppr is not None else None
    if ppr is not None:
        no_autospace(ppr)
    for part in doc.part.package.iter_parts():
        name = str(part.partname)
        if name.endswith("/theme/theme1.xml"):
            xml = part.blob.decode("utf-8")
            xml = _JAPANESE_FONT.sub("", xml)
            major, minor = xml.split("<a:minorFont>", 1)
            major = major.replace('<a:ea typeface=""/>', f'<a:ea typeface="{SONG_TITLE}"/>')
            major = major.replace('<a:font script="Hans" typeface="宋体"/>',
                                  f'<a:font script="Hans" typeface="{SONG_TITLE}"/>')  # fmt: skip
            minor = minor.replace('<a:ea typeface=""/>', f'<a:ea typeface="{FANG}"/>')
            minor = minor.replace('<a:font script="Hans" typeface="宋体"/>',
                                  f'<a:font script="Hans" typeface="{FANG}"/>')  # fmt: skip
            part._blob = (major + "<a:minorFont>" + minor).encode("utf-8")
        elif name.endswith("/fontTable.xml"):
            xml = part.blob.decode("utf-8")
            xml = _FONT_ENTRY.sub(
                lambda m: "" if any(ord(c) > 0x2E80 for c in m.group(1)) else m.group(0), xml
            )
            entries = "".join(
                f'<w:font w:name="{f}"><w:charset w:val="86"/><w:family w:val="auto"/>'
                '<w:pitch w:val="variable"/></w:font>'
                for f in (FANG, SONG_TITLE, HEI, KAI)
            )
            part._blob = xml.replace("</w:fonts>", entries + "</w:fonts>").encode("utf-8")
        elif name.endswith("/stylesWithEffects.xml"):
            xml = _LANG_DEFAULT.sub(r"\1zh-CN\2", part.blob.decode("utf-8"))
            part._blob = xml.encode("utf-8")


def no_autospace(ppr: Any) -> None:
    """No automatic space between CJK and Latin text or digits (2026年3月1日, as the PDF):
    w:autoSpaceDE/DN off, in the order the schema wants them (before w:spacing)."""
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        if ppr.find(qn(tag)) is None:
            el = OxmlElement(tag)
            el.set(qn("w:val"), "0")
            anchor = next((c for c in ppr if c.tag in {qn("w:spacing"), qn("w:ind"),
                           qn("w:jc"), qn("w:rPr")}), None)  # fmt: skip
            if anchor is not None:
                anchor.addprevious(el)
            else:
                ppr.append(el)


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


QR_MM = 26.0  # the QR code's side on a portrait page (the PDF's formgen.typ qr-size)
BAND_EDGE_MM = 4.0  # from the paper's top edge, as the PDF


def top_band(doc: DocxDocument, label: str, with_qr: bool) -> None:
    """附件N on the first line of the text block (3号黑体, GB/T 9704); where the document is
    numbered, its QR code floating in the top margin, right edge on the text block's, and
    ``编号：`` in the page header under it (portrait) or beside it (landscape) — as the
    PDF's band, outside the flow, so the pages break where the PDF's do."""
    if label or not with_qr:
        para(doc, label, HEI, 16).paragraph_format.space_after = Pt(6)
    if not with_qr:
        return
    sec = doc.sections[0]
    top = int(sec.top_margin or 0) / Mm(1)
    under = top >= BAND_EDGE_MM + QR_MM + 6
    size = QR_MM if under else max(20.0, min(QR_MM, top - BAND_EDGE_MM - 2))
    anchor_p = doc.paragraphs[0] if doc.paragraphs else para(doc)
    run = anchor_p.add_run()
    run.add_picture(io.BytesIO(qr_png("SY0000-A0-M0000-0")), width=Mm(size))
    inline = run._element.xpath(".//wp:inline")[0]
    inline.xpath("./wp:docPr")[0].set("descr", QR_DESCR)
    _float_top_right(inline, Mm(BAND_EDGE_MM))
    hp = sec.header.paragraphs[0]
    hp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if under:
        sec.header_distance = Mm(BAND_EDGE_MM + size + 0.8)
    else:
        sec.header_distance = Mm(BAND_EDGE_MM + size - 3.2)
        hp.paragraph_format.right_indent = Mm(size + 1.5)
    set_font(hp.add_run("{% if doc_no %}编号：{{ doc_no }}{% endif %}"), FANG, 8)


def _float_top_right(inline: Any, dy: int) -> None:
    """Turn an inline picture into one floating at the text block's right edge, ``dy``
    below the paper's top, in front of the text and taking no room in the flow."""
    cx, cy = inline.extent.cx, inline.extent.cy
    graphic = inline.xpath("./a:graphic")[0]
    doc_pr = inline.xpath("./wp:docPr")[0]
    anchor = parse_xml(
        f'<wp:anchor {nsdecls("wp", "a", "pic", "r")} distT="0" distB="0" distL="0" distR="0"'
        ' simplePos="0" relativeHeight="2" behindDoc="0" locked="1" layoutInCell="1"'
        ' allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        '<wp:positionH relativeFrom="margin"><wp:align>right</wp:align></wp:positionH>'
        f'<wp:positionV relativeFrom="page"><wp:posOffset>{int(dy)}</wp:posOffset>'
        f'</wp:positionV><wp:extent cx="{cx}" cy="{cy}"/>'
        '<wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/></wp:anchor>'
    )
    anchor.append(doc_pr)
    anchor.append(parse_xml(f"<wp:cNvGraphicFramePr {nsdecls('wp')}/>"))
    anchor.append(graphic)
    inline.getparent().replace(inline, anchor)


def grid_table(doc: DocxDocument, widths_mm: list[float], rows: int):
    tbl = doc.add_table(rows=rows, cols=len(widths_mm))
    tbl.style = doc.styles["Table Grid"]
    tbl.alignment = WD_TABLE_ALIGNMENT.CENTER
    tbl.autofit = False
    for col, w in zip(tbl.columns, widths_mm, strict=True):
        col.width = Mm(w)  # w:gridCol, which Word/WPS/LibreOffice lay out by
    for row in tbl.rows:
        cant_split(row)
        for cell, w in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(w)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    return tbl


def cant_split(row) -> None:
    """A row never split across pages (w:cantSplit), as the PDF's rows are not."""
    trpr = row._tr.get_or_add_trPr()
    if trpr.find(qn("w:cantSplit")) is None:
        trpr.insert(0, OxmlElement("w:cantSplit"))


def keep_with_next(container) -> None:
    """Every paragraph of a cell, row or paragraph list kept with what follows (w:keepNext:
    in a table row, Word keeps the row with the next row or paragraph)."""
    for p in container:
        p.paragraph_format.keep_with_next = True


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
    keep: int = 0,
    inset_mm: tuple[float, float] = (2.0, 2.0),
    sections: bool = False,
) -> None:
    """A form's declared table: the header (two rows where columns share a group, merged
    as in the seed; a header's \\n is a line break), then one row repeated per record
    ({%tr for %}), each cell aligned as its column declares. Widths in the declared
    proportions of the text width. Rows never split across pages; ``keep``: the last
    ``keep`` records are a second loop whose rows are kept with what follows the table
    (a notice's closing block, a form's foot lines: never alone on a page).
    ``sections``: a record with a ``section`` is drawn as one heading cell across the
    table (四张清单: 一、资源清单)."""
    total = width_mm if width_mm is not None else text_width(doc) / Mm(1) * 0.995
    weights = [float(c.width) for c in columns]
    widths = [total * w / sum(weights) for w in weights]
    two = any(c.group for c in columns)
    n_head = 2 if two else 1
    tbl = grid_table(doc, widths, n_head + 3)
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
    for r0, c0, r1, c1 in merges:
        merged = tbl.cell(r0, c0).merge(tbl.cell(r1, c1))
        for p in merged.paragraphs[1:]:
            p._element.getparent().remove(p._element)
    var, _, seq = loop.partition(" in ")
    loops = [f"{var} in {seq}"]
    if keep:
        loops = [f"{var} in {seq}[:-{keep}]", f"{var} in {seq}[-{keep}:]"]
    block = 7 if sections else 3  # for, [if section, heading, else,] row, [endif,] endfor
    while len(tbl.rows) < n_head + block * len(loops):
        row = tbl.add_row()
        cant_split(row)
        for cell, w in zip(row.cells, widths, strict=True):
            cell.width = Mm(w)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    for n, each in enumerate(loops):
        at = n_head + block * n
        cell_text(tbl.cell(at, 0), "{%tr for " + each + " %}")
        data = at + 1
        if sections:
            cell_text(tbl.cell(data, 0), f"{{%tr if {var}.section is defined and {var}.section %}}")
            heading = tbl.cell(data + 1, 0).merge(tbl.cell(data + 1, len(columns) - 1))
            for p in heading.paragraphs[1:]:
                p._element.getparent().remove(p._element)
            left = WD_ALIGN_PARAGRAPH.LEFT
            cell_text(heading, "{{ " + var + ".section }}", HEI, size, align=left)
            cell_text(tbl.cell(data + 2, 0), "{%tr else %}")
            data += 3
        for j, c in enumerate(columns):
            align = WD_ALIGN_PARAGRAPH.CENTER if c.align == "center" else WD_ALIGN_PARAGRAPH.LEFT
            cell_text(tbl.cell(data, j), "{{ " + var + "." + c.key + " }}", FANG, size,
                      align=align)  # fmt: skip
        if n == 1:
            for cell in tbl.rows[data].cells:
                keep_with_next(cell.paragraphs)
        if sections:
            cell_text(tbl.cell(data + 1, 0), "{%tr endif %}")
            data += 1
        cell_text(tbl.cell(data + 1, 0), "{%tr endfor %}")
    cell_margins(tbl, inset_mm)
    fitted_widths(tbl, len(columns))
    for row in tbl.rows:  # lines as close as the PDF's (its leading: 0.4–0.5 em)
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.line_spacing = Pt(size * 1.25)
                p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY


def cell_margins(tbl: Any, inset_mm: tuple[float, float]) -> None:
    """The cells' inner margins (left/right, top/bottom in mm), as the PDF's insets."""
    tblpr = tbl._tbl.tblPr
    mar = tblpr.find(qn("w:tblCellMar"))
    if mar is None:
        mar = OxmlElement("w:tblCellMar")
        tblpr.append(mar)
    x, y = (str(round(v * 56.7)) for v in inset_mm)
    for side, v in (("top", y), ("left", x), ("bottom", y), ("right", x)):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), v)
        el.set(qn("w:type"), "dxa")
        mar.append(el)


def fitted_widths(tbl: Any, n: int) -> None:
    """The table's column widths from the document's context (``columns[i].w``, mm, fitted
    to its content by kit.fit_columns, as the PDF's): Jinja tags in the grid and in every
    cell's width, so Word, WPS and LibreOffice wrap where the PDF does."""

    def twips(first: int, span: int) -> str:
        parts = " + ".join(f"columns[{j}].w" for j in range(first, first + span))
        return "{{ ((" + parts + ") * 56.7) | round | int }}"

    for j, col in enumerate(tbl._tbl.tblGrid.findall(qn("w:gridCol"))):
        col.set(qn("w:w"), twips(j, 1))
    for tr in tbl._tbl.findall(qn("w:tr")):
        j = 0
        for tc in tr.findall(qn("w:tc")):
            tcpr = tc.get_or_add_tcPr()
            span_el = tcpr.find(qn("w:gridSpan"))
            span = int(span_el.get(qn("w:val"))) if span_el is not None else 1
            width = tcpr.find(qn("w:tcW"))
            if width is not None and j < n:
                width.set(qn("w:w"), twips(j, min(span, n - j)))
                width.set(qn("w:type"), "dxa")
            j += span


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
    para(
        doc,
        "{{ title }}",
        SONG_TITLE,
        22 * k,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        space_after=10 * k,
    )
    top_band(doc, "", with_qr=True)
    para(doc, "{{ lead }}", FANG, 16 * k, indent_chars=2, space_after=4 * k)
    declared_table(doc, columns, table_size * k, keep=2, inset_mm=(2 * k, 1.4 * k))
    # The closing block, kept with the table's last rows (keepNext down to the date).
    for key in ("closing", "period_text", "phone_text"):
        p = para(doc, "{{ " + key + " }}", FANG, 16 * k, indent_chars=2)
        p.paragraph_format.keep_with_next = True
        if key == "closing":
            p.paragraph_format.space_before = Pt(6 * k)
    for i, key in enumerate(("issuer }}{{ seal", "issue_date")):
        p = para(doc, "{{ " + key + " }}", FANG, 16 * k, align=WD_ALIGN_PARAGRAPH.RIGHT)
        p.paragraph_format.right_indent = Pt(16 * k * 4)  # 右空四字
        p.paragraph_format.keep_with_next = i == 0
        if i == 0:
            p.paragraph_format.space_before = Pt(30 * k)


def save(doc: DocxDocument, path: Path) -> Path:
    """Write the template, recording the hash of its document part (see is_edited)."""
    buf = io.BytesIO()
    doc.save(buf)
    data = stamp_built(buf.getvalue())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def footer_lines(doc: DocxDocument, notes: bool = True) -> None:
    """填报人 · 联系电话 and the notes, kept together (and with what keeps with them)."""
    p = two_sided(doc, "{{ foot_left }}", "{{ foot_right }}", space_after=2)
    p.paragraph_format.space_before = Pt(6)
    p.paragraph_format.keep_with_next = notes
    if notes:
        para(doc, "{{ notes }}", FANG, 10.5)
