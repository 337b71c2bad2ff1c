"""The rules report as a workbook: rule results in, an .xlsx with the sheet 「规则检查」
(规则, 范围, 编号, 名称, 实际, 要求, 结果) and a 「达标率」 sheet charting each unit's share of
达标 rows out."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill

from generator.render.xlsx import put
from generator.render.ziputil import rezip

HEADERS = ("规则", "范围", "编号", "名称", "实际", "要求", "结果")
_WIDTHS = (46, 10, 10, 34, 16, 12, 10)
_FAIL = PatternFill("solid", fgColor="FCE4D6")


def rules_workbook(
    rows: Sequence[Sequence[str]], rates: dict[str, tuple[int, int]], title: str = ""
) -> bytes:
    """Rows of the seven report columns and per-unit (达标, all) counts -> XLSX bytes."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "规则检查"
    head = Font(name="黑体", bold=True)
    for j, (h, w) in enumerate(zip(HEADERS, _WIDTHS, strict=True), start=1):
        put(ws, 1, j, h, head, Alignment(horizontal="center"))
        ws.column_dimensions[chr(64 + j)].width = w
    for i, row in enumerate(rows, start=2):
        for j, value in enumerate(row, start=1):
            put(ws, i, j, value, align=Alignment(wrap_text=j in (1, 4), vertical="center"))
        if row[-1] != "达标":
            for j in range(1, len(HEADERS) + 1):
                ws.cell(row=i, column=j).fill = _FAIL
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:G{max(1, len(rows) + 1)}"

    chart_ws = wb.create_sheet("达标率")
    put(chart_ws, 1, 1, "单位", head)
    put(chart_ws, 1, 2, "达标率(%)", head)
    put(chart_ws, 1, 3, "达标项", head)
    put(chart_ws, 1, 4, "检查项", head)
    chart_ws.column_dimensions["A"].width = 34
    for i, (unit, (ok, total)) in enumerate(sorted(rates.items()), start=2):
        put(chart_ws, i, 1, unit)
        chart_ws.cell(row=i, column=2, value=round(100 * ok / total, 1) if total else 0.0)
        chart_ws.cell(row=i, column=3, value=ok)
        chart_ws.cell(row=i, column=4, value=total)
    if rates:
        chart = BarChart()
        chart.type = "bar"
        chart.title = title or "各单位达标率"
        chart.y_axis.title = "达标率(%)"
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 100
        n = len(rates) + 1
        chart.add_data(Reference(chart_ws, min_col=2, min_row=1, max_row=n), titles_from_data=True)
        chart.set_categories(Reference(chart_ws, min_col=1, min_row=2, max_row=n))
        chart.height = max(7.5, 0.8 * len(rates) + 3)
        chart.width = 22
        chart_ws.add_chart(chart, "F2")
    buf = io.BytesIO()
    wb.save(buf)
    return rezip(buf.getvalue())


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
