"""An export killed mid-run (SIGKILL) and run again ends equal to a clean run, and no
document is ever visible half-written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from generator.ledger.sample import generate, write_xlsx

EXE = str(Path(sys.executable).parent / "formgen")


def command(ledger: Path, out: Path) -> list[str]:
    return [EXE, "export", str(ledger), "--out", str(out), "--forms", "a1,a3,a5",
            "--format", "docx,pdf,xlsx", "--jobs", "2", "--date", "2026-03-01"]  # fmt: skip


def complete(path: Path) -> bool:
    data = path.read_bytes()
    if path.suffix == ".pdf":
        return data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    with zipfile.ZipFile(path) as z:
        return z.testzip() is None


def final_files(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.is_file() and p.suffix in {".pdf", ".docx", ".xlsx"}
            and not p.name.startswith(".")]  # fmt: skip


def hashes(out: Path) -> dict[str, str]:
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {e["path"]: e["sha256"] for e in doc["documents"]}


def test_killed_export_resumes_to_the_clean_result(tmp_path):
    ledger = tmp_path / "ledger.xlsx"
    write_xlsx(generate(120, year=2026), ledger)
    clean = tmp_path / "clean"
    subprocess.run(command(ledger, clean), check=True, capture_output=True, timeout=600)
    total = len(hashes(clean))
    assert total > 250

    out = tmp_path / "out"
    proc = subprocess.Popen(
        command(ledger, out),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    journal = out / ".formgen-journal.jsonl"
    checked = 0
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        found = final_files(out) if out.exists() else []
        for path in found:
            try:
                assert complete(path), f"half-written file visible: {path}"
                checked += 1
            except FileNotFoundError:
                pass
        # Killed once a quarter of the files stand (not on the journal's count: it is
        # flushed once a second, and the whole run may take less since a3/a5 are stamped).
        if len(found) >= total // 4:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    time.sleep(0.5)  # orphaned workers notice the closed pipe and stop
    assert checked > 0
    survivors = final_files(out)
    assert 0 < len(survivors) < total, "the kill must land mid-run"
    assert all(complete(p) for p in survivors)
    assert not (out / "manifest.json").exists() or len(hashes(out)) < total

    again = subprocess.run(command(ledger, out), capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert "跳过未变化的 0 个" not in again.stdout  # it reused the finished documents
    assert hashes(out) == hashes(clean)
    assert not journal.exists()
    assert not list(out.rglob("*.part"))
    for rel, digest in hashes(out).items():
        import hashlib

        assert hashlib.sha256((out / rel).read_bytes()).hexdigest() == digest


def test_rerun_skips_unchanged_and_force_rerenders(tmp_path):
    ledger = tmp_path / "ledger.xlsx"
    write_xlsx(generate(12, year=2026), ledger)
    out = tmp_path / "out"
    first = subprocess.run(command(ledger, out), capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    second = subprocess.run(command(ledger, out), capture_output=True, text=True, timeout=600)
    assert "共生成 0 个文件" in second.stdout
    forced = subprocess.run(
        [*command(ledger, out), "--force"], capture_output=True, text=True, timeout=600
    )
    assert "跳过未变化的 0 个" in forced.stdout
