"""The whole run in one place: read -> validate -> plan -> context -> render -> write.

``export`` reads as the run; the CLI, the web page and the tests call these functions;
nothing here prints. The plan is computed once per run (``plan``) and handed on.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import __version__
from generator.errors import DataError, FormgenError, Issue, TemplateError, UserError
from generator.forms.registry import TEMPLATES, Form, blank, build, forms_of, strict_columns
from generator.io.store import manifest_of, open_store
from generator.io.write import atomic_write, holds_out
from generator.ledger.load import load, recorded_profile
from generator.ledger.model import Ledger
from generator.ledger.schema import schema_for
from generator.ledger.validate import validate
from generator.policy.period import Period
from generator.policy.profile import DEFAULT_PROFILE, Profile, load_profile
from generator.policy.rules import Result, evaluate
from generator.render import office
from generator.render.renderers import Renderers
from generator.run.batch import Outcome, Preparer, RunState
from generator.run.layouts import edited_docx, layout_of
from generator.run.plan import Plan, plan
from generator.types import Filters, Options, Scope

if TYPE_CHECKING:
    from generator.io.registry import Registry
    from generator.run.executors import Executor

FORMATS = ("docx", "pdf", "xlsx")


def resolve_profile(ledger_path: str | Path | None, name: str | None) -> Profile:
    """The profile a run uses: ``--profile`` if given, else the one ``formgen init``
    recorded in the ledger workbook, else the default (shiyan-2023)."""
    if name:
        return load_profile(name)
    recorded = recorded_profile(ledger_path) if ledger_path else ""
    return load_profile(recorded or DEFAULT_PROFILE)


def read_ledger(
    path: str | Path, profile: Profile, skip_invalid: bool = False
) -> tuple[Ledger, list[Issue]]:
    """Load and validate against the profile; raise DataError listing every error unless
    skip_invalid. Unknown values of closed sets that no form prints only warn. An
    unchanged ledger is read back from the cache (generator/ledger/cache.py)."""
    from generator.ledger.cache import cached
    from generator.run.sources import code_hash

    def make() -> tuple[Ledger, list[Issue]]:
        from generator.ledger.compact import compact

        raw = load(path, schema_for(profile))
        return compact(validate(raw, profile, strict=strict_columns(profile)))

    salt = f"{__version__} {profile.id}".encode() + code_hash(profile.folder)
    ledger, issues = cached(Path(path), salt, make)
    ledger.source = str(path)
    errors = [i for i in issues if i.severity == "error"]
    if errors and not skip_invalid:
        raise DataError(issues=errors)
    return ledger, issues


def parse_formats(spec: str) -> tuple[str, ...]:
    """'docx,pdf' -> ('docx', 'pdf'); unknown formats are a usage error."""
    fmts = tuple(s.strip().lower() for s in spec.split(",") if s.strip())
    bad = [f for f in fmts if f not in FORMATS]
    if bad or not fmts:
        raise UserError(f"未知的格式：{'、'.join(bad) or spec}。", "可用：docx、pdf、xlsx")
    return fmts


@dataclass
class Report:
    """What a run did: counts per (form, format, outcome), failures, time taken."""

    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    extras: list[Path] = field(default_factory=list)  # print PDFs, zip
    notes: list[str] = field(default_factory=list)  # what the clerk should know


def stamp_of(date: dt.date) -> dt.datetime:
    """The fixed creation time put into documents of a run dated ``date``."""
    return dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC)


def make_plan(
    ledger: Ledger,
    forms: list[Form],
    period: Period,
    opts: Options,
    filters: Filters | None = None,
) -> Plan:
    """The run's documents (once per run); UserError when two share a path."""
    return plan(ledger, forms, period, filters or Filters(), opts.notice.by == "compound")


def blocking_rules(
    ledger: Ledger, opts: Options, forms: Iterable[Form], period: Period
) -> list[Result]:
    """Rules a form of the run may not be exported against (``blocks:`` in the profile)
    that the ledger does not meet, e.g. 优秀 over 30 % of a unit for h5/h6."""
    ids = {f.id for f in forms}
    if not any(set(r.get("blocks", ())) & ids for r in opts.profile.rules):
        return []
    return [
        r
        for r in evaluate(ledger, opts.profile, period, opts.date)
        if not r.ok and set(r.blocks) & ids
    ]


@holds_out
def export(
    ledger: Ledger,
    out: Path | str,
    forms: list[Form],
    formats: Iterable[str],
    period: Period,
    opts: Options,
    filters: Filters | None = None,
    jobs: int = 1,
    force: bool = False,
    template_dir: Path | None = None,
    on_done: Callable[[Outcome], None] | None = None,
    registry: Registry | None = None,
    planned: Plan | None = None,
    *,
    executor: str | Executor = "local",
    scheduler: str | None = None,
    batch_size: int | None = None,
    storage_options: dict[str, Any] | None = None,
) -> Report:
    """Render every planned document in every requested format into ``out`` (a folder,
    or an fsspec URL such as ``s3://bucket/prefix`` with its ``storage_options``).

    Batches run on ``executor``: "local" (``jobs`` processes), "dask" (the workers of
    ``scheduler``, or a LocalCluster of ``jobs`` processes), or an Executor. Unchanged
    documents are skipped (unless ``force``); an interrupted run is finished by running
    it again; a failing document is reported and the rest go on."""
    from generator.run.drive import run
    from generator.run.executors import batch_size_of, make_executor
    from generator.run.sources import Sources

    started = time.perf_counter()
    check_period(ledger, period, opts.date)
    fmts = tuple(formats)
    planned = planned or make_plan(ledger, forms, period, opts, filters)
    blocked = blocking_rules(ledger, opts, forms, period)
    if blocked:  # the data fails a rule: exit code 1, as for any data error
        raise FormgenError(
            "以下规则未达标，这些表单不能导出：\n"
            + "\n".join(f"{r.name}：{r.rule}（实际{r.actual}，要求{r.required}）" for r in blocked),
            "请先按规则核对台账；formgen check --report 可列出全部规则的检查结果。",
        )
    store = open_store(out, storage_options)
    store.check()
    store.cleanup()
    manifest = manifest_of(store)
    manifest.meta = {
        "generator": f"formgen {__version__}",
        "profile": opts.profile.id,
        "ledger": Path(ledger.source).name,
        "date": opts.date.isoformat(),
    }
    report = Report()
    layouts = {f.id: layout_of(f, template_dir, _office(f, template_dir, fmts, report))
               for f in forms}  # fmt: skip
    listing: dict[str, int] | None = None

    def size(rel: str) -> int:
        nonlocal listing
        if listing is None:  # one walk of the output (or one listing of the bucket)
            listing = store.sizes()
        return listing.get(rel, -1)

    prepare = Preparer(ledger, opts, fmts, manifest.entries, force, layouts, size,
                       Sources(ledger, opts))  # fmt: skip
    if isinstance(executor, str):
        executor = make_executor(executor, jobs, scheduler)
    executor.begin(RunState(store, stamp_of(opts.date), layouts, str(TEMPLATES), executor.run_id))

    def record(outcome: Outcome) -> None:
        report.counts[(outcome.form, outcome.fmt, outcome.status)] += 1
        if outcome.entry:
            manifest.add(outcome.entry)
            if registry is not None and outcome.entry.get("doc_no"):
                registry.record_document(outcome.entry)
        if outcome.error:
            report.failures.append(outcome.error)
        if on_done:
            on_done(outcome)

    try:
        run(planned.jobs, prepare, executor, batch_size_of(executor, batch_size), record)
    finally:
        manifest.save()
        if registry is not None:
            registry.commit()
        if executor.lost_workers:  # what a dead worker was writing is gone with it
            store.cleanup()
    report.elapsed = time.perf_counter() - started
    return report


def _office(form: Form, template_dir: Path | None, fmts: tuple[str, ...], report: Report) -> bool:
    """Whether the form's PDFs can be made from its edited DOCX (LibreOffice is here, or
    has just been installed); when not, the report says plainly that they keep the
    built-in layout."""
    edited = edited_docx(form, template_dir)
    if edited is None or "pdf" not in fmts:
        return False
    if office.ensure(install=True):
        report.notes.append(
            f"「{edited.name}」已修改：{form.id} 的 PDF 由此 Word 模板经 LibreOffice 生成。"
        )
        return True
    report.notes.append(
        f"「{edited.name}」已修改，但本机没有 LibreOffice：{form.id} 的 PDF 仍按内置版式生成，"
        "修改的文字只出现在 Word 文件中（安装 libreoffice-writer-nogui 后重新导出即可）。"
    )
    return False


def check_period(ledger: Ledger, period: Period, today: dt.date) -> None:
    """A period the ledger holds no record of, and not the year of ``today`` or one next
    to it, is a slip (1900 for 2026): refused, not exported as an empty packet. The
    years around ``today`` are always allowed: a new year's forms are printed before its
    records exist."""
    years = ledger.years()
    if period.year in years or abs(period.year - today.year) <= 1:
        return
    held = f"（有记录的年度：{'、'.join(map(str, years))}）" if years else ""
    raise UserError(
        f"台账中没有 {period.year} 年的任何记录{held}，未生成文件。",
        "请检查 --period 或 --year；当年及前后一年总可以导出。",
    )


def default_jobs() -> int:
    """All cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@holds_out
def print_pdfs(out: Path, planned: Plan, period: Period, duplex: bool = False) -> list[Path]:
    """One combined PDF per form with all its documents in plan order; with ``duplex``
    every document starts on a front side (padded to an even page count)."""
    from pypdf import PdfReader, PdfWriter

    made = []
    by_form: dict[str, list[Path]] = {}
    names: dict[str, Form] = {}
    for job in planned.jobs:
        if "pdf" in job.form.formats:
            by_form.setdefault(job.form.id, []).append(out / f"{job.stem}.pdf")
            names[job.form.id] = job.form
    for form_id, paths in by_form.items():
        writer = PdfWriter()
        count = 0
        for path in paths:
            if not path.is_file():
                continue
            pages = PdfReader(path).pages
            for page in pages:
                writer.add_page(page)
            if duplex and len(pages) % 2:
                box = pages[-1].mediabox
                writer.add_blank_page(width=float(box.width), height=float(box.height))
            count += 1
        if count:
            form = names[form_id]
            target = out / period.label / "_print" / f"{form.id}_{form.name}_{period.label}.pdf"
            target.parent.mkdir(parents=True, exist_ok=True)
            buf = io.BytesIO()
            writer.write(buf)
            atomic_write(target, buf.getvalue())
            made.append(target)
    return made


@holds_out
def zip_outputs(out: Path, period: Period, extra: list[Path] | None = None) -> Path:
    """All files of the period (and the manifest) in one zip, for sending upward."""
    target = out / f"formgen_{period.label}.zip"
    tmp = target.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for path in sorted((out / period.label).rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                z.write(path, path.relative_to(out).as_posix())
        if (out / "manifest.json").is_file():
            z.write(out / "manifest.json", "manifest.json")
        for path in extra or []:
            if path.is_file() and not path.is_relative_to(out / period.label):
                z.write(path, path.relative_to(out).as_posix())
    os.replace(tmp, target)
    return target


def _check_format(form: Form, fmt: str) -> None:
    if fmt not in form.formats:
        raise UserError(f"表单 {form.id} 没有 {fmt} 格式。", f"可用：{', '.join(form.formats)}")


def render_one(
    ledger: Ledger,
    form: Form,
    scope: Scope,
    fmt: str,
    opts: Options,
    template_dir: Path | None = None,
) -> bytes:
    """One document's bytes (``formgen render``)."""
    _check_format(form, fmt)
    ctx = build(form, ledger, scope, opts)
    return Renderers().render(layout_of(form, template_dir), fmt, ctx, stamp_of(opts.date))


def render_blank(form: Form, fmt: str, opts: Options, template_dir: Path | None = None) -> bytes:
    """An entirely blank form (``formgen blank``) to fill by hand."""
    _check_format(form, fmt)
    ctx = blank(form, opts)
    return Renderers().render(layout_of(form, template_dir), fmt, ctx, stamp_of(opts.date))


def check_templates(opts: Options, template_dir: Path | None = None) -> list[str]:
    """Fill every form's DOCX and Typst template with its blank context; return the
    problems (unknown tags, syntax errors) as Chinese messages. Empty means all good."""
    problems: list[str] = []
    renderers = Renderers()
    for form in forms_of(opts.profile).values():
        ctx = blank(form, opts)
        layout = layout_of(form, template_dir)
        for fmt in ("docx", "pdf"):
            if fmt not in form.formats:
                continue
            try:
                renderers.render(layout, fmt, ctx)
            except TemplateError as exc:
                problems.append(exc.render())
    return problems
