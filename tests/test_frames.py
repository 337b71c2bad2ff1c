"""Two-layer PDFs (a5, a3): a frame laid out once per process, each document's fill placed
in its cells. The frame must belong to the document's own shared fields, the fill must
land in the frame's cells, and the per-process template copies must not pile up."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pypdfium2 as pdfium

from generator.forms.registry import TEMPLATES
from generator.render import pdf as pdf_mod
from generator.render.pdf import CompiledTypst, frame_fields
from generator.render.renderers import Renderers
from tests.conftest import FORMS, context, layout
from tests.helpers import pdf_bytes_text, pdf_fonts, squash


def test_frame_fields_are_read_from_the_template():
    assert frame_fields('#import "x"\n#let frame-fields = ("title", "notes")\n') == (
        "title",
        "notes",
    )
    assert frame_fields('#let fields = ("title",)\n') is None
    assert frame_fields(FORMS["a5"].template("typ").read_text("utf-8")) == (
        "title",
        "notes",
        "parties",
        "duty_label",
        "page",
    )
    assert frame_fields(FORMS["a1"].template("typ").read_text("utf-8")) is None


def _a5(ledger, opts, member_id: str) -> dict:
    return context("a5", ledger, opts, member_id=member_id)


def test_each_document_is_drawn_on_the_frame_of_its_own_shared_fields(ledger, opts):
    first, second = _a5(ledger, opts, "0001"), _a5(ledger, opts, "0002")
    second["notes"] = "注：本表仅供测试另一种说明。"
    pdfs = Renderers().render_many(layout("a5"), [first, second])
    assert pdfs is not None and len(pdfs) == 2
    one, two = (squash(pdf_bytes_text(p)) for p in pdfs)
    assert squash(first["notes"]) in one and "另一种说明" not in one
    assert "另一种说明" in two and squash(first["notes"]) not in two
    # frame (labels, signers) and fill (the member) are both there, each once
    for text, name in ((one, "刘䶮"), (two, "吉𠮷祥")):
        assert text.count("姓名") == 1 and text.count("本人签字：") == 1 and name in text


def _box(page: pdfium.PdfPage, needle: str) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) in points of the first match of ``needle``."""
    text = page.get_textpage()
    found = text.search(needle).get_next()
    assert found, needle
    index, count = found
    boxes = [text.get_charbox(i) for i in range(index, index + count)]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))  # fmt: skip


def test_the_fill_lands_in_the_frames_cells(ledger, opts, tmp_path):
    ctx = _a5(ledger, opts, "0001")
    data = Renderers().render(layout("a5"), "pdf", ctx)
    page = pdfium.PdfDocument(io.BytesIO(data))[0]
    label, name = _box(page, "姓名"), _box(page, ctx["name"])
    job_label, job = _box(page, "职务"), _box(page, ctx["job"])
    mm = 72 / 25.4
    # on the label's row (centres within 1 mm), right of it, left of 职务, and 职务's
    # value right of 职务
    for a, b in ((label, name), (job_label, job)):
        assert abs((a[1] + a[3]) / 2 - (b[1] + b[3]) / 2) < mm
    assert label[2] < name[0] < name[2] < job_label[0] < job_label[2] < job[0]
    # the member's seal line of the committee block sits on the frame's signer line's
    # cell: below the signer, above the date
    signer, seal = _box(page, "业委会主任签字："), _box(page, "阳光花园业主委员会（盖章）")
    assert seal[3] < signer[1]
    # fonts of both layers embedded; the frame's (labels in 黑体) found through its form
    (tmp_path / "a5.pdf").write_bytes(data)
    fonts = pdf_fonts(tmp_path / "a5.pdf")
    assert fonts and all(fonts.values()), fonts
    assert any("Sans" in f for f in fonts) and any("Serif" in f for f in fonts), fonts


def test_template_copies_of_dead_processes_are_removed(tmp_path):
    gone = subprocess.Popen(["true"])
    gone.wait()
    stale = Path(tempfile.gettempdir()) / f"{pdf_mod._MIRROR_PREFIX}{gone.pid}-test"
    (stale / ".frames").mkdir(parents=True)
    mine = Path(tempfile.gettempdir()) / f"{pdf_mod._MIRROR_PREFIX}{os.getpid()}-test"
    (mine / ".frames").mkdir(parents=True, exist_ok=True)
    try:
        root = tmp_path / "templates"
        shutil.copytree(TEMPLATES, root)
        a5 = root / "profiles" / "shiyan-2023" / "forms" / "a5" / "a5.typ"
        compiled = CompiledTypst(a5, (("forms", root / "forms"), ("profile", root / "profiles")))
        assert not stale.exists()  # its process is gone
        assert mine.exists()  # this process is alive
        mirror = compiled.compile_root
        assert mirror.name.startswith(f"{pdf_mod._MIRROR_PREFIX}{os.getpid()}-")
        seen = mirror / "profile" / "shiyan-2023" / "forms" / "a5" / "a5.typ"
        assert seen.resolve() == a5.resolve()
        assert (mirror / ".frames").is_dir()
    finally:
        shutil.rmtree(stale, ignore_errors=True)
        shutil.rmtree(mine, ignore_errors=True)


def test_a3_pledge_date_sits_on_its_line_above_the_signature(ledger, opts):
    ctx = context("a3", ledger, opts, member_id="0001")
    page = pdfium.PdfDocument(io.BytesIO(Renderers().render(layout("a3"), "pdf", ctx)))[0]
    mm = 72 / 25.4
    label, name = _box(page, "姓名"), _box(page, ctx["name"])
    assert abs((label[1] + label[3]) / 2 - (name[1] + name[3]) / 2) < mm
    date, signer = _box(page, "承诺时间："), _box(page, "本人签字：")  # fill, frame
    assert abs(date[0] - signer[0]) < 0.5 * mm  # one left edge
    assert 7 * mm < date[1] - signer[1] < 10 * mm  # one line box (8.7 mm) apart
    first, pledge = _box(page, "我承诺："), _box(page, "1.协调解决")  # frame, fill
    assert 0 < first[1] - pledge[3] < 4 * mm  # the first item right under 我承诺


def test_a_frame_using_a_field_it_does_not_list_is_an_error_naming_frame_fields(tmp_path):
    from click.testing import CliRunner

    from generator.app.cli import main

    mine = tmp_path / "mine"
    mine.mkdir()
    a5 = mine / "a5.typ"
    own = FORMS["a5"].template("typ").read_text("utf-8")
    a5.write_text(own.replace('"title", "notes",', '"title",'), "utf-8")
    result = CliRunner().invoke(main, ["templates", "check", "--dir", str(mine)])
    assert result.exit_code == 1
    assert "a5.typ" in result.output and 'key "notes"' in result.output
    assert "frame-fields" in result.output and "title、parties" in result.output


def test_a_frame_laid_out_once_is_found_by_the_next_process(ledger, opts, tmp_path, monkeypatch):
    """A frame goes to the user's cache when laid out; a fresh compiler (a new worker)
    reads it from there without laying anything out — a worker whose documents are all
    stamped then never loads Typst's fonts. Another frame's fields make another file."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    lay = layout("a5")
    ctx = context("a5", ledger, opts, member_id="0003")
    first = CompiledTypst(lay.typ, lay.mounts)
    made = first.frame_file(ctx).read_bytes()
    cached = list((tmp_path / "formgen" / "frames").glob("*.pdf"))
    assert len(cached) == 1 and cached[0].read_bytes() == made

    def no_layout(*args, **kwargs):
        raise AssertionError("laid out again")

    second = CompiledTypst(lay.typ, lay.mounts)
    monkeypatch.setattr(second, "_run", no_layout)
    assert second.frame_file(ctx).read_bytes() == made
    other = dict(ctx, parties=[{**p, "label": p["label"] + "（试）"} for p in ctx["parties"]])
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    CompiledTypst(lay.typ, lay.mounts).frame_file(other)
    assert len(list((tmp_path / "formgen" / "frames").glob("*.pdf"))) == 2


def test_a_frames_xobject_is_kept_and_read_back_without_pikepdf(
    ledger, opts, tmp_path, monkeypatch
):
    """The frame's objects, made with pikepdf once, are kept beside the frame: the next
    process reads them back without converting again (nor importing pikepdf), and draws
    the same bytes."""
    import sys

    from generator.render.stamp import Frame

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    lay = layout("a5")
    ctx = context("a5", ledger, opts, member_id="0003")
    pdf = CompiledTypst(lay.typ, lay.mounts).frame_file(ctx).read_bytes()
    made = Frame.of(pdf)
    assert len(list((tmp_path / "formgen" / "frames").glob("*.xobject"))) == 1

    def no_conversion(self, pdf):
        raise AssertionError("converted again")

    monkeypatch.setattr(Frame, "__init__", no_conversion)
    again = Frame.of(pdf)
    assert (again.media, again.objects) == (made.media, made.objects)
    probe = (
        "import sys; from generator.render.stamp import Frame; "
        "Frame.of(open(sys.argv[1], 'rb').read()); print('pikepdf' in sys.modules)"
    )
    frame_pdf = tmp_path / "frame.pdf"
    frame_pdf.write_bytes(pdf)
    out = subprocess.run([sys.executable, "-c", probe, str(frame_pdf)], capture_output=True,
                         text=True, env={**os.environ})  # fmt: skip
    assert out.stdout.strip() == "False", out.stderr
