"""formgen's mark on the DOCX templates it builds: the hash of the document part in the
core properties, by which a template a clerk edited (saved by Word or WPS) is told from
the built one. Kept apart from docx.py, which needs Jinja: telling an edited template
costs a PDF-only run no Jinja import.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

from generator.render import ziputil

_BUILT = re.compile(r"formgen-built:([0-9a-f]{64})")
_CORE = "docProps/core.xml"


def _document_hash(z: zipfile.ZipFile) -> str:
    return hashlib.sha256(z.read("word/document.xml")).hexdigest()


def stamp_built(data: bytes) -> bytes:
    """A freshly built template's bytes -> the same, re-packed deterministically, with the
    hash of its document part in the core properties' description (dc:description), and
    fixed creation and modification times."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        digest = _document_hash(z)
        parts = []
        for info in z.infolist():
            content = z.read(info)
            if info.filename == _CORE:
                xml = content.decode("utf-8")
                xml = re.sub(r"<dc:description>.*?</dc:description>|<dc:description/>", "", xml)
                xml = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                             r"\g<1>2023-01-01T00:00:00Z\2", xml)  # fmt: skip
                xml = xml.replace("</cp:coreProperties>",
                                  f"<dc:description>formgen-built:{digest}</dc:description>"
                                  "</cp:coreProperties>")  # fmt: skip
                content = xml.encode("utf-8")
            parts.append(ziputil.deflate(info.filename, content))
    return ziputil.build(parts)


def is_edited(path: Path) -> bool:
    """Whether a DOCX template was changed since formgen built it (saved by Word/WPS,
    or never built by formgen): its document part no longer matches the recorded hash."""
    try:
        with zipfile.ZipFile(path) as z:
            core = z.read(_CORE).decode("utf-8", errors="replace") if _CORE in z.namelist() else ""
            m = _BUILT.search(core)
            return m is None or m.group(1) != _document_hash(z)
    except (OSError, zipfile.BadZipFile, KeyError):
        return True
