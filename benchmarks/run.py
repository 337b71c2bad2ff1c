"""``make bench``: formgen against its baselines, in the same run, on generated ledgers.

Prints, per format, ms per document and the ratio to the baseline (docxtpl rendering
each document from a freshly loaded template; LibreOffice converting the same DOCX in one
batched call), the whole-packet time and peak memory at 1,000 and 10,000 members, and
the time to load and validate each ledger. Bars are DESIGN §7; nothing here asserts.
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
from pathlib import Path

from generator.forms.context import Options, Scope

from generator.forms.registry import FORMS
from generator.ledger.sample import generate, write_xlsx
from generator.policy.period import Period
from generator.policy.profile import load_profile
from generator.run.batch import CHUNK, Renderers
from generator.run.pipeline import read_ledger, stamp_of

WORK = Path(__file__).resolve().parent / "_work"
SIZES = (1000, 10000)
N_DOCX, N_PDF, N_LO = 300, 200, 100


def ledger(n: int) -> Path:
    path = WORK / f"ledger_{n}.xlsx"
    if not path.exists():
        write_xlsx(generate(n), path)
    return path


def contexts(path: Path, n: int, form: str = "a5") -> list[dict]:
    opts = Options(load_profile(), dt.date(2026, 11, 22))
    led, _ = read_ledger(path, opts.profile)
    ids = list(led.members)[:n]
    return [FORMS[form].build(led, Scope(Period(2026), member_id=i), opts) for i in ids]


def bench_load() -> dict[int, float]:
    out = {}
    for n in SIZES:
        path = ledger(n)
        t = time.perf_counter()
        read_ledger(path, load_profile())
        out[n] = time.perf_counter() - t
    return out


def bench_docx(ctxs: list[dict]) -> tuple[float, float]:
    """ms/doc: formgen's compile-once renderer vs docxtpl from a fresh template."""
    from docxtpl import DocxTemplate

    form = FORMS["a5"]
    tmp = Path(tempfile.mkdtemp(dir=WORK))
    renderers = Renderers()
    renderers.render(form, "docx", ctxs[0])
    t = time.perf_counter()
    for i, ctx in enumerate(ctxs):
        (tmp / f"f{i}.docx").write_bytes(renderers.render(form, "docx", ctx))
    ours = (time.perf_counter() - t) / len(ctxs) * 1000
    template = form.template("docx")
    t = time.perf_counter()
    for i, ctx in enumerate(ctxs):
        tpl = DocxTemplate(str(template))
        tpl.render(ctx, autoescape=True)  # (its QR placeholder is left as is: less work)
        buf = io.BytesIO()
        tpl.save(buf)
        (tmp / f"d{i}.docx").write_bytes(buf.getvalue())
    theirs = (time.perf_counter() - t) / len(ctxs) * 1000
    shutil.rmtree(tmp)
    return ours, theirs


def bench_pdf(ctxs: list[dict]) -> tuple[float, float]:
    """CPU ms/doc with Typst on one thread (as each export worker runs it): batched as
    export does (CHUNK documents a compilation), and one per compile."""
    form = FORMS["a5"]
    renderers = Renderers()
    stamp = stamp_of(dt.date(2026, 11, 22))
    renderers.render(form, "pdf", ctxs[0], stamp)
    t = time.process_time()
    for i in range(0, len(ctxs), CHUNK):
        pdfs = renderers.render_many(form, ctxs[i : i + CHUNK], stamp)
        assert pdfs is not None and len(pdfs) == len(ctxs[i : i + CHUNK])
    batched = (time.process_time() - t) / len(ctxs) * 1000
    t = time.process_time()
    for ctx in ctxs:
        renderers.render(form, "pdf", ctx, stamp)
    single = (time.process_time() - t) / len(ctxs) * 1000
    return batched, single


def bench_libreoffice(ctxs: list[dict]) -> float | None:
    """ms/doc for LibreOffice converting the same DOCX files in one batched call."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return None
    form = FORMS["a5"]
    tmp = Path(tempfile.mkdtemp(dir=WORK))
    renderers = Renderers()
    files = []
    for i, ctx in enumerate(ctxs):
        f = tmp / f"d{i:04d}.docx"
        f.write_bytes(renderers.render(form, "docx", ctx))
        files.append(str(f))
    profile = tmp / "lo-profile"
    cmd = [
        soffice,
        f"-env:UserInstallation=file://{profile}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(tmp / "pdf"),
    ]
    subprocess.run([*cmd, files[0]], capture_output=True, timeout=300)  # warm the profile
    t = time.perf_counter()
    subprocess.run([*cmd, *files], capture_output=True, timeout=1800, check=True)
    elapsed = (time.perf_counter() - t) / len(files) * 1000
    made = len(list((tmp / "pdf").glob("*.pdf")))
    shutil.rmtree(tmp)
    return elapsed if made == len(files) else None


def _tree_rss(root: int) -> int:
    """Resident memory (bytes) of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as fh:
                parts = fh.read().rsplit(")", 1)[1].split()
            ppid, pages = int(parts[1]), int(parts[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(pid))
        rss[int(pid)] = pages * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += children.get(pid, [])
    return total


def bench_packet(n: int) -> tuple[float, int, int]:
    """Whole packet (every form, every format) by the CLI: seconds, peak RSS, files."""
    out = WORK / f"out_{n}"
    shutil.rmtree(out, ignore_errors=True)
    exe = Path(sys.executable).parent / "formgen"
    t = time.perf_counter()
    proc = subprocess.Popen(
        [str(exe), "export", str(ledger(n)), "--out", str(out), "--date", "2026-11-22"],
        stdout=subprocess.PIPE,
        text=True,
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    output, _ = proc.communicate()
    elapsed = time.perf_counter() - t
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"export of {n} members failed:\n{output}")
    files = sum(1 for p in out.rglob("*") if p.is_file() and p.suffix in {".docx", ".pdf", ".xlsx"})
    return elapsed, peak, files


def main() -> None:
    # Typst on one thread, as in each export worker: "ms per document per core".
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    WORK.mkdir(exist_ok=True)
    print(f"formgen benchmark — {os.cpu_count()} cores, {dt.datetime.now():%Y-%m-%d %H:%M}")
    loads = bench_load()
    for n, s in loads.items():
        print(f"load + validate {n:>6} members: {s:6.2f} s   (bar < 5 s)")
    ctxs = contexts(ledger(1000), max(N_DOCX, N_PDF))
    ours, theirs = bench_docx(ctxs[:N_DOCX])
    print(
        f"DOCX a5: formgen {ours:6.2f} ms/doc   docxtpl fresh {theirs:6.2f} ms/doc   "
        f"ratio {theirs / ours:5.1f}x   (bar >= 30x)"
    )
    batched, single = bench_pdf(ctxs[:N_PDF])
    print(
        f"PDF  a5: formgen {batched:6.2f} ms/doc batched, {single:6.2f} ms/doc one per "
        "compile, CPU on one core   (bar <= 10 ms per core)"
    )
    lo = bench_libreoffice(ctxs[:N_LO])
    if lo is None:
        print("PDF  baseline: LibreOffice not installed — skipped")
    else:
        print(
            f"PDF  a5: LibreOffice batched {lo:7.2f} ms/doc   ratio {lo / batched:5.1f}x   "
            "(bar >= 10x)"
        )
    mem = {}
    for n in SIZES:
        elapsed, peak, files = bench_packet(n)
        mem[n] = peak
        print(
            f"packet {n:>6} members: {files} files in {elapsed:6.1f} s "
            f"({elapsed / files * 1000:.2f} ms/file), peak memory {peak / 2**20:6.0f} MB"
            + ("   (bar: 10k within 120 s, < 1 GB)" if n == 10000 else "")
        )
    if len(mem) == 2:
        print(f"memory 10k / 1k: {mem[10000] / mem[1000]:.2f}   (bar <= 1.5)")


if __name__ == "__main__":
    main()
