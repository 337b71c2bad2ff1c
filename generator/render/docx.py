"""DOCX backend: a docxtpl template compiled once, then filled per document.

``CompiledDocx(path)`` does the expensive work once per run: docxtpl's clean-up of
Word's split ``{{ tags }}`` (``patch_xml``, kept per machine), Jinja compilation with
autoescape on, and deflating every zip part that does not change. ``render(context)``
then only renders the templated XML parts, swaps in the document's QR image, and
assembles the zip.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from generator.errors import TemplateError
from generator.io import machine
from generator.render import ziputil

_TEMPLATED = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")
_BR = '</w:t><w:br/><w:t xml:space="preserve">'
QR_DESCR = "formgen-qr"  # alt text of the placeholder picture the QR code replaces


def _finalize(value: object) -> object:
    """Escape for XML and turn line breaks into Word breaks."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str) and "\n" not in value:
        return escape(value)  # most values: escaped, nothing to break
    return Markup(str(escape(value)).replace("\n", _BR))


def _finalize_autoescaped(value: object) -> object:
    """``_finalize`` where Jinja's autoescape escapes whatever it returns: a plain string
    without a line break is left to it (escaping it here as well cost a Markup a value,
    a fifth of filling a document)."""
    if type(value) is str and "\n" not in value:
        return value
    return _finalize(value)


_DICT_ATTRS = frozenset(dir(dict))


class _Environment(jinja2.Environment):
    """Jinja's environment, with ``x.key`` on a plain dict looked up as the item at once
    (Jinja tries the attribute first: an AttributeError raised and caught for every
    field of the context's rows). Names of dict methods still go Jinja's way."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRS:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def jinja_env(volatile: bool = True) -> jinja2.Environment:
    """The one Jinja environment for DOCX XML: autoescape on, unknown names are errors.
    ``volatile=False`` for templates without ``{% autoescape %}`` blocks, where every
    output goes through the autoescape (inside ``{% autoescape false %}`` only the
    finalizer escapes)."""
    return _Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
        finalize=_finalize if volatile else _finalize_autoescaped,
    )  # fmt: skip


class CompiledDocx:
    """A DOCX template prepared once; ``render`` fills it for one document."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.parts: list[ziputil.Part | str] = []  # str = templated part name
        self.templates: dict[str, jinja2.Template] = {}
        self.qr_part: str | None = None
        envs = {volatile: jinja_env(volatile) for volatile in (False, True)}
        try:
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
                for name in names:
                    data = z.read(name)
                    if _TEMPLATED.match(name) and (b"{{" in data or b"{%" in data):
                        xml = patched(data.decode("utf-8"), path)
                        env = envs["autoescape" in xml]
                        try:
                            self.templates[name] = env.from_string(xml)
                        except jinja2.TemplateSyntaxError as exc:
                            raise TemplateError(
                                path.name,
                                f"模板语法错误：{exc.message}",
                                hint=f"{name} 第{exc.lineno}行附近",
                            ) from None
                        self.parts.append(name)
                    else:
                        self.parts.append(ziputil.deflate(name, data))
                self.qr_part = _find_qr_part(z, names)
        except zipfile.BadZipFile:
            raise TemplateError(path.name, "不是有效的 DOCX 文件") from None

    def render(self, context: dict[str, Any], qr_png: bytes | None = None) -> bytes:
        """A context dict (and the document's QR code PNG) -> DOCX bytes."""
        out: list[ziputil.Part] = []
        for part in self.parts:
            if isinstance(part, str):
                try:
                    xml = self.templates[part].render(context)
                except jinja2.UndefinedError as exc:
                    raise TemplateError(
                        self.path.name,
                        f"字段不存在（{exc.message}）",
                        hint="请用 formgen templates check 检查模板标签",
                    ) from None
                out.append(ziputil.quick(part, xml.encode("utf-8")))
            elif qr_png is not None and part.name.decode() == self.qr_part:
                out.append(ziputil.stored(self.qr_part, qr_png))
            else:
                out.append(part)
        return ziputil.build(out)


def patched(xml: str, source: Path) -> str:
    """docxtpl's clean-up of Word's split ``{{ tags }}`` in a part's XML (``patch_xml``),
    kept per machine beside the laid-out frames, keyed by the XML and docxtpl's code:
    importing docxtpl (python-docx, lxml) cost 0.1 s of every export's start."""
    key = hashlib.sha256(xml.encode() + machine.code("docxtpl")).hexdigest()[:32]

    def clean() -> bytes:
        from docxtpl import DocxTemplate

        return DocxTemplate(str(source)).patch_xml(xml).encode("utf-8")

    try:
        return machine.kept(machine.folder("docx") / f"{key}.xml", clean).decode("utf-8")
    except UnicodeDecodeError:  # a damaged cache file: cleaned up here after all
        return clean().decode("utf-8")


def _find_qr_part(z: zipfile.ZipFile, names: list[str]) -> str | None:
    """Zip name of the image behind the picture whose alt text is QR_DESCR, if any."""
    doc = z.read("word/document.xml").decode("utf-8")
    m = re.search(rf'descr="{QR_DESCR}".*?r:embed="(rId\d+)"', doc, re.DOTALL)
    if not m:
        return None
    rels = z.read("word/_rels/document.xml.rels").decode("utf-8")
    t = re.search(rf'Id="{m.group(1)}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'Target="([^"]+)"[^>]*Id="{m.group(1)}"', rels
    )
    if not t:
        return None
    target = "word/" + t.group(1).lstrip("/").removeprefix("word/")
    return target if target in names else None
