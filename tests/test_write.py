"""The output folder: one process writes into it at a time (the manifest lists every file
on disk); a folder that cannot be written is named in Chinese before anything is written."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.app.cli import main
from generator.ledger.sample import generate, write_xlsx

EXE = str(Path(sys.executable).parent / "formgen")
HOLD = """
import sys
from pathlib import Path
from generator.io.write import locked
with locked(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()
"""


def export(ledger: Path, out: Path, *more: str):
    return CliRunner().invoke(
        main, ["export", str(ledger), "--out", str(out), "--jobs", "1", "--date", "2026-03-01",
               "--format", "docx", *more],
    )  # fmt: skip


def on_disk(out: Path) -> set[str]:
    return {
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and not p.name.startswith(".") and p.name != "manifest.json"
    }


def in_manifest(out: Path) -> set[str]:
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {e["path"] for e in doc["documents"]}


def test_an_export_into_a_folder_another_process_writes_in_is_refused(ledger_path, tmp_path):
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(out)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        result = export(ledger_path, out, "--forms", "a5")
    finally:
        holder.communicate(b"", timeout=30)
    assert result.exit_code == 1, result.output
    assert f"输出文件夹「{out}」正被另一个 formgen 进程使用（进程 {holder.pid}，" in result.output
    assert "本次没有写入任何文件" in result.output
    assert on_disk(out) == set() and not (out / "manifest.json").exists()
    assert export(ledger_path, out, "--forms", "a5").exit_code == 0  # released
    assert in_manifest(out) == on_disk(out) != set()


def test_two_concurrent_exports_leave_a_manifest_listing_every_file(tmp_path):
    """Two runs with different forms at once (371 files were missing from the manifest):
    one finishes, the other is refused or runs after it — never both half-recorded."""
    ledger = tmp_path / "ledger.xlsx"
    write_xlsx(generate(40, year=2026), ledger)
    out = tmp_path / "out"
    runs = [
        subprocess.Popen(
            [
                EXE,
                "export",
                str(ledger),
                "--out",
                str(out),
                "--forms",
                forms,
                "--jobs",
                "1",
                "--format",
                "docx,xlsx",
                "--date",
                "2026-03-01",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for forms in ("a5", "a1,a2,a3,a4")
    ]
    outputs = [r.communicate(timeout=600)[0] for r in runs]
    for code, output in zip((r.returncode for r in runs), outputs, strict=True):
        assert code == 0 or (code == 1 and "正被另一个 formgen 进程使用" in output), output
        assert "Traceback" not in output
    assert in_manifest(out) == on_disk(out)
    forms = {p.split("/")[-2] for p in on_disk(out)}
    assert "a5" in forms or {"a1", "a3"} <= forms


def test_an_out_under_a_file_or_equal_to_one_is_named(ledger_path, tmp_path):
    a_file = tmp_path / "报表.txt"
    a_file.write_text("x", encoding="utf-8")
    under = export(ledger_path, a_file / "out", "--forms", "a5")
    assert under.exit_code == 1
    assert (
        f"无法写入输出文件夹「{a_file / 'out'}」：其中「{a_file}」是文件，不是文件夹。"
        in under.output
    )
    equal = export(ledger_path, a_file, "--forms", "a5")
    assert equal.exit_code == 1
    assert f"无法写入输出文件夹「{a_file}」：已有同名的文件，不能用作文件夹。" in equal.output
    for r in (under, equal):
        assert isinstance(r.exception, SystemExit), r.exception
    assert not (tmp_path / "archive").exists()


def _read_only_out(out: Path, monkeypatch) -> None:
    """As root (these tests' usual user) no folder is read-only: the operating system's
    answer for ``out`` is given here instead."""
    real_open = os.open

    def refuse(path, flags, *args, **kwargs):
        if Path(path).parent == out and flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)


@pytest.mark.parametrize("really", [False, True])
def test_a_read_only_out_is_named_and_leaves_no_registry(
    ledger_path, tmp_path, monkeypatch, really
):
    out = tmp_path / "只读"
    out.mkdir()
    if really:
        if os.geteuid() == 0:
            pytest.skip("root writes into read-only folders")
        out.chmod(0o555)
    else:
        _read_only_out(out, monkeypatch)
    result = export(ledger_path, out, "--forms", "a5", "--archive", str(tmp_path / "archive"))
    assert result.exit_code == 1, result.output
    assert f"无法写入输出文件夹「{out}」：没有写入或读取的权限。" in result.output
    assert isinstance(result.exception, SystemExit)
    assert not (tmp_path / "archive").exists()  # no empty registry.sqlite left behind
