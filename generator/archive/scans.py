"""Stage 7 — archive: scans of signed sheets in; each page matched by its QR code to a
generated document, filed as its own PDF, recorded with its hash; the rest to review.

Scans are multi-page PDFs as scanners make them or photos (JPEG/PNG/TIFF). A page whose
code cannot be read or matched is never dropped: it goes to ``_review/`` with a line in
``_review/report.csv``. Each file is written atomically before its registry row, in one
transaction per file, so a crash leaves both consistent and a re-run completes the rest.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import zxingcpp
from PIL import Image, ImageFilter, ImageOps, ImageSequence

from generator.policy import docno
from generator.errors import UserError
from generator.io.names import safe_name
from generator.io.registry import Registry
from generator.io.write import atomic_write

SCAN_DPI = 200
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff"}


@dataclass
class Page:
    """One scanned page: where it came from, its image, and its bytes as a PDF page."""

    source: Path
    number: int  # 1-based
    image: Image.Image
    pdf: bytes


def read_codes(image: Image.Image) -> list[str]:
    """Valid document numbers on a page (zxing-cpp; retried after a median filter and
    with the page upscaled, as for grey, specked office scans)."""
    grey = image.convert("L")
    for attempt in (grey, grey.filter(ImageFilter.MedianFilter(3)),
                    ImageOps.autocontrast(grey.filter(ImageFilter.MedianFilter(5)))):  # fmt: skip
        found = zxingcpp.read_barcodes(attempt)
        valid = sorted({r.text for r in found if docno.is_valid(r.text)})
        if valid:
            return valid
    return []


def pages(path: Path) -> Iterator[Page]:
    """Every page of a scan file, as an image and as a one-page PDF."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        doc = pdfium.PdfDocument(str(path))
        try:
            for i in range(len(doc)):
                image = doc[i].render(scale=SCAN_DPI / 72, grayscale=True).to_pil()
                single = pdfium.PdfDocument.new()
                single.import_pages(doc, [i])
                buf = io.BytesIO()
                single.save(buf)
                single.close()
                yield Page(path, i + 1, image, buf.getvalue())
        finally:
            doc.close()
    elif suffix in IMAGE_SUFFIXES:
        with Image.open(path) as img:
            for i, frame in enumerate(ImageSequence.Iterator(img)):
                image = ImageOps.exif_transpose(frame.convert("RGB"))
                buf = io.BytesIO()
                image.save(buf, "PDF", resolution=SCAN_DPI)
                yield Page(path, i + 1, image.copy(), buf.getvalue())
    else:
        raise UserError(f"不支持的扫描件格式「{path.name}」。", "请提供 PDF、JPEG、PNG 或 TIFF。")


def _content_hash(page: Page) -> str:
    """The page's identity: its pixels, so the same scan ingested twice is recognised."""
    return hashlib.sha256(page.image.convert("L").tobytes()).hexdigest()


@dataclass
class IngestReport:
    filed: list[tuple[str, str]] = field(default_factory=list)  # (doc_no, path)
    duplicates: list[str] = field(default_factory=list)
    new_versions: list[tuple[str, str]] = field(default_factory=list)
    review: list[tuple[str, int, str]] = field(default_factory=list)  # source, page, reason


def ingest(scans: list[Path], archive: Path, registry: Registry) -> IngestReport:
    """File every page of every scan; consecutive pages with one number stay together."""
    report = IngestReport()
    for scan in scans:
        if not scan.is_file():
            raise UserError(f"找不到扫描件「{scan}」。")
        group: list[Page] = []
        group_no = ""
        for page in pages(scan):
            codes = read_codes(page.image)
            code = codes[0] if len(codes) == 1 else ""
            if code and code == group_no:
                group.append(page)
                continue
            if group:
                _file(group, group_no, archive, registry, report)
            group, group_no = [], ""
            if len(codes) > 1:
                _review(page, f"一页上有多个编号：{'、'.join(codes)}", archive, report)
            elif not code:
                _review(page, "未能识别二维码（空白页、二维码损坏或不清晰）", archive, report)
            elif registry.document(code) is None:
                _review(page, f"编号 {code} 不在登记库中", archive, report)
            else:
                group, group_no = [page], code
        if group:
            _file(group, group_no, archive, registry, report)
    return report


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
    if registry.archived_by_content(content):
        report.duplicates.append(f"{group[0].source.name} 第{group[0].number}页（{code}）")
        return
    doc = registry.document(code)
    assert doc is not None
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
    data = _merge(group)
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


def _review(page: Page, reason: str, archive: Path, report: IngestReport) -> None:
    folder = archive / "_review"
    name = safe_name(f"{page.source.stem}_p{page.number}_{_content_hash(page)[:8]}") + ".pdf"
    if not (folder / name).exists():
        atomic_write(folder / name, page.pdf, durable=True)
        log = folder / "report.csv"
        new = not log.exists()
        with open(log, "a", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            if new:
                w.writerow(["扫描件", "页码", "原因", "待复核文件"])
            w.writerow([page.source.name, page.number, reason, name])
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
    a DA/T 22-2015 catalogue (XLSX) and a manifest of hashes."""
    from openpyxl import Workbook

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
        lines = []
        for i, row in enumerate(rows, start=1):
            ws.append([i, f"{year}-{row['form'].upper()}-{i:04d}", row["unit"],
                       f"{row['name'] or ''}党员干部“五亮五共”活动情况评价表（签字盖章）",
                       row["ingested"][:10], len(row["pages"].split(",")), "30年",
                       "新版本" if row["flagged"] else ""])  # fmt: skip
            lines.append(f"{row['sha256']}  {row['path']}")
        buf = io.BytesIO()
        wb.save(buf)
        target = out / f"{year}_{keeper}_{safe_name(name)}.zip"
        tmp = io.BytesIO()
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("目录.xlsx", buf.getvalue())
            z.writestr("manifest.sha256", "\n".join(lines) + "\n")
            for row in rows:
                z.write(archive / row["path"], row["path"])
        atomic_write(target, tmp.getvalue())
        made.append(target)
    return made
