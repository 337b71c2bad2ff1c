"""Stage 7 — archive: scans of signed sheets in; each page matched by its QR code to a
generated document, filed as its own PDF, recorded with its hash; the rest to review.

Scans are multi-page PDFs as scanners make them or photos (JPEG/PNG/TIFF). A page whose
code cannot be read or matched is never dropped: it goes to ``_review/`` with a line in
``_review/report.csv``. Each file is written atomically before its registry row, in one
transaction per file, so a crash leaves both consistent and a re-run completes the rest.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pypdfium2 as pdfium
import zxingcpp
from PIL import Image, ImageFilter, ImageOps, ImageSequence

from generator.errors import FormgenError, UserError
from generator.forms.registry import TEMPLATES, form_name
from generator.io.names import safe_name
from generator.io.registry import Registry
from generator.io.write import atomic_write
from generator.policy import docno
from generator.render.pdfa import archival

SCAN_DPI = 200
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff"}


@dataclass
class Page:
    """One scanned page: where it came from, a small grey preview (enough to tell a
    blank page), its bytes as a PDF page, and its image at SCAN_DPI, made when first
    asked for (the decoding needs it; a blank page never does)."""

    source: Path
    number: int  # 1-based
    preview: Image.Image
    pdf: bytes
    draw: Callable[[], Image.Image]

    @cached_property
    def image(self) -> Image.Image:
        return self.draw()


def read_codes(image: Image.Image) -> list[str]:
    """Valid document numbers on a page."""
    return read_numbers(image)[0]


def read_numbers(image: Image.Image) -> tuple[list[str], list[str]]:
    """Document numbers on a page: the valid ones, and those shaped like one whose check
    character is wrong (an altered or made-up number: a QR code's own error correction
    leaves no misreading). zxing-cpp; retried after a median filter and with the
    contrast stretched, as for grey, specked office scans."""
    grey = image.convert("L")
    for attempt in (grey, grey.filter(ImageFilter.MedianFilter(3)),
                    ImageOps.autocontrast(grey.filter(ImageFilter.MedianFilter(5)))):  # fmt: skip
        texts = {r.text for r in zxingcpp.read_barcodes(attempt)}
        valid = sorted(t for t in texts if docno.is_valid(t))
        wrong = sorted(t for t in texts if docno.looks_like(t) and not docno.is_valid(t))
        if valid or wrong:
            return valid, wrong
    return [], []


# A blank page: fewer than this share of its preview's pixels darker than light grey.
# Measured on 50 dpi previews of 200 dpi office scans: a5 and a3 sheets 5–7 %, a few
# signature strokes alone 0.19 %, a blank page with 1,500 specks of dust 0.0 %.
PREVIEW_DPI = 50
BLANK_INK = 0.0005


def is_blank(preview: Image.Image) -> bool:
    """(Almost) no ink on the page, from its preview's histogram (a blank page costs a
    50 dpi rendering, ~40 ms, where three decodings found nothing after 0.7 s)."""
    grey = preview if preview.mode == "L" else preview.convert("L")
    return sum(grey.histogram()[:200]) < BLANK_INK * grey.width * grey.height


def pages(path: Path) -> Iterator[Page]:
    """Every page of a scan file, as an image and as a one-page PDF."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        doc = pdfium.PdfDocument(str(path))
        try:
            for i in range(len(doc)):
                page = doc[i]
                preview = page.render(scale=PREVIEW_DPI / 72, grayscale=True).to_pil()
                single = pdfium.PdfDocument.new()
                single.import_pages(doc, [i])
                buf = io.BytesIO()
                single.save(buf)
                single.close()
                draw = functools.partial(_draw, page)
                yield Page(path, i + 1, preview, buf.getvalue(), draw)
        finally:
            doc.close()
    elif suffix in IMAGE_SUFFIXES:
        with Image.open(path) as img:
            for i, frame in enumerate(ImageSequence.Iterator(img)):
                image = ImageOps.exif_transpose(frame.convert("RGB"))
                buf = io.BytesIO()
                image.save(buf, "PDF", resolution=SCAN_DPI)
                preview = ImageOps.contain(image.convert("L"), (600, 600))
                yield Page(path, i + 1, preview, buf.getvalue(), functools.partial(image.copy))
    else:
        raise UserError(f"不支持的扫描件格式「{path.name}」。", "请提供 PDF、JPEG、PNG 或 TIFF。")


def _draw(page: pdfium.PdfPage) -> Image.Image:
    return page.render(scale=SCAN_DPI / 72, grayscale=True).to_pil()


def _content_hash(page: Page) -> str:
    """The page's identity: its pixels, so the same scan ingested twice is recognised."""
    return hashlib.sha256(page.image.convert("L").tobytes()).hexdigest()


@dataclass
class IngestReport:
    filed: list[tuple[str, str]] = field(default_factory=list)  # (doc_no, path)
    duplicates: list[str] = field(default_factory=list)
    new_versions: list[tuple[str, str]] = field(default_factory=list)
    review: list[tuple[str, int, str]] = field(default_factory=list)  # source, page, reason
    restored: list[tuple[str, str]] = field(default_factory=list)  # (doc_no, path)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)


def ingest(scans: list[Path], archive: Path, registry: Registry) -> IngestReport:
    """File every page of every scan; consecutive pages with one number stay together.
    A file that cannot be read (empty, damaged, not a PDF or image) goes to review whole,
    and the batch goes on."""
    report = IngestReport()
    for scan in scans:
        group: list[Page] = []
        group_no = ""
        for page in _readable_pages(scan, archive, report):
            blank = is_blank(page.preview)
            codes, wrong = ([], []) if blank else read_numbers(page.image)
            code = codes[0] if len(codes) == 1 else ""
            if code and code == group_no:
                group.append(page)
                continue
            if group:
                _file(group, group_no, archive, registry, report)
            group, group_no = [], ""
            if len(codes) > 1:
                _review(page, f"一页上有多个编号：{'、'.join(codes)}", archive, report)
            elif wrong and not code:
                _review(page, f"编号「{'、'.join(wrong)}」的校验位不对：不是 formgen 生成的编号"
                        "（被改动或伪造）", archive, report)  # fmt: skip
            elif not code:
                reason = "空白页" if blank else "未能识别二维码（二维码损坏或不清晰）"
                _review(page, reason, archive, report)
            elif registry.document(code) is None:
                _review(page, f"编号 {code} 不在登记库中", archive, report)
            else:
                group, group_no = [page], code
        if group:
            _file(group, group_no, archive, registry, report)
    return report


def _readable_pages(scan: Path, archive: Path, report: IngestReport) -> Iterator[Page]:
    """The pages of a scan as far as they can be read; the file goes to review whole when
    it cannot be read at all, or from the page on where reading stopped."""
    if not scan.is_file():
        reason = "这是一个文件夹，不是扫描件" if scan.is_dir() else "找不到这个文件"
        report.unreadable.append((str(scan), reason))
        return
    read = 0
    it = pages(scan)
    while True:
        try:
            page = next(it)
        except StopIteration:
            return
        except UserError as exc:  # a suffix that is no scan's
            _review_file(scan, exc.render().replace("\n", ""), archive, report)
            return
        except Exception:  # PdfiumError, PIL's errors: damaged, empty, mislabelled
            reason = (f"第{read + 1}页起无法读取（文件可能已损坏）" if read else
                      "无法读取：不是可读的PDF 或图片"
                      "（可能已损坏、是空文件或只是改了扩展名）")  # fmt: skip
            _review_file(scan, reason, archive, report)
            return
        read += 1
        yield page


def _merge(group: list[Page]) -> bytes:
    if len(group) == 1:
        return group[0].pdf
    out = pdfium.PdfDocument.new()
    for page in group:
        src = pdfium.PdfDocument(page.pdf)
        out.import_pages(src)
        src.close()
    buf = io.BytesIO()
    out.save(buf)
    out.close()
    return buf.getvalue()


def _file(group: list[Page], code: str, archive: Path, registry: Registry,
          report: IngestReport) -> None:  # fmt: skip
    content = hashlib.sha256("".join(_content_hash(p) for p in group).encode()).hexdigest()
    doc = registry.document(code)
    assert doc is not None
    same = registry.archived_by_content(content)
    if same:
        kept = archive / same["path"]
        if kept.is_file() and hashlib.sha256(kept.read_bytes()).hexdigest() == same["sha256"]:
            report.duplicates.append(f"{group[0].source.name} 第{group[0].number}页（{code}）")
        else:
            _restore(group, doc, same, archive, registry, report)
        return
    try:
        data = _archival(group, doc)
    except FormgenError as exc:
        for page in group:
            _review(page, f"编号 {code}：{exc.message}", archive, report)
        return
    version = registry.versions(code) + 1
    who = f"{doc['member_id'] or docno.record_key(code)}_{doc['name'] or doc['form']}"
    name = safe_name(f"{who}_signed" + (f"_v{version}" if version > 1 else "")) + ".pdf"
    rel = "/".join(
        [
            str(doc["year"]),
            safe_name(doc["unit"] or doc["community"] or "未分单位"),
            doc["form"],
            name,
        ]
    )
    atomic_write(archive / rel, data, durable=True)
    pages_ = ",".join(str(p.number) for p in group)
    with registry.transaction():
        registry.add_archived(
            code,
            version,
            rel,
            hashlib.sha256(data).hexdigest(),
            content,
            group[0].source.name,
            pages_,
        )
    report.filed.append((code, rel))
    if version > 1:
        report.new_versions.append((code, rel))


def _archival(group: list[Page], doc: dict) -> bytes:
    """The pages as one PDF/A-2b file, titled with its number, member and form."""
    form = form_name(doc["form"])
    title = f"{doc['doc_no']} {doc['name'] or ''} {form}（签字盖章）"
    return archival(_merge(group), title, dt.datetime.now(dt.UTC))


def _restore(group: list[Page], doc: dict, same: dict, archive: Path, registry: Registry,
             report: IngestReport) -> None:  # fmt: skip
    """An archived file deleted or changed since it was filed, made again from the scan
    it was filed from (recognised by its pixels); a changed one is kept in review."""
    kept = archive / same["path"]
    if kept.is_file():
        folder = archive / "_review"
        moved = safe_name(f"{kept.stem}_被改动_{dt.datetime.now():%Y%m%d%H%M%S}") + ".pdf"
        folder.mkdir(parents=True, exist_ok=True)
        os.replace(kept, folder / moved)
        _log(folder, [same["source"], same["pages"], "归档文件已被改动，已用原扫描件恢复", moved])
    data = _archival(group, doc)
    atomic_write(kept, data, durable=True)
    with registry.transaction():
        registry.set_archived_hash(same["id"], hashlib.sha256(data).hexdigest())
    report.restored.append((same["doc_no"], same["path"]))


def _review_file(scan: Path, reason: str, archive: Path, report: IngestReport) -> None:
    """A whole scan file that cannot be read, copied to review as it is."""
    data = scan.read_bytes()
    folder = archive / "_review"
    name = safe_name(f"{scan.stem}_{hashlib.sha256(data).hexdigest()[:8]}") + scan.suffix.lower()
    if not (folder / name).exists():
        atomic_write(folder / name, data, durable=True)
        _log(folder, [scan.name, "全部", reason, name])
    report.unreadable.append((str(scan), reason))


def _log(folder: Path, row: list[object]) -> None:
    """A line in the review folder's report.csv (made with its header when new)."""
    log = folder / "report.csv"
    new = not log.exists()
    with open(log, "a", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        if new:
            w.writerow(["扫描件", "页码", "原因", "待复核文件"])
        w.writerow(row)


def _review(page: Page, reason: str, archive: Path, report: IngestReport) -> None:
    folder = archive / "_review"
    seen = hashlib.sha256(page.preview.tobytes()).hexdigest()[:8]
    name = safe_name(f"{page.source.stem}_p{page.number}_{seen}") + ".pdf"
    if not (folder / name).exists():
        atomic_write(folder / name, page.pdf, durable=True)
        _log(folder, [page.source.name, page.number, reason, name])
    report.review.append((page.source.name, page.number, reason))


def verify(archive: Path, registry: Registry) -> list[str]:
    """Problems with archived files: missing, or changed since they were filed."""
    problems = []
    for row in registry.all_archived():
        path = archive / row["path"]
        if not path.is_file():
            problems.append(f"缺失：{row['path']}（{row['doc_no']}）")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != row["sha256"]:
            problems.append(f"已被改动：{row['path']}（{row['doc_no']}）")
    return problems


CATALOGUE = ["件号", "档号", "责任者", "题名", "日期", "页数", "保管期限", "备注"]


def package(archive: Path, registry: Registry, year: int, keeper: str, out: Path) -> list[Path]:
    """One zip per keeper (unit, community or compound) of the year's signed sheets, with
    a DA/T 22-2015 catalogue (XLSX, and PDF/A-2b to keep) and a manifest of hashes."""
    from openpyxl import Workbook

    from generator.render.pdf import CompiledTypst

    archive_templates = TEMPLATES / "archive"
    catalogue = CompiledTypst(
        archive_templates / "catalogue.typ", (("archive", archive_templates),), "a-2b"
    )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)

    column = {"unit": "unit", "community": "community", "compound": "compound"}[keeper]
    groups: dict[str, list] = {}
    for row in registry.all_archived():
        if row["year"] == year:
            groups.setdefault(row[column] or "未分组", []).append(row)
    made = []
    for name, rows in sorted(groups.items()):
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.append(CATALOGUE)
        lines, entries = [], []
        for i, row in enumerate(rows, start=1):
            entry = [i, f"{year}-{row['form'].upper()}-{i:04d}", row["unit"],
                     f"{row['name'] or ''}党员干部“五亮五共”活动情况评价表（签字盖章）",
                     row["ingested"][:10], len(row["pages"].split(",")), "30年",
                     "新版本" if row["flagged"] else ""]  # fmt: skip
            ws.append(entry)
            entries.append([str(v) for v in entry])
            lines.append(f"{row['sha256']}  {row['path']}")
        buf = io.BytesIO()
        wb.save(buf)
        ctx = {"keeper": name, "year": year, "made": f"{now.year}年{now.month}月{now.day}日",
               "columns": CATALOGUE, "rows": entries}  # fmt: skip
        pdf = archival(catalogue.render(ctx, now), f"归档文件目录 {name} {year}年度", now,
                       unchecked_fonts=True)  # fmt: skip
        target = out / f"{year}_{keeper}_{safe_name(name)}.zip"
        tmp = io.BytesIO()
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("目录.xlsx", buf.getvalue())
            z.writestr("目录.pdf", pdf)
            z.writestr("manifest.sha256", "\n".join(lines) + "\n")
            for row in rows:
                z.write(archive / row["path"], row["path"])
        atomic_write(target, tmp.getvalue())
        made.append(target)
    return made
