"""Profile hubei-2020 (seed 003) end to end, on ledgers typed into `formgen init` workbooks
as clerks type them: the sheets and dropdowns, every form in every format, the rules and
their report, and what the documents say (h1–h6)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from pypdf import PdfReader

from tests.clerks import HB_C1, HB_C2, HB_UNIT, HB_UNIT2, clerk_ledger, formgen, hubei_rows
from tests.helpers import docx_cells, docx_paragraphs, find, manifest, pdf_pages, pdf_text, squash

YEAR = 2023
DATE = "2024-01-10"


def export(ledger: Path, out: Path, *extra: str):
    return formgen(
        "export", str(ledger), "--out", str(out), "--archive", str(out / "archive"),
        "--date", DATE, "--jobs", "1", "--period", str(YEAR), *extra,
    )  # fmt: skip


def quota_met() -> dict:
    """The clerks' ledger with the 优秀 quota met (3 of 10, and none of 2)."""
    rows = hubei_rows(YEAR)
    for r in rows["考核"]:
        if r["编号"] in ("0004", "0011"):
            r["考核等次"] = "合格"
    return rows


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Path:
    return clerk_ledger(tmp_path_factory.mktemp("hb") / "clerk", "hubei-2020", quota_met())


@pytest.fixture(scope="module")
def packet(ledger, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("hb-out")
    result = export(ledger, out, "--forms", "all")
    assert result.exit_code == 0, result.output
    return out


def table_rows(path: Path, index: int) -> list[list[str]]:
    return [[c.text for c in r.cells] for r in Document(str(path)).tables[index].rows]


# ------------------------------------------------------------------ the workbook
def test_init_writes_the_contracts_sheets_with_dropdowns(tmp_path):
    result = formgen("init", "--profile", "hubei-2020", str(tmp_path))
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(tmp_path / "ledger.xlsx")
    heads = {ws.title: [c.value for c in ws[1]] for ws in wb.worksheets[1:]}
    assert heads["考核"] == ["编号", "姓名", "所在单位", "年度", "考核等次", "社区意见", "单位意见"]
    assert heads["半年报告"] == [
        "编号", "姓名", "所在单位", "年度", "半年", "报告日期", "思想工作情况", "下步打算",
    ]  # fmt: skip
    assert heads["清单"] == [
        "单位", "社区", "清单类型", "事项", "责任人", "完成时限", "状态", "进展",
    ]  # fmt: skip
    assert heads["共建协议"] == [
        "单位", "社区", "签订日期", "共建内容", "单位联系人", "社区联系人", "有效期",
    ]  # fmt: skip
    assert heads["党员干部"][-3:] == ["出生日期", "报到方式", "减免情况"]
    assert heads["共建活动"][-2:] == ["地点", "服务对象评价"]
    lists = {
        (ws.title, str(dv.sqref).split(":")[0][:-1]): dv.formula1
        for ws in wb.worksheets[1:]
        for dv in ws.data_validations.dataValidation
    }
    assert lists[("考核", "E")] == '"优秀,合格,不合格"'
    assert lists[("半年报告", "E")] == '"上半年,下半年"'
    assert lists[("党员干部", "P")] == '"派驻,自主报到"'
    assert lists[("共建活动", "J")] == '"满意,基本满意,不满意"'
    assert lists[("清单", "C")] == '"资源清单,需求清单,项目清单,问题清单"'
    assert lists[("清单", "G")] == '"未开始,进行中,已完成"'
    assert "积分" not in heads  # Changji's sheet, not this profile's


def test_the_seeds_words_are_read_without_a_warning(tmp_path):
    """组织派遣报到, 很满意, 优秀等次, 1-6月, 民生实事: typed as the seed words them; the
    example rows deleted as some clerks do."""
    path = clerk_ledger(tmp_path / "l", "hubei-2020", hubei_rows(YEAR), drop_examples=True)
    result = formgen("check", str(path), "--period", str(YEAR))
    assert result.exit_code == 0, result.output
    assert "警告0处" in result.output and "错误0处" in result.output
    assert "政策配置 hubei-2020" in result.output  # recorded by init, kept by the clerk's save


# ------------------------------------------------------------------ the packet
def test_export_all_makes_every_form_in_every_format(packet):
    docs = manifest(packet)
    per = Counter((e["form"], e["format"]) for e in docs)
    members, halves, units, communities = 12, 24, 2, 2  # 黄冈师范学院 has no member
    want = {
        "h1": (members, ("docx", "pdf")),
        "h2": (members, ("docx", "pdf")),
        "h3": (halves, ("docx", "pdf")),
        "h4": (units, ("docx", "pdf", "xlsx")),
        "h5": (units, ("docx", "pdf", "xlsx")),
        "h6": (communities, ("docx", "pdf")),
    }
    for form, (n, fmts) in want.items():
        for fmt in fmts:
            assert per[(form, fmt)] == n, (form, fmt)
    assert not [e for e in docs if e["form"] in ("h1", "h2", "h3", "h6") and e["format"] == "xlsx"]
    assert not [e for e in docs if e.get("community") == "八一路社区"]  # no one lives there


def test_h1_registration_with_its_receipt(packet):
    pdf = find(packet, "h1", "pdf", member_id="0001")
    pages = pdf_pages(pdf)
    assert len(pages) == 1
    text = squash(pages[0])
    assert "在职党员干部到社区（小区）报到登记表" in text
    assert "☑派驻□自主报到" in text  # typed 组织派遣报到
    assert "回执" in text and "沿此线剪开" in text
    assert "中共黄冈市住房和城乡建设局党组：" in text
    assert "你单位在职党员干部张建国同志（科长）已于2023年3月1日到东门社区遗爱湖小区报到" in text
    assert text.count("HB2023-H1-M0001") == 2  # the band and the receipt
    assert text.count("中共东门社区委员会（盖章）") == 2
    cells = docx_cells(find(packet, "h1", "docx", member_id="0009"))
    assert "哺乳期，经单位党组织同意暂不安排下沉" in cells


def test_h2_rows_are_the_members_activities_of_the_year(packet, ledger):
    """0001 typed 12 activities in 2023 and one in 2022; 0002 five by 编号 and one by name."""
    rows = hubei_rows(YEAR)["共建活动"]
    for mid, name in (("0001", "张建国"), ("0002", "李秀英")):
        mine = [
            r
            for r in rows
            if (r.get("编号") == mid or r.get("姓名") == name) and str(YEAR) in str(r["日期"])[:4]
        ]
        doc = find(packet, "h2", "docx", member_id=mid)
        table = next(t for t in table_rows_all(doc) if t[0][:2] == ["序号", "时间"])
        body = table[1:]
        assert len(body) == len(mine)
        assert [r[0] for r in body] == [str(i) for i in range(1, len(mine) + 1)]
        hours = sum(float(str(r["时长(小时)"]).rstrip("小时")) for r in mine)
        assert sum(float(r[4]) for r in body) == hours
        text = pdf_text(find(packet, "h2", "pdf", member_id=mid))
        assert f"参加服务活动次数{len(mine)}次不少于5次达标" in text
        assert f"累计服务时长{hours:g}小时不少于20小时达标" in text
    pages = pdf_pages(find(packet, "h2", "pdf", member_id="0001"))
    assert "服务纪实手册" in squash(pages[0]) and "（2023年度）" in squash(pages[0])
    assert all(squash(p).endswith(f"—{i}—") for i, p in enumerate(pages[1:], start=1))
    text = squash("".join(pages))
    assert "上一年度的服务" not in text
    assert "志愿服务：第12次：清理楼道杂物、宣传垃圾分类" in text
    assert "服务对象评价：满意12次，基本满意0次，不满意0次。" in text  # 很满意 counted as 满意


def table_rows_all(path: Path) -> list[list[list[str]]]:
    return [[[c.text for c in r.cells] for r in t.rows] for t in Document(str(path)).tables]


def test_h2_of_a_member_without_activities_leaves_rows_to_fill(packet):
    text = pdf_text(find(packet, "h2", "pdf", member_id="0003"))
    assert "本年度台账中尚无服务记录，可在下表中手工填写。" in text
    assert "参加服务活动次数0次不少于5次未达标" in text


def test_h2_on_a5(ledger, tmp_path):
    result = export(ledger, tmp_path, "--forms", "h2", "--paper", "a5", "--unit", HB_UNIT2)
    assert result.exit_code == 0, result.output
    pdf = find(tmp_path, "h2", "pdf", member_id="0011")
    box = PdfReader(str(pdf)).pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (148, 210)
    section = Document(str(find(tmp_path, "h2", "docx", member_id="0011"))).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (148, 210)


def test_h3_counts_the_half_year(packet):
    text = pdf_text(find(packet, "h3", "pdf", member_id="0001", period="2023H1"))
    assert "报告期间：2023年上半年" in text and "报告日期：2023年6月28日" in text
    assert "编号：HB2023-H3-M0001H1-" in text  # member and half in the number
    assert "参加社区（小区）治理、服务活动6次，累计15小时（志愿服务6次）" in text
    assert "参与社区（小区）民主议事、决策共谋1次：小区停车规划。" in text
    assert "2023年公开承诺事项2件，其中已完成1件，进行中1件。" in text
    assert "认真学习下沉社区有关文件" in text and "本人签字：" in text
    assert "党支部书记签字：" in text
    h2 = pdf_text(find(packet, "h3", "pdf", member_id="0001", period="2023H2"))
    assert "活动6次，累计15小时" in h2 and "全年参加服务12次。" in h2  # 下半年度 typed
    other = pdf_text(find(packet, "h3", "pdf", member_id="0002", period="2023H1"))
    assert "按要求参加活动。" in other  # its half typed 1-6月


def test_h4_figures_equal_the_ledger(packet):
    rows = quota_met()
    mine = [m for m in rows["党员干部"] if m["所在单位"] == HB_UNIT]
    ids = {m["编号"] for m in mine}
    names = {m["姓名"]: m["编号"] for m in mine}
    acts = [
        a
        for a in rows["共建活动"]
        if (a.get("编号") in ids or a.get("姓名") in names) and str(a["日期"]).startswith("2023")
    ]
    hours = sum(float(str(a["时长(小时)"]).rstrip("小时")) for a in acts)
    registered = [m for m in mine if m["报到日期"]]
    pledges = [p for p in rows["承诺事项"] if p["编号"] in ids]
    projects = [
        r
        for r in rows["清单"]
        if r["单位"] == HB_UNIT and r["清单类型"] in ("项目清单", "民生实事")
    ]
    grades = Counter(a["考核等次"].removesuffix("等次") for a in rows["考核"] if a["编号"] in ids)
    doc = find(packet, "h4", "docx", unit=HB_UNIT)
    figures = {r[1]: (r[2], r[3]) for r in table_rows(doc, 0)[1:]}
    assert figures["在职党员干部"][0] == f"{len(mine)}人"
    assert figures["到居住地社区（小区）报到"] == (
        f"{len(registered)}人",
        f"报到率{100 * len(registered) / len(mine):g}%；派驻3人，自主报到6人",
    )
    assert figures["参加社区（小区）治理、服务活动"][0] == f"{len(acts)}次，{hours:g}小时"
    assert figures["公开承诺事项"] == (
        f"{len(pledges)}件",
        f"已完成{sum(p['状态'] == '已完成' for p in pledges)}件，完成率33.3%",
    )
    assert figures["在小区担任职务"][0] == f"{len({p['编号'] for p in rows['小区任职']})}人"
    assert figures["领办民生实事、落实共建项目"][0] == f"{len(projects)}项"
    assert figures["下沉工作考核"][0] == "，".join(
        f"{g}{grades[g]}人" for g in ("优秀", "合格", "不合格")
    )
    assert figures["全年达到5次、20小时要求"][0] == "2人"  # 0001 (12, 30 h), 0002 (6, 22 h)
    text = pdf_text(find(packet, "h4", "pdf", unit=HB_UNIT))
    assert "特此报告。" in text and "中共黄冈市住房和城乡建设局党组（盖章）" in text
    ws = openpyxl.load_workbook(find(packet, "h4", "xlsx", unit=HB_UNIT)).active
    values = [[c for c in r if c is not None] for r in ws.iter_rows(values_only=True)]
    zhang = next(r for r in values if "张建国" in r)
    assert zhang[5:9] == [12, "30", 2, 1]  # activities, hours, pledges, done
    assert any(f"参加社区（小区）治理、服务活动{len(acts)}次" in str(r) for r in values)


def test_h4_seal_is_not_alone_on_its_page(packet):
    pages = [squash(p) for p in pdf_pages(find(packet, "h4", "pdf", unit=HB_UNIT))]
    seal = next(p for p in pages if "（盖章）" in p)
    assert "特此报告。" in seal and "领办民生实事" in seal


def test_h5_feedback_with_the_communities_seal_blocks(packet):
    pdf = find(packet, "h5", "pdf", unit=HB_UNIT)
    text = pdf_text(pdf)
    assert "2023年度在职党员干部下沉社区（小区）工作考核结果反馈表" in text
    assert text.index(f"{HB_C1}（中共东门社区委员会）") < text.index(
        f"{HB_C2}（中共赤壁社区委员会）"
    )
    assert "优秀3人（占30%），合格6人，不合格1人" in text
    assert text.count("社区书记签字：") == 2
    cells = docx_cells(find(packet, "h5", "docx", unit=HB_UNIT))
    assert any(c.startswith("中共东门社区委员会") and "社区书记签字：" in c for c in cells)
    assert any(c.startswith("中共赤壁社区委员会") and "社区书记签字：" in c for c in cells)
    ws = openpyxl.load_workbook(find(packet, "h5", "xlsx", unit=HB_UNIT)).active
    values = [r[0] for r in ws.iter_rows(values_only=True)]
    assert f"{HB_C1}（中共东门社区委员会）" in values  # the heading row across the table


def test_h6_notice_per_community(packet):
    pages = pdf_pages(find(packet, "h6", "pdf", community=HB_C2))
    text = squash("".join(pages))
    assert "赤壁社区2023年度在职党员干部下沉社区工作考核结果公示" in text
    assert "欧阳慕容慕容慕容慕容" in text and "不合格" in text
    assert "中共赤壁社区委员会（盖章）" in text and "公示期：2024年1月10日至2024年1月19日" in text
    last = squash(pages[-1])
    assert "（盖章）" in last and "公示期" in last  # the seal keeps its closing lines


# ------------------------------------------------------------------ rules
def test_quota_of_excellent_fails_by_name_and_blocks_h5_h6(tmp_path):
    """4 of the 10 members of 黄冈市住房和城乡建设局 优秀 (one typed 优秀等次): over 30 %."""
    path = clerk_ledger(tmp_path / "l", "hubei-2020", hubei_rows(YEAR))
    report = tmp_path / "report.xlsx"
    result = formgen("check", str(path), "--period", str(YEAR), "--report", str(report))
    assert result.exit_code == 0, result.output
    assert (
        "[未达标] 优秀等次比例一般不超过30%｜单位 黄冈市住房和城乡建设局："
        "实际40%（4/10人），要求≤30%" in result.output
    )
    ws = openpyxl.load_workbook(report)["规则检查"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0] == ["规则", "范围", "编号", "名称", "实际", "要求", "结果"]
    assert [
        "优秀等次比例一般不超过30%",
        "单位",
        None,
        HB_UNIT,
        "40%（4/10人）",
        "≤30%",
        "未达标",
    ] in [[c or None for c in r] for r in rows]
    short = {(r[3], r[0]) for r in rows if r[6] == "未达标"}
    assert ("王磊", "每年至少参加5次社区（小区）志愿服务活动") in short  # no activity at all
    assert ("张建国", "每年至少参加5次社区（小区）志愿服务活动") not in short
    assert ("刘洋", "每年参加志愿服务活动时间累计不少于20小时") in short
    assert ("刘洋", "每月参加小区治理、服务活动不少于1次（2023年1月）") in short
    for form in ("h5", "h6"):
        out = tmp_path / form
        refused = export(path, out, "--forms", form)
        assert refused.exit_code == 1
        assert "黄冈市住房和城乡建设局：优秀等次比例一般不超过30%" in refused.output
        assert not (out / "manifest.json").exists() or not manifest(out)
    allowed = export(path, tmp_path / "h1", "--forms", "h1", "--unit", HB_UNIT2)
    assert allowed.exit_code == 0, allowed.output


def test_due_lists_the_half_year_report_deadlines():
    result = formgen("due", "--profile", "hubei-2020", "--today", "2024-06-01", "--days", "214")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("2024年6月30日")
    assert "--forms h3 --period 2024H1" in lines[1]
    assert any(x.startswith("2024年12月30日") for x in lines)
    assert "--forms h3 --period 2024H2" in result.output
    assert "--forms h5,h6 --period 2024" in result.output


# ------------------------------------------------------------------ blanks
def test_blank_forms_in_every_format(tmp_path):
    from generator.forms.registry import forms_of
    from generator.policy.profile import load_profile

    for form in forms_of(load_profile("hubei-2020")).values():
        result = formgen("blank", form.id, "--profile", "hubei-2020", "--out", str(tmp_path))
        assert result.exit_code == 0, result.output
        made = {Path(p).suffix[1:] for p in result.output.split()}
        assert made == set(form.formats)
        pdf = Path(next(p for p in result.output.split() if p.endswith(".pdf")))
        text = pdf_text(pdf)
        assert squash(form.title.replace("{year}", ""))[:6] in text or form.kind == "notice"
    a5 = formgen("blank", "h2", "--profile", "hubei-2020", "--out", str(tmp_path), "--paper", "a5")
    assert a5.exit_code == 0 and "服务纪实手册_空白_A5.pdf" in a5.output
    paragraphs = docx_paragraphs(tmp_path / "报到登记表_空白.docx")
    assert "回\u3000执" in paragraphs


def test_a_unit_without_members_and_a_member_without_anything(tmp_path):
    """黄冈师范学院 has no member: no h4/h5; 0010 has no 报到日期, 报到方式, activity or
    report: every form of theirs is made, with blanks."""
    path = clerk_ledger(tmp_path / "l", "hubei-2020", quota_met())
    result = export(path, tmp_path / "out", "--forms", "h1,h2,h3,h4", "--format", "pdf")
    assert result.exit_code == 0, result.output
    docs = manifest(tmp_path / "out")
    assert not [e for e in docs if e.get("unit") == "黄冈师范学院"]
    text = squash(pages_of(tmp_path / "out", "h1", "0010"))
    assert "□派驻□自主报到" in text and "报到日期" in text
    assert "未报到" in pdf_text(find(tmp_path / "out", "h4", "pdf", unit=HB_UNIT))


def pages_of(out: Path, form: str, member: str) -> str:
    return "".join(pdf_pages(find(out, form, "pdf", member_id=member)))


def test_registration_date_counts_only_up_to_the_year(tmp_path):
    rows = quota_met()
    rows["党员干部"][0]["报到日期"] = dt.date(YEAR + 1, 1, 5)
    path = clerk_ledger(tmp_path / "l", "hubei-2020", rows)
    result = export(path, tmp_path / "out", "--forms", "h4", "--format", "docx", "--unit", HB_UNIT)
    assert result.exit_code == 0, result.output
    figures = {r[1]: r[2] for r in table_rows(find(tmp_path / "out", "h4", "docx"), 0)[1:]}
    assert figures["到居住地社区（小区）报到"] == "8人"
