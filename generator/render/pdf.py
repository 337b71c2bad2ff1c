"""PDF backend: a Typst template compiled by one reused compiler per template.

``CompiledTypst(path)`` creates the compiler once (fonts scanned once); ``render``
passes the document's context as JSON in ``sys.inputs`` and returns PDF bytes.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typst

from ..errors import TemplateError


class CompiledTypst:
    """A Typst template with its compiler; ``render`` fills it for one document."""

    def __init__(self, path: Path, root: Path) -> None:
        if not path.is_file():
            raise TemplateError(path.name, "找不到 Typst 模板")
        self.path = path
        self.compiler = typst.Compiler(input=str(path), root=str(root))

    def render(self, context: dict[str, Any], stamp: dt.datetime | None = None) -> bytes:
        """A context dict -> PDF bytes (deterministic for the same context and stamp)."""
        data = json.dumps(context, ensure_ascii=False, default=str)
        try:
            out = self.compiler.compile(
                format="pdf", sys_inputs={"data": data},
                timestamp=stamp or dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
            )  # fmt: skip
        except typst.TypstError as exc:
            raise TemplateError(
                self.path.name,
                f"排版失败：{exc.message} {exc.diagnostic}",
                hint="; ".join(exc.hints),
            ) from None
        assert isinstance(out, bytes)
        return out
