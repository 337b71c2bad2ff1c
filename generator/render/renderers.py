"""The backends behind one door: a ``Layout`` (a form's template files and table, as
plain data) and a context in, document bytes out. Templates are compiled once per
process and kept, keyed by the layout and the paper variant. Nothing here knows a form.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.errors import UserError

if TYPE_CHECKING:  # the backends are imported on first use: `formgen --help` needs none
    from generator.render.docx import CompiledDocx
    from generator.render.pdf import CompiledTypst
    from generator.render.stamp import Stamped
    from generator.render.xlsx import ColumnLike, CompiledXlsx

Context = dict[str, Any]
Mounts = tuple[tuple[str, Path], ...]  # folders visible to Typst: (name, folder), as /name/
# Papers a form may offer besides its own, each with templates <id>.<paper>.docx.
PAPER_VARIANTS = ("a3", "a5")


@dataclass(frozen=True)
class Layout:
    """What the renderers need of one form: its DOCX templates by paper variant ('' and
    'a3'), its Typst template and the folders Typst may read (mounts), and for XLSX its
    label, orientation and columns; and whether its PDF is made from its DOCX."""

    key: str
    typ: Path
    mounts: Mounts
    docx: dict[str, Path] = field(default_factory=dict)
    label: str = ""
    landscape: bool = False
    columns: tuple[ColumnLike, ...] = ()
    summary: bool = False
    version: str = ""
    pdf_from_docx: bool = False  # a clerk edited the DOCX: its PDF comes from it (LibreOffice)
    stamp: str = ""  # the form code whose ``stamp`` draws the PDF's fill (render/stamp.py)

    def docx_for(self, variant: str) -> Path:
        return self.docx.get(variant) or self.docx[""]


class Renderers:
    """Templates compiled once per process, keyed by layout, format and paper variant."""

    def __init__(self) -> None:
        self._docx: dict[tuple[str, str], CompiledDocx] = {}
        self._typst: dict[tuple[str, str], CompiledTypst] = {}
        self._stamped: dict[tuple[str, str], Stamped] = {}
        self._xlsx: dict[str, CompiledXlsx] = {}
        self._fingerprints: dict[tuple[str, str, str], str] = {}

    @staticmethod
    def variant(ctx: Context) -> str:
        """The paper variant of a document's templates: 'a3' (notices), 'a5' (booklets)
        or '' (the form's own paper)."""
        paper = ctx.get("paper")
        return paper if paper in PAPER_VARIANTS else ""

    def render(
        self, layout: Layout, fmt: str, ctx: Context, stamp: dt.datetime | None = None
    ) -> bytes:
        """One document's context -> bytes in the format."""
        no = ctx.get("doc_no") or ""
        key = (layout.key, self.variant(ctx))
        if fmt == "docx":
            if key not in self._docx:
                from generator.render.docx import CompiledDocx

                self._docx[key] = CompiledDocx(layout.docx_for(key[1]))
            from generator.render.qr import qr_png

            return self._docx[key].render(ctx, qr_png(no) if no else None)
        if fmt == "pdf":
            if layout.pdf_from_docx:
                from generator.render.office import convert

                return convert([self.render(layout, "docx", ctx, stamp)])[0]
            if layout.stamp:
                return self._stamped_for(layout, ctx).render(ctx, stamp)
            return self._typst_for(layout, ctx).render(with_qr(ctx), stamp)
        if fmt == "xlsx":
            if layout.key not in self._xlsx:
                from generator.render.xlsx import CompiledXlsx

                self._xlsx[layout.key] = CompiledXlsx(
                    layout.columns, layout.label, layout.landscape, summary=layout.summary
                )
            return self._xlsx[layout.key].render(ctx, stamp)
        raise UserError(f"未知的格式：{fmt}")

    def render_many(
        self,
        layout: Layout,
        contexts: Sequence[Context],
        stamp: dt.datetime | None = None,
        ids: list[str] | None = None,
    ) -> list[bytes] | None:
        """Several PDFs laid out in one compilation (see CompiledTypst), or converted
        from their DOCX in one LibreOffice run; ``ids`` (hashes of each document's inputs)
        become the PDFs' file identifiers."""
        if layout.pdf_from_docx:
            from generator.render.office import convert

            return convert([self.render(layout, "docx", c, stamp) for c in contexts])
        if layout.stamp:
            return self._stamped_for(layout, contexts[0]).render_many(contexts, stamp, ids)
        typ = self._typst_for(layout, contexts[0])
        return typ.render_many([with_qr(c) for c in contexts], stamp, ids)

    def _typst_for(self, layout: Layout, ctx: Context) -> CompiledTypst:
        key = (layout.key, self.variant(ctx))
        if key not in self._typst:
            from generator.render.pdf import CompiledTypst

            self._typst[key] = CompiledTypst(layout.typ, layout.mounts)
        return self._typst[key]

    def _stamped_for(self, layout: Layout, ctx: Context) -> Stamped:
        key = (layout.key, self.variant(ctx))
        if key not in self._stamped:
            from generator.forms.registry import code_at
            from generator.render.stamp import Stamped

            recipe = code_at(Path(layout.stamp)).stamp
            self._stamped[key] = Stamped(self._typst_for(layout, ctx), recipe)
        return self._stamped[key]

    def fingerprint(self, layout: Layout, fmt: str, ctx: Context) -> str:
        """A hash of everything besides the context that shapes the document's bytes."""
        key = (layout.key, fmt, self.variant(ctx))
        if key not in self._fingerprints:
            h = hashlib.sha256(f"formgen {layout.version} {fmt}".encode())
            if fmt == "docx" or (fmt == "pdf" and layout.pdf_from_docx):
                h.update(layout.docx_for(key[2]).read_bytes())
            elif fmt == "pdf":
                typs = {layout.typ} | {
                    p for _, f in layout.mounts if f != layout.typ.parent for p in f.glob("*.typ")
                }
                for typ in sorted(typs | set(layout.typ.parent.glob("*.typ"))):
                    h.update(typ.read_bytes())
                if layout.stamp:  # the recipe and the code drawing it
                    from generator.render import cff, justify, stamp, tables

                    h.update(Path(layout.stamp).read_bytes())
                    for module in (stamp, tables, justify, cff):
                        h.update(Path(str(module.__file__)).read_bytes())
            else:
                h.update(repr((layout.columns, layout.label, layout.landscape)).encode())
            self._fingerprints[key] = h.hexdigest()
        return self._fingerprints[key]


def with_qr(ctx: Context) -> Context:
    """The context with its QR code's pixels, for Typst (numbered documents only)."""
    no = ctx.get("doc_no") or ""
    if not no:
        return ctx
    from generator.render.qr import qr_pixels

    size, pixels = qr_pixels(no)
    return {**ctx, "qr_w": size, "qr_px": pixels}
