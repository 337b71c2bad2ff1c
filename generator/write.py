"""Stage 6 — write: document bytes in, files on disk out — atomically — and the manifest.

Every file is written to a temporary name in its target folder and renamed into place,
so a reader (or an interrupted run) never sees a half-written document.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def atomic_write(path: Path, data: bytes) -> None:
    """Write bytes to path via a temp file + fsync + rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; documents are shared files
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Manifest:
    """The ``manifest.json`` at the root of an output directory: one entry per file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / MANIFEST
        self.meta: dict[str, Any] = {}
        self.entries: dict[str, dict[str, Any]] = {}
        if self.path.is_file():
            try:
                old = json.loads(self.path.read_text(encoding="utf-8"))
                self.entries = {e["path"]: e for e in old.get("documents", [])}
            except (ValueError, KeyError, TypeError):
                self.entries = {}

    def add(self, entry: dict[str, Any]) -> None:
        self.entries[entry["path"]] = entry

    def save(self) -> None:
        doc = {**self.meta, "documents": [self.entries[k] for k in sorted(self.entries)]}
        text = json.dumps(doc, ensure_ascii=False, indent=1)
        atomic_write(self.path, text.encode("utf-8"))
