"""Where a run's files go: a local folder (or a shared file system mounted at the same path
on every worker), or object storage through fsspec (``s3://bucket/prefix``).

A ``Store`` is plain data (its address and storage options), so it travels to worker
processes and Dask workers, which open it again and write the documents themselves.
Every write is atomic: a local file goes through a temporary name and a rename
(``atomic_write``); an object store's PUT makes an object appear whole or not at all.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import FormgenError, storage_error
from generator.io.write import TEMP_SUFFIX, Manifest, atomic_write, remove_stale_temps

# Object stores whose single PUT is atomic (a reader never sees a partial object).
_ATOMIC_PUT = {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "memory"}


@dataclass(frozen=True)
class Store:
    """An output root: a local path, or an fsspec URL with its storage options."""

    root: str
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def local(self) -> Path | None:
        """The folder, for a store on the local (or a mounted shared) file system."""
        if "://" not in self.root:
            return Path(self.root)
        if self.root.startswith("file://"):
            return Path(self.root[len("file://") :])
        return None

    def __str__(self) -> str:
        return self.root

    def _fs(self) -> Any:
        with self.reaching():
            return _filesystem(self.root, self.options)

    @contextlib.contextmanager
    def reaching(self, doing: str = "访问", *passed: type[Exception]) -> Iterator[None]:
        """Calls to object storage: what they raise (but ``passed``) becomes a Chinese
        message naming the store — a missing bucket, no credentials, no network."""
        kept: tuple[type[BaseException], ...] = (FormgenError, *passed)
        try:
            yield
        except kept:
            raise
        except Exception as exc:
            raise storage_error(self.root, exc, doing) from exc

    def check(self) -> None:
        """For object storage: that a file can be written and removed at the root, before
        anything is rendered — so a missing bucket or credentials is said once, not as a
        failure of every document. A local folder is checked by taking its lock."""
        if self.local is not None:
            return
        fs, _ = self._fs()
        probe = self._url(f".formgen-probe-{os.getpid()}")
        with self.reaching("写入"):
            fs.pipe_file(probe, b"")
            fs.rm_file(probe)

    def _url(self, rel: str) -> str:
        return f"{self.root.rstrip('/')}/{rel}"

    def write(self, rel: str, data: bytes, durable: bool = False) -> None:
        """Write ``data`` at ``rel`` atomically."""
        local = self.local
        if local is not None:
            atomic_write(local / rel, data, durable=durable)
            return
        fs, protocol = self._fs()
        with self.reaching("写入"):
            if protocol in _ATOMIC_PUT:
                fs.pipe_file(self._url(rel), data)
                return
            tmp = self._url(f"{rel}.{os.getpid()}{TEMP_SUFFIX}")
            fs.pipe_file(tmp, data)
            fs.mv(tmp, self._url(rel))

    def read(self, rel: str) -> bytes | None:
        """The bytes at ``rel``, or None when there is nothing there."""
        local = self.local
        try:
            if local is not None:
                return (local / rel).read_bytes()
            fs, _ = self._fs()
            with self.reaching("读取", FileNotFoundError):
                data: bytes = fs.cat_file(self._url(rel))
            return data
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def delete(self, rel: str) -> None:
        local = self.local
        if local is not None:
            with contextlib.suppress(FileNotFoundError):
                (local / rel).unlink()
            return
        fs, _ = self._fs()
        with contextlib.suppress(FileNotFoundError), self.reaching("删除", FileNotFoundError):
            fs.rm_file(self._url(rel))

    def sizes(self, under: str = "") -> dict[str, int]:
        """Every file below the root (or below ``under``) by relative path, with its size:
        one listing (a walk of the folder, or the object store's list) instead of one
        stat or HEAD request a document."""
        local = self.local
        if local is not None:
            return dict(_walk(local / under, under.strip("/")))
        fs, _ = self._fs()
        base = self.root.rstrip("/")
        try:
            with self.reaching("列出", FileNotFoundError):
                found = fs.find(self._url(under) if under else base, detail=True)
        except FileNotFoundError:
            return {}
        strip = _strip(fs, base)
        return {
            _strip(fs, path)[len(strip) :].lstrip("/"): int(info.get("size") or 0)
            for path, info in found.items()
            if info.get("type", "file") == "file"
        }

    def cleanup(self) -> int:
        """Remove the temporary files a killed run left (local stores only)."""
        local = self.local
        return remove_stale_temps(local) if local is not None else 0


def _strip(fs: Any, path: str) -> str:
    return str(fs._strip_protocol(path)).rstrip("/")


def _walk(folder: Path, prefix: str) -> Iterator[tuple[str, int]]:
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        rel = f"{prefix}/{entry.name}" if prefix else entry.name
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path), rel)
        elif not entry.name.endswith(TEMP_SUFFIX):
            with contextlib.suppress(OSError):
                yield rel, entry.stat().st_size


_FILESYSTEMS: dict[str, tuple[Any, str]] = {}


def _filesystem(root: str, options: dict[str, Any]) -> tuple[Any, str]:
    """One fsspec file system per protocol and options in each process."""
    protocol = root.split("://", 1)[0]
    key = protocol + " " + json.dumps(options, sort_keys=True, default=str)
    if key not in _FILESYSTEMS:
        import fsspec

        _FILESYSTEMS[key] = (fsspec.filesystem(protocol, **options), protocol)
    return _FILESYSTEMS[key]


def open_store(out: Path | str, options: dict[str, Any] | None = None) -> Store:
    """A Store for ``--out``: a path, or a URL such as ``s3://bucket/prefix``."""
    text = str(out)
    if "://" in text and not text.startswith("file://"):
        return Store(text.rstrip("/"), dict(options or {}))
    local = Path(text[len("file://") :] if text.startswith("file://") else text)
    return Store(str(local.absolute()))


JOURNAL_DIR = ".formgen-journal"
SEGMENT_SECONDS = 5.0  # a remote journal's lines are written as one object this often


class StoreManifest(Manifest):
    """The manifest of a store on object storage. An object cannot be appended to, so
    the journal is a folder of segments (one object every SEGMENT_SECONDS, and at the
    end) that the next run reads back like the local journal."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lines: list[str] = []
        self._segments = 0
        self._run = f"{os.getpid()}-{time.time_ns()}"
        self._sent = time.monotonic()
        super().__init__(Path(store.root))

    def _read(self, name: str) -> str | None:
        data = self.store.read(name)
        return data.decode("utf-8") if data is not None else None

    def _read_journal(self) -> str:
        parts = self.store.sizes(JOURNAL_DIR)
        return "\n".join(self._read(rel) or "" for rel in sorted(parts))

    def _journal_line(self, line: str) -> None:
        self._lines.append(line)
        if time.monotonic() - self._sent >= SEGMENT_SECONDS:
            self._send()

    def _send(self) -> None:
        if self._lines:
            self._segments += 1
            rel = f"{JOURNAL_DIR}/{self._run}-{self._segments:06d}.jsonl"
            self.store.write(rel, "".join(self._lines).encode("utf-8"))
            self._lines = []
        self._sent = time.monotonic()

    def _write(self, name: str, data: bytes) -> None:
        self.store.write(name, data)

    def _drop_journal(self) -> None:
        self._lines = []
        for rel in self.store.sizes(JOURNAL_DIR):
            self.store.delete(rel)


def manifest_of(store: Store) -> Manifest:
    """The manifest of a store (a local folder's journal file, or remote segments)."""
    local = store.local
    return Manifest(local) if local is not None else StoreManifest(store)
