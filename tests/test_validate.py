"""A ledger with every defect of DESIGN §2: all reported at once, located, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from generator.app.cli import main
from generator.ledger.load import load
from generator.ledger.validate import validate
from tests.conftest import ledger_rows, write_ledger

M = [
    "",
    "",
    "男",
    "十堰市民政局",
    "科员",
    "",
    "北京路社区",
    "阳光花园",
    "1栋",
    "",
    "",
    "",
    "是",
    "",
]


def member(**kw: str) -> list[str]:
    row = list(M)
    cols = {"id": 0, "name": 1, "title": 4, "community": 6, "party": 12, "unit": 3}
    for k, v in kw.items():
        row[cols[k]] = v
    return row


def defective(tmp_path: Path) -> Path:
    s = ledger_rows()
    s["党员干部"] += [
        member(name="李四"),  # row 7  } same name, same unit, no 编号
        member(name="李四"),  # row 8  }
        member(id="0010", name="周五", community="不存在社区"),  # row 9
        member(id="0011", name="郑六", party="也许"),  # row 10
        member(id="0012", name="冯七", title=""),  # row 11
    ]
    s["决策共谋"].append(["0001", "", "", "2026-02-30", "", "不存在的日期"])  # row 7
    s["决策共谋"].append(["9999", "", "", "2026-03-01", "", "查无此人"])  # row 8
    s["共建活动"].append(["0001", "", "", "2026-05-01", "", "", "两个钟头", ""])  # row 4
    s["评价"].append(
        ["0002", "", "", 2026, "", "", "优秀", "", "", "", "", "", "", "", "", ""]
    )  # row 3
    return write_ledger(tmp_path / "bad.xlsx", s)


EXPECTED = [
    ("党员干部", 7, "姓名", "李四", "同名"),
    ("党员干部", 8, "姓名", "李四", "同名"),
    ("党员干部", 9, "社区", "不存在社区", "不在「社区」表中"),
    ("党员干部", 10, "是否为党员", "也许", "是」或「否"),
    ("党员干部", 11, "职务", None, "必填项为空"),
    ("决策共谋", 7, "日期", "2026-02-30", "日期不存在"),
    ("决策共谋", 8, "编号", "9999", "没有这个编号"),
    ("共建活动", 4, "时长(小时)", "两个钟头", "应为数字"),
    ("评价", 3, "自我评价", "优秀", "好、良好、一般、差"),
]


def test_every_defect_is_reported_with_sheet_row_column_and_value(tmp_path, profile):
    _, issues = validate(load(defective(tmp_path)), profile)
    errors = [i for i in issues if i.severity == "error"]
    for sheet, row, column, value, words in EXPECTED:
        hits = [i for i in errors if (i.sheet, i.row, i.column) == (sheet, row, column)]
        assert hits, (sheet, row, column)
        assert words in hits[0].message, hits[0]
        if value is not None:
            assert hits[0].value == value
        assert hits[0].file == "bad.xlsx"
    assert len(errors) == len(EXPECTED)


def test_check_exits_1_listing_every_defect_in_chinese(tmp_path):
    result = CliRunner().invoke(main, ["check", str(defective(tmp_path))])
    assert result.exit_code == 1
    for sheet, row, column, _value, _words in EXPECTED:
        assert f"工作表「{sheet}」，第{row}行，列「{column}」" in result.output
    assert "bad.xlsx" in result.output


def test_export_writes_nothing_for_a_bad_ledger(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["export", str(defective(tmp_path)), "--out", str(out)])
    assert result.exit_code == 1
    assert "未生成任何文件" in result.output
    assert not out.exists() or not any(out.rglob("*"))


def test_skip_invalid_exports_the_rest_and_lists_skipped_rows(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "export",
            str(defective(tmp_path)),
            "--out",
            str(out),
            "--forms",
            "a2",
            "--format",
            "xlsx",
            "--skip-invalid",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "第9行" in result.output and "已跳过此行" in result.output
    assert len(list(out.rglob("*.xlsx"))) == 3


def test_same_name_in_different_units_is_fine_but_a_bare_name_reference_is_not(tmp_path, profile):
    s = ledger_rows()
    s["党员干部"].append(member(id="0020", name="王芳", unit="十堰市人民医院"))
    s["决策共谋"].append(["", "王芳", "", "2026-05-01", "", "按姓名引用"])  # row 7: ambiguous
    _, issues = validate(load(write_ledger(tmp_path / "l.xlsx", s)), profile)
    errors = [i for i in issues if i.severity == "error"]
    # Row 6 of 决策共谋 names 王芳 with her unit: still unambiguous.
    assert [(i.sheet, i.row, i.column) for i in errors] == [("决策共谋", 7, "姓名")]
    assert "请填写编号或所在单位" in errors[0].message


def test_quirks_are_normalised(ledger):
    m = ledger.members
    assert m["0001"].phone == "13812345678" and m["0003"].phone == "13712345678"
    assert m["0003"].name == "张伟"  # padding space removed
    assert m["0001"].building == "3栋" and m["0001"].entrance == "2单元"
    assert m["0001"].door == "501室"
    assert m["0003"].is_party is False and m["0005"].is_party is True  # blank -> 是
    assert str(m["0005"].reg_date) == "2026-02-24"  # full-width digits
    assert ledger.activities["0001"][0].hours == 2.0
    assert [d.matter for d in ledger.decisions["0001"]] == [
        "小区停车位规划",
        "电梯加装方案",
        "楼道照明改造",
    ]
    assert ledger.units["十堰市民政局"].phone == "0719-8652546"


def test_values_longer_than_their_column_takes_are_errors(tmp_path):
    """A 349,542-character name (a 3,884-page a1 before), a unit, a pledge: each beyond its
    column's maximum is an error at its row and column, shown cut short; nothing written."""
    s = ledger_rows()
    s["党员干部"][2][1] = "张" * 349_542  # 0002, the 2nd record
    s["党员干部"][3][4] = "科" * 41  # 职务 of 0003: at most 40
    s["单位"][1][1] = "党" * 61  # 党组织名称: at most 60
    s["承诺事项"][1][4] = "诺" * 501  # free text: at most 500
    s["承诺事项"][2][4] = "诺" * 500  # exactly the maximum: taken
    # JSON (an .xlsx cell holds at most 32,767 characters): rows are record numbers.
    records = {
        name: [dict(zip(rows[0], r, strict=False)) for r in rows[1:]] for name, rows in s.items()
    }
    ledger = tmp_path / "long.json"
    ledger.write_text(json.dumps(records, ensure_ascii=False, default=str), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(ledger)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert (
        f"[错误] long.json，工作表「党员干部」，第2行，列「姓名」，值「{'张' * 40}…」"
        "（共349542个字）：内容过长：349542个字，本列最多30个字"
    ) in lines
    assert any(
        "「党员干部」，第3行，列「职务」" in x and "41个字，本列最多40个字" in x for x in lines
    )
    assert any("「单位」，第1行，列「党组织名称」" in x and "本列最多60个字" in x for x in lines)
    assert any("「承诺事项」，第1行，列「承诺事项」" in x and "本列最多500个字" in x for x in lines)
    assert not any("「承诺事项」，第2行" in x and "内容过长" in x for x in lines)
    assert len(result.output) < 5000  # the long name is not printed whole
    out = tmp_path / "out"
    export = CliRunner().invoke(main, ["export", str(ledger), "--out", str(out)])
    assert export.exit_code == 1 and not out.exists()
