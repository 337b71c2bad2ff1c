"""XLSX backend: a tabular form's columns and context in, a print-ready workbook out.

Layout as the seed: 附件N, title, the 统计单位/时间 line, one or two header rows (merged
as in the seed), one row per record, the summary and footer lines, the 注 note. Text
that looks like a formula is written as text (quote-prefixed), never evaluated.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from typing import Any, Protocol
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from generator.render import ziputil

FANG, TITLE, HEI = "仿宋_GB2312", "方正小标宋简体", "黑体"
_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FORMULA_START = ("=", "+", "-", "@")
_CENTRED = {"no", "name", "count", "party"}


class ColumnLike(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def group(self) -> str: ...
    @property
    def width(self) -> float: ...


def put(
    ws: Worksheet,
    row: int,
    col: int,
    value: Any,
    font: Font | None = None,
    align: Alignment | None = None,
    border: bool = False,
) -> None:
    """Write one cell; strings that look like formulas stay literal text."""
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True
    if font:
        cell.font = font
    if align:
        cell.alignment = align
    if border:
        cell.border = _BOX


def _merge_line(
    ws: Worksheet, row: int, first: int, last: int, value: str, font: Font, align: Alignment
) -> None:
    put(ws, row, first, value, font, align)
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)


def layout_workbook(
    columns: Sequence[ColumnLike],
    ctx: dict[str, Any],
    label: str,
    landscape: bool = True,
    stamp: dt.datetime | None = None,
) -> bytes:
    """Columns + context -> XLSX bytes, through openpyxl (slow: used once per run, to make
    the styled skeleton ``CompiledXlsx`` fills, and as the reference in tests)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet_title(label)
    n = len(columns)
    half = max(1, n // 2)
    body = Font(name=FANG, size=12)
    wrap_c = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wrap_l = Alignment(horizontal="left", vertical="center", wrap_text=True)
    for j, c in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(j)].width = c.width

    put(ws, 1, 1, label, Font(name=HEI, size=12))
    _merge_line(
        ws,
        2,
        1,
        n,
        ctx["title"],
        Font(name=TITLE, size=18, bold=True),
        Alignment(horizontal="center", vertical="center", wrap_text=True),
    )
    ws.row_dimensions[2].height = 36
    _merge_line(ws, 3, 1, half, ctx["head_left"], body, Alignment(horizontal="left"))
    _merge_line(ws, 3, half + 1, n, ctx["head_right"], body, Alignment(horizontal="right"))

    two_rows = any(c.group for c in columns)
    head = Font(name=HEI, size=12)
    top = 4
    j = 1
    while j <= n:
        c = columns[j - 1]
        if c.group and two_rows:
            span = 1
            while j - 1 + span < n and columns[j - 1 + span].group == c.group:
                span += 1
            for k in range(j, j + span):
                put(ws, top, k, c.group if k == j else None, head, wrap_c, border=True)
                put(ws, top + 1, k, columns[k - 1].label, head, wrap_c, border=True)
            ws.merge_cells(start_row=top, start_column=j, end_row=top, end_column=j + span - 1)
            j += span
            continue
        put(ws, top, j, c.label, head, wrap_c, border=True)
        if two_rows:
            put(ws, top + 1, j, None, head, wrap_c, border=True)
            ws.merge_cells(start_row=top, start_column=j, end_row=top + 1, end_column=j)
        j += 1
    last_head = top + 1 if two_rows else top
    for r in range(top, last_head + 1):
        ws.row_dimensions[r].height = 22

    r = last_head
    section = Font(name=HEI, size=12)
    for rec in ctx["rows"]:
        r += 1
        if rec.get("section"):  # a heading across the table (四张清单: 一、资源清单)
            for j in range(1, n + 1):
                put(ws, r, j, rec["section"] if j == 1 else None, section, wrap_l, border=True)
            if n > 1:
                ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=n)
            ws.row_dimensions[r].height = 22
            continue
        for j, c in enumerate(columns, start=1):
            value = rec.get(c.key, "")
            if c.key in {"no", "count"} and isinstance(value, str) and value.isdigit():
                value = int(value)
            centred = c.key in _CENTRED or getattr(c, "align", "") == "center"
            put(ws, r, j, value, body, wrap_c if centred else wrap_l, border=True)
        longest = max(
            (len(str(rec.get(c.key, ""))) / max(c.width / 2.1, 1) for c in columns), default=1
        )
        ws.row_dimensions[r].height = max(20, 16 * min(int(longest) + 1, 12))

    r += 1
    if ctx.get("summary"):
        _merge_line(ws, r, 1, n, ctx["summary"], body, wrap_l)
        ws.row_dimensions[r].height = 24
        r += 1
    _merge_line(ws, r, 1, half, ctx["foot_left"], body, Alignment(horizontal="left"))
    _merge_line(ws, r, half + 1, n, ctx["foot_right"], body, Alignment(horizontal="right"))
    if ctx.get("notes"):
        r += 1
        _merge_line(ws, r, 1, n, ctx["notes"], Font(name=FANG, size=10.5), wrap_l)
        ws.row_dimensions[r].height = 30

    ws.print_title_rows = f"{top}:{last_head}"
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.6
    ws.page_margins.top, ws.page_margins.bottom = 0.7, 0.6
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"

    buf = io.BytesIO()
    wb.save(buf)
    return _deterministic(buf.getvalue(), stamp or dt.datetime(2000, 1, 1))


def _deterministic(data: bytes, stamp: dt.datetime) -> bytes:
    """Re-pack with fixed zip times and a fixed docProps timestamp."""
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    parts = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            content = z.read(info)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                    rb"\g<1>" + iso.encode() + rb"\2",
                    content,
                )
            parts.append(ziputil.deflate(info.filename, content))
    return ziputil.build(parts)


def sheet_title(label: str) -> str:
    """A worksheet's name from a form's label: never empty, at most 31 characters, none
    of the characters Excel refuses (a form without 附件N is 「表格」)."""
    return re.sub(r"[\\/*?:\[\]]", "_", label)[:31] or "表格"


CELL_RE = re.compile(r'<c r="([A-Z]+)(\d+)" s="(\d+)"')
ROW_RE = re.compile(r"<row [^>]*>.*?</row>", re.S)


def _col(j: int) -> str:
    return get_column_letter(j)


def text_cell(ref: str, style: str, value: object) -> str:
    if value is None or value == "":
        return f'<c r="{ref}" s="{style}"/>'
    if isinstance(value, int):
        return f'<c r="{ref}" s="{style}"><v>{value}</v></c>'
    return (
        f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">'
        f"{escape(str(value))}</t></is></c>"
    )


class CompiledXlsx:
    """A tabular form's styled workbook made once; ``render`` writes only the sheet XML.

    The skeleton comes from ``layout_workbook`` with a probe context; its cell style ids,
    static header rows, column widths and page set-up are reused for every document.
    """

    def __init__(
        self, columns: Sequence[ColumnLike], label: str, landscape: bool, summary: bool
    ) -> None:
        self.columns = list(columns)
        self.label = label
        n = len(self.columns)
        self.n, self.half = n, max(1, n // 2)
        self.two_rows = any(c.group for c in self.columns)
        self.top, self.last_head = 4, 5 if self.two_rows else 4
        probe = {
            "title": "T",
            "head_left": "L",
            "head_right": "R",
            "foot_left": "F",
            "foot_right": "P",
            "notes": "N",
            "summary": "S" if summary else "",
            "rows": [
                {c.key: "x" for c in self.columns},
                {c.key: "=x" for c in self.columns},
                {"section": "x"},
            ],
        }
        skeleton = layout_workbook(self.columns, probe, label, landscape)
        with zipfile.ZipFile(io.BytesIO(skeleton)) as z:
            self.others = [
                (i.filename, z.read(i))
                for i in z.infolist()
                if i.filename != "xl/worksheets/sheet1.xml"
            ]
            sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
        styles = {(int(r), col): st for col, r, st in CELL_RE.findall(sheet)}
        d0 = self.last_head + 1
        self.s_label, self.s_title = styles[(1, "A")], styles[(2, "A")]
        self.s_left, self.s_right = styles[(3, "A")], styles[(3, _col(self.half + 1))]
        self.s_data = [styles[(d0, _col(j))] for j in range(1, n + 1)]
        self.s_quoted = [styles[(d0 + 1, _col(j))] for j in range(1, n + 1)]
        self.s_section = [styles[(d0 + 2, _col(j))] for j in range(1, n + 1)]
        after = d0 + 3
        self.s_summary = styles[(after, "A")] if summary else ""
        self.s_notes = styles[(after + (2 if summary else 1), "A")]
        rows = ROW_RE.findall(sheet)
        self.header_rows = "".join(
            r
            for r in rows
            if f'r="{self.top}"' in r.split(">")[0] or f'r="{self.last_head}"' in r.split(">")[0]
        )
        head, _, rest = sheet.partition("<sheetData>")
        self.prefix = re.sub(r'<dimension ref="[^"]*"/>', "{dimension}", head)
        self.suffix = rest.partition("</mergeCells>")[2]
        self.static_merges = [
            m
            for m in re.findall(r'<mergeCell ref="([^"]+)"/>', sheet)
            if int(re.sub(r"\D+", " ", m).split()[0]) <= self.last_head
        ]
        self._parts: dict[dt.datetime, list[ziputil.Part]] = {}

    def _static(self, stamp: dt.datetime) -> list[ziputil.Part]:
        if stamp not in self._parts:
            iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
            parts = []
            for name, content in self.others:
                if name == "docProps/core.xml":
                    content = re.sub(
                        rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                        rb"\g<1>" + iso + rb"\2",
                        content,
                    )
                parts.append(ziputil.deflate(name, content))
            self._parts = {stamp: parts}
        return self._parts[stamp]

    def render(self, ctx: dict[str, Any], stamp: dt.datetime | None = None) -> bytes:
        """A context -> XLSX bytes: the same cells and merges ``layout_workbook`` makes."""
        stamp = stamp or dt.datetime(2000, 1, 1)
        half, last = self.half, _col(self.n)
        rows = [
            f'<row r="1">{text_cell("A1", self.s_label, self.label)}</row>',
            f'<row r="2" ht="36" customHeight="1">{text_cell("A2", self.s_title, ctx["title"])}'
            "</row>",
            f'<row r="3">{text_cell("A3", self.s_left, ctx["head_left"])}'
            f"{text_cell(_col(half + 1) + '3', self.s_right, ctx['head_right'])}</row>",
            self.header_rows,
        ]
        merges = list(self.static_merges)
        r = self.last_head
        for rec in ctx["rows"]:
            r += 1
            if rec.get("section"):
                cells = [
                    text_cell(f"{_col(j + 1)}{r}", st, rec["section"] if j == 0 else None)
                    for j, st in enumerate(self.s_section)
                ]
                rows.append(f'<row r="{r}" ht="22" customHeight="1">{"".join(cells)}</row>')
                if self.n > 1:
                    merges.append(f"A{r}:{last}{r}")
                continue
            cells = []
            longest = 1.0
            for j, c in enumerate(self.columns):
                value = rec.get(c.key, "")
                if c.key in {"no", "count"} and isinstance(value, str) and value.isdigit():
                    value = int(value)
                quoted = isinstance(value, str) and value.startswith(_FORMULA_START)
                style = (self.s_quoted if quoted else self.s_data)[j]
                cells.append(text_cell(f"{_col(j + 1)}{r}", style, value))
                longest = max(longest, len(str(value)) / max(c.width / 2.1, 1))
            height = max(20, 16 * min(int(longest) + 1, 12))
            rows.append(f'<row r="{r}" ht="{height}" customHeight="1">{"".join(cells)}</row>')
        r += 1
        if ctx.get("summary"):
            rows.append(
                f'<row r="{r}" ht="24" customHeight="1">'
                f"{text_cell(f'A{r}', self.s_summary, ctx['summary'])}</row>"
            )
            merges.append(f"A{r}:{last}{r}")
            r += 1
        rows.append(
            f'<row r="{r}">{text_cell(f"A{r}", self.s_left, ctx["foot_left"])}'
            f"{text_cell(f'{_col(half + 1)}{r}', self.s_right, ctx['foot_right'])}</row>"
        )
        merges += [f"A{r}:{_col(half)}{r}", f"{_col(half + 1)}{r}:{last}{r}"]
        if ctx.get("notes"):
            r += 1
            rows.append(
                f'<row r="{r}" ht="30" customHeight="1">'
                f"{text_cell(f'A{r}', self.s_notes, ctx['notes'])}</row>"
            )
            merges.append(f"A{r}:{last}{r}")
        sheet = (
            self.prefix.replace("{dimension}", f'<dimension ref="A1:{last}{r}"/>')
            + "<sheetData>"
            + "".join(rows)
            + "</sheetData>"
            + f'<mergeCells count="{len(merges)}">'
            + "".join(f'<mergeCell ref="{m}"/>' for m in merges)
            + "</mergeCells>"
            + self.suffix
        )
        parts = [
            *self._static(stamp),
            ziputil.quick("xl/worksheets/sheet1.xml", sheet.encode("utf-8")),
        ]
        return ziputil.build(parts)
