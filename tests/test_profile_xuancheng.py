"""Profile xuancheng-2021 (seed 002) end to end: a workbook from ``formgen init --profile
xuancheng-2021`` filled as a clerk fills it, checked and exported through the CLI, and
the documents read back — x1 党员户标牌, x2 “六级联动”组织架构表, x3 负面行为提醒函,
x4 负面行为通报."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from generator.forms.registry import forms_of
from generator.policy.profile import load_profile
from tests import clerks as clerk
from tests.clerks import formgen
from tests.helpers import docx_paragraphs, find, manifest, pdf_fonts, pdf_pages, pdf_text, squash
from tests.xuancheng_rows import EDUCATION, HOSPITAL, HOUSEHOLDS, HOUSING, LONG_UNIT, rows

PROFILE = "xuancheng-2021"
DATE = "2021-09-01"


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Path:
    return clerk.ledger(tmp_path_factory.mktemp("xc"), PROFILE, rows())


@pytest.fixture(scope="module")
def out(ledger: Path) -> Path:
    return clerk.export_all(ledger, "2021", DATE)


def test_init_writes_the_profiles_sheets_and_checks_clean(tmp_path):
    book = clerk.init(tmp_path, PROFILE)
    wb = openpyxl.load_workbook(book)
    assert [c.value for c in wb["负面记录"][1]] == [
        "编号", "姓名", "所在单位", "日期", "行为", "约谈日期", "整改情况", "通报单位日期",
    ]  # fmt: skip
    assert [c.value for c in wb["组织架构"][1]] == [
        "层级", "组织名称", "姓名", "职务", "所在单位", "是否为党员", "社区", "小区", "楼栋",
    ]  # fmt: skip
    assert "居住地变化日期" in [c.value for c in wb["党员干部"][1]]
    lists = [dv.formula1 for dv in wb["组织架构"].data_validations.dataValidation]
    assert (
        '"大工委,大党委,社区党组织,小区党支部,楼栋党小组,党员楼栋长,业委会,物业服务企业"' in lists
    )
    assert "清单" not in wb.sheetnames and "服务团队" not in wb.sheetnames
    check = formgen("check", str(book))
    assert check.exit_code == 0, check.output
    assert "错误0处" in check.output and "政策配置 xuancheng-2021" in check.output


def test_export_all_makes_every_form_in_every_format(out):
    entries = manifest(out)
    for form in forms_of(load_profile(PROFILE)).values():
        made = {e["format"] for e in entries if e["form"] == form.id}
        assert made == set(form.formats), form.id
    # 锦城花园 has no party household (its one cadre is not a party member): no plates.
    assert {e["compound"] for e in entries if e["form"] == "x1"} == {"翠竹园", "西林小区"}
    assert {e["community"] for e in entries if e["form"] == "x2"} == {"梅园社区", "西林社区"}
    # One letter per 负面记录 row; 曝光 only where a record was reported to the unit.
    assert {e["member_id"] for e in entries if e["form"] == "x3"} == {"0001", "0003", "0004",
                                                                     "0030"}  # fmt: skip
    assert {e["compound"] for e in entries if e["form"] == "x4"} == {"翠竹园"}


def test_x1_plates_on_a_page_are_exactly_that_pages_households(out):
    pdf = find(out, "x1", "pdf", compound="翠竹园")
    pages = [squash(p) for p in pdf_pages(pdf)]
    assert len(pages) == 2  # eleven households, eight to a sheet
    sheets = [HOUSEHOLDS[:8], HOUSEHOLDS[8:]]
    for page, households in zip(pages, sheets, strict=True):
        assert page.count("共产党员户") == len(households)
        for home in HOUSEHOLDS:
            on_page = "".join(home) in page
            assert on_page == (home in households), (home, page)
    assert "1栋1单元101室" in pages[0] and HOUSING + "、" + EDUCATION in pages[0]
    assert "翠竹园小区党支部亮明身份亮出承诺" in pages[0]
    assert pages[1].index("钱进") < pages[1].index("李娜") < pages[1].index("郑强")  # 12栋 last
    xilin = pdf_text(find(out, "x1", "pdf", compound="西林小区"))
    assert "何平欧阳娜娜司马相如" in xilin and squash(LONG_UNIT) in xilin
    assert xilin.count("共产党员户") == 2


def test_x1_draws_cut_marks_outside_each_plate(out):
    """Eight marks a plate (a horizontal and a vertical one at each corner), short vector
    lines standing outside the plate's frame, in the gutters."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(find(out, "x1", "pdf", compound="翠竹园")))
    try:
        page = pdf[1]  # the sheet with three plates
        paths = [o.get_bounds() for o in page.get_objects() if o.type == pdfium_path()]
        mm = 72 / 25.4
        marks = [b for b in paths if max(b[2] - b[0], b[3] - b[1]) < 6 * mm]
        frames = [b for b in paths if b[2] - b[0] > 80 * mm]  # the plates' red frames
        assert len(marks) == 3 * 8 and len(frames) == 3 * 2
        left = min(f[0] for f in frames)
        assert min(b[0] for b in marks) < left - 3 * mm  # outside the frame, with the cut
    finally:
        pdf.close()


def pdfium_path() -> int:
    import pypdfium2.raw as raw

    return int(raw.FPDF_PAGEOBJ_PATH)


def test_x2_every_level_with_its_people_and_the_rules_flags(out):
    ws = openpyxl.load_workbook(find(out, "x2", "xlsx", community="梅园社区")).active
    cells = [tuple(r) for r in ws.iter_rows(values_only=True)]
    assert cells[1][0] == "梅园社区“六级联动”组织架构表"
    body = [r for r in cells if isinstance(r[0], int)]
    assert [r[1] for r in body][:4] == ["大工委"] * 3 + ["大党委"]
    levels = list(dict.fromkeys(r[1] for r in body))
    assert levels == ["大工委", "大党委", "社区党组织", "小区党支部", "楼栋党小组", "党员楼栋长",
                      "业委会", "物业服务企业"]  # fmt: skip
    missing = {r[1] for r in body if r[2] == "未录入"}
    assert missing == {"社区党组织", "党员楼栋长", "物业服务企业"}
    committee = [r for r in body if r[2] == "翠竹园业主委员会"]
    assert [r[3] for r in committee] == ["周文", "孙丽", "甲", "乙", "丙"]
    assert [r[6] for r in committee] == ["是", "是", "否", "否", "否"]  # 群众 typed: 否
    assert committee[0][8] == "业主委员会成员中党员比例不低于50%：实际40%（2/5人），未达到要求"
    assert all(r[8] is None for r in committee[1:])
    flags = {r[2]: r[8] for r in body if r[8]}
    assert flags["澄江街道“大工委”"].startswith("街道“大工委”兼职委员一般为3-5名：实际2人")
    assert "实际2人" in flags["翠竹园1栋党小组"]
    assert "梅园社区“大党委”" not in flags and "翠竹园小区党支部" not in flags  # within bounds
    summary = next(r[0] for r in cells if str(r[0]).startswith("党员干部联户"))
    assert summary == "党员干部联户：本社区居住的在职党员干部13名，其中党员12名，分布在2个小区。"
    xilin = pdf_text(find(out, "x2", "pdf", community="西林社区"))
    assert "西林小区业委会" in xilin and "未达到要求" not in xilin  # 2 of 4: 50 %
    assert "澄江街道" not in xilin  # the other street's 大工委


def test_x3_letter_and_its_receipt_on_one_page(out):
    pdf = find(out, "x3", "pdf", member_id="0001")
    pages = pdf_pages(pdf)
    assert len(pages) == 1
    body = squash(pages[0])
    for part in (
        "党员负面行为提醒函",
        "中共宣城市住房和城乡建设局党组：",
        "你单位党员汪海（科员）居住在翠竹园1栋1单元101室",  # internal: the door in full
        "于2021年5月6日在小区消防通道长期停放私家车，经物业劝导仍不挪移。",
        "社区党组织已于2021年5月10日对其进行约谈提醒，整改情况：逾期未整改。",
        "所在单位须取消其个人年度各类评先评优资格",
        "中共梅园社区委员会（盖章）2021年5月20日",
        "联系人：吴敏联系电话：0563-2021234",
        "请沿此线剪下，填写、盖章后寄回",
        "回执",
        "按规定取消其2021年度各类评先评优资格",
        "单位党组织书记签字：",
        "中共宣城市住房和城乡建设局党组（盖章）",
    ):
        assert part in body, part
    assert body.index("回执中共梅园社区委员会：") > body.index("（盖章）2021年5月20日")
    number = next(e["doc_no"] for e in manifest(out) if e["form"] == "x3" and
                  e["member_id"] == "0001" and e["format"] == "pdf")  # fmt: skip
    assert number.startswith("XC2021-X3-M0001R3-") and body.count(number) == 3  # band, text, QR
    assert any(f.endswith("FandolFang-Regular") for f in pdf_fonts(pdf))
    paras = docx_paragraphs(find(out, "x3", "docx", member_id="0001"))
    assert "中共宣城市住房和城乡建设局党组：" in paras and "回　执" in paras
    # Referenced by 姓名 + 所在单位, nothing recorded about a talk or rectification.
    lu = pdf_text(find(out, "x3", "pdf", member_id="0003"))
    assert "刘䶮" in lu and "截至目前未按期整改到位。" in lu and "约谈" not in lu.split("根据")[0]


def test_x4_exposes_only_reported_records_masked(out):
    pdf = find(out, "x4", "pdf", compound="翠竹园")
    body = pdf_text(pdf)
    assert "翠竹园住户党员负面行为通报" in body and "进行‘曝光’" in body
    assert "汪海" in body and "刘䶮" in body and "陈晓燕" not in body  # 0004: not reported
    assert "1栋1单元***室" in body and "101室" not in body
    assert "138****1111" in body and "13800001111" not in body
    assert "中共梅园社区委员会（盖章）" in body and "监督电话：0563-2021234" in body
    assert len(pdf_pages(pdf)) == 1
    paras = "".join(docx_paragraphs(find(out, "x4", "docx", compound="翠竹园")))
    assert "翠竹园住户党员负面行为通报" in paras


def test_check_report_lists_the_rules_short_rows(ledger, tmp_path):
    report = tmp_path / "report.xlsx"
    result = formgen(
        "check", str(ledger), "--period", "2021", "--date", DATE, "--report", str(report)
    )
    assert result.exit_code == 0, result.output
    out = result.output
    share = "业主委员会成员中党员比例不低于50%"
    assert (
        f"[未达标] {share}｜小区 翠竹园业主委员会（梅园社区翠竹园）：实际40%（2/5），要求≥50%"
        in out
    )
    assert "西林小区业委会（西林社区西林小区）" not in out
    assert "[未达标] 街道“大工委”兼职委员一般为3-5名｜社区 澄江街道“大工委”：实际2，要求3–5" in out
    group = "常住正式党员达到3名的楼栋（巷、片）建立党小组"
    assert f"[未达标] {group}｜小区 翠竹园1栋党小组（梅园社区翠竹园）：实际2，要求≥3" in out
    move = "在职党员居住地发生变化的，1个月内向新居住小区（网格）党支部报到"
    assert f"[未达标] {move}｜党员干部 0030 黄山：实际70，要求≤30天（1个月）" in out
    assert "0031 何平" not in out  # re-registered after 19 days
    ws = openpyxl.load_workbook(report)["规则检查"]
    found = [tuple(c.value for c in r) for r in ws.iter_rows(min_row=2)]
    assert (share, "小区", None, "西林小区业委会（西林社区西林小区）", "50%（2/4）", "≥50%",
            "达标") in found  # fmt: skip
    assert (move, "党员干部", "0031", "何平", "19", "≤30天（1个月）", "达标") in found
    sizes = "社区“大党委”成员一般不超过7-9名"
    assert (sizes, "社区", None, "梅园社区“大党委”（梅园社区）", "8", "≤9", "达标") in found


def test_a_level_typed_in_other_words_is_read_and_an_unknown_one_named(tmp_path):
    data = rows()
    data["组织架构"] = [
        {"层级": "网格党支部", "组织名称": "西林小区党支部", "姓名": "黄山", "社区": "西林社区"},
        {"层级": "居委会", "组织名称": "西林居委会", "姓名": "何平", "社区": "西林社区"},
    ]
    book = clerk.ledger(tmp_path / "l", PROFILE, data)
    result = formgen("check", str(book), "--period", "2021")
    assert result.exit_code == 1
    assert "工作表「组织架构」，第4行，列「层级」，值「居委会」" in result.output
    assert "第3行" not in result.output  # 网格党支部 is 小区党支部


@pytest.mark.parametrize("form_id", ["x1", "x2", "x3", "x4"])
def test_blank_forms(form_id, tmp_path):
    form = forms_of(load_profile(PROFILE))[form_id]
    result = formgen("blank", form_id, "--profile", PROFILE, "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    made = sorted(p.suffix for p in tmp_path.iterdir())
    assert made == sorted(f".{f}" for f in form.formats)
    pages = pdf_pages(next(tmp_path.glob("*.pdf")))
    body = squash("".join(pages))
    want = {"x1": "共产党员户", "x2": "××社区“六级联动”组织架构表", "x3": "回执",
            "x4": "××小区住户党员负面行为通报"}[form_id]  # fmt: skip
    assert want in body
    if form_id == "x1":
        assert body.count("共产党员户") == 8
    if form_id in ("x1", "x2", "x3"):
        assert len(pages) == 1


def test_a_compound_without_party_households_gets_no_plates_but_no_error(ledger, tmp_path):
    result = formgen("export", str(ledger), "--forms", "x1", "--compound", "锦城花园",
                     "--period", "2021", "--jobs", "1", "--out", str(tmp_path / "o"))  # fmt: skip
    assert result.exit_code == 2 and "没有符合条件的文件可生成" in result.output


def test_x3_for_a_unit_member_in_another_community(out):
    body = pdf_text(find(out, "x3", "pdf", member_id="0030"))
    assert "中共宣州区人民医院委员会：" in body and "中共西林社区委员会（盖章）" in body
    assert "违规饲养犬只。" in body and HOSPITAL in body
