"""From a form's declaration to what the renderers need of it (a ``Layout``): its
template files — a clerk's own copies first — and the folders its Typst template may
read: the shared components (templates/forms, templates/notices) and its profile."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from generator import __version__
from generator.forms.registry import TEMPLATES, Form, code_of
from generator.render.built import is_edited
from generator.render.office import soffice
from generator.render.renderers import PAPER_VARIANTS, Layout

if TYPE_CHECKING:
    from generator.run.batch import RunState


def layout_of(form: Form, template_dir: Path | None = None, office: bool | None = None) -> Layout:
    """The form's Layout; templates in ``template_dir`` (``--templates``) win. Where the
    DOCX was edited (in Word/WPS) and LibreOffice is at hand (``office``; looked up when
    None), the PDF is made from that DOCX so the clerk's wording reaches it too."""
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
    edited = "pdf" in form.formats and "docx" in form.formats and is_edited(docx[""])
    if edited and office is None:
        office = soffice() is not None
    recipe = form.folder / f"{form.id}.py"
    stamped = "pdf" in form.formats and mirrors(code_of(form), typ)
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
        pdf_from_docx=bool(edited and office),
        stamp=str(recipe) if stamped and not (edited and office) else "",
    )


def mirrors(code: ModuleType, typ: Path) -> bool:
    """Whether a form's code has a stamp recipe drawing exactly this Typst template: its
    ``STAMPS`` is ``digest(typ)`` (a clerk's edited template, or a template or shared
    component changed without its recipe, is laid out by Typst)."""
    if not hasattr(code, "stamp"):
        return False
    return getattr(code, "STAMPS", None) == digest(typ)


_IMPORT = re.compile(r'#import "/(forms|notices)/([\w.-]+\.typ)"')


def digest(typ: Path) -> str:
    """SHA-256 of a template and of the shared components it imports (formgen.typ,
    notice.typ), as ``STAMPS`` gives it."""
    h = hashlib.sha256()
    seen: set[Path] = set()
    todo = [typ]
    while todo:
        path = todo.pop(0)
        if path in seen:
            continue
        seen.add(path)
        text = path.read_bytes()
        h.update(text)
        todo += [TEMPLATES / m[0] / m[1] for m in _IMPORT.findall(text.decode("utf-8"))]
    return h.hexdigest()


def edited_docx(form: Form, template_dir: Path | None = None) -> Path | None:
    """The form's DOCX template if a clerk edited it (its own copy in ``template_dir``, or
    the one in a profile folder of their own), else None."""
    path = form.template("docx", template_dir)
    return path if "docx" in form.formats and is_edited(path) else None


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
                stamp=str(_moved(Path(lay.stamp), old, TEMPLATES)) if lay.stamp else "",
            )
            for key, lay in state.layouts.items()
        }
        _RELOCATED[state.run] = dataclasses.replace(state, layouts=layouts, templates="")
    return _RELOCATED[state.run]
