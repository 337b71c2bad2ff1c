"""The rules report as a workbook: rule results in, an .xlsx with the sheet 「规则检查」
(规则, 范围, 编号, 名称, 实际, 要求, 结果) and a 「达标率」 sheet charting each unit's share of
达标 rows out."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill

from generator.render import ziputil
from generator.render.xlsx import CELL_RE, ROW_RE, put, text_cell
from generator.render.ziputil import rezip

HEADERS = ("规则", "范围", "编号", "名称", "实际", "要求", "结果")
_WIDTHS = (46, 10, 10, 34, 16, 12, 10)
_FAIL = PatternFill("solid", fgColor="FCE4D6")


def rules_workbook(
    rows: Sequence[Sequence[str]], rates: dict[str, tuple[int, int]], title: str = ""
) -> bytes:
    """Rows of the seven report columns and per-unit (达标, all) counts -> XLSX bytes.

    openpyxl lays out a skeleton (styles, the 达标率 sheet and its chart) with one row of
    each kind; the rows themselves are written straight into the sheet's XML with those
    styles — a city's 60,000 rows take a second, where styling them cell by cell through
    openpyxl took most of a minute."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "规则检查"
    head = Font(name="黑体", bold=True)
    for j, (h, w) in enumerate(zip(HEADERS, _WIDTHS, strict=True), start=1):
        put(ws, 1, j, h, head, Alignment(horizontal="center"))
        ws.column_dimensions[chr(64 + j)].width = w
    for i, fill in ((2, None), (3, _FAIL)):
        for j in range(1, len(HEADERS) + 1):
            cell = ws.cell(row=i, column=j, value="x")
            cell.alignment = Alignment(wrap_text=j in (1, 4), vertical="center")
            if fill is not None:
                cell.fill = fill
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:G{max(1, len(rows) + 1)}"
    _rates_sheet(wb, rates, title)
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    name = "xl/worksheets/sheet1.xml"
    sheet = parts[name].decode("utf-8")
    styles = {(int(r), c): st for c, r, st in CELL_RE.findall(sheet)}
    ok = [styles[(2, chr(65 + j))] for j in range(len(HEADERS))]
    bad = [styles[(3, chr(65 + j))] for j in range(len(HEADERS))]
    body = []
    for i, row in enumerate(rows, start=2):
        st = ok if row[-1] == "达标" else bad
        cells = "".join(text_cell(f"{chr(65 + j)}{i}", st[j], v) for j, v in enumerate(row))
        body.append(f'<row r="{i}">{cells}</row>')
    head_row = ROW_RE.findall(sheet)[0]
    start, end = sheet.index("<sheetData>"), sheet.index("</sheetData>")
    sheet = sheet[:start] + "<sheetData>" + head_row + "".join(body) + sheet[end:]
    sheet = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:G{len(rows) + 1}"/>', sheet)
    parts[name] = sheet.encode("utf-8")
    return ziputil.build([ziputil.deflate(n, data) for n, data in parts.items()])


def _rates_sheet(wb: Any, rates: dict[str, tuple[int, int]], title: str) -> None:
    """The 达标率 sheet: each unit's share of 达标 rows, and a bar chart of it."""
    ws = wb.create_sheet("达标率")
    head = Font(name="黑体", bold=True)
    for j, h in enumerate(("单位", "达标率(%)", "达标项", "检查项"), start=1):
        put(ws, 1, j, h, head)
    ws.column_dimensions["A"].width = 34
    for i, (unit, (ok, total)) in enumerate(sorted(rates.items()), start=2):
        put(ws, i, 1, unit)
        ws.cell(row=i, column=2, value=round(100 * ok / total, 1) if total else 0.0)
        ws.cell(row=i, column=3, value=ok)
        ws.cell(row=i, column=4, value=total)
    if rates:
        chart = BarChart()
        chart.type = "bar"
        chart.title = title or "各单位达标率"
        chart.y_axis.title = "达标率(%)"
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 100
        n = len(rates) + 1
        chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=n), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n))
        chart.height = max(7.5, 0.8 * len(rates) + 3)
        chart.width = 22
        ws.add_chart(chart, "F2")


def table_workbook(sheet: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """A plain list as a workbook: one sheet, a bold header row, the rows (archive status)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    for j, h in enumerate(headers, start=1):
        put(ws, 1, j, h, Font(name="黑体", bold=True))
        ws.column_dimensions[chr(64 + j)].width = 16
    for i, row in enumerate(rows, start=2):
        for j, value in enumerate(row, start=1):
            put(ws, i, j, value)
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return rezip(buf.getvalue())
