"""The validated ledger kept between runs: a re-export of an unchanged workbook reads it
back in a tenth of a second instead of loading and validating it again (3 s at 10,000
members).

Kept in ``$FORMGEN_CACHE`` (default ``~/.cache/formgen``), one file per ledger content,
profile and formgen code — any change to one of them is a new key; the newest few are
kept. The file is the user's own (pickle): it is read only from that folder, and a file
that cannot be read is simply made again.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from generator.io.machine import folder as machine_folder
from generator.io.write import atomic_write
from generator.ledger.compact import release_memory

T = TypeVar("T")
KEEP = 4  # ledgers kept
# A ledger whose cached copy is smaller than this is used as made: reading the copy back
# (to free what loading left behind) pays only for a city's ledger (9 MB at 10,000
# members); at 2,000 members it cost 0.06 s of a 3 s run and freed nothing that matters.
READ_BACK = 4 * 2**20


def folder() -> Path:
    base = os.environ.get("FORMGEN_CACHE")  # (tests and the bench: a folder of their own)
    return Path(base) / "ledgers" if base else machine_folder("ledgers")


def content_hash(path: Path) -> str | None:
    """A hash of a ledger's bytes (a workbook, a JSON file, or a folder of CSV files)."""
    h = hashlib.sha256()
    try:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            h.update(f.name.encode())
            h.update(f.read_bytes())
    except OSError:
        return None
    return h.hexdigest()


def cached(path: Path, salt: bytes, make: Callable[[], T]) -> T:
    """``make()``'s result for this ledger content and ``salt`` (profile and code), made
    once and then read back — the first time too, for a large ledger, so that the run
    keeps the compact copy and what loading left behind is freed."""
    digest = content_hash(path)
    if digest is None or os.environ.get("FORMGEN_CACHE") == "off":
        return make()
    where = folder() / f"{hashlib.sha256(digest.encode() + salt).hexdigest()[:32]}.pickle"
    with contextlib.suppress(Exception):  # unreadable, or from another Python: made again
        value: T = _loads(where.read_bytes())
        os.utime(where)
        return value
    made = make()
    data = pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL)
    with contextlib.suppress(OSError):
        atomic_write(where, data)
        old = sorted(where.parent.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
        for stale in old[:-KEEP]:
            stale.unlink()
    if len(data) < READ_BACK:
        return made
    del made
    release_memory()  # what loading left behind, before the copy the run keeps is read
    return _loads(data)


def _loads(data: bytes) -> Any:
    gc.disable()  # a ledger is ~10^6 objects: collecting while they arrive doubles it
    try:
        return pickle.loads(data)
    finally:
        gc.enable()
