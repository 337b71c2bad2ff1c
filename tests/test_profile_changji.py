"""Profile changji-2023 (seed 004) end to end, on ledgers typed into `formgen init`
workbooks: the sheets, every form in every format, the agreement's two seal blocks, the
lists by type, points ranked with ties sharing a rank, the grade thresholds and the
number of 志愿服务之星 taken from the profile, and the rules' report."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
import yaml

from generator.forms import kit
from generator.policy.profile import PROFILES_DIR
from tests.clerks import (
    CJ_C1,
    CJ_C2,
    CJ_C3,
    CJ_POINTS,
    CJ_UNIT,
    CJ_UNIT2,
    changji_rows,
    clerk_ledger,
    formgen,
)
from tests.helpers import docx_paragraphs, find, manifest, pdf_pages, pdf_text, squash

YEAR = 2023
DATE = "2024-01-10"


def export(ledger: Path, out: Path, *extra: str):
    return formgen(
        "export", str(ledger), "--out", str(out), "--archive", str(out / "archive"),
        "--date", DATE, "--jobs", "1", "--period", str(YEAR), *extra,
    )  # fmt: skip


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Path:
    return clerk_ledger(tmp_path_factory.mktemp("cj") / "clerk", "changji-2023", changji_rows())


@pytest.fixture(scope="module")
def packet(ledger, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cj-out")
    result = export(ledger, out, "--forms", "all")
    assert result.exit_code == 0, result.output
    return out


def xlsx_rows(path: Path) -> list[list[object]]:
    ws = openpyxl.load_workbook(path).active
    return [[c for c in r if c is not None] for r in ws.iter_rows(values_only=True)]


def test_init_writes_the_points_lists_and_agreements_sheets(tmp_path):
    result = formgen("init", "--profile", "changji-2023", str(tmp_path))
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(tmp_path / "ledger.xlsx")
    heads = {ws.title: [c.value for c in ws[1]] for ws in wb.worksheets[1:]}
    assert heads["积分"] == ["编号", "姓名", "所在单位", "日期", "积分事项", "分值", "确认人"]
    assert heads["清单"][:4] == ["单位", "社区", "清单类型", "事项"]
    assert "共建协议" in heads and "考核" not in heads and "半年报告" not in heads
    lists = {
        (ws.title, str(dv.sqref).split(":")[0][:-1]): dv.formula1
        for ws in wb.worksheets[1:]
        for dv in ws.data_validations.dataValidation
    }
    assert lists[("清单", "C")] == '"资源清单,需求清单,项目清单,问题清单"'
    assert lists[("清单", "G")] == '"未开始,进行中,已完成"'


def test_export_all_makes_every_form_in_every_format(packet):
    docs = manifest(packet)
    per = Counter((e["form"], e["format"]) for e in docs)
    # c1: the two pairs named in 共建协议/清单, not every unit × community members live in;
    # c2: the communities named in 清单 (绿洲路社区 has no members); c3/c4: where members live.
    want = {
        "c1": (2, ("docx", "pdf")),
        "c2": (2, ("xlsx", "docx", "pdf")),
        "c3": (2, ("xlsx", "docx", "pdf")),
        "c4": (2, ("docx", "pdf")),
    }
    for form, (n, fmts) in want.items():
        for fmt in fmts:
            assert per[(form, fmt)] == n, (form, fmt)
    assert {(e["unit"], e["community"]) for e in docs if e["form"] == "c1"} == {
        (CJ_UNIT, CJ_C1),
        (CJ_UNIT2, CJ_C3),
    }
    assert {e["community"] for e in docs if e["form"] == "c2"} == {CJ_C1, CJ_C3}
    assert {e["community"] for e in docs if e["form"] == "c3"} == {CJ_C1, CJ_C2}


def test_c1_holds_both_parties_seal_blocks(packet):
    pages = [squash(p) for p in pdf_pages(find(packet, "c1", "pdf", community=CJ_C1))]
    text = "".join(pages)
    assert "共驻共治共建协议书" in text
    assert "甲方（社区党组织）：中共北京南路社区委员会" in text
    assert "乙方（单位党组织）：中共昌吉州住房和城乡建设局机关委员会" in text
    assert "一、共建内容。党建联建、结对共建、联合开展主题党日和民族团结联谊活动。" in text
    assert "每年至少办3件实事好事" in text and "“党旗映天山”主题党日活动" in text
    assert "按照“好、较好、一般、差”评定等次" in text
    assert "八、联系人。甲方联系人：王红；乙方联系人：王芳。" in text
    seal = next(p for p in pages if "乙方（盖章）" in p)
    assert "甲方（盖章）" in seal and "九、本协议有效期：2023年3月至2025年3月。" in seal
    assert seal.count("负责人（签字）：") == 2 and seal.count("2023年3月15日") == 2
    annex = pages[-1]
    assert annex.startswith("附件：“四张清单”")
    order = [
        "资源清单（服务资源）",
        "需求清单（居民需求）",
        "项目清单（民生项目）",
        "问题清单（责任落实）",
    ]
    assert [annex.index(t) for t in order] == sorted(annex.index(t) for t in order)
    paragraphs = docx_paragraphs(find(packet, "c1", "docx", community=CJ_C1))
    assert "甲方（社区党组织）：中共北京南路社区委员会" in paragraphs
    other = pdf_text(find(packet, "c1", "pdf", community=CJ_C3))
    assert "甲方联系人：______；乙方联系人：______" in other  # not typed: blanks to fill
    assert other.count("2023年4月1日") == 2


def test_c2_one_section_per_list_type(packet):
    rows = xlsx_rows(find(packet, "c2", "xlsx", community=CJ_C1))
    heads = [r[0] for r in rows if len(r) == 1 and str(r[0])[1:2] == "、"]
    assert heads == [
        "一、资源清单（服务资源）",
        "二、需求清单（居民需求）",
        "三、项目清单（民生项目）",
        "四、问题清单（责任落实）",
    ]
    items = [r for r in rows if CJ_UNIT in r]
    assert [r[2] for r in items] == [
        "提供房屋安全鉴定咨询",
        "老旧小区加装电梯",
        "天山花园雨污管网改造",
        "楼道照明更换",
        "小区停车秩序整治",
    ]
    assert [items[1][2], items[1][-1]] == ["老旧小区加装电梯", "已完成意见征集"]
    assert "共5项：未开始1项，进行中2项，已完成2项。" in [r[0] for r in rows if r]
    empty = pdf_text(find(packet, "c2", "pdf", community=CJ_C3))
    assert empty.count("（暂无）") == 3 and "违建拆除政策宣讲" in empty


def test_c3_ranks_points_with_ties_sharing_a_rank(packet):
    rows = xlsx_rows(find(packet, "c3", "xlsx", community=CJ_C1))
    table = [r for r in rows if r and isinstance(r[0], int)]
    names = {m["姓名"]: m["编号"] for m in changji_rows()["党员干部"]}
    got = [(r[0], names[r[1]], r[-2], r[-1]) for r in table]
    totals = {mid: sum(v) for mid, v in CJ_POINTS.items()} | {"0007": 0}
    ordered = sorted(totals, key=lambda m: (-totals[m], m))
    assert [mid for _, mid, _, _ in got] == ordered
    assert [p for _, _, p, _ in got] == [totals[m] for m in ordered]
    for rank, mid, points, _ in got:
        assert rank == 1 + sum(1 for v in totals.values() if v > points), mid
    assert [r for r, *_ in got] == [1, 2, 2, 4, 4, 6, 7]
    assert [g for *_, g in got] == ["好", "较好", "较好", "一般", "一般", "差", "差"]
    text = pdf_text(find(packet, "c3", "pdf", community=CJ_C1))
    assert "等次标准：好≥90分，较好≥75分，一般≥60分，差＜60分。" in text
    assert "无故缺席社区活动（-10）" in text and "上一年度" not in text


def test_c4_names_the_top_members_of_the_community(packet):
    pdf = find(packet, "c4", "pdf", community=CJ_C1)
    text = pdf_text(pdf)
    assert "北京南路社区2023年度“志愿服务之星”评比结果公示" in text
    assert "马建新" in text and "古丽米拉" in text
    assert "张伟" not in text  # no points, no star
    assert "中共北京南路社区委员会（盖章）" in text


def my_profile(tmp_path: Path, **points) -> Path:
    """A clerk's copy of the profile with other points settings."""
    folder = tmp_path / "my-changji"
    shutil.copytree(PROFILES_DIR / "changji-2023", folder)
    raw = yaml.safe_load((folder / "profile.yaml").read_text(encoding="utf-8"))
    raw["points"].update(points)
    raw["id"] = "my-changji"
    (folder / "profile.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    return folder


def test_star_count_and_thresholds_come_from_the_profile(ledger, tmp_path):
    folder = my_profile(
        tmp_path,
        stars=2,
        grades=[
            {"grade": "好", "min": 80},
            {"grade": "较好", "min": 60},
            {"grade": "一般", "min": 30},
            {"grade": "差"},
        ],
    )
    out = tmp_path / "out"
    result = export(ledger, out, "--profile", str(folder), "--forms", "c3,c4", "--community", CJ_C1)
    assert result.exit_code == 0, result.output
    text = pdf_text(find(out, "c4", "pdf", community=CJ_C1))
    # rank ≤ 2: 马建新 (1) and both tied at 80 (2)
    assert "马建新" in text and "阿依古丽·买买提" in text and "王晓东" in text
    assert "李娜" not in text
    rows = xlsx_rows(find(out, "c3", "xlsx", community=CJ_C1))
    table = [r for r in rows if r and isinstance(r[0], int)]
    assert [r[-1] for r in table] == ["好", "好", "好", "较好", "较好", "一般", "差"]


def test_check_report_lists_the_rules_unmet(ledger, tmp_path):
    report = tmp_path / "report.xlsx"
    result = formgen("check", str(ledger), "--period", str(YEAR), "--report", str(report))
    assert result.exit_code == 0, result.output
    assert "警告0处" in result.output  # 服务资源, 居民需求清单, 责任落实, 居住地报到 read
    ws = openpyxl.load_workbook(report)["规则检查"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)][1:]
    short = {(r[0], r[3]): r[4] for r in rows if r[6] == "未达标"}
    assert short[("有效报到服务率达80%以上", CJ_UNIT2)] == "33.3%（1/3人）"
    assert ("有效报到服务率达80%以上", CJ_UNIT) not in short  # 7 of 8
    assert short[("每年至少在居住地社区服务4次", "王晓东")] == "1"
    assert ("每年至少在居住地社区服务4次", "马建新") not in short
    assert short[("在职党员均取得较好以上等次", "李娜")] == "60"
    assert ("在职党员均取得较好以上等次", "王晓东") not in short
    required = {r[0]: r[5] for r in rows}
    assert required["在职党员均取得较好以上等次"] == "≥75分（较好）"


def test_blank_forms_in_every_format(tmp_path):
    for form in ("c1", "c2", "c3", "c4"):
        result = formgen("blank", form, "--profile", "changji-2023", "--out", str(tmp_path))
        assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(
        [
            "共驻共治共建协议书_空白.docx", "共驻共治共建协议书_空白.pdf",
            "四张清单_空白.docx", "四张清单_空白.pdf", "四张清单_空白.xlsx",
            "积分台账及排名_空白.docx", "积分台账及排名_空白.pdf", "积分台账及排名_空白.xlsx",
            "志愿服务之星公示_空白.docx", "志愿服务之星公示_空白.pdf",
        ]
    )  # fmt: skip
    text = pdf_text(tmp_path / "共驻共治共建协议书_空白.pdf")
    assert "甲方（盖章）" in text and "乙方（盖章）" in text


def test_ranks_of_the_kit():
    assert kit.ranks([95, 80, 80, 60, 60, 30, 0]) == [1, 2, 2, 4, 4, 6, 7]
    assert kit.ranks([5, 9, 5]) == [2, 1, 2]
    assert kit.ranks([]) == []
    levels = [("好", 90.0), ("较好", 75.0), ("一般", 60.0), ("差", float("-inf"))]
    assert [kit.grade_for(x, levels) for x in (90, 89.5, 75, 60, -5)] == [
        "好", "较好", "较好", "一般", "差",
    ]  # fmt: skip


def test_a_community_with_no_members_gets_its_lists_but_no_ranking(packet):
    docs = manifest(packet)
    assert [e for e in docs if e["form"] == "c2" and e["community"] == CJ_C3]
    assert not [e for e in docs if e["form"] in ("c3", "c4") and e["community"] == CJ_C3]
    assert CJ_C2 in {e["community"] for e in docs if e["form"] == "c4"}
