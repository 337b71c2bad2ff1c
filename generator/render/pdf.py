"""PDF backend: Typst templates, one reused compiler per template.

``CompiledTypst(path)`` creates the compiler once (fonts scanned once). PDFs are made
untagged: these are forms to print and sign, and the structure tree cost 5 % of the
layout time (measured on a5). ``render`` lays
out one document. ``render_many`` lays out several documents in one compilation — the
labels, notes and fonts they share are then shaped once, two to three times faster per
document — and cuts the result into one PDF per document at the bookmarks the
templates set where each document begins (pdfsplit; PDFium when that cannot).

A template that declares ``#let frame-fields = (...)`` is drawn in two layers (formgen.typ,
``framed-docs``): its frame — what documents agreeing on those fields share — is laid out
once per process into a PDF that each page draws as its background, and per document only
the fill is laid out. The frames live in a per-process copy of the template root made of
symbolic links (Typst reads only below its root), removed when the process ends; every
template compiles there, so a process keeps one compiler (and one set of fonts).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import json
import multiprocessing.util
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import typst

from generator.errors import TemplateError
from generator.io import machine
from generator.render.pdfsplit import file_id, split_documents

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # the date of a document made without one


_COMPILERS: dict[Path, typst.Compiler] = {}
_UNAGED = 0  # compilations since age_cache last ran


@functools.cache
def _typst_version() -> str:
    from importlib.metadata import version

    return version("typst")


Mounts = tuple[tuple[str, Path], ...]  # folders visible to Typst: (name, folder), as /name/


def _compiler(root: Path) -> typst.Compiler:
    """One Typst compiler per template root and process: the fonts (CJK fonts are tens of
    megabytes each) are loaded once, not once per template."""
    if root not in _COMPILERS:
        _COMPILERS[root] = typst.Compiler(root=str(root))
    return _COMPILERS[root]


_MIRRORS: dict[Mounts, Path] = {}
_MIRROR_PREFIX = "formgen-typst-"


def _mirror(mounts: Mounts) -> Path:
    """A directory holding, for each mount, symbolic links to every file below its folder
    (``/<name>/…``), with an empty ``.frames/`` beside them: one per set of mounts and
    process, removed at its exit. Leftovers of killed processes are removed on the way."""
    if mounts in _MIRRORS:
        return _MIRRORS[mounts]
    tmp = Path(tempfile.gettempdir())
    for old in tmp.glob(_MIRROR_PREFIX + "*"):
        pid = old.name[len(_MIRROR_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    mirror = Path(tempfile.mkdtemp(prefix=f"{_MIRROR_PREFIX}{os.getpid()}-", dir=tmp))
    multiprocessing.util.Finalize(None, shutil.rmtree, args=(mirror,),
                                  kwargs={"ignore_errors": True}, exitpriority=0)  # fmt: skip
    for name, folder in mounts:
        base = folder.resolve()
        for src in base.rglob("*"):
            if src.is_file() and not src.name.startswith(".") and src.suffix != ".docx":
                link = mirror / name / src.relative_to(base)
                link.parent.mkdir(parents=True, exist_ok=True)
                try:
                    link.symlink_to(src)
                except OSError:  # a file system without symbolic links: a copy will do
                    shutil.copyfile(src, link)
    (mirror / ".frames").mkdir()
    _MIRRORS[mounts] = mirror
    return mirror


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # raises PermissionError for another user's live process
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


_FRAME_FIELDS = re.compile(r"^#let frame-fields = \(([^)]*)\)", re.M)


def frame_fields(source: str) -> tuple[str, ...] | None:
    """The fields a template's frame is drawn from (``#let frame-fields = ("a", "b")``),
    or None for a template drawn in one layer."""
    found = _FRAME_FIELDS.search(source)
    return tuple(re.findall(r'"([^"]+)"', found.group(1))) if found else None


def mount_path(path: Path, mounts: Mounts) -> str:
    """Where a file below one of the mounts is seen by Typst (/name/relative/path)."""
    for name, folder in mounts:
        if path.resolve().is_relative_to(folder.resolve()):
            return f"/{name}/{path.resolve().relative_to(folder.resolve()).as_posix()}"
    raise TemplateError(path.name, "Typst 模板不在可用的文件夹中")


class CompiledTypst:
    """A Typst template and the process's compiler for its mounts."""

    def __init__(self, path: Path, mounts: Mounts, standard: str = "") -> None:
        if not path.is_file():
            raise TemplateError(path.name, "找不到 Typst 模板")
        self.path = path
        self.fields = frame_fields(path.read_text(encoding="utf-8"))
        self.frames: dict[str, str] = {}
        self._last: tuple[dict[str, Any], str] | None = None
        self._digest: str | None = None
        self.compile_root = _mirror(mounts)  # one compiler for framed and plain templates
        self.input = f'#include "{mount_path(path, mounts)}"'.encode()
        self.standards: list[Any] = [standard] if standard else []  # "a-2b": PDF/A-2b

    def _run(self, data: str, stamp: dt.datetime, mode: str = "") -> bytes:
        global _UNAGED
        _UNAGED += 1
        try:
            # The compiler (its fonts) is made on the first compilation: a worker whose
            # documents are all drawn over kept frames never makes one.
            out = _compiler(self.compile_root).compile(
                input=self.input, format="pdf", sys_inputs={"data": data, "mode": mode},
                timestamp=stamp, root=str(self.compile_root), pdf_tags=False,
                pdf_standards=self.standards,
            )  # fmt: skip
        except typst.TypstError as exc:
            hints = list(exc.hints)
            if mode == "frame" and self.fields is not None:
                hints.append(
                    f"表格底图（frame）只能用 frame-fields 列出的字段："
                    f"{'、'.join(self.fields)}；要用别的字段，请把它加进 frame-fields"
                )
            raise TemplateError(self.path.name, f"排版失败：{exc.message}",
                                hint="; ".join(hints)) from None  # fmt: skip
        assert isinstance(out, bytes)
        return out

    def _framed(self, ctx: dict[str, Any]) -> dict[str, Any]:
        """The context with the path of its frame, laid out now if it is the first of its
        kind in this process. (Documents of a run mostly share one frame: compared with
        the last one first, a dict comparison, before any key is made.)"""
        assert self.fields is not None
        shared = {k: ctx[k] for k in self.fields if k in ctx}
        if self._last is not None and self._last[0] == shared:
            return {**ctx, "frame": self._last[1]}
        data = json.dumps([shared], ensure_ascii=False, default=str, sort_keys=True)
        path = self.frames.get(data)
        if path is None:
            key = f"{_typst_version()} {self._templates()} {self.path.name} {data}"
            name = hashlib.sha256(key.encode()).hexdigest()[:24]
            path = f"/.frames/{name}.pdf"
            (self.compile_root / path[1:]).write_bytes(self._frame(name, data))
            self.frames[data] = path
        self._last = (shared, path)
        return {**ctx, "frame": path}

    def _frame(self, name: str, data: str) -> bytes:
        """A frame's PDF: from the user's cache, where an earlier process (a worker now
        gone, yesterday's run) left it — a worker whose documents are all stamped then
        never loads Typst's fonts (~80 MB) — else laid out now and left there."""
        path = machine.folder("frames") / f"{name}.pdf"
        return machine.kept(path, lambda: self._run(data, EPOCH, "frame"))

    def _templates(self) -> str:
        """A digest of every template this compiler can read (a frame's layout depends on
        the form's .typ and the shared components it imports)."""
        if self._digest is None:
            h = hashlib.sha256()
            for typ in sorted(self.compile_root.rglob("*.typ")):
                h.update(str(typ.relative_to(self.compile_root)).encode())
                h.update(typ.read_bytes())
            self._digest = h.hexdigest()
        return self._digest

    def frame_file(self, ctx: dict[str, Any]) -> Path:
        """The frame PDF a document of a framed template is drawn over (laid out now if
        it is the first of its kind in this process)."""
        path = self._framed(ctx)["frame"]
        return self.compile_root / path[1:]

    def _compile(self, contexts: list[dict[str, Any]], stamp: dt.datetime | None) -> bytes:
        if self.fields is not None:
            contexts = [self._framed(c) for c in contexts]
        return self._run(json.dumps(contexts, ensure_ascii=False, default=str), stamp or EPOCH)

    def render(self, context: dict[str, Any], stamp: dt.datetime | None = None) -> bytes:
        """One document's context -> PDF bytes (the same bytes for the same input)."""
        return self._compile([context], stamp)

    def render_many(
        self,
        contexts: list[dict[str, Any]],
        stamp: dt.datetime | None = None,
        ids: list[str] | None = None,
    ) -> list[bytes] | None:
        """Several documents -> one PDF each; None when the document bookmarks do not
        match the input (the caller then renders them one by one). ``ids``: a hex string
        per document (a hash of its inputs) for the PDF's file identifier; without one,
        the identifier is a hash of the PDF's bytes."""
        data = self._compile(contexts, stamp)
        keys = ids or [""] * len(contexts)
        docs = split_documents(data, len(contexts), keys)
        if docs is not None:
            return docs
        import pypdfium2 as pdfium  # (imported only here: 20 ms a process that never cuts)

        pdf = pdfium.PdfDocument(data)  # not laid out as pdfsplit expects: PDFium cuts
        try:
            starts = [b.get_dest().get_index() for b in pdf.get_toc()
                      if b.get_title().startswith("formgen-doc-")]  # fmt: skip
            if len(starts) != len(contexts) or starts != sorted(starts) or starts[0] != 0:
                return None
            ends = [*starts[1:], len(pdf)]
            return [_extract(pdf, list(range(a, b)), stamp or EPOCH, key)
                    for a, b, key in zip(starts, ends, keys, strict=True)]  # fmt: skip
        finally:
            pdf.close()


def age_cache(times: int) -> None:
    """Run ``times`` empty compilations on this process's compilers. Typst keeps layout
    results used in the last ten compilations; each empty one ages them by one, so a
    worker laying out long documents holds fewer of them. Results reused by every
    compilation (fonts, labels) are kept."""
    global _UNAGED
    if not _UNAGED:  # nothing laid out since the last ageing (documents were drawn)
        return
    _UNAGED = 0
    for compiler in _COMPILERS.values():
        for _ in range(times):
            compiler.compile(input=b"", format="pdf", sys_inputs={})


_CREATED = re.compile(rb"/CreationDate\(D:\d{14}")
_FILE_ID = re.compile(rb"/ID\[<([0-9A-F]{32})><([0-9A-F]{32})>\]")


def _extract(src: Any, pages: list[int], stamp: dt.datetime, key: str = "") -> bytes:
    """Pages of ``src`` as a PDF of their own, with a fixed date and a file ID from
    ``key`` (or, without one, from the bytes), so the same input gives the same bytes."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument.new()
    try:
        doc.import_pages(src, pages)
        buf = io.BytesIO()
        doc.save(buf)
    finally:
        doc.close()
    data = _CREATED.sub(
        b"/CreationDate(D:" + stamp.strftime("%Y%m%d%H%M%S").encode(), buf.getvalue(), count=1
    )
    ids = _FILE_ID.search(data, max(0, len(data) - 4096))
    if ids:
        digest = file_id(key, data[: ids.start()] + data[ids.end() :])
        data = data[: ids.start()] + b"/ID[<" + digest + b"><" + digest + b">]" + data[ids.end() :]
    return data
