"""``formgen init``: the profile in, a blank ledger workbook out.

Every sheet with its headers (required ones marked), dropdown lists for the closed
sets, one example row (marked （示例）, skipped on reading), readable column widths,
and a 说明 sheet telling a clerk what goes where.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from generator.ledger.load import PROFILE_PROPERTY
from generator.ledger.schema import (
    CHOICE,
    DATE,
    EXAMPLE_MARK,
    NUMBER,
    PHONE,
    SIGNED,
    YEAR,
    YESNO,
    schema_for,
)
from generator.policy.profile import Profile
from generator.render.ziputil import rezip

_HINTS = {
    DATE: "日期，如 2023-02-01、2023/2/1、2023.2.1 或 2023年2月1日",
    YEAR: "四位年份，如 2023",
    PHONE: "手机11位或带区号座机，如 0719-8652545",
    NUMBER: "数字，如 2 或 1.5",
    SIGNED: "数字，可为负数，如 5 或 -2",
    YESNO: "是 或 否（空白视为“是”）",
}
GUIDE = [
    "填写说明",
    "1. 每个工作表第一行为表头，请勿修改表头文字；从第二行起每行填写一条记录。",
    "2. 表头为红色的列为必填项。灰色斜体的“（示例）”行仅作示范，读取时自动跳过，可删除。",
    "3. 其他工作表中的党员干部用“编号”指明；没有编号时填“姓名”和“所在单位”。"
    "同一单位有同名同姓时必须填编号。",
    "4. 日期可写作 2023-02-01、2023/2/1、2023.2.1、2023年2月1日 或 Excel 日期。",
    "5. 带下拉箭头的列只能从列表中选择。",
    "6. 填好后运行：formgen check 台账.xlsx 检查，再运行 formgen export 生成表格。",
    "7. 本台账所用的政策配置已记在文件属性中，formgen 会自动使用；也可用 --profile 指定。",
]


def blank_workbook(profile: Profile) -> bytes:
    """The profile -> bytes of a blank ledger .xlsx: its sheets (the common core, the
    optional ones it uses, its own), and its id recorded for the commands that read it."""
    from openpyxl.packaging.custom import StringProperty

    wb = Workbook()
    wb.custom_doc_props.append(StringProperty(name=PROFILE_PROPERTY, value=profile.ref))
    guide = wb.active
    assert guide is not None
    guide.title = "说明"
    guide.column_dimensions["A"].width = 110
    for i, line in enumerate(GUIDE, start=1):
        guide.cell(row=i, column=1, value=line).font = Font(
            name="仿宋_GB2312", size=12, bold=i == 1
        )
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    for sheet in schema_for(profile).in_workbook():
        ws = wb.create_sheet(sheet.name)
        for j, col in enumerate(sheet.columns, start=1):
            letter = get_column_letter(j)
            cell = ws.cell(row=1, column=j, value=col.header)
            cell.font = Font(name="黑体", bold=True, color="C00000" if col.required else "000000")
            cell.fill = head_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            ws.column_dimensions[letter].width = max(col.width, len(col.header) * 2 + 2)
            hint = _HINTS.get(col.kind, "")
            if col.kind == CHOICE:
                hint = "可选：" + "、".join(profile.choices(col.choices))
            if hint or col.required:
                cell.comment = Comment(("必填。" if col.required else "") + hint, "formgen")
            example = ws.cell(
                row=2, column=j, value=(EXAMPLE_MARK + col.example) if j == 1 else col.example
            )
            example.font = Font(italic=True, color="808080")
            rng = f"{letter}3:{letter}5000"
            if col.kind in (CHOICE, YESNO):
                values = profile.choices(col.choices) if col.kind == CHOICE else ("是", "否")
                dv = DataValidation(
                    type="list",
                    formula1='"' + ",".join(values) + '"',
                    allow_blank=True,
                    showErrorMessage=True,
                    errorTitle="无效的值",
                    error="请从下拉列表中选择",
                )
                dv.add(rng)
                ws.add_data_validation(dv)
            elif col.kind == PHONE:
                ws.column_dimensions[letter].number_format = "@"  # keep leading 0 of 0719-…
        ws.freeze_panes = "A2"
        ws.row_dimensions[1].height = 28
    buf = io.BytesIO()
    wb.save(buf)
    return rezip(buf.getvalue())
