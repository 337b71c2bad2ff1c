"""Document numbers: stable for the same form, record and year, with a check character.

``SY2026-A5-M0042-K``: profile prefix + year, form, record key, and an ISO 7064
MOD 37,36 check character over all of it, so a mistyped or misread number is caught.
"""

from __future__ import annotations

import hashlib
import re

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _check_char(payload: str) -> str:
    """ISO 7064 MOD 37,36 (hybrid system) check character of an alphanumeric string."""
    m = 36
    p = m
    for ch in payload:
        if ch not in _ALPHABET:
            continue
        p = ((p % (m + 1)) + _ALPHABET.index(ch)) % m or m
        p = (p * 2) % (m + 1)
    return _ALPHABET[(m + 1 - p) % m]


def record_key(text: str) -> str:
    """A member id or scope text -> an uppercase ASCII key ('0042' -> 'M0042')."""
    s = text.strip().upper()
    if re.fullmatch(r"[0-9A-Z]{1,12}", s):
        return "M" + s
    return "H" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:8].upper()


def make(prefix: str, year: int, form: str, key: str) -> str:
    """Prefix, year, form id and record key -> the full number with its check character."""
    body = f"{prefix}{year}-{form.upper()}-{key}"
    return f"{body}-{_check_char(body)}"


def is_valid(number: str) -> bool:
    """True when the number's last character is the right check character."""
    body, _, check = number.strip().upper().rpartition("-")
    return bool(body) and len(check) == 1 and _check_char(body) == check


_SHAPE = re.compile(r"[A-Z]{1,10}[0-9]{4}-[A-Z0-9]{1,6}-[A-Z0-9]{1,20}-[0-9A-Z]")


def looks_like(number: str) -> bool:
    """True for text shaped like a document number, whatever its check character."""
    return _SHAPE.fullmatch(number.strip().upper()) is not None
