"""Stage 6 — write: document bytes in, files on disk out — atomically — and the manifest.

Every file is written to a temporary name in its target folder and renamed into place,
so a reader (or an interrupted run) never sees a half-written document. While a run goes
on, each finished document is appended to a journal beside the manifest; a run that was
killed leaves the journal, and the next run reads it back and finishes only the rest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import inspect
import itertools
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from generator.errors import BusyError, os_error

MANIFEST = "manifest.json"
JOURNAL = ".formgen-journal.jsonl"
LOCK = ".formgen.lock"
TEMP_SUFFIX = ".part"
# Seconds between journal flushes: a killed run loses at most this much of its journal,
# whose documents the next run then simply writes again.
JOURNAL_FLUSH = 0.25
_FOLDERS: set[Path] = set()  # folders this process has made sure exist
_SERIAL = itertools.count()


def atomic_write(path: Path, data: bytes, durable: bool = False) -> None:
    """Write bytes to path via a temp file and a rename, so no reader or interrupted run
    ever sees a partial file. ``durable`` adds an fsync (power-loss safety) — 1 ms a file,
    so bulk documents skip it and the manifest, which records them, uses it."""
    folder = path.parent
    if folder not in _FOLDERS:
        folder.mkdir(parents=True, exist_ok=True)
        _FOLDERS.add(folder)
    # The temp name is this process's own (pid + a counter), created exclusively; the
    # mode is the umask's, as for any file the clerk's programs write.
    name = os.fspath(path)
    tmp = os.path.join(folder, f".{path.name[:40]}.{os.getpid()}.{next(_SERIAL)}{TEMP_SUFFIX}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(tmp, flags, 0o666)
    except FileNotFoundError:  # the folder went away since this process made it
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, flags, 0o666)
    try:
        try:  # os.write: a file object cost 0.01 ms a file more (a quarter of this function)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


_HELD: set[Path] = set()  # folders this process holds
P = ParamSpec("P")
R = TypeVar("R")


@contextlib.contextmanager
def locked(folder: Path, what: str = "输出文件夹") -> Iterator[None]:
    """Hold ``folder`` while this process writes into it: another formgen process that
    asks for it is refused (BusyError, naming the holder) instead of writing beside it —
    two exports into one folder each saved a manifest without the other's files. The
    folder is made here, so a path that cannot be a folder (under a file, read-only) is
    reported before anything is written. A lock this process holds is held again freely."""
    key = folder.resolve()
    if key in _HELD:
        yield
        return
    made = [p for p in [folder, *folder.parents] if not p.exists()]  # to remove if unused
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise os_error(
            exc, f"写入{what}", folder if exc.filename != str(folder) else None
        ) from None
    try:
        if not _try_lock(fd):
            holder = os.read(fd, 200).decode("utf-8", "replace").strip()
            raise BusyError(
                f"{what}「{folder}」正被另一个 formgen 进程使用"
                + (f"（{holder}）" if holder else "")
                + "，本次没有写入任何文件。",
                "请等它结束后再运行，或换一个文件夹。",
            )
        os.ftruncate(fd, 0)
        os.write(fd, f"进程 {os.getpid()}，{dt.datetime.now():%Y-%m-%d %H:%M:%S} 开始".encode())
        _HELD.add(key)
        try:
            yield
        finally:
            _HELD.discard(key)
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the file releases the lock
        if made:  # folders made here for a run that wrote nothing (refused) go again
            with contextlib.suppress(OSError):
                if os.listdir(folder) == [LOCK]:
                    (folder / LOCK).unlink()
                    for p in made:
                        p.rmdir()


def holds_out(f: Callable[P, R]) -> Callable[P, R]:
    """A function that holds its ``out`` folder (``locked``) while it runs."""
    signature = inspect.signature(f)

    @functools.wraps(f)
    def holding(*args: P.args, **kwargs: P.kwargs) -> R:
        out = signature.bind(*args, **kwargs).arguments["out"]
        if "://" in str(out):  # object storage (s3://…): no folder to lock here
            return f(*args, **kwargs)
        with locked(Path(out)):
            return f(*args, **kwargs)

    return holding


def _try_lock(fd: int) -> bool:
    """An exclusive lock on an open file without waiting: False when another process has
    it. Where the file system cannot lock (some network shares), the run goes on."""
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:  # ENOLCK, EOPNOTSUPP: no locks here
        pass
    return True


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def remove_stale_temps(root: Path) -> int:
    """Delete temp files a killed run left behind; return how many."""
    n = 0
    if root.is_dir():
        for p in root.rglob(f".*{TEMP_SUFFIX}"):
            with contextlib.suppress(OSError):
                p.unlink()
                n += 1
    return n


class Entries(MutableMapping[str, dict[str, Any]]):
    """Manifest entries by path. Those a run adds are kept as their JSON line (UTF-8
    bytes, as the journal and the manifest write them): a third of the memory of a dict
    (48,000 entries of a city's packet: ~25 instead of ~75 MB) — or, where the journal is
    a local file, as where their line stands in it (offset, length: ~3 MB)."""

    def __init__(self, entries: dict[str, dict[str, Any]] | None = None) -> None:
        self._items: dict[str, dict[str, Any] | bytes | tuple[int, int]] = dict(entries or {})
        self.read_at: Callable[[int, int], bytes] | None = None  # the journal's bytes

    def __getitem__(self, key: str) -> dict[str, Any]:
        item = self._items[key]
        if isinstance(item, tuple):
            assert self.read_at is not None
            item = self.read_at(*item)
        if isinstance(item, bytes):
            decoded: dict[str, Any] = json.loads(item)
            return decoded
        return item

    def __setitem__(self, key: str, entry: dict[str, Any]) -> None:
        self._items[key] = entry

    def put(self, key: str, line: bytes | tuple[int, int]) -> None:
        """An entry by its JSON text, or by where that stands in the journal."""
        self._items[key] = line

    def line(self, key: str, journal: bytes = b"") -> bytes:
        """An entry's JSON text (``journal``: the journal's bytes, if read already)."""
        item = self._items[key]
        if isinstance(item, tuple):
            at, n = item
            if journal:
                return journal[at : at + n]
            assert self.read_at is not None
            return self.read_at(at, n)
        return item if isinstance(item, bytes) else _dumps(item)

    def inline(self, journal: bytes) -> None:
        """Every entry kept as its journal position kept as its text (the journal is
        about to go)."""
        for key, item in self._items.items():
            if isinstance(item, tuple):
                self._items[key] = journal[item[0] : item[0] + item[1]]

    def __delitem__(self, key: str) -> None:
        del self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def _dumps(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, ensure_ascii=False).encode("utf-8")


class Manifest:
    """The ``manifest.json`` at the root of an output directory: one entry per file.

    Entries of earlier runs are kept (re-running skips what is unchanged); the journal
    of an interrupted run is read back in."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / MANIFEST
        self.journal_path = root / JOURNAL
        self.meta: dict[str, Any] = {}
        self.entries = Entries()
        self.entries.read_at = self._read_at
        self.previous_meta: dict[str, Any] = {}
        self.changed = False  # whether anything was added since it was read
        self._journal: Any = None
        self._flushed = 0.0
        text = self._read(MANIFEST)
        if text is not None:
            try:
                old = json.loads(text)
                self.entries = Entries({e["path"]: e for e in old.pop("documents", [])})
                self.entries.read_at = self._read_at
                self.previous_meta = old
            except (ValueError, KeyError, TypeError, AttributeError):
                self.entries = Entries()
                self.entries.read_at = self._read_at
        for line in self._read_journal().splitlines():
            with contextlib.suppress(ValueError, KeyError, TypeError):
                entry = json.loads(line)
                self.entries.put(entry["path"], line.encode("utf-8"))
                self.changed = True

    def _read(self, name: str) -> str | None:
        path = self.root / name
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def _read_journal(self) -> str:
        return self._read(JOURNAL) or ""

    def unchanged(self, rel: str, input_hash: str) -> bool:
        """True when rel was made from the same inputs and is still on disk as recorded."""
        e = self.entries.get(rel)
        if not e or e.get("input") != input_hash:
            return False
        try:
            return (self.root / rel).stat().st_size == e.get("size")
        except OSError:
            return False

    def add(self, entry: dict[str, Any]) -> None:
        """Record a finished document (journalled, flushed every JOURNAL_FLUSH seconds;
        saved with ``save``)."""
        line = _dumps(entry)
        at = self._journal_line(line.decode("utf-8") + "\n")
        self.entries.put(entry["path"], line if at is None else (at, len(line)))
        self.changed = True

    def _journal_line(self, line: str) -> int | None:
        """Append a line to the journal; where it starts in the journal file."""
        if self._journal is None:
            self.root.mkdir(parents=True, exist_ok=True)
            self._journal = open(self.journal_path, "ab")  # noqa: SIM115
            if self._journal.tell():  # a killed run may have left half a line
                self._journal.write(b"\n")
        at = self._journal.tell()
        self._journal.write(line.encode("utf-8"))
        now = time.monotonic()
        if now - self._flushed >= JOURNAL_FLUSH:
            self._journal.flush()
            self._flushed = now
        return int(at)

    def _journal_bytes(self) -> bytes:
        if self._journal is not None:
            self._journal.flush()
        try:
            return self.journal_path.read_bytes()
        except FileNotFoundError:
            return b""

    def _read_at(self, at: int, n: int) -> bytes:
        if self._journal is not None:
            self._journal.flush()
        with open(self.journal_path, "rb") as fh:
            fh.seek(at)
            return fh.read(n)

    def save(self) -> None:
        """Write manifest.json (durably) and drop the journal it now contains; nothing is
        rewritten when no document was added and the run's description is the same."""
        journal = self._journal_bytes() if self._journal is not None else b""
        if self.changed or self.meta != self.previous_meta:
            self._write(MANIFEST, self.data(journal))
            self.previous_meta = dict(self.meta)
            self.changed = False
        self.entries.inline(journal)
        self._drop_journal()

    def text(self, journal: bytes = b"") -> str:
        """The manifest as written (``data``), as text."""
        return self.data(journal).decode("utf-8")

    def data(self, journal: bytes = b"") -> bytes:
        """The manifest as written: one document a line — readable, and made by json's C
        encoder (indent= would take its pure-Python path: 5 s for the 48,000 files of a
        10,000-member packet) — joined as bytes once (as text, decoded and encoded
        again, it held ~150 MB more at a 10,000-member packet's end). ``journal``: the
        journal's bytes, if read already."""
        if not journal and self._journal is not None:
            journal = self._journal_bytes()
        head = json.dumps(self.meta, ensure_ascii=False)[1:-1].encode("utf-8")
        entries = self.entries
        lines = (entries.line(k, journal) for k in sorted(entries))
        start = b"{" + head + (b", " if head else b"") + b'"documents": [\n'
        return b",\n".join([start + next(lines, b""), *lines]) + b"\n]}\n"

    def _write(self, name: str, data: bytes) -> None:
        atomic_write(self.root / name, data, durable=True)

    def _drop_journal(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        with contextlib.suppress(FileNotFoundError):
            self.journal_path.unlink()
