"""The web's door into the engine: the same issues as ``formgen check``, the workbook
given back with its bad cells marked, the rules report and 达标率, CSV zips and JSON
ledgers, and who may make which forms."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from generator.app.cli import main
from generator.app.web import engine
from generator.app.web.storage import Storage
from tests.conftest import ledger_rows, write_ledger


def bad_ledger(tmp_path: Path) -> Path:
    rows = ledger_rows()
    rows["党员干部"][3][4] = ""  # 张伟: 职务 missing (row 4)
    rows["党员干部"][4][5] = "=HYPERLINK(1)"  # 王芳: a formula-like phone (row 5)
    return write_ledger(tmp_path / "bad.xlsx", rows)


def test_issues_are_those_of_formgen_check(tmp_path: Path) -> None:
    path = bad_ledger(tmp_path)
    checked = engine.check(path, engine.DEFAULT_PROFILE)
    cli = CliRunner().invoke(main, ["check", str(path)])
    assert cli.exit_code == 1
    for issue in checked.errors:
        assert issue.render() in cli.output
    first = engine.issue_dict(checked.errors[0])
    assert first == {"sheet": "党员干部", "row": 4, "column": "职务", "value": "",
                     "message": "必填项为空"}  # fmt: skip


def test_the_workbook_comes_back_with_its_bad_cells_marked(tmp_path: Path) -> None:
    path = bad_ledger(tmp_path)
    checked = engine.check(path, engine.DEFAULT_PROFILE)
    wb = load_workbook(io.BytesIO(engine.marked_workbook(path, "xlsx", checked.errors)))
    assert wb.sheetnames[0] == "问题清单"
    listing = [[c.value for c in row] for row in wb["问题清单"].iter_rows(min_row=2)]
    assert ["党员干部", 4, "职务", None, "必填项为空", "错误"] in listing
    ws = wb["党员干部"]
    title, phone = ws["E4"], ws["F5"]  # 职务 and 联系方式 of rows 4 and 5
    assert title.fill.fgColor.rgb.endswith("FFC7CE") and "必填项为空" in title.comment.text
    assert phone.comment is not None and phone.fill.fgColor.rgb.endswith("FFC7CE")
    assert ws["E3"].comment is None  # a good cell is left alone


def test_csv_zip_and_json_ledgers_are_marked_at_their_rows(tmp_path: Path) -> None:
    rows = ledger_rows()
    rows["党员干部"][3][4] = ""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for sheet, data in rows.items():
            z.writestr(f"台账/{sheet}.csv", "\n".join(",".join(map(str, r)) for r in data))
    (tmp_path / "up.zip").write_bytes(buf.getvalue())
    folder = Storage(tmp_path / "data").unpack_csv_zip(tmp_path / "up.zip", tmp_path / "data" /
                                                        "csv", 10**6)  # fmt: skip
    checked = engine.check(folder, engine.DEFAULT_PROFILE)
    assert (checked.errors[0].sheet, checked.errors[0].row, checked.errors[0].column) == (
        "党员干部",
        4,
        "职务",
    )
    wb = load_workbook(io.BytesIO(engine.marked_workbook(folder, "csvzip", checked.errors)))
    assert "必填项为空" in wb["党员干部"]["E4"].comment.text
    heads = rows["党员干部"][0]
    records = {"党员干部": [dict(zip(heads, r, strict=False)) for r in rows["党员干部"][1:]]}
    for sheet in ("单位", "社区", "小区"):
        records[sheet] = [dict(zip(rows[sheet][0], r, strict=True)) for r in rows[sheet][1:]]
    (tmp_path / "l.json").write_text(json.dumps(records, ensure_ascii=False, default=str))
    checked = engine.check(tmp_path / "l.json", engine.DEFAULT_PROFILE)
    assert [(i.sheet, i.row) for i in checked.errors] == [("党员干部", 3)]  # the 3rd record
    wb = load_workbook(io.BytesIO(engine.marked_workbook(tmp_path / "l.json", "json",
                                                         checked.errors)))  # fmt: skip
    assert wb["党员干部"]["E4"].comment is not None  # one row below its header


def test_rules_report_and_pass_rates(ledger) -> None:
    rows = engine.rules_report(
        ledger, engine.profile(engine.DEFAULT_PROFILE), engine.period("2026")
    )
    assert set(rows[0]) >= {"规则", "范围", "编号", "名称", "实际", "要求", "结果"}
    by = {(r["规则"], r["编号"] or r["名称"]): r for r in rows}
    decisions = "参与社区（小区）决策共谋全年不少于2次"
    liu = by[(decisions, "0001")]  # three meetings in 2026
    assert (liu["实际"], liu["要求"], liu["结果"]) == ("3", "≥2", "达标")
    wang = by[(decisions, "0004")]
    assert (wang["实际"], wang["结果"]) == ("1", "未达标")
    post = by[("在小区任职的党员干部不少于本单位总数三分之一", "十堰市人民医院")]
    assert (post["实际"], post["结果"]) == ("0%（0/1人）", "未达标")
    rates = {r["unit"]: r for r in engine.pass_rates(rows)}
    assert set(rates) == set(ledger.units)
    hospital = rates["十堰市人民医院"]  # 李强: no decision, pledge or post; one activity (Q2)
    hospital_rows = [r for r in rows if r["单位"] == "十堰市人民医院"]
    assert hospital["total"] == len(hospital_rows)
    assert hospital["passed"] == sum(r["结果"] == "达标" for r in hospital_rows) == 1


def test_forms_by_role() -> None:
    ids = {role: [f.id for f in engine.forms_for(role)] for role in ("admin", "unit", "community")}
    assert ids["admin"] == ["a1", "a2", "a3", "a4", "a5", "n1", "n2", "n3"]
    assert ids["unit"] == ["a2", "a3", "a4", "a5", "n3"]
    assert ids["community"] == ["a1", "n1", "n2", "n3"]  # n3 per compound


def test_every_profile_works_through_the_web_door(tmp_path: Path) -> None:
    """A workbook that records its profile (formgen init) is checked against it; its
    forms are offered by role, and one document of each kind previews."""
    from generator.ledger.sample import generate, write_xlsx

    for pid, form, kind in (("hubei-2020", "h2", "member"), ("changji-2023", "c1", "pair"),
                            ("wuhan-2021", "w2", "community"),
                            ("xuancheng-2021", "x3", "member")):  # fmt: skip
        path = tmp_path / f"{pid}.xlsx"
        write_xlsx(generate(40, profile=pid), path, pid)
        assert engine.profile_of(path) == pid
        checked = engine.check(path, pid)
        assert not checked.errors, (pid, checked.errors[:2])
        offered = {f.id: f.kind for f in engine.forms_for("admin", pid)}
        assert offered[form] == kind, (pid, offered)
        led = checked.ledger
        if kind == "member":
            rows = led.table("negatives") if form == "x3" else []
            member = rows[0].member_id if rows else next(iter(led.members))
            t = engine.target(led, form, engine.period("2026"), "unit", member=member,
                              profile_id=pid)  # fmt: skip
        elif kind == "pair":
            u, c = next((r["单位"], r["社区"]) for r in [
                {"单位": x.values["unit"], "社区": x.values["community"]}
                for x in led.table("agreements")])  # fmt: skip
            t = engine.target(led, form, engine.period("2026"), "unit", unit=u, community=c,
                              profile_id=pid)  # fmt: skip
        else:
            t = engine.target(led, form, engine.period("2026"), "unit",
                              community=next(iter(led.communities)), profile_id=pid)  # fmt: skip
        pdf = engine.render(led, t, "pdf", engine.options(pid))
        png, pages = engine.pdf_page_png(pdf, 1, scale=0.3)
        assert png.startswith(b"\x89PNG") and pages >= 1, pid
