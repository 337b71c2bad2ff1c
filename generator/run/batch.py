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
import json
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from generator.errors import FormgenError, os_error
from generator.forms.registry import build
from generator.io.write import atomic_write, sha256
from generator.ledger.model import Ledger
from generator.render.pdf import age_cache
from generator.render.renderers import Layout, Renderers
from generator.run.plan import Job
from generator.types import Context, Options


@dataclass(frozen=True)
class RunState:
    """What every worker needs (not the ledger: the parent builds the contexts): where
    to write, the documents' time stamp, and each form's layout by form id."""

    out: Path
    stamp: dt.datetime
    layouts: dict[str, Layout]


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
                 layouts: dict[str, Layout]) -> None:  # fmt: skip
        self.ledger, self.opts, self.out, self.formats = ledger, opts, out, formats
        self.previous, self.force, self.layouts = previous, force, layouts
        self.fingerprints = Renderers()

    def __call__(self, job: Job) -> Doc:
        fmts = [f for f in self.formats if f in job.form.formats]
        doc = Doc(job, {}, {})
        try:
            doc.ctx = build(job.form, self.ledger, job.scope, self.opts)
            blob = json.dumps(doc.ctx, ensure_ascii=False, sort_keys=True, default=str)
            for fmt in fmts:
                rel = f"{job.stem}.{fmt}"
                fp = self.fingerprints.fingerprint(self.layouts[job.form.id], fmt, doc.ctx)
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
        pdfs = renderers.render_many(st.layouts[form.id], [d.ctx for d in docs], st.stamp, ids)
    except Exception:  # isolate the bad record by rendering one by one
        return {}
    finally:
        if not _one_page(form.kind):
            age_cache(AGE_OUT)
    return dict(enumerate(pdfs)) if pdfs else {}


def do_chunk(docs: list[Doc]) -> list[Outcome]:
    """Render and write one chunk (consecutive documents of one form) in this process."""
    global _RENDERERS
    st = _STATE
    assert st is not None, "RunState not set"
    if _RENDERERS is None:
        _RENDERERS = Renderers()
    renderers = _RENDERERS
    ready = [d for d in docs if d.ctx]
    batched = _batch_pdfs(ready, st, renderers)
    for i, doc in enumerate(ready):
        for fmt in list(doc.todo):
            if fmt == "pdf" and i in batched:
                _write(doc, fmt, st, partial(batched.__getitem__, i))
            else:
                layout = st.layouts[doc.job.form.id]
                _write(doc, fmt, st, partial(renderers.render, layout, fmt, doc.ctx, st.stamp))
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
        limit = size if _one_page(doc.job.form.kind) else long
        if chunk and (len(chunk) >= limit or doc.job.form.id != chunk[0].job.form.id):
            yield chunk
            chunk = []
        chunk.append(doc)
    if chunk:
        yield chunk


def _one_page(kind: str) -> bool:
    """Forms of one page per document (a3, a5), laid out more to a compilation."""
    return kind == "sheet"


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
