"""Domain errors. Nothing here prints; the CLI turns these into messages and exit codes."""

from __future__ import annotations

from dataclasses import dataclass, field


class FormgenError(Exception):
    """Base of every error the user can cause."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        """Return the Chinese text shown to the user."""
        return self.message + (f"\n提示：{self.hint}" if self.hint else "")


class UserError(FormgenError):
    """Wrong use: an unknown form id, a missing file, a bad option value."""

    exit_code = 2


@dataclass(frozen=True)
class Issue:
    """One problem found in the ledger, located to the cell."""

    file: str
    sheet: str
    row: int | None
    column: str
    value: object
    message: str
    severity: str = "error"  # "error" | "warning"

    def render(self) -> str:
        where = f"{self.file}，工作表「{self.sheet}」"
        if self.row is not None:
            where += f"，第{self.row}行"
        if self.column:
            where += f"，列「{self.column}」"
        shown = "" if self.value is None or self.value == "" else f"，值「{self.value}」"
        tag = "错误" if self.severity == "error" else "警告"
        return f"[{tag}] {where}{shown}：{self.message}"


@dataclass
class DataError(FormgenError):
    """The ledger failed validation; carries every problem found, not only the first."""

    issues: list[Issue] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = sum(1 for i in self.issues if i.severity == "error")
        FormgenError.__init__(
            self,
            f"台账有 {n} 处错误，未生成任何文件。",
            "请按上面列出的表、行、列逐一改正后重试；或加 --skip-invalid 跳过出错的行。",
        )

    def render(self) -> str:
        lines = [i.render() for i in self.issues]
        return "\n".join([*lines, super().render()])


class TemplateError(FormgenError):
    """A template is broken or names a field the form does not provide."""

    def __init__(self, template: str, message: str, tag: str = "", hint: str = "") -> None:
        text = f"模板「{template}」" + (f"中的「{tag}」" if tag else "") + f"：{message}"
        super().__init__(text, hint)
        self.template = template
        self.tag = tag
