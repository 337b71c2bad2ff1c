"""Masking of personal data on public notices (PIPL Art. 25; DESIGN §3).

Internal forms never call these; notices do unless the run lifts masking (--no-mask).
"""

from __future__ import annotations

import re


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
