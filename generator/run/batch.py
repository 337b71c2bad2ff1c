"""Stages 4–6 at scale: each planned document's context built (in the driver), rendered
and written (by workers), and what the workers made recorded (in the driver).

The run is cut twice. A *chunk* is what one Typst compilation lays out together
(consecutive documents of one form: CHUNK one-page sheets or CHUNK_LONG long tables and
notices); its boundaries depend only on the plan, so a document is always laid out with
the same neighbours and the same input gives the same bytes. A *batch* is what one task
of an executor carries: whole chunks, about ``batch_size`` documents (one chunk for the
local processes, ~200 documents for Dask, where every task costs scheduling).

The driver builds the contexts, so workers never hold the ledger; a worker renders,
writes each file atomically into the run's Store and returns only what the manifest
needs of it: (size, sha256) — or the error — per document and format. A document whose
inputs (context + template) are unchanged and whose file is still there is skipped; a
document that fails is reported with its record while the others go on.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from generator.errors import FormgenError, os_error
from generator.forms.registry import build
from generator.heap import trim
from generator.io.store import Store
from generator.io.write import sha256
from generator.ledger.model import Ledger
from generator.run.plan import Job
from generator.run.sources import digest
from generator.types import Context, Options

if TYPE_CHECKING:  # the renderers are imported by the workers, not by the driver
    from generator.render.renderers import Layout, Renderers


@dataclass(frozen=True)
class RunState:
    """What every worker needs (not the ledger: the driver builds the contexts): where
    to write, the documents' time stamp, each form's layout by form id, and the
    driver's templates folder (a worker installed elsewhere finds its own copy)."""

    store: Store
    stamp: dt.datetime
    layouts: dict[str, Layout]
    templates: str = ""
    run: str = ""  # this run's id: a worker keeps its compiled templates across tasks of one run


@dataclass
class Outcome:
    """What became of one document in one format."""

    form: str
    fmt: str
    status: str  # written | skipped | failed
    entry: dict[str, Any] | None = None
    error: str = ""


@dataclass
class Work:
    """One document as a worker sees it: where it goes, its form, how a clerk names it
    (for errors), its context, and the formats to write with the hash of their inputs
    (which also becomes the PDF's file identifier). ``todo`` is empty for a neighbour
    sent only to be laid out with the others of its chunk."""

    stem: str
    form: str
    kind: str
    record: str
    ctx: Context
    todo: dict[str, str]
    check: dict[str, str] = field(default_factory=dict)  # format -> SHA-256 of the file there
    pdf_id: str = ""  # the PDF's input hash: its file identifier


class Made(NamedTuple):
    """What a worker returns of one file: the document's place in its batch, the
    format, and its size and SHA-256 — or the error that stopped it. ``kept``: a file
    made only because its neighbours were laid out again came out with the bytes that
    are there already, and was not written."""

    doc: int
    fmt: str
    size: int = 0
    sha256: str = ""
    error: str = ""
    kept: bool = False


Payload = list[list[Work]]  # a batch: its chunks, each laid out together
Task = Callable[[Payload, RunState], list[Made]]


@dataclass
class Doc:
    """One planned document in the driver: its job, its context (until it is sent), the
    formats to (re)write with the hash of their inputs, and what became of it."""

    job: Job
    ctx: Context
    todo: dict[str, str]  # format -> input hash
    outcomes: list[Outcome] = field(default_factory=list)
    source: str = ""  # hash of the ledger records its scope covers (see sources.py)
    doc_no: str = ""
    inputs: dict[str, str] = field(default_factory=dict)  # format -> input hash, all built
    templates: dict[str, str] = field(default_factory=dict)  # format -> template fingerprint
    check: dict[str, str] = field(default_factory=dict)  # format -> SHA-256 of the file there

    def work(self) -> Work:
        job = self.job
        return Work(job.stem, job.form.id, job.form.kind, record_of(job), self.ctx, self.todo,
                    self.check, self.inputs.get("pdf", ""))  # fmt: skip


def record_of(job: Job) -> str:
    """The record a document stands for, as a clerk would name it."""
    k = job.keys
    if k.get("member_id"):
        return f"{job.form.id} 编号{k['member_id']}（{job.stem.rsplit('/', 1)[-1]}）"
    return f"{job.form.id} {job.stem.rsplit('/', 1)[-1]}"


class Preparer:
    """In the driver: for each chunk of jobs, decides per document and format whether
    the file must be written, and builds the contexts that the work needs.

    A document is skipped without building its context when the records its scope
    covers (its ``source``) are the ones its file was made from and the file is still
    there with the recorded size. Otherwise its context is built and hashed: an equal
    hash still skips it (the change did not reach its text). The neighbours of a
    document to (re)write are built too, to be laid out with it."""

    def __init__(self, ledger: Ledger, opts: Options, formats: tuple[str, ...],
                 previous: Mapping[str, dict[str, Any]], force: bool,
                 layouts: dict[str, Layout], sizes: Callable[[str], int],
                 sources: Callable[[Job], str] | None = None) -> None:  # fmt: skip
        from generator.render.renderers import Renderers

        self.ledger, self.opts, self.formats = ledger, opts, formats
        self.previous, self.force, self.layouts = previous, force, layouts
        self.sizes, self.sources = sizes, sources
        self.fingerprints: Renderers = Renderers()

    def _fmts(self, job: Job) -> list[str]:
        return [f for f in self.formats if f in job.form.formats]

    def _unchanged(self, job: Job, source: str) -> bool:
        """Whether every file of the job was made from the same records, is still there
        with its recorded size, and was made by the same templates."""
        if self.force or not source:
            return False
        for fmt in self._fmts(job):
            rel = f"{job.stem}.{fmt}"
            prev = self.previous.get(rel)
            if not prev or prev.get("source") != source or self.sizes(rel) != prev.get("size"):
                return False
            if prev.get("template") != self._fingerprint(job, fmt):
                return False
        return True

    def _fingerprint(self, job: Job, fmt: str, ctx: Context | None = None) -> str:
        """The fingerprint of the templates a document is made with; without its context,
        of the paper it most likely has (a wrong guess only costs building the context)."""
        if ctx is None:
            paper = self.opts.notice.paper if job.form.kind == "notice" else job.form.paper
            ctx = {"paper": paper}
        return self.fingerprints.fingerprint(self.layouts[job.form.id], fmt, ctx)

    def __call__(self, jobs: list[Job]) -> list[Doc]:
        sources = [self.sources(j) if self.sources else "" for j in jobs]
        if all(self._unchanged(j, s) for j, s in zip(jobs, sources, strict=True)):
            return [self._skipped(j, s) for j, s in zip(jobs, sources, strict=True)]
        docs = [self._built(j, s) for j, s in zip(jobs, sources, strict=True)]
        if len(docs) > 1 and any("pdf" in d.todo for d in docs):
            # PDFs laid out together share glyph numbers: a neighbour whose own text is
            # unchanged is made again and written only if its bytes come out different.
            for doc in docs:
                prev = self.previous.get(f"{doc.job.stem}.pdf")
                if "pdf" in doc.inputs and "pdf" not in doc.todo and prev:
                    doc.check["pdf"] = str(prev.get("sha256", ""))
                    doc.outcomes = [o for o in doc.outcomes if o.fmt != "pdf"]
        return docs

    def _skipped(self, job: Job, source: str) -> Doc:
        doc = Doc(job, {}, {}, source=source)
        doc.outcomes = [Outcome(job.form.id, f, "skipped") for f in self._fmts(job)]
        return doc

    def _built(self, job: Job, source: str) -> Doc:
        fmts = self._fmts(job)
        doc = Doc(job, {}, {}, source=source)
        try:
            doc.ctx = build(job.form, self.ledger, job.scope, self.opts)
            doc.doc_no = str(doc.ctx.get("doc_no") or "")
            for fmt in fmts:
                rel = f"{job.stem}.{fmt}"
                fp = self._fingerprint(job, fmt, doc.ctx)
                input_hash = digest(doc.ctx, fp).hex()  # (a quarter of a JSON's time)
                doc.inputs[fmt], doc.templates[fmt] = input_hash, fp
                prev = self.previous.get(rel)
                if (not self.force and prev and prev.get("input") == input_hash
                        and self.sizes(rel) == prev.get("size")):  # fmt: skip
                    entry = None
                    if prev.get("source") != source or prev.get("template") != fp:
                        entry = {**prev, "source": source, "template": fp}  # refreshed
                    doc.outcomes.append(Outcome(job.form.id, fmt, "skipped", entry))
                else:
                    doc.todo[fmt] = input_hash
        except Exception as exc:  # a record the builder cannot handle: report, go on
            doc.outcomes = [Outcome(job.form.id, f, "failed", error=f"{record_of(job)}：{exc!r}")
                            for f in fmts]  # fmt: skip
            doc.todo, doc.ctx = {}, {}
        return doc

    def entry(self, doc: Doc, made: Made) -> dict[str, Any]:
        """The manifest entry of a file a worker wrote."""
        job = doc.job
        entry: dict[str, Any] = {
            "path": f"{job.stem}.{made.fmt}",
            "form": job.form.id,
            "format": made.fmt,
            "sha256": made.sha256,
            "size": made.size,
            "input": doc.inputs[made.fmt],
            "source": doc.source,
            "template": doc.templates[made.fmt],
            **job.keys,
        }
        if doc.doc_no:
            entry["doc_no"] = doc.doc_no
        return entry


# ---------------------------------------------------------------- in the workers

_RENDERERS: dict[str, Renderers] = {}  # by run id: templates compiled once per run


def renderers_for(state: RunState) -> Renderers:
    """This process's renderers for the run (a worker serving several runs keeps only
    the last one's). Typst lays out on this one thread: a worker is one of as many as
    the cores, and Typst's own thread pool would compete with the others."""
    if state.run not in _RENDERERS:
        os.environ.setdefault("RAYON_NUM_THREADS", "1")
        from generator.render.renderers import Renderers

        _RENDERERS.clear()
        _RENDERERS[state.run] = Renderers()
    return _RENDERERS[state.run]


def render_batch(payload: Payload, state: RunState) -> list[Made]:
    """A task: render and write every document of a batch; what was made of each file.
    Indexes count the batch's documents across its chunks."""
    from generator.run.layouts import relocated

    state = relocated(state)
    renderers = renderers_for(state)
    made: list[Made] = []
    base = 0
    for chunk in payload:
        made += do_chunk(chunk, state, renderers, base)
        base += len(chunk)
    trim()
    return made


def do_chunk(chunk: list[Work], st: RunState, renderers: Renderers, base: int = 0) -> list[Made]:
    """Render and write one chunk (consecutive documents of one form)."""
    from generator.render.qr import prepare

    coded = [w for w in chunk if ({"docx", "pdf"} & {*w.todo, *w.check}) and w.ctx.get("doc_no")]
    prepare([str(w.ctx["doc_no"]) for w in coded])  # (an XLSX carries no QR code)
    pdfs = pdf_batch(chunk, st, renderers)
    layout = st.layouts[chunk[0].form] if chunk else None
    made: list[Made] = []
    for i, work in enumerate(chunk):
        for fmt in work.todo:
            if fmt == "pdf" and i in pdfs:
                made.append(_write(base + i, work, fmt, st, pdfs[i]))
            else:
                made.append(_write(base + i, work, fmt, st, (layout, renderers)))
        if "pdf" in work.check and i in pdfs:
            data = pdfs[i]
            if sha256(data) == work.check["pdf"]:
                made.append(Made(base + i, "pdf", len(data), work.check["pdf"], kept=True))
            else:
                made.append(_write(base + i, work, "pdf", st, data))
    return made


def _write(
    index: int, work: Work, fmt: str, st: RunState, made: bytes | tuple[Any, Renderers]
) -> Made:
    """Render (unless ``made`` is the bytes already) and write one file."""
    try:
        if isinstance(made, bytes):
            data = made
        else:
            layout, renderers = made
            data = renderers.render(layout, fmt, work.ctx, st.stamp)
        st.store.write(f"{work.stem}.{fmt}", data)
    except (FormgenError, OSError) as exc:  # OSError: a full disk, a folder gone
        error = exc if isinstance(exc, FormgenError) else os_error(exc, "写入")
        return Made(index, fmt, error=f"{work.record}：{error.render()}")
    except Exception as exc:  # an odd value breaking a template: report the record
        return Made(index, fmt, error=f"{work.record}：{exc!r}")
    return Made(index, fmt, len(data), sha256(data))


def pdf_batch(chunk: list[Work], st: RunState, renderers: Renderers) -> dict[int, bytes]:
    """How a chunk's PDFs are made, by layout: Typst lays the documents out together
    (one compilation, cut apart). {} when that cannot be done (one record breaks the
    template): they are then rendered one by one. (A layout whose PDF must come from a
    clerk's edited DOCX would branch here: one LibreOffice call for the chunk.)"""
    if len(chunk) < 2 or not any("pdf" in w.todo or "pdf" in w.check for w in chunk):
        return {}  # (and Typst is not even imported: a DOCX-only run needs none of it)
    from generator.render.pdf import age_cache

    layout = st.layouts[chunk[0].form]
    try:
        ids = [w.pdf_id for w in chunk]
        pdfs = renderers.render_many(layout, [w.ctx for w in chunk], st.stamp, ids)
    except Exception:  # isolate the bad record by rendering one by one
        return {}
    finally:
        if not _one_page(chunk[0].kind):
            age_cache(AGE_OUT)
    return dict(enumerate(pdfs)) if pdfs else {}


# Documents laid out per Typst compilation. Typst keeps what it laid out in the last ten
# compilations (typst-py evicts older cache entries after each), so a worker's memory
# grows with the pages per compilation, and its speed with the documents per
# compilation. Measured (CPU ms a document / worker plateau): a5 8 -> 8.1 ms & 240 MB,
# 16 -> 7.0 ms & 300 MB, 32 -> 6.4 ms & 380 MB; n1 (2–3 pages) 4 -> 20.0 ms & 400 MB,
# 8 -> 16.9 ms & 465 MB, and 8 with two empty compilations after each -> 16.9 ms plus
# 2.0 ms for the empty ones & 387 MB (they age the cache three times as fast). After
# chunks of one-page sheets they are not run. Since a3 and a5 are stamped (render/
# stamp.py: Typst lays out only their frames), the long documents are what grows a worker:
# ten empty compilations after each of their chunks empty Typst's layout cache (fonts
# stay), and a worker that has made every form of the 1,000-member packet holds 238 MB
# instead of 349 (a1 12.1 -> 13.0 ms, n1 18.5 -> 21.3 ms a document; python -m
# benchmarks.worker, with AGE_OUT 2 and 10).
CHUNK = 16  # one-page member forms (a3, a5)
CHUNK_LONG = 8  # tables and notices of one or more pages per building, compound, unit
AGE_OUT = 10  # empty compilations after each chunk of long documents
# Scopes whose documents list a whole unit, compound or community (a2, a4, n2, n3: four
# pages and more each): half as many a compilation, which holds a worker's peak lower.
WIDE = ("unit", "compound", "community", "unit_community")


def chunks(jobs: Iterable[Job], size: int = CHUNK, long: int = CHUNK_LONG) -> Iterator[list[Job]]:
    """Consecutive jobs of one form, at most ``size`` of a one-page member form or
    ``long`` of the longer tables and notices. The boundaries depend only on the plan,
    so a document is always laid out with the same neighbours."""
    chunk: list[Job] = []
    for job in jobs:
        limit = size if _one_page(job.form.kind) else long
        if job.form.scope in WIDE:
            limit = max(1, limit // 2)
        if chunk and (len(chunk) >= limit or job.form.id != chunk[0].form.id):
            yield chunk
            chunk = []
        chunk.append(job)
    if chunk:
        yield chunk


def batches(chunked: Iterable[list[Doc]], size: int) -> Iterator[list[list[Doc]]]:
    """Whole chunks grouped into batches of about ``size`` documents (at least one chunk)."""
    batch: list[list[Doc]] = []
    count = 0
    for chunk in chunked:
        if batch and count + len(chunk) > size:
            yield batch
            batch, count = [], 0
        batch.append(chunk)
        count += len(chunk)
    if batch:
        yield batch


def _one_page(kind: str) -> bool:
    """Forms of one page per document (a3, a5), laid out more to a compilation."""
    return kind == "sheet"
