"""``make bench``: formgen against its baselines, in one run, on generated ledgers.

Prints one table, every figure the bars of DESIGN §7 and issue 15 name, side by side:
the 10,000-member packet (wall time and peak memory of the whole process tree) and the
1,000-member one (their memory ratio), the same packet twice on Dask (a LocalCluster of
as many workers as cores) between two local runs, the whole ``formgen export`` process
for the a5 DOCX and PDF of 2,000 members on one job (the median of three) against docxtpl
(rendering from a freshly loaded template) and LibreOffice (converting the same DOCX in
one batched call), the renderers alone, load + validate, and re-exports of the
10,000-member packet with nothing changed and with one member's phone changed. Nothing here asserts.

Every ``formgen`` run is a subprocess with its own, empty ledger cache (so the first
export of a ledger loads and validates it, as a clerk's first run does).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WORK = Path(__file__).resolve().parent / "_work"  # the generated ledgers, kept
# Everything a run writes goes under RUN and is deleted only when the run is over: ext4
# without a journal skips inodes freed in the last 3,000 s when it makes a file
# (``recently_deleted``: dirty_expire_centisecs read as seconds; seen with perf), so a
# folder deleted just before a run made each of its files cost 0.1–0.3 ms instead of
# 0.01 — the file system's cost, not formgen's. The probe row shows what it is.
RUN = WORK / "run"
EXE = Path(sys.executable).parent / "formgen"
DATE = "2026-11-22"
N_DOCX, N_PDF, N_LO = 300, 200, 100
CLERK = 2000  # members of the whole-process a5 runs
# FORMGEN_BENCH_SIZES=200,400,300 tries the script on small ledgers (small, city, clerk).
_SIZES = os.environ.get("FORMGEN_BENCH_SIZES", f"1000,10000,{CLERK}")
SMALL, CITY, CLERK = (int(x) for x in _SIZES.split(","))


def ledger(n: int, phone_changed: bool = False) -> Path:
    """The generated ledger of n members (made once, kept in benchmarks/_work); with
    ``phone_changed`` the same ledger with the first member's phone changed."""
    from generator.ledger.sample import generate, write_xlsx

    path = WORK / f"ledger_{n}{'_phone' if phone_changed else ''}.xlsx"
    if not path.exists():
        sheets = generate(n)
        if phone_changed:
            header = sheets["党员干部"][0]
            sheets["党员干部"][1][header.index("联系方式")] = "13900009876"
        write_xlsx(sheets, path)
    return path


def contexts(path: Path, n: int, form: str = "a5") -> list[dict]:
    from generator.forms.registry import build, forms_of
    from generator.policy.period import Period
    from generator.policy.profile import load_profile
    from generator.run.pipeline import read_ledger
    from generator.types import Options, Scope

    opts = Options(load_profile(), dt.date(2026, 11, 22))
    led, _ = read_ledger(path, opts.profile)
    f = forms_of(opts.profile)[form]
    return [build(f, led, Scope(Period(2026), member_id=i), opts) for i in list(led.members)[:n]]


def a5_layout() -> Any:
    from generator.forms.registry import forms_of
    from generator.policy.profile import load_profile
    from generator.run.layouts import layout_of

    return layout_of(forms_of(load_profile())["a5"])


def bench_load(n: int) -> float:
    """Seconds to load and validate the n-member ledger (no cache)."""
    from generator.policy.profile import load_profile
    from generator.run.pipeline import read_ledger

    os.environ["FORMGEN_CACHE"] = "off"
    try:
        t = time.perf_counter()
        read_ledger(ledger(n), load_profile())
        return time.perf_counter() - t
    finally:
        del os.environ["FORMGEN_CACHE"]


def bench_docx(ctxs: list[dict]) -> tuple[float, float]:
    """ms/doc: formgen's compile-once renderer vs docxtpl from a fresh template."""
    from docxtpl import DocxTemplate

    from generator.render.renderers import Renderers

    layout = a5_layout()
    tmp = Path(tempfile.mkdtemp(dir=RUN))
    renderers = Renderers()
    renderers.render(layout, "docx", ctxs[0])
    t = time.perf_counter()
    for i, ctx in enumerate(ctxs):
        (tmp / f"f{i}.docx").write_bytes(renderers.render(layout, "docx", ctx))
    ours = (time.perf_counter() - t) / len(ctxs) * 1000
    t = time.perf_counter()
    for i, ctx in enumerate(ctxs):
        tpl = DocxTemplate(str(layout.docx[""]))
        tpl.render(ctx, autoescape=True)  # (its QR placeholder is left as is: less work)
        buf = io.BytesIO()
        tpl.save(buf)
        (tmp / f"d{i}.docx").write_bytes(buf.getvalue())
    theirs = (time.perf_counter() - t) / len(ctxs) * 1000
    return ours, theirs


def bench_pdf(ctxs: list[dict]) -> float:
    """CPU ms/doc of the renderer alone, Typst on one thread, CHUNK documents a
    compilation (cut apart, each with its own font subsets)."""
    from generator.render.renderers import Renderers
    from generator.run.batch import CHUNK
    from generator.run.pipeline import stamp_of

    layout = a5_layout()
    renderers = Renderers()
    stamp = stamp_of(dt.date(2026, 11, 22))
    renderers.render_many(layout, ctxs[:CHUNK], stamp)
    t = time.process_time()
    for i in range(0, len(ctxs), CHUNK):
        pdfs = renderers.render_many(layout, ctxs[i : i + CHUNK], stamp)
        assert pdfs is not None and len(pdfs) == len(ctxs[i : i + CHUNK])
    return (time.process_time() - t) / len(ctxs) * 1000


def bench_libreoffice(ctxs: list[dict]) -> float | None:
    """ms/doc for LibreOffice converting the same DOCX files in one batched call."""
    from generator.render.renderers import Renderers
    from generator.run.layouts import layout_of
    from tests.conftest import FORMS

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return None
    layout = layout_of(FORMS["a5"])
    tmp = Path(tempfile.mkdtemp(dir=RUN))
    renderers = Renderers()
    files = []
    for i, ctx in enumerate(ctxs):
        f = tmp / f"d{i:04d}.docx"
        f.write_bytes(renderers.render(layout, "docx", ctx))
        files.append(str(f))
    profile = tmp / "lo-profile"
    cmd = [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
           "pdf", "--outdir", str(tmp / "pdf")]  # fmt: skip
    subprocess.run([*cmd, files[0]], capture_output=True, timeout=300)  # warm the profile
    t = time.perf_counter()
    subprocess.run([*cmd, *files], capture_output=True, timeout=1800, check=True)
    elapsed = (time.perf_counter() - t) / len(files) * 1000
    made = len(list((tmp / "pdf").glob("*.pdf")))
    return elapsed if made == len(files) else None


def _tree(root: int, cpu: dict[int, int]) -> int:
    """Resident memory (bytes) of a process and all its descendants; their CPU ticks
    are kept in ``cpu`` (the largest seen per process)."""
    children: dict[int, list[int]] = {}
    info: dict[int, tuple[int, int]] = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as fh:
                parts = fh.read().rsplit(")", 1)[1].split()
            children.setdefault(int(parts[1]), []).append(int(pid))
            info[int(pid)] = (int(parts[21]) * os.sysconf("SC_PAGE_SIZE"),
                              int(parts[11]) + int(parts[12]))  # fmt: skip
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        if pid in info:
            total += info[pid][0]
            cpu[pid] = max(cpu.get(pid, 0), info[pid][1])
        stack += children.get(pid, [])
    return total


@dataclass
class Run:
    """One ``formgen`` process: wall seconds, peak memory of its tree, CPU seconds of
    its tree (sampled every 0.05 s), and what it printed."""

    wall: float
    peak: int
    cpu: float
    output: str

    def written(self) -> str:
        line = next((x for x in self.output.splitlines() if x.startswith("共生成")), "")
        return (
            line.split("，用时")[0]
            .replace("共生成 ", "written ")
            .replace(" 个文件，跳过未变化的 ", ", skipped ")
            .split(" 个，失败")[0]
        )


def formgen(*args: str, cache: Path) -> Run:
    env = {**os.environ, "FORMGEN_CACHE": str(cache)}
    t = time.perf_counter()
    proc = subprocess.Popen([str(EXE), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env)  # fmt: skip
    peak, cpu = 0, {}
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree(proc.pid, cpu))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    output, _ = proc.communicate()
    wall = time.perf_counter() - t
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"formgen {' '.join(args)} failed:\n{output}")
    return Run(wall, peak, sum(cpu.values()) / os.sysconf("SC_CLK_TCK"), output)


def export(path: Path, out: Path, cache: Path, *extra: str) -> Run:
    # The gigabytes the run before wrote are flushed first: their write-back would
    # otherwise be paid by this run (the Dask packet follows the local one).
    os.sync()
    return formgen("export", str(path), "--out", str(out), "--date", DATE,
                   "--archive", str(out.parent / f"{out.name}-archive"), *extra,
                   cache=cache)  # fmt: skip


def fs_probe(folder: Path, n: int = 500) -> float:
    """ms to make one 20 KB file as atomic_write does (a new name, written, renamed) in a
    new folder: the file system's share of a document, 0.01 ms on this host unless many
    files were deleted in the last hour (then up to 0.3 ms; see RUN)."""
    folder.mkdir(parents=True)
    data = b"x" * 20_000
    t = time.perf_counter()
    for i in range(n):
        tmp = folder / f".{i}.part"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        os.write(fd, data)
        os.close(fd)
        os.replace(tmp, folder / f"{i}.docx")
    return (time.perf_counter() - t) / n * 1000


def fresh(name: str) -> Path:
    """A folder of this run's that was never written (RUN is new every run)."""
    path = RUN / name
    assert not path.exists(), path
    return path


def row(label: str, ours: str, theirs: str = "", bar: str = "") -> None:
    print(f"{label:<46}{ours:<24}{bar:<20}{theirs}", flush=True)


def mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB"


def main() -> None:
    # Typst on one thread in this process, as in each export worker: "ms per core".
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    WORK.mkdir(exist_ok=True)
    if RUN.exists():  # a run that did not finish: set aside, deleted after this one
        RUN.rename(WORK / f"run-unfinished-{time.time_ns()}")
    RUN.mkdir()
    started = time.perf_counter()
    load = os.getloadavg()[0]
    print(f"formgen benchmark — {os.cpu_count()} cores, {dt.datetime.now():%Y-%m-%d %H:%M}, "
          f"load average {load:.1f} at the start")  # fmt: skip
    row("", "formgen", "baseline / notes", "ratio / bar")
    for n in (SMALL, CITY):
        row(f"load + validate {n:,} members", f"{bench_load(n):.2f} s", "", "< 5 s")

    ctxs = contexts(ledger(SMALL), max(N_DOCX, N_PDF, N_LO))
    ours, theirs = bench_docx(ctxs[:N_DOCX])
    row("DOCX a5, renderer alone", f"{ours:.2f} ms/doc", f"docxtpl {theirs:.1f} ms/doc",
        f"{theirs / ours:.0f}x")  # fmt: skip
    pdf = bench_pdf(ctxs[:N_PDF])
    lo = bench_libreoffice(ctxs[:N_LO])
    row("PDF  a5, renderer alone (CPU, one core)", f"{pdf:.2f} ms/doc",
        f"LibreOffice {lo:.0f} ms/doc" if lo else "LibreOffice: not installed",
        f"{lo / pdf:.0f}x" if lo else "")  # fmt: skip

    caches = Path(tempfile.mkdtemp(prefix="formgen-bench-cache-"))
    two = ledger(CLERK)
    row("file system: one 20 KB file made", f"{fs_probe(RUN / 'probe'):.3f} ms", "",
        "(a new folder)")  # fmt: skip
    # Each whole process three times, the median quoted: the host's speed swings by a
    # fifth from one run to the next, more than one clerk's run is worth reading into.
    for fmt, bar in (("docx", ">= 30x"), ("pdf", "<= 6 ms/doc")):
        walls = sorted(
            export(two, fresh(f"a5{fmt}_{CLERK}_{i}"), caches / f"{fmt}{i}", "--forms", "a5",
                   "--format", fmt, "--jobs", "1").wall / CLERK * 1000
            for i in range(3)
        )  # fmt: skip
        ms = walls[1]
        spread = f"{ms:.2f} ms/doc ({walls[0]:.2f}–{walls[2]:.2f})"
        if fmt == "docx":
            row(f"DOCX a5, whole process ({CLERK:,}, --jobs 1)", spread,
                f"docxtpl {theirs:.1f} ms/doc", f"{theirs / ms:.1f}x (bar {bar})")  # fmt: skip
        else:
            row(f"PDF  a5, whole process ({CLERK:,}, --jobs 1)", spread,
                f"LibreOffice {lo:.0f} ms/doc" if lo else "", bar)  # fmt: skip

    packets = {}
    for n in (SMALL, CITY):
        out = fresh(f"out_{n}")
        packets[n] = export(ledger(n), out, caches / f"p{n}")
        files = sum(1 for p in out.rglob("*") if p.suffix in {".docx", ".pdf", ".xlsx"})
        run = packets[n]
        row(f"packet {n:,} members ({files:,} files)",
            f"{run.wall:.1f} s, {mb(run.peak)}", f"CPU {run.cpu:.0f} s",
            "<= 60 s, < 600 MB" if n == CITY else "")  # fmt: skip
    # The same packet twice on Dask, between the local run and a second one (local, Dask,
    # Dask, local): the host's speed drifts by a fifth within minutes, and one run of each
    # read Dask's overhead anywhere from -8 to +20 % on the same code. Means of two each,
    # in this order, cancel a steady drift and halve the odd slow minute.
    dasks = [export(ledger(CITY), fresh(f"out_{CITY}_dask{i}"), caches / f"d{i}",
                    "--executor", "dask") for i in (1, 2)]  # fmt: skip
    again = export(ledger(CITY), fresh(f"out_{CITY}_again"), caches / "p2")
    locals_ = (packets[CITY].wall, again.wall)
    over = (sum(d.wall for d in dasks) / sum(locals_) - 1) * 100
    row(f"packet {CITY:,} on Dask (LocalCluster)",
        f"{sum(d.wall for d in dasks) / 2:.1f} s, {mb(max(d.peak for d in dasks))}",
        f"{over:+.0f} %: Dask {dasks[0].wall:.1f}, {dasks[1].wall:.1f} s against local "
        f"{locals_[0]:.1f}, {locals_[1]:.1f} s; CPU {dasks[0].cpu:.0f}, {dasks[1].cpu:.0f} s",
        "overhead <= 15 %")  # fmt: skip
    ratio = packets[CITY].peak / packets[SMALL].peak
    row(f"memory {CITY:,} / {SMALL:,}", f"{ratio:.2f}", "", "<= 1.3")

    # The re-exports go over the latest local run's output (its files' metadata still in
    # the page cache, as after a clerk's export), with that run's ledger cache.
    out = RUN / f"out_{CITY}_again"
    same = export(ledger(CITY), out, caches / "p2")
    row(f"re-export {CITY:,}, nothing changed", f"{same.wall:.2f} s", same.written(), "< 5 s")
    phone = export(ledger(CITY, phone_changed=True), out, caches / "p2")
    row(f"re-export {CITY:,}, one member's phone changed", f"{phone.wall:.2f} s",
        phone.written(), "< 10 s")  # fmt: skip

    shutil.rmtree(caches, ignore_errors=True)
    for done in (RUN, *WORK.glob("run-unfinished-*")):
        shutil.rmtree(done)
    print(f"(bench took {time.perf_counter() - started:.0f} s; load average now "
          f"{os.getloadavg()[0]:.1f})")  # fmt: skip


if __name__ == "__main__":
    main()
