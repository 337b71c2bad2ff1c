"""The web page's one door into the engine.

Every call the web face makes into formgen's stages is here: reading and validating a
ledger, the forms and their scopes, planning and exporting, rendering one document,
the blank workbook, the deadlines, the rules report, the registry and the archive. A
change of the engine is met in this file alone. Nothing here knows HTTP or accounts;
nothing here decides a rule or lays out a form — it asks the engine.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import io
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import Issue, UserError
from generator.forms.registry import Form, forms_of, select
from generator.io.registry import Registry
from generator.io.write import Manifest
from generator.ledger.load import load, recorded_profile
from generator.ledger.model import Ledger
from generator.policy import docno, rules
from generator.policy.due import deadlines
from generator.policy.period import Period
from generator.policy.profile import DEFAULT_PROFILE, Profile, known_profiles, load_profile
from generator.run import pipeline
from generator.run.plan import safe_name, scope_of
from generator.types import Filters, NoticeOptions, Options, Scope

__all__ = ["DEFAULT_PROFILE", "Filters", "Issue", "Ledger", "Period"]

# ---------------------------------------------------------------- profiles and forms

ROLE_KINDS = {
    "unit": ("member", "unit", "pair"),
    "community": ("building", "compound", "community"),
}


def _kind(scope: str) -> str:
    """What one document of a scope covers, as rights see it: a member's, a unit's, or a
    building's, compound's or community's."""
    if scope == "member" or scope.startswith("record:"):
        return "member"
    return "pair" if scope == "unit_community" else scope


@functools.cache
def profiles() -> dict[str, str]:
    """Profile id -> its name, for the pickers."""
    return {p: load_profile(p).name for p in known_profiles()}


def profile_of(path: Path, wanted: str = "") -> str:
    """The profile a ledger is checked against: the one asked for, else the one
    ``formgen init --profile`` recorded in the workbook (if shipped), else the default."""
    if wanted:
        return wanted
    recorded = recorded_profile(path)
    return recorded if recorded in profiles() else DEFAULT_PROFILE


@functools.cache
def profile(profile_id: str) -> Profile:
    """A known profile by id (never a path a client names)."""
    if profile_id not in profiles():
        raise UserError(f"找不到政策配置「{profile_id}」。", "可用：" + "、".join(profiles()))
    return load_profile(profile_id)


@dataclass(frozen=True)
class FormInfo:
    """A form as the pages show it: id, 附件 label, name, what one document covers
    (member | unit | building | compound) and its formats."""

    id: str
    label: str
    name: str
    kind: str
    formats: tuple[str, ...]

    @property
    def title(self) -> str:
        """附件5 “五亮五共”活动情况评价表; a notice by its name alone."""
        return self.name if self.label == self.name else f"{self.label} {self.name}"


def forms_for(role: str, profile_id: str = DEFAULT_PROFILE) -> list[FormInfo]:
    """The forms of a profile a role may make: admin all; a unit's clerk those of its
    members and of the unit; a community's clerk those of its buildings, compounds and
    the community (a form that may also go per compound, such as n3, goes so)."""
    out = []
    for f in forms_of(profile(profile_id)).values():
        kind = _kind(f.scope)
        if role == "community" and f.alt_scope:
            kind = _kind(f.alt_scope)
        if role == "admin" or kind in ROLE_KINDS.get(role, ()):
            out.append(FormInfo(f.id, f.label, f.name, kind, f.formats))
    return out


def notice_by(role: str) -> str:
    """How n3 groups its documents for a role: per compound for a community's clerk."""
    return "compound" if role == "community" else "unit"


def options(profile_id: str, by: str = "unit", date: dt.date | None = None) -> Options:
    return Options(
        profile=profile(profile_id), date=date or dt.date.today(), notice=NoticeOptions(by=by)
    )


def period(text: str) -> Period:
    return Period.parse(text)


FORMATS = pipeline.FORMATS


def formats(spec: str) -> tuple[str, ...]:
    return pipeline.parse_formats(spec)


# -------------------------------------------------------------------------- ledgers


@dataclass
class Checked:
    """A ledger read and validated: the valid rows, and every problem found."""

    ledger: Ledger
    errors: list[Issue]
    warnings: list[Issue]


def check(path: Path, profile_id: str) -> Checked:
    """``formgen check``: load and validate, keeping every issue (the rows with errors
    are left out of the ledger)."""
    led, issues = pipeline.read_ledger(path, profile(profile_id), skip_invalid=True)
    errors = [i for i in issues if i.severity == "error"]
    return Checked(led, errors, [i for i in issues if i.severity != "error"])


def issue_dict(issue: Issue) -> dict[str, Any]:
    """An issue as the API gives it: sheet, row, column, value, message."""
    value = issue.value
    shown = "" if value is None else value.isoformat() if isinstance(value, dt.date) else value
    return {
        "sheet": issue.sheet,
        "row": issue.row,
        "column": issue.column,
        "value": shown if isinstance(shown, int | float) else str(shown),
        "message": issue.message,
    }


def issue_of(d: dict[str, Any], severity: str) -> Issue:
    return Issue("", d["sheet"], d["row"], d["column"], d["value"], d["message"], severity)


def marked_workbook(path: Path, kind: str, issues: list[Issue]) -> bytes:
    """The uploaded ledger back as a workbook, every issue's cell filled and commented."""
    from generator.render.marked import mark_raw, mark_xlsx

    if kind == "xlsx":
        return mark_xlsx(path, issues)
    return mark_raw(load(path), issues)


def blank_workbook(profile_id: str) -> bytes:
    """``formgen init``: the blank ledger workbook of a profile."""
    from generator.ledger.initbook import blank_workbook as make

    return make(profile(profile_id))


def members(ledger: Ledger) -> list[dict[str, Any]]:
    """Every member as a plain dict (the internal view: phones in full)."""
    return [
        {
            "id": m.id,
            "name": m.name,
            "unit": m.unit,
            "title": m.title,
            "phone": m.phone,
            "community": m.community,
            "compound": m.compound,
            "building": m.building,
            "address": m.address,
        }
        for m in ledger.members.values()
    ]


def places(ledger: Ledger) -> dict[str, Any]:
    """Units, communities, compounds and buildings of a ledger, for the pickers."""
    buildings = sorted({(m.community, m.compound, m.building) for m in ledger.members.values()})
    return {
        "units": list(ledger.units),
        "communities": list(ledger.communities),
        "compounds": [list(k) for k in ledger.compounds],
        "buildings": [list(b) for b in buildings],
    }


def default_period(ledger: Ledger) -> str:
    """The latest year in the ledger (this year if none), as ``formgen`` defaults."""
    years = ledger.years()
    return str(years[-1] if years else dt.date.today().year)


# --------------------------------------------------------------------- rules report


def rules_report(ledger: Ledger, prof: Profile, per: Period) -> list[dict[str, Any]]:
    """``check --report``: every rule of the profile on every member, unit, community or
    compound — 规则, 范围, 编号, 名称, 实际, 要求, 结果 — plus 单位 and 社区 (for rights)."""
    return [
        {**dict(zip(rules.REPORT_COLUMNS, r.cells(), strict=True)),
         "单位": r.unit, "社区": r.community}
        for r in rules.evaluate(ledger, prof, per, dt.date.today())
    ]  # fmt: skip


def pass_rates(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """达标率 per unit: rows that pass over all rows of the unit."""
    by_unit: dict[str, list[int]] = {}
    for r in rows:
        n = by_unit.setdefault(r["单位"], [0, 0])
        n[0] += r["结果"] == "达标"
        n[1] += 1
    return [
        {"unit": u, "passed": p, "total": t, "rate": round(100 * p / t) if t else 0}
        for u, (p, t) in by_unit.items()
    ]


# ------------------------------------------------------------------------ documents


def filters(unit: str = "", community: str = "", compound: str = "") -> Filters:
    return Filters(unit=unit, community=community, compound=compound)


def count_files(
    ledger: Ledger,
    form_ids: list[str],
    fmts: tuple[str, ...],
    per: Period,
    flt: Filters,
    by: str,
    profile_id: str = DEFAULT_PROFILE,
) -> dict[str, int]:
    """Files each form will make (documents × formats it has), as ``export`` plans them."""
    totals = dict.fromkeys(form_ids, 0)
    forms = _forms(profile_id, form_ids)
    for job in pipeline.make_plan(ledger, forms, per, options(profile_id, by), flt).jobs:
        totals[job.form.id] += sum(1 for f in fmts if f in job.form.formats)
    return totals


def _forms(profile_id: str, form_ids: list[str]) -> list[Form]:
    return select(profile(profile_id), ",".join(form_ids))


@dataclass
class Packet:
    """What an export made: the zip, the combined print PDF of each form, failures."""

    zip: Path
    prints: dict[str, Path] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def export_packet(
    ledger: Ledger,
    out: Path,
    form_ids: list[str],
    fmts: tuple[str, ...],
    per: Period,
    opts: Options,
    flt: Filters,
    on_file: Callable[[str], None],
) -> Packet:
    """``formgen export … --print --zip`` in this process; ``on_file(form)`` after each
    file. The run's numbered documents are recorded afterwards (``record_numbered``)."""
    forms = select(opts.profile, ",".join(form_ids))
    planned = pipeline.make_plan(ledger, forms, per, opts, flt)
    report = pipeline.export(
        ledger,
        out,
        forms,
        fmts,
        per,
        opts,
        flt,
        jobs=1,
        on_done=lambda o: on_file(o.form),
        planned=planned,
    )
    prints = pipeline.print_pdfs(out, planned, per) if "pdf" in fmts else []
    zipped = pipeline.zip_outputs(out, per, prints)
    by_form = {f.id: p for f in forms for p in prints if p.name.startswith(f"{f.id}_")}
    return Packet(zipped, by_form, list(report.failures))


def record_numbered(out: Path, db_url: str) -> int:
    """Record the numbered documents of an export's manifest in the registry, in one
    short transaction (so a long export never holds the database's write lock)."""
    with registry(db_url) as reg:
        n = 0
        for entry in Manifest(out).entries.values():
            if entry.get("doc_no"):
                reg.record_document(entry)
                n += 1
    return n


def manifest_documents(out: Path) -> list[dict[str, Any]]:
    return list(Manifest(out).entries.values())


@dataclass(frozen=True)
class Target:
    """One document: its form, the scope it covers, and whose it is (unit, community)."""

    form: str
    scope: Scope
    unit: str = ""
    community: str = ""
    profile: str = DEFAULT_PROFILE


def target(
    ledger: Ledger,
    form_id: str,
    per: Period,
    by: str,
    member: str = "",
    unit: str = "",
    community: str = "",
    compound: str = "",
    building: str = "",
    profile_id: str = DEFAULT_PROFILE,
) -> Target:
    """The document a preview asks for, by member id, unit, community, or compound and
    building — found as ``formgen render`` finds it."""
    forms = forms_of(profile(profile_id))
    if form_id not in forms:
        raise UserError(f"未知的表单：{form_id}。", f"可用：{', '.join(forms)}")
    form = forms[form_id]
    if by == "compound" and form.alt_scope:
        form = dataclasses.replace(form, scope=form.alt_scope)
    if form.scope == "member" and member not in ledger.members:
        raise UserError(f"台账中没有编号为「{member}」的党员干部。")
    scope = scope_of(ledger, form, per, member, unit, community, compound, building)
    if scope.member_id:
        m = ledger.members[scope.member_id]
        return Target(form_id, scope, m.unit, m.community, profile_id)
    return Target(form_id, scope, scope.unit, scope.community, profile_id)


def render(ledger: Ledger, t: Target, fmt: str, opts: Options) -> bytes:
    """``formgen render``: one document's bytes."""
    return pipeline.render_one(ledger, forms_of(opts.profile)[t.form], t.scope, fmt, opts)


def file_name(ledger: Ledger, t: Target, fmt: str) -> str:
    s = t.scope
    who = s.member_id and f"{s.member_id}_{ledger.members[s.member_id].name}"
    name = who or s.unit or f"{s.community}{s.compound}{s.building}"
    return f"{t.form}_{safe_name(name)}_{s.period.label}.{fmt}"


def pdf_pages(pdf: bytes) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return len(doc)
    finally:
        doc.close()


def pdf_page_png(pdf: bytes, page: int, scale: float = 1.4) -> tuple[bytes, int]:
    """Page ``page`` (1-based) of a PDF as a PNG, and the PDF's page count."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        count = len(doc)
        if not 1 <= page <= count:
            raise UserError(f"没有第{page}页（共{count}页）。")
        image = doc[page - 1].render(scale=scale).to_pil()
    finally:
        doc.close()
    buf = io.BytesIO()
    image.save(buf, "PNG", optimize=False)
    return buf.getvalue(), count


# ------------------------------------------------------------------------ deadlines


def due(profile_id: str, today: dt.date, days: int = 366) -> list[dict[str, Any]]:
    """``formgen due``: each deadline with its forms and the period they cover."""
    return [
        {
            "date": d.date,
            "who": d.who,
            "task": d.task,
            "forms": list(d.forms),
            "period": d.period.label,
            "days_left": (d.date - today).days,
        }
        for d in deadlines(profile(profile_id), today, days)
    ]


# ---------------------------------------------------------------------- the archive


@contextmanager
def registry(db_url: str) -> Iterator[Registry]:
    """The registry of numbered documents and archived scans, committed on leaving."""
    reg = Registry(db_url)
    try:
        yield reg
    finally:
        reg.close()


def ingest(paths: list[Path], archive: Path, db_url: str) -> dict[str, Any]:
    """``formgen archive ingest``: every page filed by its QR code, or sent to review; a
    file that is no readable PDF or image is named in ``unreadable``."""
    from generator.archive.scans import IngestReport
    from generator.archive.scans import ingest as run

    report, unreadable = IngestReport(), []
    with registry(db_url) as reg:
        for path in paths:  # one by one, so one damaged file stops none of the others
            try:
                one = run([path], archive, reg)
            except Exception:  # PDFium or Pillow could not read the file
                unreadable.append(path.name)
                continue
            for name in ("filed", "duplicates", "new_versions", "review"):
                getattr(report, name).extend(getattr(one, name))
    return {
        "filed": [{"doc_no": no, "path": p} for no, p in report.filed],
        "new_versions": [{"doc_no": no, "path": p} for no, p in report.new_versions],
        "duplicates": list(report.duplicates),
        "review": [{"source": s, "page": n, "reason": r} for s, n, r in report.review],
        "unreadable": unreadable,
    }


REVIEW = "_review"


def review_queue(archive: Path) -> list[dict[str, Any]]:
    """Pages waiting for a person (``_review/report.csv`` rows whose file is still there)."""
    log = archive / REVIEW / "report.csv"
    if not log.is_file():
        return []
    with open(log, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    seen: dict[str, dict[str, Any]] = {}
    for source, page, reason, name in (r for r in rows if len(r) == 4):
        if (archive / REVIEW / name).is_file():
            seen[name] = {"file": name, "source": source, "page": int(page), "reason": reason}
    return list(seen.values())


def review_file(archive: Path, name: str) -> Path:
    """A queued page's PDF, by the name the queue gives (anything else is unknown)."""
    if name not in {r["file"] for r in review_queue(archive)}:
        raise UserError("待复核清单中没有此页。")
    return archive / REVIEW / name


def review_png(archive: Path, name: str) -> bytes:
    return pdf_page_png(review_file(archive, name).read_bytes(), 1, scale=0.8)[0]


def valid_number(text: str) -> bool:
    """Whether a typed document number's check character is right."""
    return docno.is_valid(text)


def document(db_url: str, doc_no: str) -> dict[str, Any] | None:
    """The registry's record of a numbered document."""
    with registry(db_url) as reg:
        return reg.document(doc_no.strip().upper())


def file_reviewed(archive: Path, db_url: str, name: str, doc_no: str) -> dict[str, Any]:
    """File a queued page under a number a person typed (as ``ingest`` files a page whose
    code it read), then move the page out of the queue into ``_review/_filed``."""
    from generator.archive import scans

    path = review_file(archive, name)
    report = scans.IngestReport()
    with registry(db_url) as reg:
        for page in scans.pages(path):
            scans._file([page], doc_no.strip().upper(), archive, reg, report)
    done = archive / REVIEW / "_filed"
    done.mkdir(exist_ok=True)
    shutil.move(path, done / name)
    return {
        "filed": [{"doc_no": no, "path": p} for no, p in report.filed],
        "duplicates": list(report.duplicates),
    }


def archive_status(
    db_url: str, form: str, year: int | None, unit: str = "", community: str = ""
) -> dict[str, Any]:
    """``formgen archive status``: generated documents with no signed copy yet, and the
    signed ones, of a form and year, narrowed to a unit or a community."""
    with registry(db_url) as reg:
        missing = reg.missing(form, year, unit, community)
        archived = [
            r
            for r in reg.all_archived()
            if r["form"] == form
            and (not year or r["year"] == year)
            and (not unit or r["unit"] == unit)
            and (not community or r["community"] == community)
        ]
    return {"missing": missing, "archived": archived}


def verify(archive: Path, db_url: str) -> tuple[list[str], int]:
    """``formgen archive verify``: problems, and how many files were checked."""
    from generator.archive.scans import verify as run

    with registry(db_url) as reg:
        return run(archive, reg), len(reg.all_archived())


def package(archive: Path, db_url: str, year: int, keeper: str, out: Path) -> dict[str, Path]:
    """``formgen archive package``: one zip per keeper, by the keeper's name."""
    from generator.archive.scans import package as run

    with registry(db_url) as reg:
        made = run(archive, reg, year, keeper, out)
        groups = {r[keeper] or "未分组" for r in reg.all_archived() if r["year"] == year}
    names = {p.name: p for p in made}
    return {g: names[n] for g in groups if (n := package_name(year, keeper, g)) in names}


def package_name(year: int, keeper: str, group: str) -> str:
    """The file name ``package`` gives a keeper's zip."""
    return f"{year}_{keeper}_{safe_name(group)}.zip"
