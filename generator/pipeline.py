"""The whole run in one place: read -> validate -> plan -> context -> render -> write.

The CLI and the tests call these functions; nothing here prints.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .context import Context, Options, Scope
from .errors import DataError, Issue, UserError
from .forms import TEMPLATES, FormSpec
from .load import load
from .model import Ledger
from .period import Period
from .plan import Filters, Job, plan
from .profile import Profile
from .render.docx import CompiledDocx
from .render.pdf import CompiledTypst
from .render.qr import qr_png, qr_svg
from .render.xlsx import render_table
from .validate import validate
from .write import Manifest, atomic_write, sha256

FORMATS = ("docx", "pdf", "xlsx")


def read_ledger(
    path: str | Path,
    profile: Profile,
    skip_invalid: bool = False,
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


class Renderers:
    """Templates compiled once per run (per process), keyed by form and format."""

    def __init__(self, template_dir: Path | None = None) -> None:
        self.template_dir = template_dir
        self._docx: dict[tuple[str, str], CompiledDocx] = {}
        self._typst: dict[tuple[str, str], CompiledTypst] = {}

    def render(
        self, form: FormSpec, fmt: str, ctx: Context, stamp: dt.datetime | None = None
    ) -> bytes:
        """One document's context -> bytes in the format."""
        no = ctx.get("doc_no") or ""
        key = (form.id, "a3" if ctx.get("paper") == "a3" else "")
        if fmt == "docx":
            if key not in self._docx:
                self._docx[key] = CompiledDocx(form.template("docx", self.template_dir, key[1]))
            return self._docx[key].render(ctx, qr_png(no) if no else None)
        if fmt == "pdf":
            if key not in self._typst:
                path = form.template("typ", self.template_dir)
                root = TEMPLATES if path.is_relative_to(TEMPLATES) else path.parent
                self._typst[key] = CompiledTypst(path, root=root)
            return self._typst[key].render({**ctx, "qr_svg": qr_svg(no) if no else ""}, stamp)
        if fmt == "xlsx":
            return render_table(form.columns, ctx, form.label, form.landscape, stamp)
        raise UserError(f"未知的格式：{fmt}")


@dataclass
class Report:
    """What a run did: counts per (form, format, outcome), files written, failures."""

    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    written: list[Path] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (document, message)
    issues: list[Issue] = field(default_factory=list)


def _stamp(date: dt.date) -> dt.datetime:
    return dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC)


def export(
    ledger: Ledger,
    out: Path,
    forms: list[FormSpec],
    formats: Iterable[str],
    period: Period,
    opts: Options,
    filters: Filters | None = None,
    renderers: Renderers | None = None,
    on_done: Callable[[Job, str], None] | None = None,
) -> Report:
    """Render every planned document in every requested format into ``out``."""
    fmts = tuple(formats)
    renderers = renderers or Renderers()
    manifest = Manifest(out)
    manifest.meta = {
        "generator": f"formgen {__version__}", "profile": opts.profile.id,
        "ledger": Path(ledger.source).name, "date": opts.date.isoformat(),
    }  # fmt: skip
    report = Report()
    stamp = _stamp(opts.date)
    try:
        for job in plan(ledger, forms, period, filters or Filters(), opts.notice.by == "compound"):
            ctx = job.form.build(ledger, job.scope, opts)
            for fmt in fmts:
                if fmt not in job.form.formats:
                    continue
                data = renderers.render(job.form, fmt, ctx, stamp)
                rel = f"{job.stem}.{fmt}"
                atomic_write(out / rel, data)
                entry: dict[str, Any] = {
                    "path": rel,
                    "form": job.form.id,
                    "format": fmt,
                    "sha256": sha256(data),
                    **job.keys,
                }
                if ctx.get("doc_no"):
                    entry["doc_no"] = ctx["doc_no"]
                manifest.add(entry)
                report.counts[(job.form.id, fmt, "written")] += 1
                report.written.append(out / rel)
                if on_done:
                    on_done(job, fmt)
    finally:
        manifest.save()
    return report


def render_one(ledger: Ledger, form: FormSpec, scope: Scope, fmt: str, opts: Options) -> bytes:
    """One document's bytes (``formgen render``)."""
    if fmt not in form.formats:
        raise UserError(f"表单 {form.id} 没有 {fmt} 格式。", f"可用：{', '.join(form.formats)}")
    return Renderers().render(form, fmt, form.build(ledger, scope, opts), _stamp(opts.date))


def render_blank(form: FormSpec, fmt: str, opts: Options) -> bytes:
    """An entirely blank form (``formgen blank``) to fill by hand."""
    if fmt not in form.formats:
        raise UserError(f"表单 {form.id} 没有 {fmt} 格式。", f"可用：{', '.join(form.formats)}")
    return Renderers().render(form, fmt, form.blank(opts), _stamp(opts.date))


def check_templates(opts: Options, template_dir: Path | None = None) -> list[str]:
    """Fill every form's DOCX and Typst template with its blank context; return the
    problems (unknown tags, syntax errors) as Chinese messages. Empty means all good."""
    from .errors import TemplateError
    from .forms import FORMS

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
