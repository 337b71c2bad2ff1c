"""The commands end to end through click: init, check, render, export, blank."""

from __future__ import annotations

import openpyxl
from click.testing import CliRunner
from docx import Document

from generator.app.cli import main
from tests.helpers import docx_paragraphs, manifest, pdf_pages, squash


def _rows(path):
    return [[c.text for c in r.cells] for r in Document(str(path)).tables[0].rows]


def run(*args: str):
    return CliRunner().invoke(
        main, [*args, "--date", "2026-03-01"] if args[0] not in ("init", "blank") else list(args)
    )


def test_init_writes_a_blank_ledger_that_checks_clean(tmp_path):
    result = run("init", str(tmp_path))
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(tmp_path / "ledger.xlsx")
    assert wb.sheetnames == [
        "说明",
        "单位",
        "社区",
        "小区",
        "党员干部",
        "决策共谋",
        "承诺事项",
        "小区任职",
        "共建活动",
        "评价",
    ]
    ws = wb["党员干部"]
    assert [c.value for c in ws[1]][:5] == ["编号", "姓名", "性别", "所在单位", "职务"]
    assert ws["A2"].value.startswith("（示例）")
    assert ws.column_dimensions["D"].width >= 20
    lists = {
        str(dv.sqref).split(":")[0].rstrip("0123456789"): dv.formula1
        for dv in ws.data_validations.dataValidation
    }
    assert lists["M"] == '"是,否"'  # 是否为党员
    ev = wb["评价"]
    formulas = [dv.formula1 for dv in ev.data_validations.dataValidation]
    assert '"好,良好,一般,差"' in formulas
    assert '"党组,党委,党总支,党支部"' in [
        dv.formula1 for dv in wb["单位"].data_validations.dataValidation
    ]
    check = CliRunner().invoke(main, ["check", str(tmp_path / "ledger.xlsx")])
    assert check.exit_code == 0, check.output
    assert "错误0处" in check.output
    again = run("init", str(tmp_path))
    assert again.exit_code == 2 and "已存在" in again.output


def test_check_reports_quota_warnings_but_exits_0(ledger_path):
    result = run("check", str(ledger_path))
    assert result.exit_code == 0, result.output
    rule = "[未达标] 参与社区（小区）决策共谋全年不少于2次"
    assert f"{rule}｜党员干部 0002 吉𠮷祥：实际0，要求≥2" in result.output
    assert "5名党员干部；错误0处" in result.output


def test_render_one_document(ledger_path, tmp_path):
    out = tmp_path / "one.pdf"
    result = run("render", str(ledger_path), "--form", "a5", "--member", "0001", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "刘䶮" in squash(pdf_pages(out)[0])
    bad = run("render", str(ledger_path), "--form", "a5", "--member", "9999")
    assert bad.exit_code == 2 and "找不到" in bad.output


def test_export_filters_by_unit_and_form(ledger_path, tmp_path):
    out = tmp_path / "o"
    result = run(
        "export",
        str(ledger_path),
        "--forms",
        "a3,a2",
        "--format",
        "docx",
        "--unit",
        "十堰市民政局",
        "--period",
        "2026Q1",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    docs = manifest(out)
    assert {(d["form"], d["format"]) for d in docs} == {("a2", "docx"), ("a3", "docx")}
    assert {d.get("member_id") for d in docs if d["form"] == "a3"} == {"0003", "0004"}
    a2 = next(out / d["path"] for d in docs if d["form"] == "a2")
    assert a2.parts[-4:-2] == ("2026Q1", "十堰市民政局")
    assert any("统计期间：2026年第一季度" in p for p in docx_paragraphs(a2))
    rows = [r for r in _rows(a2) if r[1] in ("张伟", "王芳")]
    # Q1 counts: 张伟 one (2026.2.10), 王芳 one (2026-03-05); no 未达全年 note in a quarter.
    assert [(r[1], r[5], r[7]) for r in rows] == [("张伟", "1", ""), ("王芳", "1", "")]


def test_unknown_form_and_format_are_usage_errors(ledger_path):
    assert run("export", str(ledger_path), "--forms", "a9").exit_code == 2
    assert run("export", str(ledger_path), "--format", "odt").exit_code == 2


def test_blank_forms(tmp_path):
    result = run("blank", "a1", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    pdf = next(tmp_path.glob("*.pdf"))
    text = squash(pdf_pages(pdf)[0])
    assert "××社区××小区××楼栋党员干部基本情况公示表" in text
    assert "公示单位：______小区党支部" in text and "时间：____年__月__日" in text
    result = run("blank", "a5", "--out", str(tmp_path))
    assert result.exit_code == 0
    a5 = squash(pdf_pages(next(tmp_path.glob("附件5*.pdf")))[0])
    assert a5.count("□好□良好□一般□差") == 5 and "☑" not in a5


def test_templates_check_catches_a_typo_in_a_clerks_template(tmp_path):
    import zipfile

    ok = CliRunner().invoke(main, ["templates", "check"])
    assert ok.exit_code == 0 and "模板检查通过" in ok.output
    copied = CliRunner().invoke(main, ["templates", "copy", "a5", str(tmp_path / "mine")])
    assert copied.exit_code == 0, copied.output
    src = tmp_path / "mine" / "a5.docx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp_path / "a5.docx", "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b"{{ name }}", b"{{ nmae }}")
            zout.writestr(item, data)
    bad = CliRunner().invoke(main, ["templates", "check", "--dir", str(tmp_path)])
    assert bad.exit_code == 1
    assert "a5.docx" in bad.output and "nmae" in bad.output


def test_a_period_with_no_records_far_from_today_is_refused(ledger_path, tmp_path):
    """--period 1900 exported an empty packet with exit 0."""
    out = tmp_path / "o"
    result = run("export", str(ledger_path), "--period", "1900", "--out", str(out))
    assert result.exit_code == 2 and "无法识别的统计期间「1900」" in result.output
    result = run("export", str(ledger_path), "--period", "2010", "--out", str(out))
    assert result.exit_code == 2
    assert "台账中没有 2010 年的任何记录（有记录的年度：2026），未生成文件。" in result.output
    assert not out.exists()
    nxt = run("export", str(ledger_path), "--period", "2027", "--forms", "a3", "--out", str(out))
    assert nxt.exit_code == 0, nxt.output  # next year's pledge letters, before its records
