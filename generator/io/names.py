"""File and folder names made from data: whatever a ledger holds, a name that every file
system takes, shows as it reads and that points nowhere else.

Names come from units, compounds, members and forms typed by clerks (or by someone
hostile): path separators, control characters, bidirectional controls (U+202E turns
``exe.pdf`` into ``fdp.exe`` on screen) and Windows' reserved device names (``CON``,
``NUL``, ``COM1`` … — ``CON.pdf`` cannot be created on Windows) never reach a file name.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_NAME = 60
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_RESERVED = re.compile(r"CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|(?:COM|LPT)[0-9¹²³]", re.I)


def _visible(s: str) -> str:
    """s without format characters (category Cf: bidirectional controls, zero-width
    characters, the BOM) and C1 controls — invisible, or rearranging what is shown."""
    if s.isprintable():
        return s
    return "".join(
        ch for ch in s if not ("\x80" <= ch <= "\x9f" or unicodedata.category(ch) == "Cf")
    )


def safe_name(text: str, fallback: str = "未命名") -> str:
    """Any text -> a file/folder name: no separators, control or invisible characters, not
    a Windows device name, ≤ 60 characters. A longer name keeps its first 52 characters
    and a short hash of the whole, so two names that differ only further on stay apart.
    An extension may be appended to it."""
    s = _UNSAFE.sub("_", _visible(unicodedata.normalize("NFC", text))).strip(" ._")
    if len(s) > MAX_NAME:
        digest = hashlib.sha1(s.encode("utf-8")).hexdigest()[:7]
        s = f"{s[: MAX_NAME - 8].rstrip(' ._')}_{digest}"
    if not s or s in {".", ".."}:
        return fallback
    if _RESERVED.fullmatch(s.split(".", 1)[0].rstrip()):
        s = "_" + s  # CON, con.txt, COM1 -> _CON …: Windows reserves them in any folder
    return s
