"""The clerk's ledger given back with every problem on it: each bad cell filled (red
for errors, yellow for warnings) and commented with the message, and a 问题清单 sheet
listing them all. An uploaded .xlsx is marked as it is; CSV and JSON ledgers are first
laid out as a workbook with the rows where the messages say they are."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from generator.errors import Issue
from generator.ledger.load import RawLedger
from generator.ledger.schema import canon_header
from generator.render.xlsx import put

FILLS = {
    "error": PatternFill("solid", fgColor="FFC7CE"),
    "warning": PatternFill("solid", fgColor="FFEB9C"),
}
LIST_SHEET = "问题清单"
HEADER_ROWS = 6  # the loader looks for the header among the first rows


def mark_xlsx(path: Path, issues: Iterable[Issue]) -> bytes:
    """The uploaded workbook with its issues marked."""
    with warnings.catch_warnings():  # openpyxl warns of extensions it drops; not ours
        warnings.simplefilter("ignore")
        wb = load_workbook(path)
    return _marked(wb, issues)


def mark_raw(raw: RawLedger, issues: Iterable[Issue]) -> bytes:
    """A CSV or JSON ledger as a workbook (header in row 1, each row at its number;
    JSON records, numbered from 1, one row lower), with its issues marked."""
    wb = Workbook()
    first = wb.active
    if first is not None:
        wb.remove(first)
    shifts: dict[str, int] = {}
    for name in raw.sheets:
        sheet = raw.sheets[name]
        ws = wb.create_sheet(name[:31])
        shifts[canon_header(ws.title)] = shift = int(bool(sheet.rows) and sheet.rows[0][0] == 1)
        for j, header in enumerate(sheet.headers, start=1):
            put(ws, 1, j, header, font=Font(bold=True))
        for rownum, cells in sheet.rows:
            for j, value in enumerate(cells, start=1):
                put(ws, rownum + shift, j, value)
    return _marked(wb, issues, shifts)


def _marked(wb: Workbook, issues: Iterable[Issue], shifts: dict[str, int] | None = None) -> bytes:
    sheets = {canon_header(ws.title): ws for ws in wb.worksheets}
    listing = wb.create_sheet(LIST_SHEET, 0)
    for j, head in enumerate(("工作表", "行", "列", "值", "问题", "类别"), start=1):
        put(listing, 1, j, head, font=Font(bold=True))
    for width, col in zip((12, 6, 14, 24, 60, 6), "ABCDEF", strict=True):
        listing.column_dimensions[col].width = width
    for i, issue in enumerate(issues, start=2):
        kind = "错误" if issue.severity == "error" else "警告"
        for j, value in enumerate(
            (issue.sheet, issue.row, issue.column, _shown(issue.value), issue.message, kind),
            start=1,
        ):
            put(listing, i, j, value)
        ws = sheets.get(canon_header(issue.sheet))
        if ws is not None:
            _flag(ws, issue, (shifts or {}).get(canon_header(issue.sheet), 0))
    wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _flag(ws: Worksheet, issue: Issue, shift: int) -> None:
    """Fill and comment the issue's cell (its row and column, else the column's header,
    else the row's first cell, else A1); ``shift`` rows down for JSON records."""
    col, header_row = _column(ws, issue.column) if issue.column else (None, 1)
    row = issue.row + shift if issue.row else header_row
    cell = ws.cell(row, col or 1)
    cell.fill = FILLS.get(issue.severity, FILLS["error"])
    text = ("错误" if issue.severity == "error" else "警告") + "：" + issue.message
    if cell.comment is not None:
        text = cell.comment.text + "\n" + text
    cell.comment = Comment(text, "formgen", width=260, height=110)


def _column(ws: Worksheet, header: str) -> tuple[int | None, int]:
    """Column index of a header among the first rows, and the header's row."""
    want = canon_header(header)
    for r, row in enumerate(ws.iter_rows(max_row=HEADER_ROWS, values_only=True), start=1):
        for c, value in enumerate(row, start=1):
            if value is not None and canon_header(str(value)) == want:
                return c, r
    return None, 1


def _shown(value: object) -> str:
    return "" if value is None else str(value)
