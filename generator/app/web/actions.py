"""What a clerk can do, once for both faces of the server: the JSON API returns these
results as they are, the pages render them. Each action checks rights first, stores
uploads under ids of its own and reaches the engine only through ``engine``."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Generic, TypeVar

from generator.app.web import engine, rights
from generator.app.web.auth import Throttle, User
from generator.app.web.db import Database
from generator.app.web.errors import BadRequest, Conflict, Forbidden, NotFound
from generator.app.web.jobs import JobRunner
from generator.app.web.settings import Settings
from generator.app.web.storage import LEDGER_KINDS, SCAN_SUFFIXES, Storage, new_id, suffix_of
from generator.errors import FormgenError, UserError

K = TypeVar("K")
V = TypeVar("V")


class Lru(Generic[K, V]):
    """The last few values in memory: validated ledgers by id (a preview or a report
    does not read the workbook again), a preview's PDF (its page image and its page
    count come from one rendering)."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self.items: OrderedDict[K, V] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return None

    def put(self, key: K, value: V) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


@dataclass
class Web:
    """Everything the routes share: settings, database, data folder, job runner."""

    settings: Settings
    db: Database
    storage: Storage
    runner: JobRunner | None = None
    ledgers: Lru[str, engine.Checked] = field(default_factory=Lru)
    pdfs: Lru[tuple[str, ...], bytes] = field(default_factory=lambda: Lru(8))
    throttle: Throttle = field(default_factory=Throttle)
    archive_lock: threading.Lock = field(default_factory=threading.Lock)
    previews: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(2)
    )


# -------------------------------------------------------------------------- ledgers


def upload_ledger(web: Web, user: User, filename: str, src: BinaryIO, profile: str) -> dict:
    """Store an upload under a new id, validate it as ``formgen check`` does, record it;
    return ``{id, errors, warnings, members}`` (members: those the user may see)."""
    kind = LEDGER_KINDS[suffix_of(filename, LEDGER_KINDS)]
    if profile:
        engine.profile(profile)
    lid = new_id()
    folder = web.storage.ledger_dir(lid)
    limit = web.settings.max_ledger
    if kind == "csvzip":
        size = web.storage.save(src, folder / "upload.zip", limit)
        path = web.storage.unpack_csv_zip(folder / "upload.zip", folder / "csv", 5 * limit)
    else:
        path = web.storage.ledger_path(lid, kind)
        size = web.storage.save(src, path, limit)
    profile = engine.profile_of(path, profile)
    try:
        checked = engine.check(path, profile)
    except FormgenError as exc:
        raise BadRequest(
            exc.message.replace(str(path), filename).replace(path.name, filename), exc.hint
        ) from None
    issues = [
        {**engine.issue_dict(i), "severity": i.severity}
        for i in [*checked.errors, *checked.warnings]
    ]
    visible = [m for m in engine.members(checked.ledger) if rights.member_visible(user, m)]
    web.db.add_ledger(
        id=lid,
        owner=user.id,
        filename=Path(filename).name[-300:] or "台账",
        kind=kind,
        profile=profile,
        size=size,
        errors=len(checked.errors),
        warnings=len(checked.warnings),
        members=len(checked.ledger.members),
        issues=issues,
    )
    web.ledgers.put(lid, checked)
    return {
        "id": lid,
        "errors": [engine.issue_dict(i) for i in checked.errors],
        "warnings": [engine.issue_dict(i) for i in checked.warnings],
        "members": len(visible),
    }


def ledger_row(web: Web, user: User, lid: str) -> dict:
    """A ledger's record, if the user may see it (else 404 / 403)."""
    row = web.db.ledger(lid)
    if row is None:
        raise NotFound("找不到此台账。")
    if not rights.may_see_ledger(user, row, web.db.admin_ids()):
        raise Forbidden()
    return row


def loaded(web: Web, row: dict) -> engine.Checked:
    """A ledger validated (from the cache, else read again from the data folder)."""
    checked = web.ledgers.get(row["id"])
    if checked is None:
        checked = engine.check(web.storage.ledger_path(row["id"], row["kind"]), row["profile"])
        web.ledgers.put(row["id"], checked)
    return checked


def ledgers(web: Web, user: User) -> list[dict]:
    """The ledgers the user may use, latest first, with the uploader's name."""
    owners = None if user.role == "admin" else [user.id, *web.db.admin_ids()]
    rows = web.db.ledgers_for(owners)
    names = web.db.user_names({r["owner"] for r in rows})
    return [{**r, "owner_name": names.get(r["owner"], "")} for r in rows]


def ledger_view(web: Web, user: User, lid: str, period: str = "") -> dict:
    """Everything the ledger page shows: issues (to the uploader and admins), members,
    the rules report and 达标率 per unit, all narrowed to what the user may see."""
    row = ledger_row(web, user, lid)
    checked = loaded(web, row)
    per = engine.period(period or engine.default_period(checked.ledger))
    members = [m for m in engine.members(checked.ledger) if rights.member_visible(user, m)]
    report = [
        r
        for r in engine.rules_report(checked.ledger, engine.profile(row["profile"]), per)
        if rights.owns(user, r["单位"], r["社区"])
    ]
    shown = rights.sees_issues(user, row)
    return {
        "ledger": row,
        "errors": [i for i in row["issues"] if i["severity"] == "error"] if shown else [],
        "warnings": [i for i in row["issues"] if i["severity"] != "error"] if shown else [],
        "issues_hidden": not shown,
        "members": members,
        "period": per.label,
        "report": report,
        "rates": engine.pass_rates(report),
    }


def marked(web: Web, user: User, lid: str) -> tuple[bytes, str]:
    """The uploaded workbook with its problems marked, and a file name for it."""
    row = ledger_row(web, user, lid)
    if not rights.sees_issues(user, row):
        raise Forbidden()
    kinds = {"error": "error", "warning": "warning"}
    issues = [engine.issue_of(i, kinds[i["severity"]]) for i in row["issues"]]
    data = engine.marked_workbook(web.storage.ledger_path(lid, row["kind"]), row["kind"], issues)
    stem = Path(row["filename"]).stem or "台账"
    return data, f"{stem}_问题标注.xlsx"


# ------------------------------------------------------------------------ documents


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [s.strip() for s in value.split(",") if s.strip()]
    return [str(s).strip() for s in value or [] if str(s).strip()]


def start_export(web: Web, user: User, req: dict[str, Any]) -> dict:
    """Queue an export of ``{ledger, profile, forms, period, formats}`` (and, for an admin,
    ``unit``/``community``/``compound``); 409 if the scope already has one going."""
    row = ledger_row(web, user, str(req.get("ledger", "")))
    if row["errors"]:
        raise UserError(f"台账有 {row['errors']} 处错误，不能导出。", "请改正后重新上传台账。")
    profile = str(req.get("profile") or row["profile"])
    engine.profile(profile)
    forms = _as_list(req.get("forms") or "all")
    forms = rights.form_ids(user, profile) if forms == ["all"] else forms
    rights.check_forms(user, forms, profile)
    fmts = engine.formats(",".join(_as_list(req.get("formats") or "docx,pdf,xlsx")))
    checked = loaded(web, row)
    per = engine.period(str(req.get("period") or engine.default_period(checked.ledger)))
    scope = rights.export_scope(
        user,
        str(req.get("unit") or ""),
        str(req.get("community") or ""),
        str(req.get("compound") or ""),
    )
    by = "compound" if (scope["community"] or scope["compound"]) and not scope["unit"] else "unit"
    flt = engine.filters(scope["unit"], scope["community"], scope["compound"])
    if sum(engine.count_files(checked.ledger, forms, fmts, per, flt, by, profile).values()) == 0:
        raise UserError("没有符合条件的文件可生成。", "请检查表单、格式和范围。")
    eid = new_id()
    if not web.db.add_export(
        id=eid,
        owner=user.id,
        ledger=row["id"],
        profile=profile,
        forms=",".join(forms),
        period=per.label,
        formats=",".join(fmts),
        **scope,
    ):
        active = web.db.active_export(scope["scope"])
        raise Conflict(
            "此范围已有一个导出任务在进行，请等它完成后再导出。", id=active["id"] if active else ""
        )
    if web.runner is not None:
        web.runner.submit(eid)
    return {"id": eid}


def export_row(web: Web, user: User, eid: str) -> dict:
    row = web.db.export(eid)
    if row is None:
        raise NotFound("找不到此导出任务。")
    if not rights.may_see_export(user, row):
        raise Forbidden()
    return row


def export_status(web: Web, user: User, eid: str) -> dict:
    """``{state, done, total}``, with per-form counts, a message and the downloads."""
    row = export_row(web, user, eid)
    res = row["results"]
    downloads = []
    if row["state"] == "done":
        downloads.append({"label": "全部文件（zip）", "url": f"/api/exports/{eid}/download"})
        downloads += [
            {"label": f"{f} 合并打印 PDF", "url": f"/api/exports/{eid}/print/{f}"}
            for f in res.get("prints", {})
        ]
    return {
        "id": eid,
        "state": row["state"],
        "done": row["done"],
        "total": row["total"],
        "forms": {f: {"done": d, "total": t} for f, (d, t) in row["per_form"].items()},
        "message": row["message"],
        "failures": res.get("failures", []),
        "downloads": downloads,
        "period": row["period"],
        "scope": row["unit"] or row["compound"] or row["community"] or "全部",
        "created": row["created"],
        "form_ids": row["forms"],
    }


def export_file(web: Web, user: User, eid: str, form: str = "") -> tuple[Path, str]:
    """The zip of a finished export, or its combined print PDF of one form."""
    row = export_row(web, user, eid)
    if row["state"] != "done":
        raise Conflict("导出尚未完成。")
    rel = row["results"]["prints"].get(form) if form else row["results"].get("zip")
    if not rel:
        raise NotFound("此导出没有这个文件。")
    path = web.storage.inside(web.storage.export_dir(eid) / rel)
    if not path.is_file():
        raise NotFound("文件已不存在。")
    scope = row["unit"] or row["compound"] or row["community"] or "全部"
    name = f"{form}_{scope}_{row['period']}.pdf" if form else f"formgen_{scope}_{row['period']}.zip"
    return path, name


def exports(web: Web, user: User) -> list[dict]:
    unit, community = rights.archive_filters(user)
    rows = web.db.exports_for(unit, community)
    return [export_status(web, user, r["id"]) for r in rows if rights.may_see_export(user, r)]


def _target(web: Web, user: User, q: dict[str, str]) -> tuple[engine.Checked, engine.Target]:
    row = ledger_row(web, user, q.get("ledger", ""))
    checked = loaded(web, row)
    per = engine.period(q.get("period") or engine.default_period(checked.ledger))
    t = engine.target(
        checked.ledger,
        q.get("form", ""),
        per,
        engine.notice_by(user.role),
        q.get("member", ""),
        q.get("unit", ""),
        q.get("community", ""),
        q.get("compound", ""),
        q.get("building", ""),
        row["profile"],
    )
    rights.check_target(user, t)
    return checked, t


def _pdf(web: Web, user: User, q: dict[str, str]) -> bytes:
    """The PDF of the document a preview asks for (rendered once, then from memory)."""
    checked, t = _target(web, user, q)
    profile = ledger_row(web, user, q["ledger"])["profile"]
    by = engine.notice_by(user.role)
    key = (q["ledger"], profile, by, dt.date.today().isoformat(), repr(t))
    pdf = web.pdfs.get(key)
    if pdf is None:
        with web.previews:
            pdf = engine.render(checked.ledger, t, "pdf", engine.options(profile, by))
        web.pdfs.put(key, pdf)
    return pdf


def preview(web: Web, user: User, q: dict[str, str], page: int) -> tuple[bytes, int]:
    """One page of one document, rendered from its PDF, as PNG; and the page count."""
    return engine.pdf_page_png(_pdf(web, user, q), page)


def preview_pages(web: Web, user: User, q: dict[str, str]) -> int:
    """How many pages the document of a preview has."""
    return engine.pdf_pages(_pdf(web, user, q))


def document(web: Web, user: User, q: dict[str, str], fmt: str) -> tuple[bytes, str]:
    """One document in one format, as ``formgen render`` makes it."""
    checked, t = _target(web, user, q)
    opts = engine.options(
        ledger_row(web, user, q["ledger"])["profile"], engine.notice_by(user.role)
    )
    with web.previews:
        return engine.render(checked.ledger, t, fmt, opts), engine.file_name(checked.ledger, t, fmt)


def deadlines(web: Web, user: User, today: dt.date, profile: str) -> list[dict]:
    """``formgen due``, each task marked with whether this user may export its forms."""
    allowed = set(rights.form_ids(user, profile))
    return [
        {**d, "allowed": bool(d["forms"]) and set(d["forms"]) <= allowed}
        for d in engine.due(profile, today)
    ]


# -------------------------------------------------------------------------- archive


def ingest(web: Web, user: User, files: list[tuple[str, BinaryIO]]) -> dict:
    """Store scans under new names, file them as ``formgen archive ingest`` does, and
    report with the clerk's own file names."""
    if not files:
        raise BadRequest("请选择要上传的扫描件。")
    batch = new_id()
    folder = web.storage.scan_dir(batch)
    left = web.settings.max_scans
    stored: list[tuple[str, str]] = []
    paths = []
    for n, (filename, src) in enumerate(files, start=1):
        suffix = suffix_of(filename, SCAN_SUFFIXES)
        name = f"{batch}-{n}{suffix}"
        left -= web.storage.save(src, folder / name, left)
        stored.append((name, Path(filename.replace("\\", "/")).name[-300:]))
        paths.append(folder / name)
    web.db.add_scans(batch, user.id, stored)
    with web.archive_lock:
        report = engine.ingest(paths, web.storage.archive, web.settings.db_url)
    names = dict(stored)
    for item in report["review"]:
        item["source"] = names.get(item["source"], item["source"])
    report["duplicates"] = [_renamed(d, names) for d in report["duplicates"]]
    report["unreadable"] = [names.get(u, u) for u in report["unreadable"]]
    report["files"] = len(files)
    return report


def _renamed(text: str, names: dict[str, str]) -> str:
    for stored, original in names.items():
        text = text.replace(stored, original)
    return text


def review_queue(web: Web, user: User) -> list[dict]:
    """Pages waiting for a number: an admin sees all, a clerk those of their uploads."""
    queue = engine.review_queue(web.storage.archive)
    scans = web.db.scan_names([q["source"] for q in queue])
    out = []
    for q in queue:
        row = scans.get(q["source"])
        if user.role == "admin" or (row and row["owner"] == user.id):
            out.append({**q, "source": row["filename"] if row else q["source"]})
    return out


def _queued(web: Web, user: User, name: str) -> None:
    if name not in {q["file"] for q in review_queue(web, user)}:
        raise NotFound("待复核清单中没有此页。")


def review_png(web: Web, user: User, name: str) -> bytes:
    _queued(web, user, name)
    return engine.review_png(web.storage.archive, name)


def file_review(web: Web, user: User, name: str, doc_no: str) -> dict:
    """File a queued page under a number typed by hand: the check character must be
    right, the number registered, and its document the user's."""
    _queued(web, user, name)
    no = doc_no.strip().upper()
    if not engine.valid_number(no):
        raise BadRequest(f"编号「{doc_no}」的校验位不对。", "请对照纸面逐字核对后重新输入。")
    doc = engine.document(web.settings.db_url, no)
    if doc is None:
        raise BadRequest(f"登记库中没有编号「{no}」。", "请确认该表是由本系统生成的。")
    if not rights.owns(user, doc["unit"] or "", doc["community"] or ""):
        raise Forbidden()
    with web.archive_lock:
        return engine.file_reviewed(web.storage.archive, web.settings.db_url, name, no)


def archive_status(web: Web, user: User, year: int | None, form: str) -> dict:
    """Per unit (a community's clerk: per compound): documents made, signed copies
    filed, and who has none yet."""
    unit, community = rights.archive_filters(user)
    st = engine.archive_status(web.settings.db_url, form, year, unit, community)
    key = "compound" if user.role == "community" else "unit"
    groups: dict[str, dict[str, Any]] = {}

    def group(r: dict) -> dict[str, Any]:
        name = r[key] or "未分组"
        return groups.setdefault(name, {"name": name, "missing": [], "signed": set()})

    for r in st["missing"]:
        group(r)["missing"].append(r)
    for r in st["archived"]:
        group(r)["signed"].add(r["doc_no"])
    rows = []
    for g in sorted(groups.values(), key=lambda g: g["name"]):
        signed = len(g["signed"])
        rows.append(
            {
                "name": g["name"],
                "signed": signed,
                "made": signed + len(g["missing"]),
                "missing": g["missing"],
            }
        )
    return {"by": key, "groups": rows, "form": form, "year": year}


def verify(web: Web, user: User) -> dict:
    rights.require_admin(user)
    with web.archive_lock:
        problems, n = engine.verify(web.storage.archive, web.settings.db_url)
    return {"checked": n, "problems": problems}


def package(web: Web, user: User, year: int, keeper: str) -> dict[str, str]:
    """Zips per keeper of the year's signed sheets: an admin gets all; a clerk their own
    unit's or community's. Returns {keeper: file name}."""
    if keeper not in ("unit", "community", "compound"):
        raise BadRequest("未知的保管单位类别。")
    unit, community = rights.archive_filters(user)
    if (unit and keeper != "unit") or (community and keeper != "community"):
        raise Forbidden()
    with web.archive_lock:
        made = engine.package(
            web.storage.archive,
            web.settings.db_url,
            year,
            keeper,
            web.storage.archive / "_packages",
        )
    return {k: p.name for k, p in made.items() if user.role == "admin" or k == user.scope}


def package_file(web: Web, user: User, name: str) -> Path:
    """A package zip by name; a clerk only their own."""
    folder = web.storage.archive / "_packages"
    path = web.storage.inside(folder / name)
    if path.parent != folder.resolve() or not path.is_file():
        raise NotFound()
    if user.role != "admin":
        unit, community = rights.archive_filters(user)
        year, keeper, _ = [*name.split("_", 2), "", ""][:3]
        if name != engine.package_name(
            int(year) if year.isdigit() else 0, keeper, unit or community
        ):
            raise Forbidden()
    return path
