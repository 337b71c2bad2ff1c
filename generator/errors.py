"""Domain errors. Nothing here prints; the CLI turns these into messages and exit codes."""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from pathlib import Path


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
        shown = _shown(self.value)
        tag = "错误" if self.severity == "error" else "警告"
        return f"[{tag}] {where}{shown}：{self.message}"


def _shown(value: object) -> str:
    """'，值「…」' of a message; a long value cut short, with its length."""
    if value is None or value == "":
        return ""
    text = str(value)
    return f"，值「{text[:40]}…」（共{len(text)}个字）" if len(text) > 50 else f"，值「{text}」"


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


class InputError(FormgenError):
    """An input file that cannot be read as it is — damaged, beyond the limits, wrongly
    encoded — and why. The data failed, not the usage: exit 1."""

    def __init__(self, file: str, message: str, hint: str = "") -> None:
        super().__init__(f"「{file}」{message}", hint)
        self.file = file


class BusyError(FormgenError):
    """A folder another formgen process is writing into (an export's --out)."""


# What the operating system said, in the words a clerk reads: errno -> (reason, hint).
_OS_REASONS: dict[int, tuple[str, str]] = {
    errno.EACCES: ("没有写入或读取的权限", "请换一个有权限的文件夹，或请管理员开放权限。"),
    errno.EPERM: ("操作不被允许", "请换一个有权限的文件夹，或请管理员开放权限。"),
    errno.EROFS: ("所在的磁盘是只读的", "请换一个可写的文件夹。"),
    errno.ENOTDIR: ("路径中有一段是文件，不是文件夹", "请换一个文件夹路径，或移走同名的文件。"),
    errno.EEXIST: ("已有同名的文件，不能用作文件夹", "请换一个文件夹路径，或移走同名的文件。"),
    errno.EISDIR: ("这是一个文件夹，不是文件", "请给出文件的路径。"),
    errno.ENOENT: ("找不到", "请检查路径。"),
    errno.ENOSPC: ("磁盘空间不足", "请清理磁盘后重新运行：已写完的文件保留，只补齐其余的。"),
    errno.EDQUOT: ("超出了磁盘配额", "请清理磁盘后重新运行：已写完的文件保留，只补齐其余的。"),
    errno.ENAMETOOLONG: ("路径太长", "请换一个较短的文件夹路径。"),
    errno.EMFILE: ("同时打开的文件太多", "请减少 --jobs 后重试。"),
}


def os_error(exc: OSError, doing: str = "访问", path: object = None) -> FormgenError:
    """An operating-system error on a file or folder (``path``, else the one the error
    names) -> a Chinese message naming it and, for a path through a file, the file that is
    in the way. Exit 1."""
    path = str(path) if path is not None else exc.filename
    path = path if isinstance(path, str) else ""
    reason, hint = _OS_REASONS.get(exc.errno or 0, (f"系统错误 {_errno_name(exc)}", ""))
    if exc.errno == errno.ENOTDIR and path:
        blocker = _file_in_the_way(path)
        if blocker:
            reason = f"其中「{blocker}」是文件，不是文件夹"
    where = f"「{path}」" if path else ""
    return FormgenError(f"无法{doing}{where}：{reason}。", hint)


_STORE_HINT = "请检查地址、网络和访问凭据（见 README「A city on two cores, a province on Dask」）。"


def storage_error(root: str, exc: BaseException, doing: str = "访问") -> FormgenError:
    """Object storage (``--out s3://…``) that cannot be reached, or refuses -> a Chinese
    message naming the address and why, before anything is rendered. Exit 1."""
    name = type(exc).__name__
    hint = _STORE_HINT
    if "Credentials" in name:
        reason = "找不到访问凭据"
        hint = (
            "请设置 AWS_ACCESS_KEY_ID 和 AWS_SECRET_ACCESS_KEY（或 ~/.aws/credentials）；"
            "非 AWS 的对象存储另设 FSSPEC_S3_ENDPOINT_URL。"
        )
    elif "Connect" in name or "Timeout" in name:
        reason = f"无法连接（{exc}）"
    elif isinstance(exc, PermissionError):
        reason = f"没有权限（{exc}）"
    elif isinstance(exc, FileNotFoundError):
        reason = f"存储桶或路径不存在（{exc}）"
        hint = "请检查存储桶名称，或先建好存储桶。"
    elif isinstance(exc, ImportError):
        reason = f"本机缺少所需的库（{exc}）"
        hint = "可用的对象存储：s3://（已安装 s3fs）。"
    elif isinstance(exc, ValueError) and "Protocol" in str(exc):
        reason = "不认识这种地址"
        hint = "输出请给文件夹路径，或 s3://存储桶/前缀。"
    else:
        reason = f"{name}：{exc}"
    return FormgenError(f"无法{doing}对象存储「{root}」：{reason}。", hint)


def _errno_name(exc: OSError) -> str:
    return errno.errorcode.get(exc.errno or 0, str(exc.errno or "")) or type(exc).__name__


def _file_in_the_way(path: str) -> str:
    """The first part of a path that exists as a file, where a folder was needed."""
    p = Path(path)
    for parent in [*reversed(p.parents), p]:
        if parent.is_file():
            return str(parent)
    return ""
