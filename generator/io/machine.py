"""What formgen keeps per machine, under ~/.cache/formgen ($XDG_CACHE_HOME/formgen): the
prepared fonts (cff), the laid-out frames and their XObjects (frames), docxtpl's clean-up
of the Word templates (docx) and the loaded ledgers (ledgers). Each is a file made once
and read back by every later process, keyed by what it is made from — the code too."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from generator.io.write import atomic_write


def folder(name: str) -> Path:
    """The per-machine folder ``name``: $XDG_CACHE_HOME/formgen/NAME, else
    ~/.cache/formgen/NAME; one in the temp dir where there is no home."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "formgen" / name
    try:
        return Path.home() / ".cache" / "formgen" / name
    except RuntimeError:  # no home directory to be found
        uid = os.getuid() if hasattr(os, "getuid") else 0
        return Path(tempfile.gettempdir()) / f"formgen-{uid}" / name


def kept(path: Path, make: Callable[[], bytes]) -> bytes:
    """The bytes of a per-machine cache file at ``path``, else ``make()``'s, left there
    for the next process (a cache that cannot be written only makes it slower)."""
    try:
        return path.read_bytes()
    except OSError:
        pass
    data = make()
    with contextlib.suppress(OSError):
        atomic_write(path, data)
    return data


@functools.cache
def code(module: str) -> bytes:
    """A hash of a module's source (a package's: every .py in its folder), found without
    importing it: part of the key of what that code makes."""
    spec = importlib.util.find_spec(module)
    origin = Path(spec.origin) if spec and spec.origin else None
    h = hashlib.sha256()
    if origin is not None:
        files = sorted(origin.parent.glob("*.py")) if origin.name == "__init__.py" else [origin]
        for f in files:
            h.update(f.read_bytes())
    return h.digest()
