"""Nothing lost, nothing leaked: two names that would become one file name stop the run
before anything is written; phones and door numbers typed anywhere are masked on every
public notice (PDF and DOCX), and `check` says where they sit in the wrong column."""

from __future__ import annotations

from click.testing import CliRunner

from generator.app.cli import main
from generator.policy.privacy import mask_text, sensitive
from tests.conftest import ledger_rows, write_ledger
from tests.helpers import docx_cells, docx_paragraphs, manifest, pdf_pages, squash


def run(*args: str):
    return CliRunner().invoke(main, [*args, "--date", "2026-03-01"])


def test_two_units_mapping_to_one_file_name_stop_the_run(tmp_path):
    rows = ledger_rows()
    rows["单位"] += [["十堰市卫生/健康单位", "甲党组", "党组", "", "", ""],
                   ["十堰市卫生:健康单位", "乙党组", "党组", "", "", ""]]  # fmt: skip
    rows["党员干部"] += [
        ["0101", "甲", "男", "十堰市卫生/健康单位", "科员", "", "北京路社区", "阳光花园", "1栋"],
        ["0102", "乙", "男", "十堰市卫生:健康单位", "科员", "", "北京路社区", "阳光花园", "1栋"],
    ]
    out = tmp_path / "o"
    result = run("export", str(write_ledger(tmp_path / "l.xlsx", rows)), "--out", str(out),
                 "--jobs", "1")  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "十堰市卫生/健康单位" in result.output and "十堰市卫生:健康单位" in result.output
    assert "未生成任何文件" in result.output
    assert not out.exists() or not any(p.is_file() for p in out.rglob("*"))


def test_two_long_names_sharing_their_first_60_characters_are_stopped_too(tmp_path):
    """Cut to 60 characters in file names, they would collide; the schema's length limit
    (单位名称 at most 60) names them first, both rows, before anything is written."""
    rows = ledger_rows()
    base = "十堰市" + "很长的单位名称" * 9
    rows["单位"] += [[base + "甲", "甲党组", "党组"], [base + "乙", "乙党组", "党组"]]
    rows["党员干部"] += [
        ["0101", "甲", "男", base + "甲", "科员", "", "北京路社区", "阳光花园", "1栋"],
        ["0102", "乙", "男", base + "乙", "科员", "", "北京路社区", "阳光花园", "1栋"],
    ]
    result = run("export", str(write_ledger(tmp_path / "l.xlsx", rows)), "--forms", "a2",
                 "--out", str(tmp_path / "o"), "--jobs", "1")  # fmt: skip
    assert result.exit_code == 1 and "未生成任何文件" in result.output
    too_long = [x for x in result.output.splitlines() if "内容过长" in x and "列「单位名称」" in x]
    assert [("第5行" in x, "第6行" in x) for x in too_long] == [(True, False), (False, True)]


def test_mask_text_finds_phones_and_doors_anywhere():
    assert mask_text("有事请联系本人13812345678或到1704室") == "有事请联系本人138****5678或到***室"
    assert mask_text("5栋1单元1808室") == "5栋1单元***室"
    assert mask_text("1单元1808") == "1单元***"
    assert mask_text("电话 0719-8652545，手机 +86 139 0719 1234") == (
        "电话 0719-***2545，手机 139****1234"
    )
    assert mask_text("5-1-1808") == "5-1-***"
    keep = "2026年3月1日至2026年3月10日，第3栋2单元，编号SY2026-N1-M0001-K"
    assert mask_text(keep) == keep
    assert sensitive("1单元1808室") == "门牌号" and sensitive("联系13812345678") == "电话号码"
    assert sensitive("3栋") == "" and sensitive("2026年3月1日") == ""


def _misplaced(tmp_path):
    rows = ledger_rows()
    rows["党员干部"][1][9] = "2单元1808室"  # 0001 刘䶮: the door typed into 单元
    rows["党员干部"][2][8] = "5栋1单元1706室"  # 0002 吉𠮷祥: all of it into 楼栋
    rows["承诺事项"][1][4] = "有事请联系本人13812345678或到1704室"  # 0001's first pledge
    return write_ledger(tmp_path / "l.xlsx", rows)


def test_misplaced_phones_and_doors_are_masked_on_every_notice(tmp_path):
    ledger = _misplaced(tmp_path)
    out = tmp_path / "o"
    result = run("export", str(ledger), "--forms", "n1,n2,n3", "--out", str(out), "--jobs", "1")
    assert result.exit_code == 0, result.output
    leaks = ("1808", "1706", "1704", "13812345678", "13912345678", "501")
    seen = 0
    for e in manifest(out):
        path = out / e["path"]
        if e["format"] == "pdf":
            text = squash("".join(pdf_pages(path)))
        else:
            text = squash("".join(docx_paragraphs(path) + docx_cells(path)))
        assert not [x for x in leaks if x in text], (e["path"], [x for x in leaks if x in text])
        seen += "***室" in text
    assert seen >= 2  # the masked doors are there, masked
    a1 = run("export", str(ledger), "--forms", "a1", "--out", str(tmp_path / "a"), "--jobs", "1")
    assert a1.exit_code == 0  # the internal 公示表 keeps them (never masked)


def test_check_warns_where_a_phone_or_door_sits_in_the_wrong_column(tmp_path):
    result = CliRunner().invoke(main, ["check", str(_misplaced(tmp_path))])
    assert result.exit_code == 0, result.output
    lines = [x for x in result.output.splitlines() if x.startswith("[警告]") and "疑似" in x]
    assert any("第2行" in x and "「单元」" in x and "门牌号" in x for x in lines)
    assert any("第3行" in x and "「楼栋」" in x for x in lines)
    assert any("承诺事项" in x and "电话号码" in x for x in lines)
