"""PDFs made from DOCX by LibreOffice (headless), for forms whose Word template a clerk
edited: their wording then reaches the PDF as well. DOCX bytes in, PDF bytes out, many
documents per soffice call (starting LibreOffice costs seconds; a page, a tenth of one).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from generator.errors import FormgenError

_PACKAGE = "libreoffice-writer-nogui"


def soffice() -> str | None:
    """The LibreOffice command on this machine, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def ensure(install: bool = True) -> str | None:
    """The LibreOffice command; installed with apt-get when missing and allowed (as root,
    or with sudo that asks no password). None when it cannot be had."""
    found = soffice()
    if found or not install or not shutil.which("apt-get"):
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    cmd = [*sudo, "apt-get", "install", "-y", "-q", "--no-install-recommends", _PACKAGE]
    try:
        subprocess.run(cmd, env=env, capture_output=True, timeout=900, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return soffice()


def convert(docs: Sequence[bytes], timeout: float = 600) -> list[bytes]:
    """DOCX documents -> their PDFs, in one LibreOffice run (its own profile folder, so
    several processes may convert at once). FormgenError when LibreOffice fails."""
    exe = soffice()
    if exe is None:
        raise FormgenError("本机没有 LibreOffice，无法由修改过的 Word 模板生成 PDF。")
    with tempfile.TemporaryDirectory(prefix="formgen-office-") as tmp:
        folder = Path(tmp)
        names = []
        for i, data in enumerate(docs):
            path = folder / f"d{i:05d}.docx"
            path.write_bytes(data)
            names.append(path)
        profile = (folder / "profile").as_uri()
        cmd = [
            exe,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder / "pdf"),
            *map(str, names),
        ]
        try:
            subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            raise FormgenError(f"LibreOffice 转换 PDF 失败：{exc}") from None
        out = []
        for path in names:
            pdf = folder / "pdf" / f"{path.stem}.pdf"
            if not pdf.is_file():
                raise FormgenError("LibreOffice 没有生成 PDF（模板可能已损坏）。")
            out.append(pdf.read_bytes())
        return out
