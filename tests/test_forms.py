"""The five attachments, opened back in every format: text, cells, merges, fonts, pages."""

from __future__ import annotations

import hashlib
import re

import openpyxl

from generator.render.docx import QR_DESCR
from tests.helpers import (
    docx_cells,
    docx_paragraphs,
    docx_xml,
    find,
    manifest,
    pdf_fonts,
    pdf_pages,
    squash,
)


def test_manifest_lists_every_file_with_its_hash(exported):
    docs = manifest(exported)
    # 4 buildings × 3 (a1) + 3 units × 3 × 2 (a2, a4) + 5 members × 2 × 2 (a3, a5)
    # notices: n1 per building, n2 per compound, n3 per unit, each docx + pdf
    assert len(docs) == 4 * 3 + 3 * 3 * 2 + 5 * 2 * 2 + (4 + 3 + 3) * 2
    for e in docs:
        data = (exported / e["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == e["sha256"], e["path"]
        assert e["period"] == "2026"
    numbered = [e for e in docs if e["form"] in ("a3", "a5")]
    assert all(re.fullmatch(r"SY2026-A[35]-M000\d-[0-9A-Z]", e["doc_no"]) for e in numbered)


def test_a3_docx_has_name_unit_and_pledges(exported):
    path = find(exported, "a3", "docx", member_id="0001")
    paras, cells = docx_paragraphs(path), docx_cells(path)
    assert "党员干部参加社区和小区发展共建活动承诺书" in paras
    assert any(
        p.startswith("单位：中共十堰市住房和城乡建设局党组") and "时间：2026年3月1日" in p
        for p in paras
    )
    assert "刘䶮" in cells and "科长" in cells
    assert "北京路社区阳光花园" in cells
    text = "\n".join(cells)
    assert "1.协调解决3栋楼道照明问题" in text and "2.为居民开展法律讲座2次" in text
    assert "承诺时间：2026年3月1日" in text and "本人签字：" in text
    assert "1.联系物业更换声控灯（完成时限：2026年6月底）" in text
    assert any(p.startswith("注：此表由单位党组织负责组织填报") for p in paras)


def test_a3_without_pledges_prints_two_blank_lines(exported):
    text = "\n".join(docx_cells(find(exported, "a3", "docx", member_id="0005")))
    assert "1.______" in text and "2.______" in text
    assert "承诺时间：____年__月__日" in text


def test_docx_runs_carry_east_asian_fonts_and_zh_cn(exported):
    path = find(exported, "a5", "docx", member_id="0001")
    body = docx_xml(path)
    runs = re.findall(r"<w:r>.*?</w:r>|<w:r .*?</w:r>", body, re.S)
    text_runs = [r for r in runs if "<w:t" in r]
    assert text_runs
    assert all('w:eastAsia="' in r for r in text_runs)
    assert 'w:eastAsia="方正小标宋简体"' in body and 'w:eastAsia="仿宋_GB2312"' in body
    assert 'w:eastAsia="zh-CN"' in docx_xml(path, "word/settings.xml")
    assert "ja-JP" not in docx_xml(path, "word/settings.xml")
    assert 'w:eastAsia="zh-CN"' in docx_xml(path, "word/styles.xml")


def test_a3_pdf_text_and_embedded_cjk_fonts(exported):
    path = find(exported, "a3", "pdf", member_id="0002")
    pages = pdf_pages(path)
    assert len(pages) == 1
    text = squash(pages[0])
    assert "吉𠮷祥" in text
    assert "中共十堰市住房和城乡建设局党组" in text
    assert squash('1.清理A&B栋<杂物> "堆放"') in text
    assert squash("=1+1 组织清理（完成时限：2026年5月底）") in text
    fonts = pdf_fonts(path)
    assert fonts and all(fonts.values()), fonts
    assert any("Fandol" in f or "Noto" in f for f in fonts)


def test_rare_characters_are_text_not_boxes(exported):
    text = "".join(pdf_pages(find(exported, "a1", "pdf", building="3栋")))
    assert "刘䶮" in text and "吉𠮷祥" in text
    assert "\ufffd" not in text


def test_a1_rows_are_exactly_the_buildings_members(exported):
    path = find(exported, "a1", "xlsx", compound="阳光花园", building="3栋")
    ws = openpyxl.load_workbook(path).active
    assert ws["A2"].value == "北京路社区阳光花园3栋党员干部基本情况公示表"
    assert ws["A3"].value == "公示单位：阳光花园小区党支部"
    header = [c.value for c in ws[4]]
    assert header == [
        "序号",
        "姓名",
        "所在单位及职务",
        "联系方式",
        "家庭住址",
        "个人特长或熟悉领域",
        "是否为党员",
    ]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=5, max_row=6)]
    assert [r[1] for r in rows] == ["刘䶮", "吉𠮷祥"]
    assert rows[0][3] == "13812345678"  # +86 and spaces normalised; internal form: unmasked
    assert rows[0][4] == "阳光花园3栋2单元501室"
    assert ws.cell(row=7, column=1).value == "小区党支部联系人：赵敏"
    docx = docx_cells(find(exported, "a1", "docx", compound="阳光花园", building="3栋"))
    assert "刘䶮" in docx and "吉𠮷祥" in docx and "张伟" not in docx
    pdf = pdf_pages(find(exported, "a1", "pdf", compound="阳光花园", building="3栋"))[0]
    assert "刘䶮" in pdf and "张伟" not in pdf and "王芳" not in pdf


def test_a2_counts_equal_the_ledger_and_headers_merge_as_the_seed(exported, ledger):
    path = find(exported, "a2", "xlsx", unit="十堰市住房和城乡建设局")
    ws = openpyxl.load_workbook(path).active
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A4:A5", "B4:B5", "C4:C5", "D4:E4", "F4:G4", "H4:H5"} <= merged
    assert ws["D4"].value == "居住地社区（小区）" and ws["F4"].value == "参加决策共谋情况"
    assert [ws.cell(row=5, column=c).value for c in range(4, 8)] == [
        "社区",
        "小区",
        "次数",
        "参与事项",
    ]
    assert ws["A3"].value.startswith("统计单位：中共十堰市住房和城乡建设局党组")
    row = [c.value for c in ws[6]]
    assert row[1] == "刘䶮"
    assert row[5] == len(ledger.decisions["0001"]) == 3
    assert row[6] == "小区停车位规划；电梯加装方案；楼道照明改造"
    assert [c.value for c in ws[7]][5] == 0  # 吉𠮷祥: no participation, still a row
    assert [c.value for c in ws[7]][7] == "未达全年2次"
    notes = [c.value for c in ws["A"] if c.value and str(c.value).startswith("注：")]
    assert notes == ["注：此表由各机关事业单位党组（党委）填写，分别报党委组织部、直属机关工委。"]
    footer = [c.value for c in ws[ws.max_row - 1]]
    assert footer[0] == "填报人：李静" and "联系电话：0719-8652545" in footer
    pdf = squash(pdf_pages(find(exported, "a2", "pdf", unit="十堰市住房和城乡建设局"))[0])
    assert "小区停车位规划；电梯加装方案；楼道照明改造" in pdf


def test_a4_lists_posts_and_the_one_third_summary(exported):
    path = find(exported, "a4", "xlsx", unit="十堰市住房和城乡建设局")
    ws = openpyxl.load_workbook(path).active
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A4:A5", "D4:E4", "F4:F5", "G4:G5", "H4:H5"} <= merged
    assert [ws.cell(row=r, column=6).value for r in (6, 7)] == ["楼栋长", "党小组长"]
    values = [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert "本单位党员干部总数2人，在小区任职1人，占比50.0%（要求不少于三分之一）。" in values
    short = [
        c.value
        for c in openpyxl.load_workbook(find(exported, "a4", "xlsx", unit="十堰市人民医院")).active[
            "A"
        ]
        if isinstance(c.value, str) and c.value.startswith("本单位")
    ]
    assert short == [
        "本单位党员干部总数1人，在小区任职0人，占比0.0%（要求不少于三分之一）。"
        "未达到三分之一的要求，至少还需1人在小区任职。"
    ]


def test_a5_has_five_signature_blocks_and_fits_one_page(exported):
    path = find(exported, "a5", "pdf", member_id="0001")
    pages = pdf_pages(path)
    assert len(pages) == 1
    text = squash(pages[0])
    for signer in (
        "本人签字：",
        "业委会主任签字：",
        "党支部书记签字：",
        "社区书记签字：",
        "单位党组织书记签字：",
    ):
        assert text.count(signer) == 1, signer
    assert "阳光花园业主委员会（盖章）" in text and "小区党支部（盖章）" in text
    assert "社区党组织（盖章）" in text and "单位党组织（盖章）" in text
    assert text.count("年月日") == 5
    assert text.count("评价等次：") == 6  # five blocks + the 注
    # ☑ is drawn as FandolFang's □ with its √ inside (no CJK font has ☑)
    assert "□√好" in text and "□√良好" in text and "□√一般" in text and "☑" not in text
    assert "SY2026-A5-M0001-" in text
    cells = "\n".join(docx_cells(find(exported, "a5", "docx", member_id="0001")))
    assert "□好 ☑良好 □一般 □差" in cells  # 业委会评价: 良好
    assert "积极参与" in cells  # 小区党支部意见说明
    assert "履职情况评价\n认真履行楼栋长职责" in cells  # a label cell and a value cell
    assert "楼栋长、党小组长" in cells


def test_a5_docx_carries_the_documents_qr_image(exported):
    import io
    import zipfile

    import zxingcpp  # type: ignore[import-not-found]
    from PIL import Image

    path = find(exported, "a5", "docx", member_id="0001")
    assert QR_DESCR in docx_xml(path)
    with zipfile.ZipFile(path) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        assert len(media) == 1
        img = Image.open(io.BytesIO(z.read(media[0])))
    decoded = [r.text for r in zxingcpp.read_barcodes(img)]
    entry = next(e for e in manifest(exported) if exported / e["path"] == path)
    assert decoded == [entry["doc_no"]]
