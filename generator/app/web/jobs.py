"""Exports as background jobs. A job is a row of the database; a few worker processes
take them in turn and run the engine's own export in themselves, writing progress
(done/total, per form) back to the row, so any page — after a reload, or a restart of
the server, which queues unfinished jobs again — shows where it is."""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from generator.app.web import engine
from generator.app.web.db import Database
from generator.app.web.settings import Settings
from generator.app.web.storage import Storage
from generator.errors import FormgenError

PROGRESS_EVERY = 0.3  # seconds between progress writes


class JobRunner:
    """Runs queued exports: in ``workers`` processes (started from a clean fork server,
    as the engine's own workers are), or with ``workers=0`` one by one on a thread of
    this process (tests)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pool: Executor
        if settings.workers > 0:
            ctx = multiprocessing.get_context("forkserver")
            self.pool = ProcessPoolExecutor(
                settings.workers, mp_context=ctx, max_tasks_per_child=50
            )
        else:
            self.pool = ThreadPoolExecutor(1, thread_name_prefix="formgen-export")

    def submit(self, export_id: str) -> Future[None]:
        future = self.pool.submit(
            run_export, str(self.settings.data), self.settings.db_url, export_id
        )
        future.add_done_callback(lambda f: self._lost(f, export_id))
        return future

    def _lost(self, future: Future[None], export_id: str) -> None:
        """A worker that died (killed, out of memory) fails its job instead of leaving
        it running for ever."""
        if future.cancelled() or future.exception() is None:
            return
        db = Database(self.settings.db_url)
        try:
            db.progress(export_id, state="failed", message="导出进程意外退出，请重新导出。")
        finally:
            db.close()

    def resume(self, db: Database) -> int:
        """Queue again the jobs a stopped server left unfinished; return how many."""
        ids = db.unfinished_exports()
        for export_id in ids:
            db.progress(export_id, state="queued")
            self.submit(export_id)
        return len(ids)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


class _Progress:
    """Counts finished files per form; writes them to the job's row now and then."""

    def __init__(self, db: Database, export_id: str, totals: dict[str, int]) -> None:
        self.db, self.id = db, export_id
        self.per_form = {f: [0, n] for f, n in totals.items()}
        self.done, self.total = 0, sum(totals.values())
        self.written = 0.0

    def __call__(self, form: str) -> None:
        self.per_form.setdefault(form, [0, 0])[0] += 1
        self.done += 1
        if time.monotonic() - self.written >= PROGRESS_EVERY:
            self.save()

    def save(self, **extra: object) -> None:
        self.db.progress(self.id, done=self.done, total=self.total, per_form=self.per_form, **extra)
        self.written = time.monotonic()


def run_export(data: str, db_url: str, export_id: str) -> None:
    """One export job, start to end, in this process."""
    db = Database(db_url)
    try:
        row = db.export(export_id)
        if row is None or row["state"] not in ("queued", "running"):
            return
        storage = Storage(Path(data))
        try:
            _run(db, storage, db_url, row)
        except FormgenError as exc:
            db.progress(export_id, state="failed", message=exc.render())
        except Exception as exc:  # report it on the job; the server goes on
            db.progress(export_id, state="failed", message=f"导出失败：{exc!r}")
    finally:
        db.close()


def _run(db: Database, storage: Storage, db_url: str, row: dict) -> None:
    ledger_row = db.ledger(row["ledger"])
    if ledger_row is None:
        raise FormgenError("找不到此台账，可能已被删除。")
    checked = engine.check(storage.ledger_path(row["ledger"], ledger_row["kind"]), row["profile"])
    if checked.errors:
        raise FormgenError(f"台账有 {len(checked.errors)} 处错误，未导出。", "请改正后重新上传。")
    by = "compound" if (row["community"] or row["compound"]) and not row["unit"] else "unit"
    per, fmts, forms = (
        engine.period(row["period"]),
        engine.formats(row["formats"]),
        row["forms"].split(","),
    )
    flt = engine.filters(row["unit"], row["community"], row["compound"])
    progress = _Progress(
        db,
        row["id"],
        engine.count_files(checked.ledger, forms, fmts, per, flt, by, row["profile"]),
    )
    progress.save(state="running")
    out = storage.export_dir(row["id"])
    packet = engine.export_packet(
        checked.ledger, out, forms, fmts, per, engine.options(row["profile"], by), flt, progress
    )
    engine.record_numbered(out, db_url)
    results = {
        "zip": packet.zip.relative_to(out).as_posix(),
        "prints": {f: p.relative_to(out).as_posix() for f, p in packet.prints.items()},
        "failures": packet.failures,
    }
    message = f"{len(packet.failures)} 个文件生成失败。" if packet.failures else ""
    progress.save(state="done", results=results, message=message)
