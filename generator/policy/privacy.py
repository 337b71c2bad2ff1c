"""Masking of personal data on public notices (PIPL Art. 25; DESIGN §3), by content.

Every text that goes on a public notice passes through ``mask_text``: a phone number or
a door number is masked wherever it stands — in its own column, in a unit or building
column where a clerk typed it, inside a pledge. Internal forms never call these.
``sensitive`` tells the validator where such a pattern sits in a column not meant for it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

# A mobile number (with +86, spaces or dashes inside) or a landline with its area code.
_MOBILE = re.compile(
    r"(?<![\d*])(?:(?:\+|00)?86[\s-]?)?(1[3-9]\d)((?:[\s-]?\d){4})((?:[\s-]?\d){4})(?!\d)"
)
_LANDLINE = re.compile(r"(?<![\d*])(0\d{2,3})([\s-]?)(\d{3,4})(\d{4})(?!\d)")
# A door number: digits (a letter allowed) followed by 室/房/户, the digits after 单元,
# or the last part of 5-1-1808 / 5栋1单元1808.
_DOOR_SUFFIX = re.compile(r"(?<![\d*])[A-Za-z]?\d{2,5}[A-Za-z]?(?=\s*(?:室|房|户))")
_DOOR_AFTER_UNIT = re.compile(r"(?<=单元)\s*[A-Za-z]?\d{2,5}(?![\d栋号楼幢座])")
_DOOR_TRIPLET = re.compile(r"(?<![\d-])(\d{1,3}-\d{1,2}-)(\d{2,5})(?![\d-])")


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678; 0719-8652545 -> 0719-***2545; '' -> ''."""
    if not phone:
        return ""
    if re.fullmatch(r"1\d{10}", phone):
        return f"{phone[:3]}****{phone[-4:]}"
    area, sep, local = phone.rpartition("-")
    keep = local[-4:] if len(local) > 4 else ""
    return f"{area}{sep}{'*' * (len(local) - len(keep))}{keep}"


def mask_door(door: str) -> str:
    """501室 -> ***室; 1202 -> ***; A座1202室 -> ***室. Keeps the trailing 室/号 only."""
    if not door:
        return ""
    m = re.search(r"[室号]$", door)
    return "***" + (m.group(0) if m else "")


def _mask_phones(text: str) -> str:
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{re.sub(r'[^0-9]', '', m.group(3))}", text)
    return _LANDLINE.sub(
        lambda m: f"{m.group(1)}{m.group(2)}{'*' * len(m.group(3))}{m.group(4)}", text
    )


def _mask_doors(text: str) -> str:
    text = _DOOR_SUFFIX.sub("***", text)
    text = _DOOR_AFTER_UNIT.sub("***", text)
    return _DOOR_TRIPLET.sub(lambda m: f"{m.group(1)}***", text)


@functools.lru_cache(maxsize=65536)  # (a notice's texts recur: titles, units, addresses)
def mask_text(text: str, phones: bool = True, doors: bool = True) -> str:
    """Any text -> the same text with every phone and door number in it masked."""
    if not text or not _DIGIT.search(text):
        return text
    if phones:
        text = _mask_phones(text)
    if doors:
        text = _mask_doors(text)
    return text


def mask_context(
    value: Any, masker: Callable[[str], str], exempt: frozenset[str] = frozenset()
) -> Any:
    """A notice's context (dicts, lists, strings) with every string masked, but for the
    values under an ``exempt`` key (监督电话 is printed to be called)."""
    if isinstance(value, str):
        return masker(value)
    if isinstance(value, dict):
        return {k: v if k in exempt else mask_context(v, masker, exempt) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_context(v, masker, exempt) for v in value]
    return value


_ANY = re.compile(
    "|".join(p.pattern for p in (_MOBILE, _LANDLINE, _DOOR_SUFFIX, _DOOR_AFTER_UNIT, _DOOR_TRIPLET))
)


_DIGIT = re.compile(r"\d")


def sensitive(text: str) -> str:
    """'电话号码' or '门牌号' if the text holds one (for a warning), else ''."""
    if not text or not _DIGIT.search(text):  # most cells: no digit at all
        return ""
    if _MOBILE.search(text) or _LANDLINE.search(text):
        return "电话号码"
    if _ANY.search(text):
        return "门牌号"
    return ""
