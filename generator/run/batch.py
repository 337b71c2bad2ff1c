"""Stages 4–6 at scale: each planned document's context built, rendered and written,
by worker processes that each compile their templates once.

The parent plans lazily, builds each document's context (so workers never hold the
ledger and their memory does not grow with it) and keeps only a bounded number of chunks
in flight; workers start from a clean fork server (a parent that has run Typst holds
Rust threads that a plain fork would copy mid-lock) and return small manifest entries.
A document whose inputs (context + template) are unchanged and whose file is still on
disk is skipped; a document that fails is reported with its record while the others go
on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from generator import __version__
from generator.errors import FormgenError, UserError, os_error
from generator.forms.context import Context, Options
from generator.forms.registry import MEMBER_YEAR, TEMPLATES, FormSpec
from generator.io.write import atomic_write, sha256
from generator.ledger.model import Ledger
from generator.render.docx import CompiledDocx
from generator.render.pdf import CompiledTypst, age_cache
from generator.render.qr import qr_pixels, qr_png
from generator.render.xlsx import CompiledXlsx
from generator.run.plan import Job


class Renderers:
    """Templates compiled once per process, keyed by form, format and paper variant."""

    def __init__(self, template_dir: Path | None = None) -> None:
        self.template_dir = template_dir
        self._docx: dict[tuple[str, str], CompiledDocx] = {}
        self._typst: dict[tuple[str, str], CompiledTypst] = {}
        self._xlsx: dict[str, CompiledXlsx] = {}
        self._fingerprints: dict[tuple[str, str, str], str] = {}

    @staticmethod
    def _variant(ctx: Context) -> str:
        return "a3" if ctx.get("paper") == "a3" else ""

    def _typ_path(self, form: FormSpec) -> tuple[Path, Path]:
        path = form.template("typ", self.template_dir)
        return path, TEMPLATES if path.is_relative_to(TEMPLATES) else path.parent

    def render(
        self, form: FormSpec, fmt: str, ctx: Context, stamp: dt.datetime | None = None
    ) -> bytes:
        """One document's context -> bytes in the format."""
        no = ctx.get("doc_no") or ""
        key = (form.id, self._variant(ctx))
        if fmt == "docx":
            if key not in self._docx:
                self._docx[key] = CompiledDocx(form.template("docx", self.template_dir, key[1]))
            return self._docx[key].render(ctx, qr_png(no) if no else None)
        if fmt == "pdf":
            return self._typst_for(form, ctx).render(self._with_qr(ctx), stamp)
        if fmt == "xlsx":
            if form.id not in self._xlsx:
                self._xlsx[form.id] = CompiledXlsx(
                    form.columns, form.label, form.landscape, summary="summary" in ctx
                )
            return self._xlsx[form.id].render(ctx, stamp)
        raise UserError(f"未知的格式：{fmt}")

    @staticmethod
    def _with_qr(ctx: Context) -> Context:
        no = ctx.get("doc_no") or ""
        if not no:
            return ctx
        size, pixels = qr_pixels(no)
        return {**ctx, "qr_w": size, "qr_px": pixels}

    def render_many(
        self,
        form: FormSpec,
        contexts: list[Context],
        stamp: dt.datetime | None = None,
        ids: list[str] | None = None,
    ) -> list[bytes] | None:
        """Several PDFs laid out in one compilation (see CompiledTypst); ``ids`` (hashes of
        each document's inputs) become the PDFs' file identifiers."""
        typ = self._typst_for(form, contexts[0])
        return typ.render_many([self._with_qr(c) for c in contexts], stamp, ids)

    def _typst_for(self, form: FormSpec, ctx: Context) -> CompiledTypst:
        key = (form.id, self._variant(ctx))
        if key not in self._typst:
            self._typst[key] = CompiledTypst(*self._typ_path(form))
        return self._typst[key]

    def fingerprint(self, form: FormSpec, fmt: str, ctx: Context) -> str:
        """A hash of everything besides the context that shapes the document's bytes."""
        key = (form.id, fmt, self._variant(ctx))
        if key not in self._fingerprints:
            h = hashlib.sha256(f"formgen {__version__} {fmt}".encode())
            if fmt == "docx":
                h.update(form.template("docx", self.template_dir, key[2]).read_bytes())
            elif fmt == "pdf":
                path, root = self._typ_path(form)
                for typ in sorted({path, *root.rglob("*.typ")}):
                    h.update(typ.read_bytes())
            else:
                h.update(repr((form.columns, form.label, form.landscape)).encode())
            self._fingerprints[key] = h.hexdigest()
        return self._fingerprints[key]


@dataclass(frozen=True)
class RunState:
    """What every worker needs (not the ledger: the parent builds the contexts)."""

    out: Path
    stamp: dt.datetime
    template_dir: Path | None = None


@dataclass
class Outcome:
    """What became of one document in one format."""

    form: str
    fmt: str
    status: str  # written | skipped | failed
    entry: dict[str, Any] | None = None
    error: str = ""


@dataclass
class Doc:
    """One planned document: its job, context, and the formats to (re)write with the
    hash of their inputs. Built in the parent, rendered in a worker."""

    job: Job
    ctx: Context
    todo: dict[str, str]  # format -> input hash
    outcomes: list[Outcome] = field(default_factory=list)


_STATE: RunState | None = None
_RENDERERS: Renderers | None = None


def _record(job: Job) -> str:
    """The record a document stands for, as a clerk would name it."""
    k = job.keys
    if k.get("member_id"):
        return f"{job.form.id} 编号{k['member_id']}（{job.stem.rsplit('/', 1)[-1]}）"
    return f"{job.form.id} {job.stem.rsplit('/', 1)[-1]}"


class Preparer:
    """In the parent: builds each job's context and decides, per format, whether the file
    must be written (skipped when its inputs are unchanged and the file is on disk)."""

    def __init__(self, ledger: Ledger, opts: Options, out: Path, formats: tuple[str, ...],
                 previous: dict[str, tuple[str, int]], force: bool,
                 template_dir: Path | None) -> None:  # fmt: skip
        self.ledger, self.opts, self.out, self.formats = ledger, opts, out, formats
        self.previous, self.force = previous, force
        self.fingerprints = Renderers(template_dir)

    def __call__(self, job: Job) -> Doc:
        fmts = [f for f in self.formats if f in job.form.formats]
        doc = Doc(job, {}, {})
        try:
            doc.ctx = job.form.build(self.ledger, job.scope, self.opts)
            blob = json.dumps(doc.ctx, ensure_ascii=False, sort_keys=True, default=str)
            for fmt in fmts:
                rel = f"{job.stem}.{fmt}"
                fp = self.fingerprints.fingerprint(job.form, fmt, doc.ctx)
                input_hash = sha256((blob + fp).encode())
                prev = self.previous.get(rel)
                if (not self.force and prev and prev[0] == input_hash
                        and _size(self.out / rel) == prev[1]):  # fmt: skip
                    doc.outcomes.append(Outcome(job.form.id, fmt, "skipped"))
                else:
                    doc.todo[fmt] = input_hash
        except Exception as exc:  # a record the builder cannot handle: report, go on
            doc.outcomes = [Outcome(job.form.id, f, "failed", error=f"{_record(job)}：{exc!r}")
                            for f in fmts]  # fmt: skip
            doc.todo = {}
        return doc


def _write(doc: Doc, fmt: str, st: RunState, make: Callable[[], bytes]) -> None:
    """Render (via ``make``) and write one file; record what became of it."""
    job, rel = doc.job, f"{doc.job.stem}.{fmt}"
    try:
        data = make()
        atomic_write(st.out / rel, data)
    except (FormgenError, OSError) as exc:  # OSError: a full disk, a folder gone
        error = exc if isinstance(exc, FormgenError) else os_error(exc, "写入")
        doc.outcomes.append(
            Outcome(job.form.id, fmt, "failed", error=f"{_record(job)}：{error.render()}")
        )
        return
    except Exception as exc:  # an odd value breaking a template: report the record
        doc.outcomes.append(Outcome(job.form.id, fmt, "failed", error=f"{_record(job)}：{exc!r}"))
        return
    entry: dict[str, Any] = {
        "path": rel,
        "form": job.form.id,
        "format": fmt,
        "sha256": sha256(data),
        "size": len(data),
        "input": doc.todo[fmt],
        **job.keys,
    }
    if doc.ctx.get("doc_no"):
        entry["doc_no"] = doc.ctx["doc_no"]
    doc.outcomes.append(Outcome(job.form.id, fmt, "written", entry))


def _batch_pdfs(docs: list[Doc], st: RunState, renderers: Renderers) -> dict[int, bytes]:
    """PDFs of a chunk's documents laid out together; {} if that cannot be done (one
    record breaks the template): they are then rendered one by one."""
    form = docs[0].job.form
    if len(docs) < 2 or not any("pdf" in d.todo for d in docs):
        return {}
    try:
        ids = [d.todo.get("pdf", "") for d in docs]
        pdfs = renderers.render_many(form, [d.ctx for d in docs], st.stamp, ids)
    except Exception:  # isolate the bad record by rendering one by one
        return {}
    finally:
        if form.scope != MEMBER_YEAR:
            age_cache(AGE_OUT)
    return dict(enumerate(pdfs)) if pdfs else {}


def do_chunk(docs: list[Doc]) -> list[Outcome]:
    """Render and write one chunk (consecutive documents of one form) in this process."""
    global _RENDERERS
    st = _STATE
    assert st is not None, "RunState not set"
    if _RENDERERS is None:
        _RENDERERS = Renderers(st.template_dir)
    renderers = _RENDERERS
    ready = [d for d in docs if d.ctx]
    batched = _batch_pdfs(ready, st, renderers)
    for i, doc in enumerate(ready):
        for fmt in list(doc.todo):
            if fmt == "pdf" and i in batched:
                _write(doc, fmt, st, partial(batched.__getitem__, i))
            else:
                _write(
                    doc, fmt, st, partial(renderers.render, doc.job.form, fmt, doc.ctx, st.stamp)
                )
    return [o for d in docs for o in d.outcomes]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


# Documents laid out per Typst compilation. Typst keeps what it laid out in the last ten
# compilations (typst-py evicts older cache entries after each), so a worker's memory
# grows with the pages per compilation, and its speed with the documents per
# compilation. Measured (CPU ms a document / worker plateau): a5 8 -> 8.1 ms & 240 MB,
# 16 -> 7.0 ms & 300 MB, 32 -> 6.4 ms & 380 MB; n1 (2–3 pages) 4 -> 20.0 ms & 400 MB,
# 8 -> 16.9 ms & 465 MB, and 8 with two empty compilations after each -> 16.9 ms plus
# 2.0 ms for the empty ones & 387 MB (they age the cache three times as fast).
CHUNK = 16  # one-page member forms (a3, a5)
CHUNK_LONG = 8  # tables and notices of one or more pages per building, compound, unit
AGE_OUT = 2  # empty compilations after each chunk of long documents


def chunks(docs: Iterable[Doc], size: int = CHUNK, long: int = CHUNK_LONG) -> Iterator[list[Doc]]:
    """Consecutive documents of one form, at most ``size`` of a one-page member form or
    ``long`` of the longer tables and notices. The boundaries depend only on the plan,
    so a document is always laid out with the same neighbours."""
    chunk: list[Doc] = []
    for doc in docs:
        limit = size if doc.job.form.scope == MEMBER_YEAR else long
        if chunk and (len(chunk) >= limit or doc.job.form.id != chunk[0].job.form.id):
            yield chunk
            chunk = []
        chunk.append(doc)
    if chunk:
        yield chunk


def _needs_work(chunk: list[Doc]) -> bool:
    return any(d.todo for d in chunk)


def _init_worker(state: RunState) -> None:
    global _STATE, _RENDERERS
    _STATE, _RENDERERS = state, None


def _init_pool_worker(state: RunState) -> None:
    """A worker of a pool as large as the cores: Typst lays out on this one thread (its
    own thread pool would compete with the other workers for the same cores)."""
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    _init_worker(state)


def run(
    docs: Iterable[Doc], state: RunState, processes: int, on_outcome: Callable[[Outcome], None]
) -> None:
    """Render every document; outcomes reach ``on_outcome`` in the parent as they finish.

    With more than one process, each worker gets ``state`` once and at most a few chunks
    per worker are in flight, so memory does not grow with the run. Chunks with nothing
    to write (all skipped or failed) never leave the parent."""
    if processes <= 1:
        _init_worker(state)
        for chunk in chunks(docs):
            for outcome in do_chunk(chunk) if _needs_work(chunk) else _settled(chunk):
                on_outcome(outcome)
        return
    ctx = multiprocessing.get_context("forkserver")
    with ctx.Pool(processes, initializer=_init_pool_worker, initargs=(state,)) as pool:
        pending: deque[Any] = deque()
        for chunk in chunks(docs):
            if not _needs_work(chunk):
                for outcome in _settled(chunk):
                    on_outcome(outcome)
                continue
            pending.append(pool.apply_async(do_chunk, (chunk,)))
            while len(pending) >= processes * 4:
                for outcome in pending.popleft().get():
                    on_outcome(outcome)
        while pending:
            for outcome in pending.popleft().get():
                on_outcome(outcome)


def _settled(chunk: list[Doc]) -> list[Outcome]:
    return [o for d in chunk for o in d.outcomes]
