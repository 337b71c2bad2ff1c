"""The Word templates of a profile's forms, made from their declarations with the shared
DOCX components (generator/render/docx_build.py): a table form and a notice from their
declared columns; a sheet (a3, a5) by the ``docx(b, form, profile)`` recipe of its own
code. ``formgen templates build`` writes them into the form folders."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from generator.forms import kit
from generator.forms.registry import Form, code_of
from generator.policy.profile import load_profile
from generator.render import docx_build as b
from generator.render.docx_build import FANG, SONG_TITLE, WD_ALIGN_PARAGRAPH, Pt


def _margins(form: Form, k: float = 1.0) -> tuple[float, float, float, float]:
    m = kit.page(form)["margin"]
    return (m["top"] * k, m["right"] * k, m["bottom"] * k, m["left"] * k)


def start(
    form: Form, title_size: float = 22, head_size: float = 12, space_after: float = 6
) -> b.DocxDocument:
    """A form's Word template up to its table: the page of its declaration (kit.page), the
    附件N (and 编号/QR) band, the title and the head line (left text · 时间)."""
    doc = b.new_document(form.landscape, _margins(form))
    b.top_band(doc, form.label, with_qr=form.numbered)
    b.para(doc, "{{ title }}", SONG_TITLE, title_size, bold=True,
           align=WD_ALIGN_PARAGRAPH.CENTER, space_after=space_after)  # fmt: skip
    b.two_sided(doc, "{{ head_left }}", "{{ head_right }}", size=head_size)
    return doc


def table_template(form: Form) -> b.DocxDocument:
    """附件N, title, head line, the declared table, the summary line, foot and notes."""
    doc = start(form)
    b.declared_table(doc, form.columns, kit.page(form)["size"], keep=2, sections=form.sections)
    summary = b.para(doc, "{%p if summary is defined and summary %}", FANG, 12)
    summary.paragraph_format.space_before = Pt(6)
    b.para(doc, "{{ summary }}", FANG, 12).paragraph_format.keep_with_next = True
    b.para(doc, "{%p endif %}", FANG, 12)
    b.footer_lines(doc)
    b.page_number_footer(doc)
    return doc


def notice_template(form: Form, k: float = 1.0) -> b.DocxDocument:
    """A public notice in the shared frame, on A4 (k = 1) or A3 (k = √2)."""
    paper = (297.0, 420.0) if k > 1 else (210.0, 297.0)
    doc = b.new_document(form.landscape, _margins(form, k), paper)
    b.notice_frame(doc, form.columns, kit.page(form)["size"], k)
    return doc


def templates_of(form: Form) -> dict[str, b.DocxDocument]:
    """The form's templates by file name (<id>.docx, and <id>.a3.docx for notices; a
    sheet's recipe may return several, e.g. <id>.a5.docx for a booklet on A5); none for a
    form made without DOCX (plates printed as PDF only)."""
    if "docx" not in form.formats:
        return {}
    if form.kind == "table":
        return {f"{form.id}.docx": table_template(form)}
    if form.kind == "notice":
        return {
            f"{form.id}.docx": notice_template(form),
            f"{form.id}.a3.docx": notice_template(form, 2**0.5),
        }
    recipe = getattr(code_of(form), "docx", None)
    if recipe is None:
        raise ValueError(f"{form.id}: a sheet form's code must define docx(b, form, profile)")
    profile = load_profile(str(form.folder.parent.parent))
    made = recipe(b, form, profile)
    return dict(made) if isinstance(made, dict) else {f"{form.id}.docx": made}


def write_templates(forms: Iterable[Form]) -> list[Path]:
    """Build and write each form's templates into its folder; the paths written."""
    return [
        b.save(doc, form.folder / name)
        for form in forms
        for name, doc in templates_of(form).items()
    ]
