"""Signed a5 sheets scanned back (200 dpi, rotated, specked, shuffled, some as JPEG) are
matched to their members; blank and damaged pages go to review; status and verify."""

from __future__ import annotations

import csv
import io
import random
import sqlite3

import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner
from PIL import Image, ImageDraw, ImageFilter

from generator.app.cli import main
from generator.ledger.sample import generate, write_xlsx
from tests.helpers import manifest


def scan(pdf_path, rng: random.Random, damage: bool = False) -> Image.Image:
    """A 200 dpi grey office scan of a PDF page: slightly rotated, blurred, specked."""
    doc = pdfium.PdfDocument(str(pdf_path))
    img = doc[0].render(scale=200 / 72, grayscale=True).to_pil().convert("L")
    doc.close()
    if damage:  # a coffee stain over most of the code
        w = img.width
        ImageDraw.Draw(img).rectangle([w - 330, 20, w - 40, 260], fill=90)
    img = img.rotate(rng.uniform(-2.0, 2.0), expand=True, fillcolor=255)
    img = img.filter(ImageFilter.GaussianBlur(0.6))
    px = img.load()
    for _ in range(4000):
        x, y = rng.randrange(img.width), rng.randrange(img.height)
        px[x, y] = rng.choice((0, 255))
    return img


def exported_a5(tmp_path, members: int, *extra: str) -> tuple[list[dict], object, object]:
    """Export the a5 sheets of a generated ledger; return manifest entries, out, archive."""
    ledger = tmp_path / "ledger.xlsx"
    write_xlsx(generate(members, year=2026), ledger)
    out, archive = tmp_path / "out", tmp_path / "archive"
    args = [
        "export",
        str(ledger),
        "--forms",
        "a5",
        "--format",
        "pdf",
        "--out",
        str(out),
        "--archive",
        str(archive),
        "--jobs",
        "1",
        "--date",
        "2026-12-01",
        *extra,
    ]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    return manifest(out), out, archive


def test_scans_are_filed_to_the_right_member(tmp_path):
    rng = random.Random(5)
    entries, out, archive = exported_a5(tmp_path, 30)
    docs = {e["member_id"]: e for e in entries}
    assert len(docs) == 30
    members = sorted(docs)
    in_pdf, in_jpeg, damaged, unscanned = members[:25], members[25:28], members[28], members[29]

    pages = [(m, scan(out / docs[m]["path"], rng)) for m in in_pdf]
    pages.append(("blank", Image.new("L", pages[0][1].size, 250)))
    pages.append(("damaged", scan(out / docs[damaged]["path"], rng, damage=True)))
    rng.shuffle(pages)
    multi = tmp_path / "scanner.pdf"
    pages[0][1].save(
        multi, "PDF", resolution=200, save_all=True, append_images=[p for _, p in pages[1:]]
    )
    photos = []
    for m in in_jpeg:
        path = tmp_path / f"photo_{m}.jpg"
        scan(out / docs[m]["path"], rng).convert("RGB").save(path, quality=80)
        photos.append(path)

    r = CliRunner().invoke(
        main, ["archive", "ingest", str(multi), *map(str, photos), "--archive", str(archive)]
    )
    assert r.exit_code == 0, r.output
    assert "归档 28 份" in r.output and "待复核 2 页" in r.output

    db = sqlite3.connect(archive / "registry.sqlite")
    rows = db.execute(
        "SELECT d.member_id, a.source, a.pages, a.path FROM archived a "
        "JOIN documents d USING (doc_no)"
    ).fetchall()
    by_member = {m: (src, int(p), path) for m, src, p, path in rows}
    assert set(by_member) == set(in_pdf) | set(in_jpeg)
    for index, (who, _) in enumerate(pages, start=1):  # each page landed on its member
        if who in by_member:
            assert by_member[who][:2] == ("scanner.pdf", index)
    for m in in_jpeg:
        assert by_member[m][0] == f"photo_{m}.jpg"
    for m, (_, _, path) in by_member.items():
        assert path.startswith("2026/") and f"/a5/{m}_" in path and path.endswith("_signed.pdf")
        assert (archive / path).is_file()
    with open(archive / "_review" / "report.csv", encoding="utf-8-sig") as fh:
        review = list(csv.DictReader(fh))
    assert len(review) == 2 and {r["扫描件"] for r in review} == {"scanner.pdf"}
    assert {int(r["页码"]) for r in review} == {
        i for i, (who, _) in enumerate(pages, start=1) if who in ("blank", "damaged")
    }

    again = CliRunner().invoke(
        main, ["archive", "ingest", str(photos[0]), "--archive", str(archive)]
    )
    assert "重复扫描，已跳过" in again.output and "归档 0 份" in again.output

    status = CliRunner().invoke(
        main, ["archive", "status", "--year", "2026", "--archive", str(archive)]
    )
    assert status.exit_code == 0
    listed = [line.split()[0] for line in status.output.splitlines() if line.startswith("    ")]
    assert sorted(listed) == sorted([damaged, unscanned])
    assert "尚缺签字归档件 2 份" in status.output

    ok = CliRunner().invoke(main, ["archive", "verify", "--archive", str(archive)])
    assert ok.exit_code == 0, ok.output
    victim = archive / by_member[in_pdf[3]][2]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    bad = CliRunner().invoke(main, ["archive", "verify", "--archive", str(archive)])
    assert bad.exit_code == 1 and "已被改动" in bad.output and victim.name in bad.output

    pack = CliRunner().invoke(
        main, ["archive", "package", "--year", "2026", "--for", "unit", "--archive", str(archive)]
    )
    assert pack.exit_code == 0, pack.output
    zips = list((archive / "_packages").glob("*.zip"))
    assert zips
    import zipfile

    import openpyxl

    with zipfile.ZipFile(zips[0]) as z:
        cat = openpyxl.load_workbook(io.BytesIO(z.read("目录.xlsx"))).active
        assert [c.value for c in cat[1]] == [
            "件号",
            "档号",
            "责任者",
            "题名",
            "日期",
            "页数",
            "保管期限",
            "备注",
        ]
        assert "manifest.sha256" in z.namelist()


def test_an_interrupted_ingest_is_completed_by_a_rerun(tmp_path, monkeypatch):
    from generator.archive.scans import ingest, verify
    from generator.io.registry import Registry

    rng = random.Random(9)
    entries, out, archive = exported_a5(tmp_path, 6)
    images = [scan(out / e["path"], rng) for e in entries]
    multi = tmp_path / "scan.pdf"
    images[0].save(multi, "PDF", resolution=200, save_all=True, append_images=images[1:])

    real = Registry.add_archived
    calls = {"n": 0}

    def crash_on_third(self, *args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("power cut")
        return real(self, *args)

    monkeypatch.setattr(Registry, "add_archived", crash_on_third)
    registry = Registry(archive / "registry.sqlite")
    with pytest.raises(RuntimeError, match="power cut"):
        ingest([multi], archive, registry)
    registry.close()
    monkeypatch.setattr(Registry, "add_archived", real)
    registry = Registry(archive / "registry.sqlite")
    report = ingest([multi], archive, registry)
    assert len(report.filed) == 4 and len(report.duplicates) == 2  # two were done before
    rows = registry.all_archived()
    assert len(rows) == 6 and len({r["doc_no"] for r in rows}) == 6
    assert all(r["version"] == 1 for r in rows)
    assert verify(archive, registry) == []
    registry.close()


PG_URL = __import__("os").environ.get("FORMGEN_PG_URL", "")


@pytest.mark.skipif(not PG_URL, reason="no PostgreSQL server (scripts/postgres.sh sets one up)")
def test_the_registry_on_postgresql(tmp_path):
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_URL)
    with engine.begin() as c:  # a clean database for this test
        c.execute(text("DROP TABLE IF EXISTS archived"))
        c.execute(text("DROP TABLE IF EXISTS documents"))
    rng = random.Random(3)
    docs, out, archive = exported_a5(tmp_path, 4, "--db", PG_URL)
    assert not (archive / "registry.sqlite").exists()
    photo = tmp_path / "one.png"
    scan(out / docs[0]["path"], rng).save(photo)
    r = CliRunner().invoke(
        main, ["archive", "ingest", str(photo), "--archive", str(archive), "--db", PG_URL]
    )
    assert r.exit_code == 0 and "归档 1 份" in r.output, r.output
    r = CliRunner().invoke(
        main, ["archive", "status", "--year", "2026", "--archive", str(archive), "--db", PG_URL]
    )
    assert "尚缺签字归档件 3 份" in r.output
    r = CliRunner().invoke(main, ["archive", "verify", "--archive", str(archive), "--db", PG_URL])
    assert r.exit_code == 0 and "校验归档文件 1 个，问题 0 个" in r.output
    with engine.connect() as c:
        assert c.execute(text("SELECT COUNT(*) FROM documents")).scalar() == 4
    engine.dispose()


def _ingest(*paths, archive) -> object:
    return CliRunner().invoke(
        main, ["archive", "ingest", *map(str, paths), "--archive", str(archive)]
    )


def test_files_that_cannot_be_read_go_to_review_and_the_batch_goes_on(tmp_path):
    """A zero-byte PDF, a text file named .pdf, a broken JPEG, a folder, a missing file and
    a .docx among the scans: each is named in Chinese and copied to review; the good scan after
    them is filed (a PdfiumError aborted the batch)."""
    entries, out, archive = exported_a5(tmp_path, 2)
    good = tmp_path / "good.png"
    scan(out / entries[0]["path"], random.Random(1)).save(good)
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    text = tmp_path / "notes.pdf"
    text.write_text("这不是 PDF", encoding="utf-8")
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(good.read_bytes()[:2000])
    folder = tmp_path / "a_folder"
    folder.mkdir()
    other = tmp_path / "readme.docx"
    other.write_bytes(b"PK\x03\x04")
    r = _ingest(empty, text, broken, folder, tmp_path / "missing.pdf", other, good, archive=archive)
    assert r.exit_code == 1, r.output
    assert isinstance(r.exception, SystemExit)
    for bad in (empty, text, broken):
        assert f"[无法读取] {bad}：无法读取：不是可读的PDF 或图片" in r.output
    assert f"[无法读取] {folder}：这是一个文件夹，不是扫描件" in r.output
    assert f"[无法读取] {tmp_path / 'missing.pdf'}：找不到这个文件" in r.output
    assert f"[无法读取] {other}：不支持的扫描件格式「readme.docx」。提示：请提供 PDF" in r.output
    assert "归档 1 份" in r.output and "无法读取的文件 6 个" in r.output
    with open(archive / "_review" / "report.csv", encoding="utf-8-sig") as fh:
        review = {row["扫描件"]: row for row in csv.DictReader(fh)}
    assert set(review) == {"empty.pdf", "notes.pdf", "broken.jpg", "readme.docx"}
    for name, row in review.items():
        assert row["页码"] == "全部"
        copy = archive / "_review" / row["待复核文件"]
        assert copy.read_bytes() == (tmp_path / name).read_bytes()


def test_a_deleted_or_changed_archived_file_is_restored_by_ingesting_its_scan(tmp_path):
    entries, out, archive = exported_a5(tmp_path, 2)
    photo = tmp_path / "photo.png"
    scan(out / entries[0]["path"], random.Random(2)).save(photo)
    assert _ingest(photo, archive=archive).exit_code == 0
    db = sqlite3.connect(archive / "registry.sqlite")
    (path,) = db.execute("SELECT path FROM archived").fetchone()
    db.close()
    filed = archive / path
    filed.unlink()
    verify = CliRunner().invoke(main, ["archive", "verify", "--archive", str(archive)])
    assert verify.exit_code == 1 and f"缺失：{path}" in verify.output
    again = _ingest(photo, archive=archive)
    assert again.exit_code == 0, again.output
    assert f"已恢复 {entries[0]['doc_no']} -> {path}（由原扫描件重新生成）" in again.output
    assert "重复扫描" not in again.output
    verify = CliRunner().invoke(main, ["archive", "verify", "--archive", str(archive)])
    assert verify.exit_code == 0, verify.output
    filed.write_bytes(filed.read_bytes() + b"%changed")  # changed: restored too, kept aside
    assert "已恢复" in _ingest(photo, archive=archive).output
    assert CliRunner().invoke(main, ["archive", "verify", "--archive", str(archive)]).exit_code == 0
    aside = list((archive / "_review").glob("*_被改动_*.pdf"))
    assert len(aside) == 1 and aside[0].read_bytes().endswith(b"%changed")
    assert "重复扫描，已跳过" in _ingest(photo, archive=archive).output  # intact: a duplicate


def test_a_number_with_a_wrong_check_character_is_reported_as_forged(tmp_path):
    from generator.policy import docno
    from generator.render.qr import qr_png

    entries, _, archive = exported_a5(tmp_path, 1)
    real = entries[0]["doc_no"]
    forged = real[:-1] + next(c for c in "ZYX0" if c != real[-1])
    assert not docno.is_valid(forged)
    page = Image.new("L", (1654, 2339), 255)
    code = Image.open(io.BytesIO(qr_png(forged, scale=6)))
    page.paste(code, (1654 - code.width - 100, 100))
    sheet = tmp_path / "forged.pdf"
    page.save(sheet, "PDF", resolution=200)
    r = _ingest(sheet, archive=archive)
    assert r.exit_code == 0, r.output
    assert f"[待复核] forged.pdf 第1页：编号「{forged}」的校验位不对" in r.output
    assert "未能识别二维码" not in r.output


def test_blank_pages_are_recognised_without_decoding(tmp_path, monkeypatch):
    """500 blank pages took 5 min 48 s, each decoded three times; a histogram says blank."""
    from generator.archive import scans

    _, _, archive = exported_a5(tmp_path, 1)
    rng = random.Random(4)
    blank = Image.new("L", (1654, 2339), 248)
    px = blank.load()
    for _ in range(1500):  # dust
        px[rng.randrange(1654), rng.randrange(2339)] = rng.choice((0, 90))
    blanks = tmp_path / "blanks.pdf"
    blank.save(blanks, "PDF", resolution=200, save_all=True, append_images=[blank] * 29)
    calls = []
    real = scans.zxingcpp.read_barcodes
    monkeypatch.setattr(scans.zxingcpp, "read_barcodes", lambda im: calls.append(1) or real(im))
    r = _ingest(blanks, archive=archive)
    assert r.exit_code == 0, r.output
    assert r.output.count("：空白页") == 30 and "待复核 30 页" in r.output
    assert calls == []


def test_archived_sheets_and_the_catalogue_are_pdfa_2b(tmp_path):
    """What is checked, as veraPDF is not at hand: pikepdf's PDF/A-2b validator (veraPDF's
    rules; it approves only what it can check) passes the file as written, and, read back
    here: PDF version ≤ 1.7, not encrypted, a file identifier; XMP metadata with
    pdfaid:part 2 and pdfaid:conformance B agreeing with the document information (title);
    one OutputIntent GTS_PDFA1 with an embedded RGB ICC profile; every font embedded."""
    import zipfile

    import pikepdf

    from generator.render.pdfa import problems
    from tests.helpers import pdf_fonts, pdf_pages

    def check(data: bytes, title: str) -> pikepdf.Pdf:
        assert problems(data) == []
        pdf = pikepdf.open(io.BytesIO(data))
        assert float(pdf.pdf_version) <= 1.7 and not pdf.is_encrypted
        assert len(pdf.trailer.ID) == 2
        with pdf.open_metadata() as xmp:
            assert (xmp["pdfaid:part"], xmp["pdfaid:conformance"]) == ("2", "B")
            assert title in xmp["dc:title"] and title in str(pdf.docinfo["/Title"])
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1"
        icc = intent.DestOutputProfile
        assert icc.N == 3 and icc.read_bytes()[16:20] == b"RGB "
        return pdf

    entries, out, archive = exported_a5(tmp_path, 3)
    photos = []
    for i, e in enumerate(entries):
        photos.append(tmp_path / f"p{i}.jpg")
        scan(out / e["path"], random.Random(i)).convert("RGB").save(photos[-1], quality=85)
    assert _ingest(*photos, archive=archive).exit_code == 0
    db = sqlite3.connect(archive / "registry.sqlite")
    rows = db.execute("SELECT doc_no, path FROM archived").fetchall()
    db.close()
    assert len(rows) == 3
    for doc_no, path in rows:
        check((archive / path).read_bytes(), doc_no)
    pack = CliRunner().invoke(
        main, ["archive", "package", "--year", "2026", "--for", "unit", "--archive", str(archive)]
    )
    assert pack.exit_code == 0, pack.output
    for made in (archive / "_packages").glob("*.zip"):
        with zipfile.ZipFile(made) as z:
            catalogue = z.read("目录.pdf")
        check(catalogue, "归档文件目录")
        target = tmp_path / "目录.pdf"
        target.write_bytes(catalogue)
        fonts = pdf_fonts(target)
        assert fonts and all(fonts.values()), fonts
        text = "".join(pdf_pages(target)[0].split())
        assert "归档文件目录" in text and "件号档号责任者题名日期页数保管期限备注" in text
