"""Bulk runs: a failing record does not stop the rest; print PDFs, duplex, zip; deadlines."""

from __future__ import annotations

import zipfile

from click.testing import CliRunner
from pypdf import PdfReader

from generator.app.cli import main
from generator.forms.registry import code_of
from generator.policy.period import Period
from generator.run.pipeline import export
from tests.conftest import FORMS
from tests.helpers import manifest


def test_one_bad_record_is_reported_and_the_others_finish(tmp_path, ledger, opts, monkeypatch):
    code = code_of(FORMS["a3"])
    real = code.build

    def build(led, scope, o, form):
        if scope.member_id == "0002":
            raise ValueError("奇怪的值")
        return real(led, scope, o, form)

    monkeypatch.setattr(code, "build", build)
    report = export(ledger, tmp_path, [FORMS["a3"]], ("docx", "pdf"), Period(2026), opts, jobs=1)
    assert report.counts[("a3", "docx", "written")] == 4
    assert report.counts[("a3", "pdf", "failed")] == 1
    assert len(report.failures) == 2 and all("编号0002" in f for f in report.failures)
    assert {e["member_id"] for e in manifest(tmp_path)} == {"0001", "0003", "0004", "0005"}


def test_cli_exit_code_is_1_when_a_document_failed(ledger_path, tmp_path, monkeypatch):
    code = code_of(FORMS["a5"])
    real = code.build

    def build(led, scope, o, form):
        if scope.member_id == "0003":
            raise ValueError("模板遇到奇怪的值")
        return real(led, scope, o, form)

    monkeypatch.setattr(code, "build", build)
    result = CliRunner().invoke(
        main,
        ["export", str(ledger_path), "--forms", "a5", "--jobs", "1", "--out", str(tmp_path / "o")],
    )
    assert result.exit_code == 1
    assert "[失败] a5 编号0003" in result.output
    assert "共生成 8 个文件" in result.output  # 4 members × docx + pdf


def test_print_duplex_and_zip(ledger_path, tmp_path):
    out = tmp_path / "o"
    result = CliRunner().invoke(
        main,
        [
            "export",
            str(ledger_path),
            "--forms",
            "a5,a2",
            "--format",
            "pdf,xlsx",
            "--duplex",
            "--zip",
            "--out",
            str(out),
            "--date",
            "2026-03-01",
        ],
    )
    assert result.exit_code == 0, result.output
    a5 = out / "2026" / "_print" / "a5_“五亮五共”活动情况评价表_2026.pdf"
    assert len(PdfReader(a5).pages) == 5 * 2  # five one-page sheets, each padded to two
    a2 = next((out / "2026" / "_print").glob("a2_*.pdf"))
    assert len(PdfReader(a2).pages) >= 3
    with zipfile.ZipFile(out / "formgen_2026.zip") as z:
        names = z.namelist()
    assert "manifest.json" in names
    assert sum(n.endswith(".xlsx") for n in names) == 3
    assert any(n.startswith("2026/_print/") for n in names)


def test_due_lists_deadlines_and_export_due_exports_them(ledger_path, tmp_path):
    result = CliRunner().invoke(main, ["due", "--today", "2026-03-01", "--days", "40"])
    assert result.exit_code == 0
    assert "2026年3月10日（还有9天）" in result.output
    cmd = "formgen export 台账.xlsx --profile shiyan-2023 --forms a3 --period 2026"
    assert cmd in result.output
    assert "2026年3月31日" in result.output and "--forms a2 --period 2026Q1" in result.output
    out = tmp_path / "o"
    result = CliRunner().invoke(
        main,
        [
            "export",
            str(ledger_path),
            "--due",
            "2026-03-31",
            "--out",
            str(out),
            "--format",
            "xlsx",
            "--jobs",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    docs = manifest(out)
    assert {(d["form"], d["period"]) for d in docs} == {("a2", "2026Q1"), ("a4", "2026Q1")}
    none = CliRunner().invoke(main, ["export", str(ledger_path), "--due", "2026-03-02"])
    assert none.exit_code == 0 and "没有需要报送表单的任务" in none.output
