"""From a form's declaration to what the renderers need of it (a ``Layout``): its
template files — a clerk's own copies first — and the folders its Typst template may
read: the shared components (templates/forms, templates/notices) and its profile."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from generator import __version__
from generator.forms.registry import TEMPLATES, Form
from generator.render.renderers import Layout

if TYPE_CHECKING:
    from generator.run.batch import RunState


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
    docx = {v: form.template("docx", template_dir, v) for v in ("", "a3")}
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


def _moved(path: Path, old: str, new: Path) -> Path:
    text = str(path)
    return new / Path(text).relative_to(old) if text.startswith(old.rstrip("/") + "/") else path


_RELOCATED: dict[str, RunState] = {}


def relocated(state: RunState) -> RunState:
    """The run's state as a worker on another machine needs it: template paths below the
    driver's templates folder moved below this installation's (a clerk's own templates,
    ``--templates``, must be on a file system all workers share, at the same path)."""
    if not state.templates or state.templates == str(TEMPLATES):
        return state
    if state.run not in _RELOCATED:
        _RELOCATED.clear()
        old = state.templates
        layouts = {
            key: dataclasses.replace(
                lay,
                typ=_moved(lay.typ, old, TEMPLATES),
                mounts=tuple((name, _moved(folder, old, TEMPLATES)) for name, folder in lay.mounts),
                docx={v: _moved(p, old, TEMPLATES) for v, p in lay.docx.items()},
            )
            for key, lay in state.layouts.items()
        }
        _RELOCATED[state.run] = dataclasses.replace(state, layouts=layouts, templates="")
    return _RELOCATED[state.run]
