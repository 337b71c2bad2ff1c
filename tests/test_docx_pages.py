"""DOCX opened elsewhere: LibreOffice (with scripts/setup.sh's fonts and fontconfig
aliases for the official font names) lays a1, a3, a5, n1 and n3 out on as many pages as
their PDFs; the Word files carry what makes that so (rows never split, zh-CN defaults,
the official font names)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.helpers import docx_xml, manifest


def _soffice() -> str | None:
    """LibreOffice, installed here when missing (as scripts/setup.sh does), else None."""
    found = shutil.which("soffice")
    if found or os.environ.get("FORMGEN_NO_LIBREOFFICE") == "1":
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "libreoffice-writer-nogui"]
    try:
        subprocess.run([*sudo, *cmd], check=True, capture_output=True, timeout=900)
    except (OSError, subprocess.SubprocessError):
        return None
    return shutil.which("soffice")


@pytest.fixture(scope="module")
def soffice() -> str:
    found = _soffice()
    if found is None:
        pytest.skip(
            "LibreOffice (soffice) is not installed and could not be installed "
            "(apt-get install libreoffice-writer-nogui): DOCX page counts not compared"
        )
    return found


def _pages(pdf: Path) -> int:
    return len(PdfReader(str(pdf)).pages)


def test_docx_and_pdf_have_as_many_pages(exported, soffice, tmp_path):
    docs = [e for e in manifest(exported) if e["form"] in {"a1", "a3", "a5", "n1", "n3"}]
    pairs = {}
    for e in docs:
        if e["format"] == "docx":
            pdf = exported / e["path"][: -len(".docx")]
            pairs[exported / e["path"]] = pdf.with_suffix(".pdf")
    assert {p.parent.name for p in pairs} == {"a1", "a3", "a5", "n1", "n3"}
    # one folder per form: file names repeat across forms
    for docx in pairs:
        folder = tmp_path / docx.parent.name
        folder.mkdir(exist_ok=True)
        shutil.copy(docx, folder / docx.name)
    profile = tmp_path / "lo-profile"
    for folder in sorted(p for p in tmp_path.iterdir() if p.is_dir() and p != profile):
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless",
             "--convert-to", "pdf", "--outdir", str(folder), *map(str, folder.glob("*.docx"))],
            check=True, capture_output=True, timeout=600,
        )  # fmt: skip
    results = {}
    for docx, pdf in pairs.items():
        converted = tmp_path / docx.parent.name / (docx.stem + ".pdf")
        assert converted.exists(), docx
        results[f"{docx.parent.name}/{docx.name}"] = (_pages(converted), _pages(pdf))
    differ = {k: v for k, v in results.items() if v[0] != v[1]}
    assert not differ, f"LibreOffice pages vs PDF pages: {differ}"


def test_docx_rows_never_split_and_defaults_are_zh_cn(exported):
    for e in manifest(exported):
        if e["format"] != "docx" or e["form"] not in {"a1", "a2", "n1", "n3"}:
            continue
        path = exported / e["path"]
        body = docx_xml(path)
        rows = body.count("<w:tr>") + body.count("<w:tr ")
        assert rows and body.count("<w:cantSplit/>") == rows, path
        styles = docx_xml(path, "word/styles.xml")
        defaults = styles.split("<w:docDefaults>")[1].split("</w:docDefaults>")[0]
        assert 'w:eastAsia="zh-CN"' in defaults and 'w:eastAsia="en-US"' not in defaults
        assert 'w:eastAsia="仿宋_GB2312"' in defaults
        theme = docx_xml(path, "word/theme/theme1.xml")
        assert 'script="Jpan"' not in theme and "ＭＳ" not in theme
        assert 'typeface="仿宋_GB2312"' in theme and 'typeface="方正小标宋简体"' in theme
        fonts = docx_xml(path, "word/fontTable.xml")
        assert "ＭＳ" not in fonts and 'w:name="仿宋_GB2312"' in fonts
