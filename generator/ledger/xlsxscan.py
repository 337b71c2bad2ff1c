"""Stage 1, before parsing — an .xlsx bounded: the zip directory against the size limit,
then each sheet streamed once, its extent (last row, last column) measured and its
formulas read, before calamine is let near it.

Why: calamine holds a sheet as a dense grid of last row × last column cells. Two cells at
A1 and XFD1048576 — a 400-byte file — ask it for 17 billion (the process aborts); a
1.2 MB workbook can inflate to 392 MB of XML. Nothing beyond ``LIMITS`` reaches it, and
the refusal names the limit. The scan reads 1 MiB at a time, so its memory does not grow
with the file.

Two ways through a sheet: the common one — every ``<row>`` and ``<c>`` tag written as
Excel, WPS, LibreOffice and openpyxl write them, ``r`` first, and no formula — is
measured by a few byte searches (0.5 s for the 50 MB of a 10,000-member ledger); any
other sheet (formulas, tags in another form, namespace prefixes, a DTD) is parsed with
expat, exactly, stopping at the first limit crossed.
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from generator.errors import InputError


@dataclass(frozen=True)
class Limits:
    """What formgen reads from one workbook. A 10,000-member ledger has 50 MB of XML and
    32,000 rows in its longest sheet."""

    xml_bytes: int = 256 * 2**20  # all parts of the workbook together, uncompressed
    sheet_bytes: int = 128 * 2**20  # one sheet (or the shared strings): calamine holds it whole
    rows: int = 300_000  # last row of a sheet
    cols: int = 200  # last column of a sheet
    cells: int = 5_000_000  # rows × columns a sheet spans (calamine's grid)
    warn_rows: int = 100_000  # a sheet this long is read with a warning
    part_bytes: int = 16 * 2**20  # workbook.xml and its relationships, each


LIMITS = Limits()
CHUNK = 1 << 20
_SMALL_PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
DAMAGED_HINT = "请用 Excel 或 WPS 打开后另存为 .xlsx 再试。"
_BIG_HINT = "请删除表格下方或右侧多余的行列（只有格式或空格的单元格也算），或把台账拆成几个工作簿。"


@dataclass
class SheetScan:
    """What the scan learnt of one sheet: its extent (rows and columns it spans — upper
    bounds, not ``exact``, when the fast way saw no row from ``warn_rows`` on and no column
    beyond Z) and its formula cells, {(row, col) 0-based: '=text'}."""

    rows: int
    cols: int
    exact: bool = True
    partial: bool = False  # the scan stopped at the first limit crossed: at least these
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)


def open_zip(path: Path) -> zipfile.ZipFile:
    """The workbook's zip, its directory checked against the size limit."""
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise InputError(
            str(path),
            "不是有效的 .xlsx 工作簿：文件不是 zip 压缩包"
            "（可能已损坏、未下载完整，或是改了扩展名的其他文件）。",
            DAMAGED_HINT,
        ) from None
    total = sum(i.file_size for i in z.infolist())
    if total > LIMITS.xml_bytes:
        z.close()
        raise InputError(
            str(path),
            f"解压后共 {_mb(total)}，超过 formgen 读取一个工作簿的上限 {_mb(LIMITS.xml_bytes)}。",
            "这不像一份台账（可能是被构造的“压缩炸弹”）；若确是台账，请拆成几个工作簿。",
        )
    return z


def sheet_parts(path: Path, z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title -> its part in the zip ('xl/worksheets/sheet1.xml'), from workbook.xml
    and its relationships (parsed as XML, each checked against its size first)."""
    trees = {}
    for name in _SMALL_PARTS:
        try:
            info = z.getinfo(name)
        except KeyError:
            raise InputError(str(path), f"已损坏：缺少「{name}」。", DAMAGED_HINT) from None
        if info.file_size > LIMITS.part_bytes:
            raise InputError(
                str(path),
                f"中的「{name}」解压后有 {_mb(info.file_size)}，"
                f"超过上限 {_mb(LIMITS.part_bytes)}。",
                DAMAGED_HINT,
            )
        try:
            trees[name] = ET.fromstring(b"".join(inflate(path, z, info)))
        except ET.ParseError:
            raise InputError(
                str(path), f"已损坏：「{name}」不是完整的 XML。", DAMAGED_HINT
            ) from None
    targets = {
        rel.get("Id"): rel.get("Target", "")
        for rel in trees["xl/_rels/workbook.xml.rels"].iter()
        if rel.tag.endswith("Relationship")
    }
    parts = {}
    for sheet in trees["xl/workbook.xml"].iter():
        if sheet.tag.endswith("}sheet"):
            rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), "")
            target = targets.get(rid, "")
            if sheet.get("name") and target:
                parts[sheet.get("name", "")] = "xl/" + target.lstrip("/").removeprefix("xl/")
    return parts


def verify(path: Path, z: zipfile.ZipFile, names: list[str]) -> None:
    """Inflate parts calamine reads whole (shared strings, styles) to the end: each must
    hold exactly the size its directory entry declares."""
    for name in names:
        if name in z.NameToInfo:
            if "sharedstrings" in name.lower():  # held whole by calamine, like a sheet
                _check_size(path, z.getinfo(name), f"「{name}」")
            for _ in inflate(path, z, z.getinfo(name)):
                pass


def _check_size(path: Path, info: zipfile.ZipInfo, what: str) -> None:
    if info.file_size > LIMITS.sheet_bytes:
        raise InputError(
            str(path),
            f"中的{what}解压后有 {_mb(info.file_size)}，超过一个部件的上限 "
            f"{_mb(LIMITS.sheet_bytes)}。",
            _BIG_HINT,
        )


def inflate(path: Path, z: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part's bytes, CHUNK at a time, decompressed here so that the stream must end
    exactly at the size the directory declares — a zip that claims less than it holds is
    refused, not believed (the size check above relies on it)."""
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise InputError(
            str(path), f"中的「{info.filename}」已加密或用了不支持的压缩方式。", DAMAGED_HINT
        )
    fp = z.fp
    assert fp is not None
    fp.seek(info.header_offset)
    header = fp.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise _damaged(path, info)
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    fp.seek(info.header_offset + 30 + name_len + extra_len)
    left, produced = info.compress_size, 0
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    while left > 0 or (inflater is not None and inflater.unconsumed_tail):
        if inflater is not None and inflater.unconsumed_tail:
            raw = inflater.unconsumed_tail
        else:
            raw = fp.read(min(CHUNK, left))
            if not raw:
                raise _damaged(path, info)
            left -= len(raw)
        try:
            data = inflater.decompress(raw, CHUNK) if inflater is not None else raw
        except zlib.error:
            raise _damaged(path, info) from None
        produced += len(data)
        if produced > info.file_size:
            raise InputError(
                str(path),
                f"已损坏：「{info.filename}」解压后比目录记录的 {info.file_size} 字节更大。",
                DAMAGED_HINT,
            )
        if data:
            yield data
    tail = inflater.flush() if inflater is not None else b""
    if produced + len(tail) != info.file_size or (inflater is not None and not inflater.eof):
        raise _damaged(path, info)
    if tail:
        yield tail


def _damaged(path: Path, info: zipfile.ZipInfo) -> InputError:
    return InputError(str(path), f"已损坏：「{info.filename}」的压缩数据不完整。", DAMAGED_HINT)


# Any <c> or <row> tag not in the common form (r first, in double quotes), a formula, a
# DTD: the sheet is then parsed exactly. Namespace-prefixed tags likewise.
_UNCOMMON = re.compile(
    rb'<(?:c(?! r="[A-Z]{1,3}[0-9]{1,7}")|row(?! r="[0-9]{1,7}")|f|!DOCTYPE|!ENTITY)[\s>/]'
)
_PREFIXED = re.compile(rb":(?:c|row|f)[\s>/]")
# References beyond column Z, or to a row with as many digits as LIMITS.warn_rows
# (100,000 and below), leading zeros allowed; nearer ones are not even matched.
_NEAR_ROWS = 10 ** (len(str(LIMITS.warn_rows)) - 1) - 1  # 99,999
_FAR = re.compile(
    rb'r="(?=[A-Z]{2}|[A-Z]{0,3}0*[1-9][0-9]{%d})([A-Z]{0,3})0*([0-9]+)"' % len(str(_NEAR_ROWS))
)


def scan_sheet(path: Path, z: zipfile.ZipFile, title: str, part: str) -> SheetScan:
    """A sheet's extent and formulas; InputError when it crosses a limit."""
    try:
        info = z.getinfo(part)
    except KeyError:
        where = f"的「{part}」" if part else "在 xl/workbook.xml 中登记的部件"
        raise InputError(
            str(path), f"已损坏：缺少工作表「{title}」{where}。", DAMAGED_HINT
        ) from None
    _check_size(path, info, f"工作表「{title}」")
    found = _fast(path, z, info, title)
    if found is None or (not found.exact and found.rows * found.cols > LIMITS.cells):
        found = _exact(path, z, info, title)
    _check(path, title, found)
    return found


def _fast(path: Path, z: zipfile.ZipFile, info: zipfile.ZipInfo, title: str) -> SheetScan | None:
    """Byte searches over a sheet in the common form; None when it is not in that form."""
    rows = cols = 0
    carry = b""
    for chunk in inflate(path, z, info):
        data = carry + chunk
        cut = data.rfind(b"<")
        if cut >= 0 and data.find(b">", cut) < 0:  # a tag continues in the next chunk
            data, carry = data[:cut], data[cut:]
            if len(carry) > CHUNK:
                raise InputError(
                    str(path), f"的工作表「{title}」含有过长的 XML 标记，已损坏。", DAMAGED_HINT
                )
        else:
            carry = b""
        if _UNCOMMON.search(data) or _PREFIXED.search(data):
            return None
        for letters, digits in _FAR.findall(data):  # far by its column, its row or both
            cols = max(cols, column_number(letters.decode()))
            row = int(digits)
            if row > _NEAR_ROWS:
                rows = max(rows, row)
        if rows > LIMITS.rows or cols > LIMITS.cols:  # enough to refuse
            return SheetScan(rows=rows, cols=cols, partial=True)
    # No row seen from 100,000 on, or no column beyond Z: those are the bounds.
    return SheetScan(rows=rows or _NEAR_ROWS, cols=cols or 26, exact=bool(rows))


def _exact(path: Path, z: zipfile.ZipFile, info: zipfile.ZipInfo, title: str) -> SheetScan:
    """expat over the sheet: rows and cells where calamine puts them (an ``r`` if given,
    else one after the previous), formula texts; stops at the first limit crossed."""
    scan = SheetScan(rows=0, cols=0)
    row = col = 0
    formula: list[str] | None = None

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row, col, formula
        local = name.rpartition(" ")[2]
        if local == "row":
            row = _row_number(attrs.get("r"), row + 1)
            col = 0
            scan.rows = max(scan.rows, row)
        elif local == "c":
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                col = column_number(letters) if letters else col + 1
                row = _row_number(ref[len(letters) :], row) if ref[len(letters) :] else row
            else:
                col += 1
            scan.rows, scan.cols = max(scan.rows, row), max(scan.cols, col)
            if scan.rows > LIMITS.rows or scan.cols > LIMITS.cols:
                raise _Stop
        elif local == "f":
            formula = []

    def end(name: str) -> None:
        nonlocal formula
        if formula is not None and name.rpartition(" ")[2] == "f":
            text = "".join(formula)
            if text and row and col:
                scan.formulas[(row - 1, col - 1)] = "=" + text
            formula = None

    def text(data: str) -> None:
        if formula is not None:
            formula.append(data)

    def no_dtd(*_: object) -> None:
        raise InputError(
            str(path), f"的工作表「{title}」含有 DTD，不是 Excel 保存的工作表。", DAMAGED_HINT
        )

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = no_dtd
    try:
        for chunk in inflate(path, z, info):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Stop:
        scan.partial = True
    except expat.ExpatError as exc:
        raise InputError(
            str(path),
            f"的工作表「{title}」已损坏："
            f"XML 在第 {exc.lineno} 行第 {exc.offset} 列处不完整或有错。",
            DAMAGED_HINT,
        ) from None
    return scan


class _Stop(Exception):
    """The exact scan crossed a limit: what it measured so far is enough to refuse."""


def _row_number(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() else default


def _check(path: Path, title: str, scan: SheetScan) -> None:
    used = f"的工作表「{title}」" + ("至少" if scan.partial else "") + "用到第"
    if scan.rows > LIMITS.rows:
        raise InputError(
            str(path),
            f"{used} {scan.rows} 行，超过 formgen 读取的上限 {LIMITS.rows} 行。",
            _BIG_HINT,
        )
    if scan.cols > LIMITS.cols:
        raise InputError(
            str(path),
            f"{used} {scan.cols} 列（{column_letters(scan.cols)} 列），超过上限 {LIMITS.cols} 列。",
            _BIG_HINT,
        )
    if scan.rows * scan.cols > LIMITS.cells:
        raise InputError(
            str(path),
            f"的工作表「{title}」占 {scan.rows} 行 × {scan.cols} 列，"
            f"共 {scan.rows * scan.cols} 个单元格，超过上限 {LIMITS.cells} 个。",
            _BIG_HINT,
        )


def column_number(letters: str) -> int:
    """'A' -> 1, 'Z' -> 26, 'AA' -> 27, 'XFD' -> 16384."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(n: int) -> str:
    """1 -> 'A', 27 -> 'AA'."""
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n / 1024:.0f} KB"
