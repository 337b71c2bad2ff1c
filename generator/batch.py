"""Stages 4–6 at scale: each planned document's context built, rendered and written,
by worker processes that each compile their templates once.

The parent plans lazily and keeps only a bounded number of tasks in flight; workers
start from a clean fork server (a parent that has run Typst holds Rust threads that a
plain fork would copy mid-lock), receive the validated ledger once, and return small
manifest entries. A document whose inputs (context + template) are unchanged and whose
file is still on disk is skipped; a document that fails is reported with its record
while the others go on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .context import Context, Options
from .errors import FormgenError, UserError
from .forms import TEMPLATES, FormSpec
from .model import Ledger
from .plan import Job
from .render.docx import CompiledDocx
from .render.pdf import CompiledTypst
from .render.qr import qr_png, qr_svg
from .render.xlsx import CompiledXlsx
from .write import atomic_write, sha256


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
            if key not in self._typst:
                self._typst[key] = CompiledTypst(*self._typ_path(form))
            return self._typst[key].render({**ctx, "qr_svg": qr_svg(no) if no else ""}, stamp)
        if fmt == "xlsx":
            if form.id not in self._xlsx:
                self._xlsx[form.id] = CompiledXlsx(
                    form.columns, form.label, form.landscape, summary="summary" in ctx
                )
            return self._xlsx[form.id].render(ctx, stamp)
        raise UserError(f"未知的格式：{fmt}")

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
    """What every worker needs; set before the workers fork."""

    ledger: Ledger
    opts: Options
    out: Path
    formats: tuple[str, ...]
    stamp: dt.datetime
    force: bool = False
    template_dir: Path | None = None
    previous: dict[str, tuple[str, int]] = field(default_factory=dict)  # path -> input, size


@dataclass
class Outcome:
    """What became of one document in one format."""

    form: str
    fmt: str
    status: str  # written | skipped | failed
    entry: dict[str, Any] | None = None
    error: str = ""


_STATE: RunState | None = None
_RENDERERS: Renderers | None = None


def _record(job: Job) -> str:
    """The record a document stands for, as a clerk would name it."""
    k = job.keys
    if k.get("member_id"):
        return f"{job.form.id} 编号{k['member_id']}（{job.stem.rsplit('/', 1)[-1]}）"
    return f"{job.form.id} {job.stem.rsplit('/', 1)[-1]}"


def do_job(job: Job) -> list[Outcome]:
    """Build one document's context and render/write each requested format."""
    global _RENDERERS
    st = _STATE
    assert st is not None, "RunState not set"
    if _RENDERERS is None:
        _RENDERERS = Renderers(st.template_dir)
    renderers = _RENDERERS
    fmts = [f for f in st.formats if f in job.form.formats]
    try:
        ctx = job.form.build(st.ledger, job.scope, st.opts)
        blob = json.dumps(ctx, ensure_ascii=False, sort_keys=True, default=str)
    except Exception as exc:  # a record the builder cannot handle: report, go on
        return [Outcome(job.form.id, f, "failed", error=f"{_record(job)}：{exc!r}") for f in fmts]
    outcomes = []
    for fmt in fmts:
        rel = f"{job.stem}.{fmt}"
        try:
            input_hash = sha256((blob + renderers.fingerprint(job.form, fmt, ctx)).encode())
            prev = st.previous.get(rel)
            if not st.force and prev and prev[0] == input_hash and _size(st.out / rel) == prev[1]:
                outcomes.append(Outcome(job.form.id, fmt, "skipped"))
                continue
            data = renderers.render(job.form, fmt, ctx, st.stamp)
            atomic_write(st.out / rel, data)
        except FormgenError as exc:
            outcomes.append(
                Outcome(job.form.id, fmt, "failed", error=f"{_record(job)}：{exc.render()}")
            )
            continue
        except Exception as exc:  # an odd value breaking a template: report the record
            outcomes.append(Outcome(job.form.id, fmt, "failed", error=f"{_record(job)}：{exc!r}"))
            continue
        entry: dict[str, Any] = {
            "path": rel,
            "form": job.form.id,
            "format": fmt,
            "sha256": sha256(data),
            "size": len(data),
            "input": input_hash,
            **job.keys,
        }
        if ctx.get("doc_no"):
            entry["doc_no"] = ctx["doc_no"]
        outcomes.append(Outcome(job.form.id, fmt, "written", entry))
    return outcomes


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


def _do_chunk(jobs: list[Job]) -> list[Outcome]:
    return [o for job in jobs for o in do_job(job)]


def _chunks(items: Iterable[Job], size: int) -> Iterator[list[Job]]:
    chunk: list[Job] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _init_worker(state: RunState) -> None:
    global _STATE, _RENDERERS
    _STATE, _RENDERERS = state, None


def run(
    jobs: Iterable[Job], state: RunState, processes: int, on_outcome: Callable[[Outcome], None]
) -> None:
    """Render every job; outcomes reach ``on_outcome`` in the parent as they finish.

    With more than one process, each worker gets ``state`` once and at most a few chunks
    per worker are in flight, so memory does not grow with the run."""
    if processes <= 1:
        _init_worker(state)
        for job in jobs:
            for outcome in do_job(job):
                on_outcome(outcome)
        return
    ctx = multiprocessing.get_context("forkserver")
    with ctx.Pool(processes, initializer=_init_worker, initargs=(state,)) as pool:
        pending: deque[Any] = deque()
        for chunk in _chunks(jobs, 8):
            pending.append(pool.apply_async(_do_chunk, (chunk,)))
            while len(pending) >= processes * 4:
                for outcome in pending.popleft().get():
                    on_outcome(outcome)
        while pending:
            for outcome in pending.popleft().get():
                on_outcome(outcome)
