"""The whole run in one place: read -> validate -> plan -> context -> render -> write.

``export`` reads as the run; the CLI and the tests call these functions; nothing here
prints.
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

from generator import __version__
from generator.errors import DataError, Issue, UserError
from generator.forms.context import Options, Scope
from generator.forms.registry import FormSpec
from generator.io.registry import Registry
from generator.io.write import Manifest, atomic_write, holds_out, remove_stale_temps
from generator.ledger.load import load
from generator.ledger.model import Ledger
from generator.ledger.validate import validate
from generator.policy.period import Period
from generator.policy.profile import Profile
from generator.run.batch import Outcome, Preparer, Renderers, RunState, run
from generator.run.plan import Filters, plan

FORMATS = ("docx", "pdf", "xlsx")


def read_ledger(
    path: str | Path, profile: Profile, skip_invalid: bool = False
) -> tuple[Ledger, list[Issue]]:
    """Load and validate; raise DataError listing every error unless skip_invalid."""
    ledger, issues = validate(load(path), profile)
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


def stamp_of(date: dt.date) -> dt.datetime:
    """The fixed creation time put into documents of a run dated ``date``."""
    return dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC)


@holds_out
def export(
    ledger: Ledger,
    out: Path,
    forms: list[FormSpec],
    formats: Iterable[str],
    period: Period,
    opts: Options,
    filters: Filters | None = None,
    jobs: int = 1,
    force: bool = False,
    template_dir: Path | None = None,
    on_done: Callable[[Outcome], None] | None = None,
    registry: Registry | None = None,
) -> Report:
    """Render every planned document in every requested format into ``out``.

    Unchanged documents are skipped (unless ``force``); an interrupted run is finished
    by running it again; a failing document is reported and the rest go on."""
    started = time.perf_counter()
    check_period(ledger, period, opts.date)
    fmts = tuple(formats)
    filters = filters or Filters()
    remove_stale_temps(out)
    manifest = Manifest(out)
    manifest.meta = {
        "generator": f"formgen {__version__}", "profile": opts.profile.id,
        "ledger": Path(ledger.source).name, "date": opts.date.isoformat(),
    }  # fmt: skip
    previous = {p: (e.get("input", ""), e.get("size", -1)) for p, e in manifest.entries.items()}
    prepare = Preparer(ledger, opts, out, fmts, previous, force, template_dir)
    state = RunState(out, stamp_of(opts.date), template_dir)
    report = Report()

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
        jobs_ = plan(ledger, forms, period, filters, opts.notice.by == "compound")
        run(map(prepare, jobs_), state, jobs, record)
    finally:
        manifest.save()
        if registry is not None:
            registry.commit()
    report.elapsed = time.perf_counter() - started
    return report


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
def print_pdfs(
    ledger: Ledger,
    out: Path,
    forms: list[FormSpec],
    period: Period,
    opts: Options,
    filters: Filters | None = None,
    duplex: bool = False,
) -> list[Path]:
    """One combined PDF per form with all its documents in plan order; with ``duplex``
    every document starts on a front side (padded to an even page count)."""
    from pypdf import PdfReader, PdfWriter

    made = []
    for form in forms:
        if "pdf" not in form.formats:
            continue
        writer = PdfWriter()
        count = 0
        for job in plan(ledger, [form], period, filters or Filters(),
                        opts.notice.by == "compound"):  # fmt: skip
            path = out / f"{job.stem}.pdf"
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


def render_one(ledger: Ledger, form: FormSpec, scope: Scope, fmt: str, opts: Options) -> bytes:
    """One document's bytes (``formgen render``)."""
    if fmt not in form.formats:
        raise UserError(f"表单 {form.id} 没有 {fmt} 格式。", f"可用：{', '.join(form.formats)}")
    return Renderers().render(form, fmt, form.build(ledger, scope, opts), stamp_of(opts.date))


def render_blank(form: FormSpec, fmt: str, opts: Options) -> bytes:
    """An entirely blank form (``formgen blank``) to fill by hand."""
    if fmt not in form.formats:
        raise UserError(f"表单 {form.id} 没有 {fmt} 格式。", f"可用：{', '.join(form.formats)}")
    return Renderers().render(form, fmt, form.blank(opts), stamp_of(opts.date))


def check_templates(opts: Options, template_dir: Path | None = None) -> list[str]:
    """Fill every form's DOCX and Typst template with its blank context; return the
    problems (unknown tags, syntax errors) as Chinese messages. Empty means all good."""
    from generator.errors import TemplateError
    from generator.forms.registry import FORMS

    problems: list[str] = []
    renderers = Renderers(template_dir)
    for form in FORMS.values():
        ctx = form.blank(opts)
        for fmt in ("docx", "pdf"):
            try:
                renderers.render(form, fmt, ctx)
            except TemplateError as exc:
                problems.append(exc.render())
    return problems
