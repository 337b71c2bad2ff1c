"""Cell normalisation: a raw cell value in, a clean Python value out, or ValueError(中文).

Only what is unambiguous is normalised (DESIGN §2): five date notations and Excel dates,
full-width digits, phones with spaces/dashes/+86. Everything else is rejected.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９．－／：＋　",
    "0123456789.-/:+ ",
)


def text(value: object) -> str:
    """Any cell -> a stripped string without control characters ('' for empty)."""
    if value is None:
        return ""
    if type(value) is str and value.isprintable():  # the common case, fast
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    s = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    s = _CONTROL.sub("", s)
    return s.strip().strip("\u3000").strip()


def halfwidth(s: str) -> str:
    """Full-width digits and date punctuation -> ASCII (２０２３ -> 2023)."""
    return s.translate(_FULLWIDTH)


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_YEAR = re.compile(r"(\d{4})\s*年?(?:度)?")
_PHONE_PUNCT = re.compile(r"[\s\-－—()（）.]")
_HOURS = re.compile(r"\s*(小时|个小时|h|H)$")
_POINTS = re.compile(r"\s*分$")


def date(value: object) -> dt.date | None:
    """A cell -> date. Accepts Excel dates and serials, 2023-02-01, 2023/2/1, 2023.2.1,
    2023年2月1日 (full-width digits too). Empty -> None. Anything else -> ValueError."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 <= value <= 80000:  # an Excel serial day number (1954..2118)
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError("不是日期")
    s = halfwidth(text(value))
    if not s:
        return None
    for pattern in _DATE_PATTERNS:
        m = pattern.match(s)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            try:
                return dt.date(y, mo, d)
            except ValueError:
                raise ValueError(f"日期不存在（{y}年{mo}月{d}日）") from None
    raise ValueError("无法识别的日期，请写成 2023-02-01、2023/2/1、2023.2.1 或 2023年2月1日")


def year(value: object) -> int | None:
    """A cell -> a year such as 2023 ('2023', '2023年', 2023.0, '２０２３'). Empty -> None."""
    s = halfwidth(text(value))
    if not s:
        return None
    m = _YEAR.fullmatch(s)
    if not m or not 2000 <= int(m.group(1)) <= 2100:
        raise ValueError("年度应为四位年份，如 2023")
    return int(m.group(1))


def phone(value: object) -> str:
    """A cell -> a normalised phone: mobile 13812345678, landline 0719-8652545.

    Spaces, dashes, dots, brackets and +86/0086 are removed. Empty -> ''."""
    s = halfwidth(text(value))
    if not s:
        return ""
    digits = _PHONE_PUNCT.sub("", s)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not digits.isdigit():
        raise ValueError("电话号码含有非数字字符")
    if len(digits) == 11 and digits.startswith("1"):
        return digits
    if digits.startswith("0") and 10 <= len(digits) <= 12:
        area = 3 if digits[1] in "12" else 4
        return f"{digits[:area]}-{digits[area:]}"
    if 7 <= len(digits) <= 8 and not digits.startswith("0"):
        return digits
    raise ValueError("电话号码位数不对：手机应为11位，座机应带区号，如 0719-8652545")


def number(value: object) -> float | None:
    """A cell -> a non-negative number ('2', '2.5', '2小时', '２'). Empty -> None."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        n = float(value) if abs(value) < 1e300 else math.inf  # 10**400 overflows float()
    else:
        s = halfwidth(text(value))
        if not s:
            return None
        s = _HOURS.sub("", s)
        try:
            n = float(s)
        except ValueError:
            raise ValueError("应为数字（小时数），如 2 或 1.5") from None
    if not math.isfinite(n) or n > 1e9:
        raise ValueError("不是合理的小时数")
    if n < 0:
        raise ValueError("不能为负数")
    return n


def signed_number(value: object) -> float | None:
    """A cell -> a number that may be negative ('-2', '＋5', '3分'). Empty -> None."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    s = halfwidth(text(value)).replace("－", "-").replace("＋", "+")
    if not s:
        return None
    s = _POINTS.sub("", s)
    try:
        n = float(s)
    except ValueError:
        raise ValueError("应为数字，如 5、-2 或 1.5") from None
    if n != n:
        raise ValueError("应为数字，如 5、-2 或 1.5")
    return n


def yes_no(value: object, default: bool | None = None) -> bool | None:
    """A cell -> True/False from 是/否 (also Y/N, 1/0, √/×). Empty -> default."""
    s = halfwidth(text(value)).upper()
    if not s:
        return default
    if s in {"是", "Y", "YES", "1", "√", "TRUE"}:
        return True
    if s in {"否", "N", "NO", "0", "×", "X", "FALSE"}:
        return False
    raise ValueError("应填「是」或「否」")


def member_code(value: object) -> str:
    """A 编号 cell -> canonical text ('0042', 42.0 -> '42', full-width digits folded)."""
    return unicodedata.normalize("NFKC", text(value))


def numbered(value: str, suffix: str) -> str:
    """'3' -> '3栋' for building/unit/door numbers typed as bare digits; else unchanged."""
    s = halfwidth(value)
    return f"{s}{suffix}" if s.isdigit() else value


def cn_date(d: dt.date | None) -> str:
    """A date -> 2023年2月1日 (no zero padding); None -> ''."""
    return f"{d.year}年{d.month}月{d.day}日" if d else ""
