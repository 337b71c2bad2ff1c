"""Profile wuhan-2021 (seed 001) end to end: a workbook from ``formgen init --profile
wuhan-2021`` filled as a clerk fills it, checked and exported through the CLI, and the
documents read back — w1 三张清单, w2 服务团队公示, w3 服务团队备案表."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from generator.forms.registry import forms_of
from generator.policy.profile import PROFILES_DIR, load_profile
from tests import clerks as clerk
from tests.clerks import formgen
from tests.helpers import (
    docx_cells,
    docx_paragraphs,
    find,
    manifest,
    pdf_fonts,
    pdf_pages,
    pdf_text,
    squash,
)
from tests.wuhan_rows import CIVIL, HOSPITAL, HOUSING, LONG_TEAM, PROJECTS, rows

PROFILE = "wuhan-2021"
DATE = "2021-04-08"


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Path:
    return clerk.ledger(tmp_path_factory.mktemp("wh"), PROFILE, rows())


@pytest.fixture(scope="module")
def out(ledger: Path) -> Path:
    return clerk.export_all(ledger, "2021", DATE)


def test_init_writes_the_profiles_sheets_and_checks_clean(tmp_path):
    book = clerk.init(tmp_path, PROFILE)
    wb = openpyxl.load_workbook(book)
    assert {"清单", "共建协议", "服务团队", "团队成员"} <= set(wb.sheetnames)
    assert [c.value for c in wb["服务团队"][1]] == [
        "团队名称", "单位", "社区", "服务内容", "服务频次", "队长编号", "副队长编号",
    ]  # fmt: skip
    assert [c.value for c in wb["团队成员"][1]] == ["编号", "姓名", "所在单位", "团队名称"]
    assert [c.value for c in wb["清单"][1]][:4] == ["单位", "社区", "清单类型", "事项"]
    kinds = [dv.formula1 for dv in wb["清单"].data_validations.dataValidation]
    assert '"资源清单,需求清单,项目清单"' in kinds
    red = [c.value for c in wb["服务团队"][1] if c.font.color and c.font.color.rgb == "00C00000"]
    assert red == ["团队名称", "单位"]
    check = formgen("check", str(book))
    assert check.exit_code == 0, check.output
    assert "错误0处" in check.output and "政策配置 wuhan-2021" in check.output


def test_forms_lists_w1_to_w3():
    result = formgen("forms", "--profile", PROFILE)
    assert result.exit_code == 0
    assert "w1  “三张清单”  —  每单位×社区每年一份；xlsx、pdf" in result.output
    assert "w2  服务团队公示  —  每社区每年一份；docx、pdf" in result.output
    assert "w3  服务团队备案表  —  每单位每年一份；docx、pdf" in result.output


def test_export_all_makes_every_form_in_every_format(out):
    entries = manifest(out)
    for form in forms_of(load_profile(PROFILE)).values():
        made = {e["format"] for e in entries if e["form"] == form.id}
        assert made == set(form.formats), form.id
    # w1 for the pairs with lists or an agreement only (王芳 of 民政局 lives in 花桥社区:
    # that pair has neither).
    pairs = {(e["unit"], e["community"]) for e in entries if e["form"] == "w1"}
    assert pairs == {(HOUSING, "百步亭社区"), (CIVIL, "百步亭社区"), (HOSPITAL, "花桥社区")}
    assert {e["community"] for e in entries if e["form"] == "w2"} == {"百步亭社区", "花桥社区"}
    assert {e["unit"] for e in entries if e["form"] == "w3"} == {HOUSING, CIVIL, HOSPITAL}


def test_w1_three_lists_in_the_seeds_order_with_partners_and_the_rule(out):
    ws = openpyxl.load_workbook(find(out, "w1", "xlsx", unit=HOUSING)).active
    cells = [tuple(r) for r in ws.iter_rows(values_only=True)]
    assert cells[1][0] == "2021年度“三张清单”"
    assert cells[2][0] == f"单位：{HOUSING}　　社区：百步亭社区　　共建协议签订日期：2021年3月1日"
    assert cells[3] == ("序号", "清单类型", "事项", "责任人", "共同承担单位", "完成时限", "状态",
                        "推进情况")  # fmt: skip
    body = [r for r in cells[4:] if isinstance(r[0], int)]
    assert [r[1] for r in body] == ["资源清单"] * 2 + ["需求清单"] + ["共建项目清单"] * 5
    assert [r[0] for r in body] == [1, 2, 1, 1, 2, 3, 4, 5]
    projects = {r[2]: r for r in body if r[1] == "共建项目清单"}
    assert list(projects) == PROJECTS
    assert projects["老旧小区加装电梯协调"][3:7] == ("刘䶮", CIVIL, "2021年10月底", "已完成")
    assert projects["适老化改造"][4] is None  # listed by this unit alone
    summary = next(r[0] for r in cells if str(r[0]).startswith("资源清单"))
    assert summary == "资源清单2项，需求清单1项，共建项目清单5项。"
    assert any("原则上4月10日前确定完毕" in str(r[0]) for r in cells)
    civil = pdf_text(find(out, "w1", "pdf", unit=CIVIL))
    assert "共建项目清单4项。年度“共建项目清单”一般不少于5项，尚差1项。" in civil
    assert HOUSING in civil  # shares the projects it lists too
    empty = pdf_text(find(out, "w1", "pdf", unit=HOSPITAL))
    assert "共建协议签订日期：2021年3月5日" in empty and "尚差5项" in empty
    assert len(pdf_pages(find(out, "w1", "pdf", unit=HOUSING))) == 1


def test_w2_shows_captains_phones_in_full_and_masks_every_other(out):
    pdf = find(out, "w2", "pdf", community="百步亭社区")
    body = pdf_text(pdf)
    assert "百步亭社区服务团队公示" in body
    # 「队长及副队长联系方式……进行公开」: the captains' and the vice captain's phones.
    for phone in ("13812345678", "13912345678", "13712345678"):
        assert phone in body
    # A phone typed into 服务内容 is masked; members' own phones never appear.
    assert "13900001111" not in body and "139****1111" in body
    assert "13312345678" not in body and "133****5678" not in body
    assert "刘䶮、陈红（共2人）" in body and "每月2次" in body
    assert "监督电话：027-85551234" in body and "中共百步亭社区委员会（盖章）" in body
    cells = docx_cells(find(out, "w2", "docx", community="百步亭社区"))
    assert "13812345678" in cells and "13912345678" in cells
    assert any("139****1111" in c for c in cells) and not any("13900001111" in c for c in cells)
    assert any(f.endswith("FandolFang-Regular") for f in pdf_fonts(pdf))  # 仿宋 body


def test_w2_masking_is_the_profiles_column_rule(ledger, tmp_path):
    """Without the profile's exemption the captains' phones are masked like any other;
    with --no-mask every phone is shown."""
    mine = tmp_path / "wuhan-copy"
    shutil.copytree(PROFILES_DIR / PROFILE, mine)
    yaml = mine / "profile.yaml"
    yaml.write_text(
        yaml.read_text(encoding="utf-8").replace("w2: [captain_phone, vice_phone]", "w2: []"),
        encoding="utf-8",
    )
    args = ("--community", "百步亭社区", "--period", "2021", "--date", DATE, "--jobs", "1")
    result = formgen("notice", "w2", str(ledger), "--profile", str(mine), "--out", "strict", *args)
    assert result.exit_code == 0, result.output
    body = pdf_text(find(Path("strict"), "w2", "pdf", community="百步亭社区"))
    assert "138****5678" in body and "13812345678" not in body
    result = formgen("notice", "w2", str(ledger), "--no-mask", "--out", "open", *args)
    assert result.exit_code == 0, result.output
    body = pdf_text(find(Path("open"), "w2", "pdf", community="百步亭社区"))
    assert "13812345678" in body and "13900001111" in body


def test_w2_lists_a_long_team_without_members_as_recruiting(out):
    pdf = find(out, "w2", "pdf", community="花桥社区")
    body = pdf_text(pdf)
    assert squash(LONG_TEAM) in body and "公开招募中" in body
    # 健康义诊服务队 has no 社区: it is the captain's (王芳, 花桥社区); 王芳 joined by name.
    assert "健康义诊服务队" in body and "刘䶮、王芳（共2人）" in body
    last = squash(pdf_pages(pdf)[-1])
    assert "公示期：2021年4月8日至2021年4月17日" in last  # the seal never stands alone
    assert last.index("监督电话") < last.index("中共花桥社区委员会（盖章）")


def test_w3_a_units_teams_for_the_street(out):
    cells = docx_cells(find(out, "w3", "docx", unit=HOSPITAL))
    assert "服务团队备案表" in "".join(docx_paragraphs(find(out, "w3", "docx", unit=HOSPITAL)))
    assert LONG_TEAM in cells and "健康义诊服务队" in cells
    assert "13512345678" in cells and "13612345678" in cells  # internal: phones in full
    body = pdf_text(find(out, "w3", "pdf", unit=HOSPITAL))
    assert "填报单位（盖章）：中共江岸区人民医院委员会" in body
    assert "本单位共组建服务团队2支，队员共2人次。" in body
    assert "4月15日前报街道（乡镇）党（工）委备案" in body
    assert "法律咨询服务队" not in body  # 民政局's team


def test_check_report_lists_the_rules_short_rows_by_name(ledger, tmp_path):
    report = tmp_path / "report.xlsx"
    result = formgen(
        "check", str(ledger), "--period", "2021", "--date", DATE, "--report", str(report)
    )
    assert result.exit_code == 0, result.output
    out = result.output
    projects = "年度“共建项目清单”一般不少于5项（原则上4月10日前确定完毕）"
    assert f"[未达标] {projects}｜单位 {CIVIL}（百步亭社区）：实际4，要求≥5" in out
    assert f"{HOUSING}（百步亭社区）：" not in out  # 5 projects: 达标
    teams = "党员可根据自身实际报名加入1-2支服务团队"
    assert f"[未达标] {teams}｜党员干部 0001 刘䶮：实际3，要求1–2" in out
    assert f"[未达标] {teams}｜党员干部 0006 赵敏：实际0，要求1–2" in out
    assert "0002 陈红：" not in out
    assert f"服务团队须有队长，且队长为本团队队员｜单位 {LONG_TEAM}（{HOSPITAL}）：实际0" in out
    ws = openpyxl.load_workbook(report)["规则检查"]
    rows_ = [tuple(c.value for c in r) for r in ws.iter_rows(min_row=2)]
    assert (projects, "单位", None, f"{CIVIL}（百步亭社区）", "4", "≥5", "未达标") in rows_
    assert (projects, "单位", None, f"{HOUSING}（百步亭社区）", "5", "≥5", "达标") in rows_
    assert (teams, "党员干部", "0001", "刘䶮", "3", "1–2", "未达标") in rows_


def test_due_lists_the_seeds_deadlines():
    result = formgen("due", "--profile", PROFILE, "--today", "2021-04-01", "--days", "30")
    assert result.exit_code == 0, result.output
    lines = result.output
    assert "2021年4月10日（还有9天）" in lines and "--forms w1 --period 2021" in lines
    assert "2021年4月15日（还有14天）" in lines and "--forms w3 --period 2021" in lines
    assert "--forms w2" in lines and "“三个一”服务内容" in lines


@pytest.mark.parametrize("form_id", ["w1", "w2", "w3"])
def test_blank_forms(form_id, tmp_path):
    form = forms_of(load_profile(PROFILE))[form_id]
    result = formgen("blank", form_id, "--profile", PROFILE, "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    made = sorted(p.suffix for p in tmp_path.iterdir())
    assert made == sorted(f".{f}" for f in form.formats)
    pages = pdf_pages(next(tmp_path.glob("*.pdf")))
    body = squash("".join(pages))
    assert {"w1": "____年度“三张清单”", "w2": "××社区服务团队公示", "w3": "服务团队备案表"}[
        form_id
    ] in body
    # w2: twelve rows tall enough to write in; the last two go with the closing and the seal
    assert len(pages) == (2 if form_id == "w2" else 1)


def test_an_empty_workbook_exports_nothing_and_says_why(tmp_path):
    book = clerk.init(tmp_path, PROFILE)
    result = formgen("export", str(book), "--forms", "all", "--period", "2021", "--jobs", "1")
    assert result.exit_code == 2  # nothing to make: a usage error, nothing written
    assert "没有符合条件的文件可生成" in result.output
    assert not (tmp_path / "output").exists()


def test_a_team_or_captain_that_does_not_exist_is_named(tmp_path):
    data = rows()
    data["团队成员"].append({"编号": "0002", "团队名称": "红色物业服务对"})  # a typo
    data["服务团队"].append({"团队名称": "夜巡队", "单位": HOUSING, "队长编号": "0099"})
    book = clerk.ledger(tmp_path / "l", PROFILE, data)
    result = formgen("check", str(book), "--period", "2021")
    assert result.exit_code == 1
    assert (
        "工作表「团队成员」，第9行，列「团队名称」，值「红色物业服务对」："
        "「服务团队」表的「团队名称」列中没有这个值" in result.output
    )
    assert (
        "工作表「服务团队」，第7行，列「队长编号」，值「0099」：「党员干部」表中没有这个编号"
        in (result.output)
    )
