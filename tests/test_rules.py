"""The rules engine and `formgen check --report`: a ledger with known shortfalls lists
exactly those members and units as 未达标; closed sets help rather than block."""

from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl

from generator.policy.period import Period
from generator.policy.rules import evaluate
from tests.clerks import formgen
from tests.conftest import ledger_rows, write_ledger


def _failing(report) -> dict[str, set[str]]:
    """Rule (without its window) -> the 编号 or 名称 of its 未达标 rows."""
    ws = openpyxl.load_workbook(report)["规则检查"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("规则", "范围", "编号", "名称", "实际", "要求", "结果")
    found: dict[str, set[str]] = {}
    for rule, _scope, code, name, _actual, _need, result in rows[1:]:
        assert result in ("达标", "未达标")
        if result == "未达标":
            found.setdefault(rule, set()).add(code or name)
    return found


DECISIONS = "参与社区（小区）决策共谋全年不少于2次"
PLEDGES = "每名党员干部每年承诺事项不少于1件"
POSTS = "在小区任职的党员干部不少于本单位总数三分之一"
ACTS = "每季度参加发展共建活动不少于1次"


def test_report_lists_exactly_the_known_shortfalls(ledger_path, tmp_path):
    # The test ledger (tests/conftest.py): decisions 0001×3, 0003×1, 0004×1; pledges
    # 0001×2, 0002×1; posts held in 住建局 (1 of 2), 民政局 (1 of 2), none in 人民医院 (0 of 1);
    # activities 0001 on 4-08 and 0005 on 5-08 (both in Q2).
    report = tmp_path / "report.xlsx"
    result = formgen("check", str(ledger_path), "--period", "2026", "--report", str(report),
                     "--date", "2026-06-30")  # fmt: skip
    assert result.exit_code == 0, result.output
    failing = _failing(report)
    assert failing[DECISIONS] == {"0002", "0003", "0004", "0005"}
    assert failing[PLEDGES] == {"0003", "0004", "0005"}
    assert failing[POSTS] == {"十堰市人民医院"}
    assert failing[f"{ACTS}（2026年第一季度）"] == {"0001", "0002", "0003", "0004", "0005"}
    assert failing[f"{ACTS}（2026年第二季度）"] == {"0002", "0003", "0004"}
    assert not any("第三季度" in r for r in failing)  # not begun by 6-30
    assert set(failing) == {DECISIONS, PLEDGES, POSTS, f"{ACTS}（2026年第一季度）",
                            f"{ACTS}（2026年第二季度）"}  # fmt: skip
    assert f"[未达标] {POSTS}｜单位 十堰市人民医院" in result.output
    with zipfile.ZipFile(report) as z:  # the 达标率 chart per unit
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())
    rates = openpyxl.load_workbook(report)["达标率"]
    units = {r[0] for r in rates.iter_rows(min_row=2, values_only=True)}
    assert units == {"十堰市住房和城乡建设局", "十堰市民政局", "十堰市人民医院"}


def test_fixing_the_ledger_clears_its_rows(tmp_path, profile):
    from generator.run.pipeline import read_ledger

    rows = ledger_rows()
    rows["小区任职"].append(["0005", "", "", "志愿者", "2026-02-01", ""])
    rows["承诺事项"].append(["0003", "", "", 2026, "义务理发", "", "", "", ""])
    led, _ = read_ledger(write_ledger(tmp_path / "l.xlsx", rows), profile)
    results = evaluate(led, profile, Period(2026), dt.date(2026, 12, 31))
    short = {(r.rule_id, r.code or r.name) for r in results if not r.ok}
    assert ("post_share", "十堰市人民医院") not in short
    assert ("pledges_per_year", "0003") not in short and ("pledges_per_year", "0004") in short


def test_meeting_types_in_the_seeds_words_export(tmp_path):
    """会议类型 no form prints: the seed's 「小区党员、业主会议」 maps through an alias, an
    unknown kind only warns (naming the nearest) — the export goes on."""
    rows = ledger_rows()
    rows["决策共谋"] += [
        ["0002", "", "", "2026-05-01", "小区业主会议", "停车收费听证"],
        ["0002", "", "", "2026-06-01", "小区党员、业主会议", "加装电梯"],
        ["0003", "", "", "2026-06-02", "楼栋议事会", "楼道照明"],
    ]
    ledger = write_ledger(tmp_path / "l.xlsx", rows)
    check = formgen("check", str(ledger))
    assert check.exit_code == 0, check.output
    warned = [line for line in check.output.splitlines() if "楼栋议事会" in line]
    assert len(warned) == 1 and "[警告]" in warned[0] and "第9行" in warned[0]
    assert "会议类型" in warned[0] and "最接近的是" in warned[0]
    assert "小区业主会议" not in check.output and "小区党员、业主会议" not in check.output
    out = tmp_path / "o"
    result = formgen("export", str(ledger), "--forms", "a2", "--out", str(out), "--jobs", "1",
                     "--date", "2026-03-01")  # fmt: skip
    assert result.exit_code == 0, result.output


def test_a_printed_closed_set_still_refuses_an_unknown_value(tmp_path):
    """任职岗位 is printed on 附件4: an unknown post is an error naming the nearest."""
    rows = ledger_rows()
    rows["小区任职"].append(["0002", "", "", "楼长", "2026-04-01", ""])
    result = formgen("check", str(write_ledger(tmp_path / "l.xlsx", rows)))
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if "楼长" in x)
    assert "[错误]" in line and "任职岗位" in line and "第5行" in line and "楼栋长" in line


def test_a_members_bad_row_is_reported_once_not_at_every_sheet_pointing_to_it(tmp_path):
    rows = ledger_rows()
    rows["党员干部"][3][5] = "12345"  # 0003's phone: too short
    result = formgen("check", str(write_ledger(tmp_path / "l.xlsx", rows)))
    assert result.exit_code == 1
    errors = [x for x in result.output.splitlines() if x.startswith("[错误]")]
    assert len(errors) == 1, errors
    assert "党员干部" in errors[0] and "联系方式" in errors[0] and "12345" in errors[0]
    assert "没有这个编号" not in result.output
