"""From a form's declaration to what the renderers need of it (a ``Layout``): its
template files — a clerk's own copies first — and the folders its Typst template may
read: the shared components (templates/forms, templates/notices) and its profile."""

from __future__ import annotations

from pathlib import Path

from generator import __version__
from generator.forms.registry import TEMPLATES, Form
from generator.render.renderers import PAPER_VARIANTS, Layout


def layout_of(form: Form, template_dir: Path | None = None) -> Layout:
    """The form's Layout; templates in ``template_dir`` (``--templates``) win."""
    profile_dir = form.folder.parent.parent
    mounts: tuple[tuple[str, Path], ...] = (
        ("forms", TEMPLATES / "forms"),
        ("notices", TEMPLATES / "notices"),
        ("profile", profile_dir),
    )
    typ = form.template("typ", template_dir)
    custom = template_dir is not None and typ.parent.resolve() == template_dir.resolve()
    if custom:
        mounts += (("custom", template_dir),)  # type: ignore[operator]
    docx = {v: form.template("docx", template_dir, v) for v in ("", *PAPER_VARIANTS)}
    return Layout(
        key=f"{form.profile}/{form.id}" + (f"@{template_dir}" if template_dir else ""),
        typ=typ,
        mounts=mounts,
        docx=docx,
        label=form.label,
        landscape=form.landscape,
        columns=form.columns,
        summary=True,
        version=__version__,
    )


def edited_docx(form: Form, template_dir: Path | None) -> Path | None:
    """A clerk's DOCX of the form (in ``template_dir``) that differs from the form's own,
    or None: its PDF is then made from that DOCX, so the clerk's wording reaches it."""
    if template_dir is None:
        return None
    mine = template_dir / f"{form.id}.docx"
    own = form.folder / f"{form.id}.docx"
    if mine.is_file() and (not own.is_file() or mine.read_bytes() != own.read_bytes()):
        return mine
    return None
