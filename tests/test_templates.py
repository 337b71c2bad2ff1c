"""A clerk's own templates reach the documents: `templates copy` gives the Word file,
Word's way of saving it (a tag split across runs) still fills, a changed label appears
in the DOCX and — made from that DOCX by LibreOffice — in the PDF."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from generator.render.built import is_edited
from generator.render.office import ensure
from tests.clerks import formgen
from tests.helpers import docx_cells, find, pdf_text


def edit_as_word_does(path: Path) -> None:
    """Change a label and split a Jinja tag across two runs, as Word saves an edit."""
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    xml = parts["word/document.xml"].decode("utf-8")
    assert "家庭住址" in xml and "{{ name }}" in xml
    xml = xml.replace("家庭住址", "现居住地址")
    at = xml.index("{{ name }}")
    start = xml.rindex("<w:rPr>", 0, at)
    rpr = xml[start : xml.index("</w:rPr>", start) + len("</w:rPr>")]
    xml = xml.replace(
        "{{ name }}</w:t>",
        f'{{{{ na</w:t></w:r><w:proofErr w:type="spellStart"/><w:r>{rpr}'
        '<w:t xml:space="preserve">me }}</w:t>',
        1,
    )
    parts["word/document.xml"] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_copy_gives_the_forms_word_template_unedited(tmp_path):
    result = formgen("templates", "copy", "a5", str(tmp_path / "mine"))
    assert result.exit_code == 0, result.output
    copied = tmp_path / "mine" / "a5.docx"
    assert copied.is_file() and not is_edited(copied)
    edit_as_word_does(copied)
    assert is_edited(copied)
    check = formgen("templates", "check", "--dir", str(tmp_path / "mine"))
    assert check.exit_code == 0, check.output


def test_an_edited_a5_reaches_the_docx_and_the_pdf(tmp_path, ledger_path):
    if ensure(install=True) is None:
        pytest.skip("LibreOffice cannot be installed here: the PDF would keep the built-in layout")
    mine = tmp_path / "mine"
    assert formgen("templates", "copy", "a5", str(mine)).exit_code == 0
    edit_as_word_does(mine / "a5.docx")
    out = tmp_path / "o"
    result = formgen("export", str(ledger_path), "--forms", "a5", "--templates", str(mine),
                     "--out", str(out), "--jobs", "1",
                     "--date", "2026-03-01")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "「a5.docx」已修改" in result.output and "LibreOffice" in result.output
    docx = find(out, "a5", "docx", member_id="0001")
    cells = docx_cells(docx)
    assert "现居住地址" in cells and "家庭住址" not in cells and "刘䶮" in cells
    pdf = pdf_text(find(out, "a5", "pdf", member_id="0001"))
    assert "现居住地址" in pdf and "刘䶮" in pdf and "家庭住址" not in pdf


def test_without_libreoffice_the_run_says_the_pdf_keeps_the_built_in_layout(
    tmp_path, ledger_path, monkeypatch
):
    from generator.render import office

    monkeypatch.setattr(office, "ensure", lambda install=True: None)
    mine = tmp_path / "mine"
    assert formgen("templates", "copy", "a5", str(mine)).exit_code == 0
    edit_as_word_does(mine / "a5.docx")
    out = tmp_path / "o"
    result = formgen("export", str(ledger_path), "--forms", "a5", "--templates", str(mine),
                     "--out", str(out), "--jobs", "1", "--date", "2026-03-01")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "没有 LibreOffice" in result.output and "仍按内置版式" in result.output
    pdf = pdf_text(find(out, "a5", "pdf", member_id="0001"))
    assert "家庭住址" in pdf
    assert "现居住地址" in docx_cells(find(out, "a5", "docx", member_id="0001"))


def test_a_templates_clean_up_is_kept_and_an_edit_is_cleaned_again(
    tmp_path, monkeypatch, ledger, opts
):
    """docxtpl's clean-up of a part (Word splitting ``{{ name }}`` over runs) is kept per
    machine: a new process compiles the same template without importing docxtpl, and
    fills it to the same bytes. An edited part is a new key, cleaned up afresh."""
    import subprocess
    import sys

    from generator.forms.registry import TEMPLATES
    from generator.render.docx import CompiledDocx, patched
    from tests.conftest import context

    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    a5 = TEMPLATES / "profiles/shiyan-2023/forms/a5/a5.docx"
    probe = "import sys; from generator.render.docx import CompiledDocx as C; "
    probe += "C(__import__('pathlib').Path(sys.argv[1])); print('docxtpl' in sys.modules)"
    runs = [subprocess.run([sys.executable, "-c", probe, str(a5)], capture_output=True,
                           text=True, env={**os.environ}) for _ in range(2)]  # fmt: skip
    assert [r.stdout.strip() for r in runs] == ["True", "False"], runs[0].stderr
    kept = sorted((cache / "formgen" / "docx").glob("*.xml"))
    assert kept

    ctx = context("a5", ledger, opts, member_id="0003")
    from_cache = CompiledDocx(a5).render(ctx)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty"))
    assert CompiledDocx(a5).render(ctx) == from_cache

    split = "<w:p><w:r><w:t>{{ na</w:t></w:r><w:r><w:t>me }}</w:t></w:r></w:p>"
    assert "{{ name }}" in patched(split, a5)
    assert "{{ title }}" in patched(split.replace("na<", "ti<").replace(">me", ">tle"), a5)
    assert len(list((tmp_path / "empty" / "formgen" / "docx").glob("*.xml"))) == len(kept) + 2
