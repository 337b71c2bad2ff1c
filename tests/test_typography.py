"""Official typography, read back from the PDFs as a clerk would see them (issue 10): 仿宋
(FandolFang) for the body by the font's name and by the characters it draws, the closing
block never alone on a page, no space between Chinese and digits, headers and titles
never broken inside a word, a ten-resident building's notice on one page, page numbers
on multi-page documents, the 编号 label clear of every table rule, the a5 details."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as raw
import pytest

from generator.forms import kit
from generator.forms.registry import blank
from generator.render.renderers import Renderers
from tests.conftest import FORMS, context, layout, ledger_rows, write_ledger
from tests.helpers import find, manifest, pdf_fonts, pdf_pages, squash
from tests.test_notices import big_building

MM = 72 / 25.4  # points per mm


@dataclass(frozen=True)
class Char:
    ch: str
    font: str  # the BaseFont drawing it, subset prefix removed
    size: float
    box: tuple[float, float, float, float]  # left, bottom, right, top (pt)


def chars(path_or_bytes: Path | bytes) -> list[list[Char]]:
    """Every drawn character of every page with the font that draws it (PDFium's text
    page: FPDFText_GetFontInfo), its size and its box."""
    doc = pdfium.PdfDocument(path_or_bytes)
    pages = []
    try:
        for page in doc:
            tp = page.get_textpage()
            buf = ctypes.create_string_buffer(256)
            flags = ctypes.c_int()
            out = []
            for i in range(tp.count_chars()):
                ch = chr(raw.FPDFText_GetUnicode(tp, i))
                if not ch.strip():
                    continue
                raw.FPDFText_GetFontInfo(tp, i, buf, 256, ctypes.byref(flags))
                font = buf.value.decode("latin-1").split("+", 1)[-1]
                size = raw.FPDFText_GetFontSize(tp, i)
                out.append(Char(ch, font, size, tp.get_charbox(i)))
            pages.append(out)
    finally:
        doc.close()
    return pages


def find_run(cs: list[Char], text: str) -> list[Char]:
    """The characters of the first occurrence of ``text`` (no whitespace) in drawing order."""
    s = "".join(c.ch for c in cs)
    at = s.find(text)
    assert at >= 0, (text, s[:300])
    return cs[at : at + len(text)]


def one_line(run: list[Char]) -> bool:
    """Whether characters stand on one line (their boxes overlap vertically)."""
    top = min(c.box[3] for c in run)
    bottom = max(c.box[1] for c in run)
    return bottom < top


def pdfs(out: Path, form: str) -> list[Path]:
    return [out / e["path"] for e in manifest(out) if e["form"] == form and e["format"] == "pdf"]


# Drawn by another font on purpose: rare characters FandolFang lacks (𠮷 comes as a
# surrogate pair), and the blanks to fill by hand (______), whose FandolFang underscores
# do not join into a line (formgen.typ: `fang`).
RARE = {"䶮", "_", *(chr(c) for c in range(0xD800, 0xE000))}
FORM_IDS = ("a1", "a2", "a3", "a4", "a5", "n1", "n2", "n3")


def _blank_pdf(form_id: str, opts) -> bytes:
    return Renderers().render(layout(form_id), "pdf", blank(FORMS[form_id], opts))


# ------------------------------------------------------------------ 1. 仿宋
@pytest.mark.parametrize("form_id", FORM_IDS)
def test_the_body_is_fandolfang_by_name_and_by_the_characters_it_draws(exported, opts, form_id):
    for source in [*pdfs(exported, form_id)[:2], _blank_pdf(form_id, opts)]:
        if isinstance(source, Path):
            assert any("FandolFang" in f for f in pdf_fonts(source)), source
        pages = chars(source)
        drawn = [c for page in pages for c in page]
        # No symbol or digit comes from DejaVu: □ and the tick are FandolFang's own.
        assert not [c.ch for c in drawn if "DejaVu" in c.font], form_id
        marks = [c for c in drawn if c.ch in "□√☑"]
        assert all("FandolFang" in c.font for c in marks), {(c.ch, c.font) for c in marks}
        # The body text: the date line / lead, the table's cells, the notes.
        body = "".join(c.ch for c in drawn if "FandolFang" in c.font)
        if form_id.startswith("n"):
            assert "公示期：" in body and "监督电话：" in body, form_id
        else:
            assert "时间：" in body, form_id
        # Every character but the titles (Noto Serif Bold, the 小标宋 stand-in), labels
        # (Noto Sans, 黑体) and a3's small print (楷) is 仿宋; only rare characters (䶮, 𠮷)
        # fall back to Noto Serif, as FandolFang lacks them.
        own = ("FandolFang", "NotoSansCJK", "NotoSerifCJKsc-Bold", "LXGWWenKai")
        folio = {c for c in drawn if c.ch in "—0123456789" and c.font.startswith("NotoSerif")}
        others = {c.ch for c in drawn if not c.font.startswith(own) and c not in folio}
        assert others <= RARE, (form_id, others - RARE)


def test_grades_are_ticked_in_fandolfang(exported):
    page = chars(find(exported, "a5", "pdf", member_id="0001"))[0]
    s = "".join(c.ch for c in page)
    at = s.find("□√良好")  # 业委会评价: 良好 — □ with √ drawn inside it
    assert at >= 0
    box, tick = page[at].box, page[at + 1].box
    assert box[0] <= tick[0] and tick[2] <= box[2] + 0.5 and box[1] - 0.5 <= tick[1]
    assert page[at].font.startswith("FandolFang") and page[at + 1].font.startswith("FandolFang")


# ------------------------------------------------------------------ 3. no CJK–digit space
def test_no_space_between_chinese_and_digits(exported):
    a5 = pdf_pages(find(exported, "a5", "pdf", member_id="0001"))[0]
    assert "时间：2026年3月1日" in a5
    n2 = "".join(pdf_pages(find(exported, "n2", "pdf", compound="阳光花园")))
    assert "公示期：2026年3月1日至2026年3月10日" in n2
    assert "2026 年" not in n2 and "3 月" not in n2
    a2 = "".join(pdf_pages(find(exported, "a2", "pdf", unit="十堰市住房和城乡建设局")))
    assert "统计期间：2026年全年" in a2


# ------------------------------------------------------------------ 2. closing block
def _pages_with_closing_have_rows(pdf: bytes, names: list[str]) -> None:
    pages = [squash(t) for t in pdf_pages_bytes(pdf)]
    for i, text in enumerate(pages, start=1):
        if any(k in text for k in ("公示期：", "监督电话：", "（盖章）")):
            assert any(n in text for n in names), f"page {i} holds the closing block alone"
            # the issuer and the date stand together, after 监督电话
            assert "监督电话：" in text and text.index("（盖章）") > text.index("监督电话：")


def pdf_pages_bytes(data: bytes) -> list[str]:
    doc = pdfium.PdfDocument(data)
    try:
        return [p.get_textpage().get_text_range() for p in doc]
    finally:
        doc.close()


def test_the_closing_block_never_stands_alone_whatever_the_number_of_rows(tmp_path, opts):
    from generator.run.pipeline import read_ledger

    led, _ = read_ledger(big_building(tmp_path, 40), opts.profile)
    ctx = context("n1", led, opts, community="北京路社区", compound="柳林小区", building="9栋")
    rows = ctx["rows"]
    r = Renderers()
    for n in range(1, len(rows) + 1):  # every place the table can end on a page
        pdf = r.render(layout("n1"), "pdf", {**ctx, "rows": rows[:n]})
        _pages_with_closing_have_rows(pdf, [row["name"] for row in rows[:n]])
    n3 = context("n3", led, opts, unit="十堰市民政局")
    pdf = r.render(layout("n3"), "pdf", n3)
    _pages_with_closing_have_rows(pdf, [row["name"] for row in n3["rows"]])
    assert "中共十堰市民政局党组（盖章）" in squash("".join(pdf_pages_bytes(pdf)))


def test_a_blank_notice_keeps_its_closing_with_rows(opts):
    for form_id in ("n1", "n2", "n3"):
        pdf = _blank_pdf(form_id, opts)
        pages = [squash(t) for t in pdf_pages_bytes(pdf)]
        for text in pages:
            if "监督电话：" in text:
                assert "10" in text.split("监督电话：")[0], form_id  # the last blank row
        assert "______（盖章）" in "".join(pages)


def test_table_forms_keep_their_foot_lines_with_rows(tmp_path, opts):
    from generator.run.pipeline import read_ledger

    led, _ = read_ledger(big_building(tmp_path, 40), opts.profile)
    ctx = context("a2", led, opts, unit="十堰市民政局")
    r = Renderers()
    rows = ctx["rows"]
    for n in range(20, len(rows) + 1):
        pdf = r.render(layout("a2"), "pdf", {**ctx, "rows": rows[:n]})
        for text in (squash(t) for t in pdf_pages_bytes(pdf)):
            if "填报人：" in text:
                assert any(row["name"] in text for row in rows[:n])


# ------------------------------------------------------------------ 4., 5. words, pages
def _headers_on_one_line(pdf: Path | bytes, form_id: str) -> None:
    page = chars(pdf)[0]
    for col in FORMS[form_id].columns:
        for line in col.head.split("\n"):
            assert one_line(find_run(page, line)), (form_id, line)
    for group in {c.group for c in FORMS[form_id].columns if c.group}:
        assert one_line(find_run(page, group)), (form_id, group)


@pytest.mark.parametrize("form_id", ("a1", "a2", "a4", "n1", "n2", "n3"))
def test_no_header_cell_breaks_inside_a_word(exported, opts, form_id):
    for pdf in [*pdfs(exported, form_id), _blank_pdf(form_id, opts)]:
        _headers_on_one_line(pdf, form_id)


def test_titles_break_between_words(exported):
    page = chars(find(exported, "n2", "pdf", compound="阳光花园"))[0]
    for word in ("北京路社区阳光花园", "承诺事项公示", "党员干部"):
        assert one_line(find_run(page, word)), word
    n3 = chars(find(exported, "n3", "pdf", unit="十堰市住房和城乡建设局"))[0]
    for word in ("十堰市住房和城乡建设局", "评价结果公示", "“五亮五共”"):
        assert one_line(find_run(n3, word)), word


def ten_residents(tmp_path: Path) -> Path:
    """A building of ten with the sample's long units and posts."""
    units = ["十堰市住房和城乡建设局", "十堰市民政局", "十堰市人民医院", "十堰市住房和城乡建设局"]
    posts = ["四级调研员", "一级主任科员", "办公室主任", "副科长", "主治医师"]
    names = ["董怡涛", "梁超浩", "程兰勇", "欧阳明月", "胡娜思"]
    s = ledger_rows()
    for i in range(10):
        s["党员干部"].append(
            [f"{200 + i}", names[i % 5], "男", units[i % 4], posts[i % 5], f"1531111{i:04d}",
             "北京路社区", "柳林小区", "8栋", f"{1 + i % 3}单元", f"{1201 + i}室",
             ["法律咨询", "矛盾调解", "政策宣讲", "环境保护"][i % 4], "是" if i % 7 else "否",
             ""]
        )  # fmt: skip
    return write_ledger(tmp_path / "ten.xlsx", s)


def test_a_ten_resident_building_is_one_page_and_roomy(tmp_path, opts):
    from generator.run.pipeline import read_ledger

    led, _ = read_ledger(ten_residents(tmp_path), opts.profile)
    r = Renderers()
    for form_id in ("n1", "a1"):
        ctx = context(
            form_id, led, opts, community="北京路社区", compound="柳林小区", building="8栋"
        )
        pdf = r.render(layout(form_id), "pdf", ctx)
        pages = pdf_pages_bytes(pdf)
        assert len(pages) == 1, form_id
        text = squash(pages[0])
        assert "是否为党员" in text and "是否党员" not in text
        _headers_on_one_line(pdf, form_id)
        # the unit and the post wrap between them, never inside either
        page = chars(pdf)[0]
        for word in ("十堰市住房和城乡建设局", "一级主任科员", "四级调研员", "柳林小区8栋"):
            assert one_line(find_run(page, word)), (form_id, word)


@pytest.mark.parametrize("form_id", ("a2", "a4"))
def test_narrow_columns_never_break_short_values(exported, form_id):
    for pdf in pdfs(exported, form_id):
        page = chars(pdf)[0]
        s = "".join(c.ch for c in page)
        for word in ("2026年4月1日", "2026年5月1日", "未达全年2次", "阳光花园", "北京路社区"):
            if word in s:
                assert one_line(find_run(page, word)), (pdf.name, word)


def test_page_numbers_on_every_page_of_a_multi_page_pdf(tmp_path, opts):
    from generator.run.pipeline import read_ledger

    led, _ = read_ledger(big_building(tmp_path, 60), opts.profile)
    r = Renderers()
    for form_id, scope in (
        ("a2", {"unit": "十堰市民政局"}),
        ("a4", {"unit": "十堰市民政局"}),
        ("n1", {"community": "北京路社区", "compound": "柳林小区", "building": "9栋"}),
        ("n3", {"unit": "十堰市民政局"}),
    ):
        ctx = context(form_id, led, opts, **scope)
        if form_id == "a4":  # a post each, so the table runs over pages
            ctx["rows"] = [{**ctx["rows"][0], "no": str(i)} for i in range(1, 41)]
        pages = pdf_pages_bytes(r.render(layout(form_id), "pdf", ctx))
        assert len(pages) > 1, form_id
        for i, text in enumerate(pages, start=1):
            assert f"— {i} —" in text or f"—{i}—" in squash(text), (form_id, i)


# ------------------------------------------------------------------ 4. 编号 off the rules
def _paths(page) -> list[tuple[float, float, float, float]]:
    return [obj.get_bounds() for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH])]


def _label_box(cs: list[Char]) -> tuple[float, float, float, float]:
    run = find_run(cs, "编号：")
    s = "".join(c.ch for c in cs)
    end = s.find("编号：") + len("编号：")
    while end < len(cs) and (cs[end].ch.isalnum() or cs[end].ch == "-"):
        end += 1
    run = cs[s.find("编号：") : end]
    return (min(c.box[0] for c in run), min(c.box[1] for c in run),
            max(c.box[2] for c in run), max(c.box[3] for c in run))  # fmt: skip


def _intersects(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_the_number_label_sits_on_no_table_rule(tmp_path):
    out = tmp_path / "o"
    from click.testing import CliRunner

    from generator.app.cli import main

    args = ["notice", "n1", str(big_building(tmp_path, 40)), "--compound", "柳林小区",
            "--building", "9栋", "--out", str(out), "--date", "2026-03-01"]  # fmt: skip
    assert CliRunner().invoke(main, args).exit_code == 0
    for paper in ("a4",):
        pdf = find(out, "n1", "pdf", building="9栋")
        doc = pdfium.PdfDocument(pdf)
        try:
            pages = chars(pdf)
            assert len(pages) > 1, paper
            for i, page in enumerate(doc):
                label = _label_box(pages[i])
                rules = _paths(page)
                assert rules
                hit = [r for r in rules if _intersects(label, r)]
                assert not hit, (i + 1, label, hit)
                right = max(r[2] for r in rules)
                assert label[2] <= right + 0.5, (i + 1, label, right)  # within the table
        finally:
            doc.close()


def test_a5_number_within_the_tables_right_edge(exported):
    pdf = find(exported, "a5", "pdf", member_id="0001")
    label = _label_box(chars(pdf)[0])
    # the table is the text block: A4 less 26 mm at the right
    assert label[2] <= (210 - 26) * MM + 0.5


# ------------------------------------------------------------------ 8. margins
@pytest.mark.parametrize("form_id", ("a1", "a2", "a3", "a4", "n2", "n3"))
def test_gbt_9704_margins(exported, form_id):
    """Text within GB/T 9704's text block (turned on a landscape page); 附件N on its first
    line. a5 and n1 are the declared exceptions (their form.yaml says why)."""
    pdf = pdfs(exported, form_id)[0]
    doc = pdfium.PdfDocument(pdf)
    try:
        w, h = doc[0].get_size()
    finally:
        doc.close()
    m = kit.GBT_LANDSCAPE if w > h else kit.GBT
    page = chars(pdf)[0]
    body = [c for c in page if not (c.ch.isdigit() and c.box[1] < m["bottom"] * MM)]
    body = [c for c in body if "—" not in c.ch]
    no = "".join(c.ch for c in page).find("编号：")
    if no >= 0:  # the number band lives in the top margin
        body = [c for c in body if c.box[1] < h - (m["top"] - 1) * MM]
    tol = 1 * MM
    assert min(c.box[0] for c in body) >= m["left"] * MM - tol
    assert max(c.box[2] for c in body) <= w - m["right"] * MM + tol
    assert max(c.box[3] for c in body) <= h - m["top"] * MM + 1.5 * MM  # 2号 title's ascent
    if form_id.startswith("a"):
        top = max(body, key=lambda c: c.box[3])
        assert top.ch == "附" and h - top.box[3] >= (m["top"] - 1.5) * MM


# ------------------------------------------------------------------ 9. a5 details
def test_a5_duty_is_a_label_and_a_value_and_the_blank_underline_clears_the_notes(exported, opts):
    page = chars(find(exported, "a5", "pdf", member_id="0001"))[0]
    label, value = find_run(page, "履职情况评价"), find_run(page, "认真履行楼栋长职责")
    assert "Noto" in label[0].font and value[0].font.startswith("FandolFang")
    assert one_line(label + value) and value[0].box[0] > label[-1].box[2] + 1 * MM
    blank_page = chars(_blank_pdf("a5", opts))[0]
    underline = [c for c in find_run(blank_page, "联系电话：______")[5:]]
    notes = find_run(blank_page, "注：1.")
    assert min(c.box[1] for c in underline) - max(c.box[3] for c in notes) > 0.5 * MM


def test_long_free_text_shrinks_inside_its_cell(ledger, opts):
    ctx = context("a5", ledger, opts, member_id="0001")
    long = "全年参加决策共谋和共建活动，" * 14  # ~200 characters
    comment = "积极参与小区治理，带头缴纳物业费，" * 5
    ctx["activity"] = long
    ctx["blocks"][2] = {**ctx["blocks"][2], "comment": comment}
    ctx["name"] = "欧阳" * 150  # a 300-character name
    pdf = Renderers().render(layout("a5"), "pdf", ctx)
    assert len(pdf_pages_bytes(pdf)) == 1
    page = chars(pdf)[0]
    act = find_run(page, long[:20])
    label = find_run(page, "履职情况评价")
    # the activity text stays above the next row (履职情况评价), in smaller type
    assert min(c.box[1] for c in act) > max(c.box[3] for c in label)
    assert max(c.size for c in act) < 11
    job = find_run(page, "科长")
    assert job[0].size == pytest.approx(11, abs=0.1)  # the neighbour keeps its size
    name = find_run(page, "欧阳" * 4)
    assert max(c.size for c in name) < 11
