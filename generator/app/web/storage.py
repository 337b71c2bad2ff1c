"""The data folder: uploads, exports and scans under ids this server makes.

A client's file name is only ever shown, never used as a path: every stored file is
named by a generated id with a suffix from an allow-list, and every path handed out is
checked to lie inside the data folder.
"""

from __future__ import annotations

import secrets
import shutil
import zipfile
from pathlib import Path, PurePath
from typing import BinaryIO

from generator.app.web.errors import BadRequest, NotFound, TooLarge

LEDGER_KINDS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".json": "json", ".zip": "csvzip"}
SCAN_SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff"}
CHUNK = 1024 * 1024


def new_id() -> str:
    """A random id (URL- and file-name-safe)."""
    return secrets.token_hex(8)


def suffix_of(filename: str, allowed: set[str] | dict[str, str]) -> str:
    """The lower-case suffix of a client's file name if it is allowed, else a 400."""
    suffix = PurePath(filename.replace("\\", "/")).suffix.lower()
    if suffix not in allowed:
        kinds = "、".join(sorted(allowed))
        raise BadRequest(f"不支持的文件类型「{suffix or filename}」。", f"可用：{kinds}")
    return suffix


class Storage:
    """Paths of one data folder; nothing outside ``root`` is ever read or written."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        for sub in ("ledgers", "exports", "scans", "archive"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    def inside(self, path: Path) -> Path:
        """``path`` resolved, or a 404 if it would lie outside the data folder."""
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root):
            raise NotFound()
        return resolved

    def ledger_dir(self, ledger_id: str) -> Path:
        return self.inside(self.root / "ledgers" / _checked(ledger_id))

    def ledger_path(self, ledger_id: str, kind: str) -> Path:
        """Where an uploaded ledger is kept: the workbook or JSON file, or the folder of
        CSV files unpacked from a zip."""
        name = {"xlsx": "ledger.xlsx", "json": "ledger.json", "csvzip": "csv"}[kind]
        return self.ledger_dir(ledger_id) / name

    def export_dir(self, export_id: str) -> Path:
        return self.inside(self.root / "exports" / _checked(export_id))

    def scan_dir(self, batch_id: str) -> Path:
        return self.inside(self.root / "scans" / _checked(batch_id))

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    def save(self, src: BinaryIO, target: Path, limit: int) -> int:
        """Copy an upload to ``target`` (inside the folder), refusing more than ``limit``
        bytes; return the size."""
        target = self.inside(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        size = 0
        with open(target, "wb") as out:
            while chunk := src.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    out.close()
                    target.unlink(missing_ok=True)
                    raise TooLarge(limit)
                out.write(chunk)
        return size

    def unpack_csv_zip(self, archive: Path, folder: Path, limit: int) -> Path:
        """The ``.csv`` members of an uploaded zip, flattened into ``folder`` under their
        own base names (no directories, no ``..``), at most ``limit`` bytes unpacked."""
        folder = self.inside(folder)
        folder.mkdir(parents=True, exist_ok=True)
        total = 0
        try:
            with zipfile.ZipFile(archive) as z:
                for info in z.infolist():
                    name = PurePath(_member_name(info).replace("\\", "/")).name
                    if info.is_dir() or not name.lower().endswith(".csv") or name.startswith("."):
                        continue
                    total += info.file_size
                    if total > limit:
                        raise TooLarge(limit)
                    with z.open(info) as src, open(self.inside(folder / name), "wb") as out:
                        shutil.copyfileobj(src, out, CHUNK)
        except zipfile.BadZipFile:
            raise BadRequest("无法打开压缩包。", "请上传包含各工作表 CSV 文件的 .zip。") from None
        return folder


def _member_name(info: zipfile.ZipInfo) -> str:
    """A member's name; names a Chinese Windows zip tool wrote in GBK (no UTF-8 flag)
    are decoded as such."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _checked(ident: str) -> str:
    """An id as this server makes them (hex), else a 404: never a path."""
    if not ident or len(ident) > 64 or not all(c in "0123456789abcdef" for c in ident):
        raise NotFound()
    return ident
