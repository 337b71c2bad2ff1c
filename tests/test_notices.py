"""Public notices: masked by default, header on every page, 公示期 and issuer, A4 and A3."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner
from pypdf import PdfReader

from generator.app.cli import main
from generator.policy.privacy import mask_door, mask_phone
from tests.conftest import ledger_rows, write_ledger
from tests.helpers import docx_cells, docx_paragraphs, find, manifest, pdf_pages, squash


def notice(*args: str):
    return CliRunner().invoke(main, ["notice", *args, "--date", "2026-03-01"])


def test_masking_rules():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0719-8652545") == "0719-***2545"
    assert mask_door("501室") == "***室" and mask_door("1202") == "***" and mask_door("") == ""


def test_notices_mask_phones_and_doors_internal_forms_do_not(exported):
    n1 = find(exported, "n1", "pdf", compound="阳光花园", building="3栋")
    text = squash("".join(pdf_pages(n1)))
    assert "138****5678" in text and "13812345678" not in text
    assert "阳光花园3栋2单元***室" in text and "501室" not in text
    cells = docx_cells(find(exported, "n1", "docx", compound="阳光花园", building="3栋"))
    assert "138****5678" in cells and "139****5678" in cells
    assert not any("13812345678" in c or "13912345678" in c for c in cells)
    a1 = squash(
        "".join(pdf_pages(find(exported, "a1", "pdf", compound="阳光花园", building="3栋")))
    )
    assert "13812345678" in a1 and "501室" in a1
    # No notice anywhere carries a full mobile number of a member.
    for entry in manifest(exported):
        if entry["form"].startswith("n") and entry["format"] == "pdf":
            body = squash("".join(pdf_pages(exported / entry["path"])))
            assert "13812345678" not in body and "13612345678" not in body


def test_notice_frame_period_phone_issuer_and_number(exported):
    pages = pdf_pages(find(exported, "n2", "pdf", compound="阳光花园"))
    text = squash("".join(pages))
    assert "北京路社区阳光花园党员干部2026年承诺事项公示" in text
    assert "公示期：2026年3月1日至2026年3月10日" in text
    assert "监督电话：13907191234" in text  # the issuer's phone, not masked
    last = squash(pages[-1])
    assert last.rfind("阳光花园小区党支部") > last.find("监督电话")
    assert last.endswith("2026年3月1日—1—") or "2026年3月1日" in last.split("监督电话")[-1]
    assert "协调解决3栋楼道照明问题" in text and "清理A&B栋<杂物>" in text
    assert "—1—" in squash(pages[0])
    assert "SY2026-N2-" in text
    paras = docx_paragraphs(find(exported, "n2", "docx", compound="阳光花园"))
    assert "公示期：2026年3月1日至2026年3月10日" in paras
    assert "阳光花园小区党支部（盖章）" in paras and "2026年3月1日" in paras
    n3 = squash("".join(pdf_pages(find(exported, "n3", "pdf", unit="十堰市住房和城乡建设局"))))
    assert "中共十堰市住房和城乡建设局党组" in n3
    assert "刘䶮" in n3 and "十堰市住房和城乡建设局科长好" in n3  # unit organisation's grade


def big_building(tmp_path, n: int = 60):
    s = ledger_rows()
    for i in range(n):
        s["党员干部"].append(
            [
                f"{100 + i}",
                f"住户{i:02d}",
                "男",
                "十堰市民政局",
                "科员",
                f"1371111{i:04d}",
                "北京路社区",
                "柳林小区",
                "9栋",
                "1单元",
                f"{100 + i}室",
                "政策宣讲",
                "是",
                "",
            ]
        )
    return write_ledger(tmp_path / "big.xlsx", s)


def test_a_long_notice_repeats_its_table_header_on_every_page(tmp_path):
    out = tmp_path / "o"
    r = notice(
        "n1",
        str(big_building(tmp_path)),
        "--compound",
        "柳林小区",
        "--building",
        "9栋",
        "--out",
        str(out),
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-11",
    )
    assert r.exit_code == 0, r.output
    pages = pdf_pages(find(out, "n1", "pdf", building="9栋"))
    assert len(pages) >= 3
    for i, page in enumerate(pages, start=1):
        flat = squash(page)
        if "住户" in flat:  # every page that carries rows carries the header first
            assert flat.index("序号姓名所在单位及职务联系方式家庭住址") < flat.index("住户"), i
        assert f"—{i}—" in flat
    text = squash("".join(pages))
    assert "公示期：2026年3月2日至2026年3月11日" in text
    assert all(f"住户{i:02d}" in text for i in range(60))
    assert "137****0059" in text


def test_no_mask_and_a3(tmp_path, ledger_path):
    out = tmp_path / "o"
    r = notice(
        "n1",
        str(ledger_path),
        "--compound",
        "阳光花园",
        "--building",
        "3栋",
        "--no-mask",
        "--paper",
        "a3",
        "--out",
        str(out),
    )
    assert r.exit_code == 0, r.output
    pdf = find(out, "n1", "pdf", building="3栋")
    assert "13812345678" in squash("".join(pdf_pages(pdf)))
    box = PdfReader(str(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (1191, 842)  # A3 landscape
    from docx import Document

    sec = Document(str(find(out, "n1", "docx", building="3栋"))).sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (420, 297)


def test_n3_per_compound_and_bad_dates(tmp_path, ledger_path):
    out = tmp_path / "o"
    r = notice(
        "n3", str(ledger_path), "--by", "compound", "--compound", "阳光花园", "--out", str(out)
    )
    assert r.exit_code == 0, r.output
    text = squash("".join(pdf_pages(find(out, "n3", "pdf", compound="阳光花园"))))
    assert "北京路社区阳光花园党员干部2026年“五亮五共”活动评价结果公示" in text
    assert "阳光花园小区党支部" in text
    bad = notice("n2", str(ledger_path), "--from", "2026-03-10", "--to", "2026-03-01")
    assert bad.exit_code == 2 and "早于" in bad.output
    assert dt.date(2026, 3, 1)  # the fixed run date used above
