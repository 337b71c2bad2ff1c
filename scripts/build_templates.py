"""Build the DOCX templates in templates/forms/ (run: python scripts/build_templates.py).

The .docx files are committed; a clerk may edit them in Word/WPS. This script is how
the originals were made, so they can be rebuilt after a layout change. Every Jinja tag
sits in one run; fonts name the official families in the East-Asian slot.
"""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from generator.render.qr import qr_png

ROOT = Path(__file__).resolve().parent.parent
FORMS = ROOT / "templates" / "forms"
NOTICES = ROOT / "templates" / "notices"
FANG, SONG_TITLE, HEI, KAI = "仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312"
QR_DESCR = "formgen-qr"


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
) -> Document:
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


def text_width(doc: Document) -> int:
    sec = doc.sections[0]
    return sec.page_width - sec.left_margin - sec.right_margin


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
    doc: Document, left: str, right: str, size: float = 12, font: str = FANG, space_after: float = 4
):
    """One line with text flush left and text flush right (a right tab stop)."""
    p = doc.add_paragraph()
    p.paragraph_format.tab_stops.add_tab_stop(text_width(doc), WD_TAB_ALIGNMENT.RIGHT)
    p.paragraph_format.space_after = Pt(space_after)
    set_font(p.add_run(left), font, size)
    set_font(p.add_run("\t"), font, size)
    set_font(p.add_run(right), font, size)
    return p


def page_number_footer(doc: Document, size: float = 14) -> None:
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


def top_band(doc: Document, label: str, with_qr: bool) -> None:
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


def grid_table(doc: Document, widths_mm: list[float], rows: int):
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


def loop_table(
    doc: Document,
    widths: list[float],
    header_rows: list[list[str | None]],
    merges: list[tuple[int, int, int, int]],
    fields: list[str],
    size: float = 12,
    loop: str = "r in rows",
) -> None:
    """A table: header rows (with merges), then one row repeated per record via {%tr %}."""
    n_head = len(header_rows)
    tbl = grid_table(doc, widths, n_head + 3)
    for i, labels in enumerate(header_rows):
        for j, label in enumerate(labels):
            if label is not None:
                cell_text(tbl.cell(i, j), label, HEI, size)
        repeat_header(tbl.rows[i])
        row_height(tbl.rows[i], 9)
    for r0, c0, r1, c1 in merges:
        merged = tbl.cell(r0, c0).merge(tbl.cell(r1, c1))
        for p in merged.paragraphs[1:]:
            p._element.getparent().remove(p._element)
    cell_text(tbl.cell(n_head, 0), "{%tr for " + loop + " %}")
    for j, f in enumerate(fields):
        align = (
            WD_ALIGN_PARAGRAPH.CENTER
            if f in {"no", "party", "count", "name"}
            else (WD_ALIGN_PARAGRAPH.LEFT)
        )
        cell_text(tbl.cell(n_head + 1, j), "{{ r." + f + " }}", FANG, size, align=align)
    row_height(tbl.rows[n_head + 1], 10)
    cell_text(tbl.cell(n_head + 2, 0), "{%tr endfor %}")


def footer_lines(doc: Document, notes: bool = True) -> None:
    p = two_sided(doc, "{{ foot_left }}", "{{ foot_right }}", space_after=2)
    p.paragraph_format.space_before = Pt(6)
    if notes:
        para(doc, "{{ notes }}", FANG, 10.5)


def table_form(
    name: str, label: str, widths: list[float], header_rows, merges, fields, summary: bool = False
) -> None:
    doc = new_document(landscape=True, margins_mm=(20, 20, 18, 20))
    top_band(doc, label, with_qr=False)
    para(
        doc,
        "{{ title }}",
        SONG_TITLE,
        22,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        space_after=6,
    )
    two_sided(doc, "{{ head_left }}", "{{ head_right }}")
    loop_table(doc, widths, header_rows, merges, fields)
    if summary:
        para(doc, "{{ summary }}", FANG, 12).paragraph_format.space_before = Pt(6)
    footer_lines(doc)
    doc.save(FORMS / f"{name}.docx")


def a3() -> None:
    doc = new_document(landscape=False, margins_mm=(20, 22, 16, 25))
    top_band(doc, "附件3", with_qr=True)
    para(
        doc,
        "{{ title }}",
        SONG_TITLE,
        20,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        space_after=6,
    )
    two_sided(doc, "{{ head_left }}", "{{ head_right }}")
    tbl = grid_table(doc, [36, 62, 22, 43], 4)
    cell_text(tbl.cell(0, 0), "姓名", HEI)
    cell_text(tbl.cell(0, 1), "{{ name }}")
    cell_text(tbl.cell(0, 2), "职务", HEI)
    cell_text(tbl.cell(0, 3), "{{ job }}")
    row_height(tbl.rows[0], 12)
    cell_text(tbl.cell(1, 0), "居住地社区（小区）", HEI)
    tbl.cell(1, 1).merge(tbl.cell(1, 3))
    cell_text(tbl.cell(1, 1), "{{ residence }}")
    row_height(tbl.rows[1], 12)
    cell_text(tbl.cell(2, 0), "承诺事项", HEI)
    c = tbl.cell(2, 1).merge(tbl.cell(2, 3))
    c.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    cell_text(c, "我承诺：", align=WD_ALIGN_PARAGRAPH.LEFT)
    for text in ("{%p for it in items %}", "{{ it }}", "{%p endfor %}"):
        para(c, text, FANG, 12, indent_chars=2 if text == "{{ it }}" else 0)
    para(c, "")
    para(c, "承诺时间：{{ pledge_date }}", FANG, 12, indent_chars=12)
    para(c, "本人签字：", FANG, 12, indent_chars=12).paragraph_format.space_after = Pt(18)
    para(c, "{{ pledge_note }}", KAI, 10.5, indent_chars=2)
    row_height(tbl.rows[2], 100)
    cell_text(tbl.cell(3, 0), "主要举措及\n完成时限", HEI)
    c = tbl.cell(3, 1).merge(tbl.cell(3, 3))
    c.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    cell_text(c, "{%p for m in measures %}", align=WD_ALIGN_PARAGRAPH.LEFT)
    para(c, "{{ m }}", FANG, 12, indent_chars=0)
    para(c, "{%p endfor %}")
    row_height(tbl.rows[3], 45)
    footer_lines(doc)
    doc.save(FORMS / "a3.docx")


def sig_block(cell, key: str) -> None:
    """The reusable signature block: comment, 评价等次, signer, seal, date."""
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    b = f"blocks.{key}"
    cell_text(cell, "{{ " + b + ".comment }}", align=WD_ALIGN_PARAGRAPH.LEFT)
    para(cell, "评价等次：", FANG, 10.5)
    para(cell, "{{ " + b + ".grades }}", FANG, 10.5)
    para(cell, "{{ " + b + ".signer }}", FANG, 10.5).paragraph_format.space_before = Pt(14)
    para(cell, "{{ " + b + ".seal }}", FANG, 10.5, align=WD_ALIGN_PARAGRAPH.RIGHT)
    para(cell, "年　　月　　日", FANG, 10.5, align=WD_ALIGN_PARAGRAPH.RIGHT)


def a5() -> None:
    doc = new_document(landscape=False, margins_mm=(10, 16, 10, 20))
    top_band(doc, "附件5", with_qr=True)
    para(
        doc,
        "{{ title }}",
        SONG_TITLE,
        18,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        space_after=4,
    )
    two_sided(doc, "{{ head_left }}", "{{ head_right }}", size=11)
    tbl = grid_table(doc, [28, 59, 28, 59], 8)
    cell_text(tbl.cell(0, 0), "姓名", HEI, 11)
    cell_text(tbl.cell(0, 1), "{{ name }}", size=11)
    cell_text(tbl.cell(0, 2), "职务", HEI, 11)
    cell_text(tbl.cell(0, 3), "{{ job }}", size=11)
    for i, (label, key, h) in enumerate(
        (
            ("家庭住址", "address", 10),
            ("担任居住社区或小区职务", "posts", 12),
            ("“五亮五共”活动情况", "activity", 22),
        ),
        start=1,
    ):
        cell_text(tbl.cell(i, 0), label, HEI, 11)
        c = tbl.cell(i, 1).merge(tbl.cell(i, 3))
        cell_text(c, "{{ " + key + " }}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
        row_height(tbl.rows[i], h)
    row_height(tbl.rows[0], 10)
    c = tbl.cell(4, 0).merge(tbl.cell(4, 3))
    cell_text(c, "{{ duty_heading }}", HEI, 11)
    for i, (l1, k1, l2, k2) in enumerate(
        (
            ("自我评价", "self", "小区业委会\n（自管委员会）\n评价", "committee"),
            ("小区党支部\n意见", "branch", "社区党组织\n评价意见", "community"),
        ),
        start=5,
    ):
        cell_text(tbl.cell(i, 0), l1, HEI, 11)
        sig_block(tbl.cell(i, 1), k1)
        cell_text(tbl.cell(i, 2), l2, HEI, 11)
        sig_block(tbl.cell(i, 3), k2)
        row_height(tbl.rows[i], 43)
    cell_text(tbl.cell(7, 0), "单位党组织\n评价意见", HEI, 11)
    c = tbl.cell(7, 1).merge(tbl.cell(7, 3))
    sig_block(c, "unit")
    row_height(tbl.rows[7], 40)
    p = two_sided(doc, "{{ foot_left }}", "{{ foot_right }}", size=11, space_after=0)
    p.paragraph_format.space_before = Pt(3)
    para(doc, "{{ notes }}", FANG, 9)
    doc.save(FORMS / "a5.docx")


def notice(
    name: str,
    landscape: bool,
    rel_widths: list[float],
    labels: list[str],
    fields: list[str],
    table_size: float,
    left_fields: set[str],
) -> None:
    """A public notice in the shared frame, as <name>.docx (A4) and <name>.a3.docx (A3)."""
    for paper, k, size in (("", 1.0, (210, 297)), (".a3", 2**0.5, (297, 420))):
        margins = (30, 26, 26, 28) if landscape else (37, 26, 35, 28)
        doc = new_document(landscape, tuple(m * k for m in margins), size)  # type: ignore[arg-type]
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
        width_mm = (text_width(doc) / Mm(1)) * 0.995
        widths = [width_mm * w / sum(rel_widths) for w in rel_widths]
        tbl = grid_table(doc, widths, 4)
        for j, label in enumerate(labels):
            cell_text(tbl.cell(0, j), label, HEI, table_size * k)
        repeat_header(tbl.rows[0])
        cell_text(tbl.cell(1, 0), "{%tr for r in rows %}")
        for j, f in enumerate(fields):
            align = WD_ALIGN_PARAGRAPH.LEFT if f in left_fields else WD_ALIGN_PARAGRAPH.CENTER
            cell_text(tbl.cell(2, j), "{{ r." + f + " }}", FANG, table_size * k, align=align)
        row_height(tbl.rows[2], 11 * k)
        cell_text(tbl.cell(3, 0), "{%tr endfor %}")
        for key in ("closing", "period_text", "phone_text"):
            p = para(doc, "{{ " + key + " }}", FANG, 16 * k, indent_chars=2)
            if key == "closing":
                p.paragraph_format.space_before = Pt(8 * k)
        for i, key in enumerate(("issuer", "issue_date")):
            p = para(doc, "{{ " + key + " }}", FANG, 16 * k, align=WD_ALIGN_PARAGRAPH.RIGHT)
            p.paragraph_format.right_indent = Pt(16 * k * 2)
            p.paragraph_format.keep_with_next = i == 0
            if i == 0:
                p.paragraph_format.space_before = Pt(40 * k)
        doc.save(NOTICES / f"{name}{paper}.docx")


def main() -> None:
    FORMS.mkdir(parents=True, exist_ok=True)
    NOTICES.mkdir(parents=True, exist_ok=True)
    table_form(
        "a1",
        "附件1",
        [14, 24, 58, 34, 52, 48, 22],
        [
            [
                "序号",
                "姓名",
                "所在单位及职务",
                "联系方式",
                "家庭住址",
                "个人特长或熟悉领域",
                "是否为党员",
            ]
        ],
        [],
        ["no", "name", "unit_title", "phone", "address", "speciality", "party"],
    )
    table_form(
        "a2",
        "附件2",
        [14, 22, 36, 30, 30, 16, 86, 23],
        [
            ["序号", "姓名", "职务", "居住地社区（小区）", None, "参加决策共谋情况", None, "备注"],
            [None, None, None, "社区", "小区", "次数", "参与事项", None],
        ],
        [(0, 0, 1, 0), (0, 1, 1, 1), (0, 2, 1, 2), (0, 3, 0, 4), (0, 5, 0, 6), (0, 7, 1, 7)],
        ["no", "name", "job", "community", "compound", "count", "matters", "note"],
    )
    table_form(
        "a4",
        "附件4",
        [14, 24, 40, 32, 32, 40, 30, 45],
        [
            ["序号", "姓名", "职务", "居住地社区（小区）", None, "任职岗位", "任职时间", "备注"],
            [None, None, None, "社区", "小区", None, None, None],
        ],
        [
            (0, 0, 1, 0),
            (0, 1, 1, 1),
            (0, 2, 1, 2),
            (0, 3, 0, 4),
            (0, 5, 1, 5),
            (0, 6, 1, 6),
            (0, 7, 1, 7),
        ],
        ["no", "name", "job", "community", "compound", "post", "since", "note"],
        summary=True,
    )
    a3()
    a5()
    notice(
        "n1",
        True,
        [1.2, 1.6, 3.8, 2.7, 3.4, 2.7, 1.4],
        [
            "序号",
            "姓名",
            "所在单位及职务",
            "联系方式",
            "家庭住址",
            "个人特长或熟悉领域",
            "是否党员",
        ],
        ["no", "name", "unit_title", "phone", "address", "speciality", "party"],
        15,
        {"unit_title", "address", "speciality"},
    )
    notice(
        "n2",
        False,
        [1.2, 1.6, 3, 4.6, 2.2],
        ["序号", "姓名", "所在单位及职务", "承诺事项", "完成时限"],
        ["no", "name", "unit_title", "pledged", "deadlines"],
        14,
        {"unit_title", "pledged"},
    )
    notice(
        "n3",
        False,
        [1.2, 1.8, 5, 2],
        ["序号", "姓名", "所在单位及职务", "评价等次"],
        ["no", "name", "unit_title", "grade"],
        14,
        {"unit_title"},
    )


if __name__ == "__main__":
    main()
