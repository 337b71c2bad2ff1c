"""Stage 1 — load: a ledger path (.xlsx workbook, folder of .csv, .json) in, raw sheets out.

Raw sheets keep every cell as read (strings, numbers, dates) with its row number, so the
validator can point at the exact cell. No value is interpreted here.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import html
import io
import json
import re
import zipfile
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import FormgenError, InputError, Issue, UserError
from generator.ledger import xlsxscan
from generator.ledger.schema import Schema, build_schema, canon_header

Cell = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None


@dataclass
class RawSheet:
    """One sheet as read: canonical headers and (row number, cells) pairs."""

    file: str
    name: str
    headers: list[str]
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)


@dataclass
class RawLedger:
    """Every sheet found, by sheet name, plus problems met while reading."""

    source: str
    sheets: Mapping[str, RawSheet]
    issues: list[Issue] = field(default_factory=list)
    profile: str = ""  # the profile recorded in the workbook by ``formgen init --profile``


def load(path: str | Path, schema: Schema | None = None) -> RawLedger:
    """Read an .xlsx workbook, a folder of <sheet>.csv files, or a .json file; the sheets
    of ``schema`` (default: the common core) are the ones read."""
    schema = schema or build_schema(())
    p = Path(path)
    if not p.exists():
        raise UserError(f"找不到台账文件「{p}」。", "请检查路径；可用 formgen init 生成空白台账。")
    if p.is_dir():
        return _load_csv_dir(p, schema)
    suffix = p.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return _load_xlsx(p, schema)
    if suffix == ".json":
        return _load_json(p, schema)
    if suffix == ".csv":
        return _load_csv_dir(p.parent, schema, only=p)
    raise UserError(
        f"不支持的台账格式「{p.name}」。", "请使用 .xlsx 工作簿、CSV 文件夹或 .json 文件。"
    )


def _find_header(rows: list[list[Cell]], known: set[str]) -> int:
    """Index of the header row among the first rows: the one naming known columns."""
    for i, row in enumerate(rows[:6]):
        names = {canon_header(str(v)) for v in row if v is not None}
        if len(names & known) >= 2 or (known and names & known == known):
            return i
    return 0


def _sheet_from_rows(file: str, name: str, rows: Iterator[list[Cell]], known: set[str]) -> RawSheet:
    head: list[list[Cell]] = []
    for row in rows:
        head.append(row)
        if len(head) >= 6:
            break
    h = _find_header(head, known)
    headers = [canon_header(str(v)) if v is not None else "" for v in head[h]] if head else []
    sheet = RawSheet(file=file, name=name, headers=headers)
    rownum = h + 1
    for row in [*head[h + 1 :], *rows]:
        rownum += 1
        if any(v is not None and str(v).strip() != "" for v in row):
            sheet.rows.append((rownum, list(row)))
    return sheet


def _known(schema: Schema, name: str) -> set[str]:
    sheet = schema.by_name.get(name)
    return {c.header for c in sheet.columns} if sheet else set()


def _load_xlsx(p: Path, schema: Schema) -> RawLedger:
    """Cell values through calamine (Rust; 1.6 s for 800,000 cells where openpyxl's
    read-only mode took 17 s), each sheet let through only once ``xlsxscan`` has bounded
    it. Formulas are data, never evaluated: a cell that holds a formula is read as the
    formula's text, as the clerk typed it."""
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    z = xlsxscan.open_zip(p)  # closed on the sheets' thread once they are read
    try:
        parts = xlsxscan.sheet_parts(p, z)
        # What calamine reads whole as it opens the workbook (shared strings, styles …).
        xlsxscan.verify(p, z, [
            n for n in z.namelist()
            if n.endswith((".xml", ".rels")) and not n.startswith(("xl/worksheets/", "xl/media/"))
        ])  # fmt: skip
        try:
            wb = CalamineWorkbook.from_path(str(p))
        except PasswordError:
            raise InputError(str(p), "设有打开密码，无法读取。", "请去掉密码后另存再试。") from None
        except CalamineError as exc:
            raise InputError(
                str(p), f"已损坏：{_part_of(exc)}无法读取。", xlsxscan.DAMAGED_HINT
            ) from None
    except BaseException:
        z.close()
        raise
    sheets = _XlsxSheets(p, wb, z, parts, schema)
    return RawLedger(source=str(p), sheets=sheets, issues=sheets.warnings,
                     profile=recorded_profile(p))  # fmt: skip


_PARTS = (("styleSheet", "样式（xl/styles.xml）"), ("sst", "共享字符串（xl/sharedStrings.xml）"),
          ("sharedStrings", "共享字符串（xl/sharedStrings.xml）"),
          ("workbook", "工作簿信息（xl/workbook.xml）"), ("rels", "部件关系（.rels）"))  # fmt: skip


def _part_of(exc: Exception) -> str:
    """Which part of the workbook calamine could not read, in Chinese, from its message."""
    text = str(exc)
    return next((part for key, part in _PARTS if key in text), "工作簿的结构")


class _XlsxSheets(Mapping[str, RawSheet]):
    """The workbook's known sheets in the validator's order, each scanned (bounded, its
    formulas read) on one background thread and then parsed by calamine on another
    (calamine parses without holding the GIL), and made a RawSheet when first asked for:
    the validator converts one sheet while the next ones are scanned and parsed. Load and
    validate of the 10,000-member ledger took 3.8 s with scan and parse on one thread,
    2.4 s on two (2,000 members: 0.68 -> 0.55 s). A sheet that crosses a limit is refused
    when asked for, before calamine has seen it."""

    def __init__(
        self, p: Path, wb: Any, z: zipfile.ZipFile, parts: dict[str, str], schema: Schema
    ) -> None:
        self.path = p
        self.schema = schema
        order = {s.name: i for i, s in enumerate(schema.sheets)}
        titles = {canon_header(t): t for t in wb.sheet_names}  # of two alike, the last
        known = sorted((n for n in titles if n in order), key=order.__getitem__)
        self.titles = {n: titles[n] for n in known}
        self.formulas: dict[str, dict[tuple[int, int], str]] = {}
        self.warnings: list[Issue] = []
        scanner = ThreadPoolExecutor(1, thread_name_prefix="formgen-xlsx-scan")
        parser = ThreadPoolExecutor(1, thread_name_prefix="formgen-xlsx")
        self.scanned: dict[str, Future[None]] = {
            n: scanner.submit(self._scan, z, n, parts.get(t, "")) for n, t in self.titles.items()
        }
        self.parsed: dict[str, Future[Any]] = {
            n: parser.submit(self._parse, wb, n, scan) for n, scan in self.scanned.items()
        }
        scanner.submit(z.close)
        parser.submit(wb.close)
        for worker in (scanner, parser):  # the queued sheets still go through; then they end
            worker.shutdown(wait=False)
        self.done: dict[str, RawSheet] = {}

    def _scan(self, z: zipfile.ZipFile, name: str, part: str) -> None:
        title = self.titles[name]
        scan = xlsxscan.scan_sheet(self.path, z, title, part)
        self.formulas[name] = scan.formulas
        if scan.exact and scan.rows > xlsxscan.LIMITS.warn_rows:
            self.warnings.append(Issue(
                self.path.name, name, None, "", None,
                f"用到第 {scan.rows} 行（超过 {xlsxscan.LIMITS.warn_rows} 行），"
                "读取和生成都会较慢；若下方有多余的行，请删除。", "warning",
            ))  # fmt: skip

    def _parse(self, wb: Any, name: str, scanned: Future[None]) -> Any:
        scanned.result()  # a sheet beyond a limit: its refusal, and calamine never sees it
        return wb.get_sheet_by_name(self.titles[name])

    def __getitem__(self, name: str) -> RawSheet:
        if name not in self.done:
            if name not in self.parsed:
                raise KeyError(name)
            from python_calamine import CalamineError

            try:
                rows = self.parsed[name].result().to_python(skip_empty_area=False)
            except CalamineError:  # XmlError and the like: a damaged sheet
                self._cancel()
                raise InputError(
                    str(self.path),
                    f"的工作表「{self.titles[name]}」已损坏，无法读取。",
                    xlsxscan.DAMAGED_HINT,
                ) from None
            except BaseException:  # beyond a limit: the sheets after it are not read
                self._cancel()
                raise
            grid: list[list[Cell]] = [list(r) for r in rows]
            for (r, c), text in self.formulas[name].items():
                while len(grid) <= r:
                    grid.append([])
                row = grid[r]
                row.extend([None] * (c + 1 - len(row)))
                row[c] = text
            self.done[name] = _sheet_from_rows(
                self.path.name, name, iter(grid), _known(self.schema, name)
            )
            del self.parsed[name]
        return self.done[name]

    def _cancel(self) -> None:
        for future in (*self.scanned.values(), *self.parsed.values()):
            future.cancel()

    def __contains__(self, name: object) -> bool:
        return name in self.titles

    def __iter__(self) -> Iterator[str]:
        return iter(self.titles)

    def __len__(self) -> int:
        return len(self.titles)


def _decode(data: bytes, name: str) -> str:
    """CSV bytes as Excel/WPS save them: UTF-8 (with or without BOM), else GBK/GB18030.
    A BOM before text that is not UTF-8 is an error naming the encodings: guessing again
    there could turn a damaged UTF-8 file into plausible nonsense."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start + 3].count(b"\n") + 1
            looks = "GBK（简体中文 Windows 的 ANSI）" if _decodes(data[3:], "gbk") else "别的编码"
            raise InputError(
                name,
                f"开头有 UTF-8 的 BOM 标记，但第{line}行起的内容不是 UTF-8，像是{looks}。",
                "请在 Excel/WPS 中“另存为 CSV UTF-8（逗号分隔）”；"
                "或在记事本中另存为 ANSI，去掉开头的标记。",
            ) from None
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _read_bytes(p: Path) -> bytes:
    """A text ledger file's bytes, refused beyond the size a workbook may have."""
    size = p.stat().st_size
    if size > xlsxscan.LIMITS.xml_bytes:
        raise InputError(
            str(p),
            f"有 {size // 2**20} MB，超过 formgen 读取台账的上限 "
            f"{xlsxscan.LIMITS.xml_bytes // 2**20} MB。",
            "请把台账拆成几个文件。",
        )
    return p.read_bytes()


def _load_csv_dir(d: Path, schema: Schema, only: Path | None = None) -> RawLedger:
    sheets: dict[str, RawSheet] = {}
    ledger = RawLedger(source=str(only or d), sheets=sheets)
    files = [only] if only else sorted(d.glob("*.csv"))
    for f in files:
        name = canon_header(f.stem)
        if name not in schema.by_name:
            continue
        text = _decode(_read_bytes(f), f.name)
        rows = (list(r) for r in csv.reader(io.StringIO(text)))
        sheets[name] = _sheet_from_rows(f.name, name, rows, _known(schema, name))  # type: ignore[arg-type]
    if not ledger.sheets:
        names = "、".join(s.name for s in schema.sheets)
        raise UserError(f"文件夹「{d}」中没有可识别的 CSV 台账。", f"文件名应为工作表名：{names}")
    return ledger


def _load_json(p: Path, schema: Schema) -> RawLedger:
    hint = "JSON 台账应是 UTF-8 编码、以工作表名为键的对象，每个工作表是一组记录。"
    try:
        data = json.loads(_read_bytes(p).decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError(str(p), "不是 UTF-8 编码的 JSON 文件。", hint) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            str(p), f"不是有效的 JSON：第{exc.lineno}行第{exc.colno}列处有错。", hint
        ) from None
    except RecursionError:
        raise InputError(str(p), "嵌套层数过多，不是台账。", hint) from None
    except ValueError:  # a number of more than 4,300 digits
        raise InputError(str(p), "含有过长的数字，不是台账。", hint) from None
    if not isinstance(data, dict):
        raise UserError(f"JSON 台账「{p}」应是以工作表名为键的对象。")
    sheets: dict[str, RawSheet] = {}
    ledger = RawLedger(source=str(p), sheets=sheets, profile=str(data.get("_profile") or ""))
    for key, records in data.items():
        name = canon_header(key)
        sheet = schema.by_name.get(name) or schema.by_key.get(key)
        if sheet is None or not isinstance(records, list):
            continue
        headers: list[str] = []
        for rec in records:
            for k in rec if isinstance(rec, dict) else ():
                ck = canon_header(str(k))
                if ck not in headers:
                    headers.append(ck)
        raw = RawSheet(file=p.name, name=sheet.name, headers=headers)
        for i, rec in enumerate(records, start=1):
            if isinstance(rec, dict):
                canon = {canon_header(str(k)): v for k, v in rec.items()}
                raw.rows.append((i, [canon.get(h) for h in headers]))
        sheets[sheet.name] = raw
    return ledger


PROFILE_PROPERTY = "formgen-profile"
# The value element may carry its own namespace declaration (openpyxl writes
# <vt:lpwstr xmlns:vt="…"> when it saves a workbook again) or another prefix.
_PROP = re.compile(
    r'<property[^>]*name="' + PROFILE_PROPERTY + r'"[^>]*>\s*<(?:\w+:)?lpwstr[^>]*>([^<]*)<'
)


def recorded_profile(path: str | Path) -> str:
    """The profile id ``formgen init --profile`` recorded in a workbook ('' if none)."""
    p = Path(path)
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(_read_bytes(p).decode("utf-8-sig"))
        except (FormgenError, OSError, ValueError, RecursionError):
            return ""  # loading will say what is wrong with it
        return str(data.get("_profile", "")) if isinstance(data, dict) else ""
    if p.suffix.lower() not in {".xlsx", ".xlsm"}:
        return ""
    try:
        with zipfile.ZipFile(p) as z:
            if "docProps/custom.xml" not in z.namelist():
                return ""
            xml = z.read("docProps/custom.xml").decode("utf-8", errors="replace")
    except (OSError, zipfile.BadZipFile):
        return ""
    m = _PROP.search(xml)
    return html.unescape(m.group(1)).strip() if m else ""
