"""The ledger in three containers: .xlsx, a folder of .csv (UTF-8 or GBK), .json."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.app.cli import main
from generator.errors import UserError
from generator.ledger.load import load
from generator.ledger.validate import validate
from tests.conftest import ledger_rows, write_ledger


def _cell(v: object) -> object:
    return v.isoformat() if isinstance(v, dt.date) else v


def write_csv_dir(d: Path, encoding: str) -> Path:
    d.mkdir()
    for name, rows in ledger_rows().items():
        buf = io.StringIO()
        csv.writer(buf).writerows([[_cell(v) for v in r] for r in rows])
        (d / f"{name}.csv").write_bytes(buf.getvalue().encode(encoding))
    return d


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_csv_folder_in_utf8_or_gbk(tmp_path, profile, encoding):
    if encoding == "gbk":
        # GBK cannot hold 䶮/𠮷 — as a clerk's WPS would, GB18030 carries them.
        encoding = "gb18030"
    ledger, issues = validate(load(write_csv_dir(tmp_path / "csv", encoding)), profile)
    assert [i for i in issues if i.severity == "error"] == []
    assert ledger.members["0001"].name == "刘䶮"
    assert len(ledger.members) == 5 and len(ledger.decisions["0001"]) == 3


def test_plain_gbk_csv(tmp_path, profile):
    d = tmp_path / "gbk"
    write_csv_dir(d, "utf-8")
    rows = ledger_rows()["社区"]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    (d / "社区.csv").write_bytes(buf.getvalue().encode("gbk"))
    ledger, _ = validate(load(d), profile)
    assert "北京路社区" in ledger.communities


def test_json_ledger(tmp_path, profile):
    data = {}
    for name, rows in ledger_rows().items():
        head = rows[0]
        data[name] = [{h: _cell(v) for h, v in zip(head, r, strict=False)} for r in rows[1:]]
    p = tmp_path / "ledger.json"
    p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    ledger, issues = validate(load(p), profile)
    assert [i for i in issues if i.severity == "error"] == []
    assert ledger.members["0002"].name == "吉𠮷祥"
    assert ledger.evaluations[("0001", 2026)].grades["committee"] == "良好"


def test_title_row_above_headers_and_padded_headers(tmp_path, profile):
    s = ledger_rows()
    s["党员干部"] = [
        ["某某单位党员干部台账"],
        [f" {h} " for h in s["党员干部"][0]],
        *s["党员干部"][1:],
    ]
    s["共建活动"][0] = [h.replace("(", "（").replace(")", "）") for h in s["共建活动"][0]]
    ledger, issues = validate(load(write_ledger(tmp_path / "t.xlsx", s)), profile)
    assert [i for i in issues if i.severity == "error"] == []
    assert len(ledger.members) == 5 and ledger.activities["0005"][0].hours == 1.5


def test_missing_file_and_wrong_format_are_usage_errors(tmp_path):
    with pytest.raises(UserError, match="找不到台账文件"):
        load(tmp_path / "nope.xlsx")
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(UserError, match="不支持的台账格式"):
        load(tmp_path / "x.txt")


def test_sheets_in_any_order_with_others_among_them_read_the_same(tmp_path, profile):
    """The .xlsx sheets are parsed on a background thread in the validator's order, not
    the workbook's: a clerk's reordered workbook with an extra sheet reads the same."""
    rows = ledger_rows()
    usual = validate(load(write_ledger(tmp_path / "usual.xlsx", rows)), profile)[0]
    shuffled = {"备注": [["随手记的"], ["不是台账"]], **dict(reversed(list(rows.items())))}
    raw = load(write_ledger(tmp_path / "shuffled.xlsx", shuffled))
    assert list(raw.sheets) == list(rows)  # known sheets only, in the schema's order
    other = validate(raw, profile)[0]
    assert other.members == usual.members and other.pledges == usual.pledges
    assert other.units == usual.units and other.evaluations == usual.evaluations


def test_a_csv_with_a_utf8_mark_before_gbk_text_names_its_encoding(tmp_path):
    """A BOM, then GBK (as some tools save): not guessed at, not "缺少必填列" — the
    encodings are named, with the line where UTF-8 stops."""
    d = write_csv_dir(tmp_path / "csv", "utf-8")
    rows = ledger_rows()["社区"]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    (d / "社区.csv").write_bytes(codecs.BOM_UTF8 + buf.getvalue().encode("gbk"))
    result = CliRunner().invoke(main, ["check", str(d)])
    assert result.exit_code == 1
    assert (
        "「社区.csv」开头有 UTF-8 的 BOM 标记，但第1行起的内容不是 UTF-8，像是GBK" in result.output
    )
    assert "另存为 CSV UTF-8" in result.output
    assert "缺少必填列" not in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"单位": [', "不是有效的 JSON：第1行第9列处有错。"),
        ("[" * 100_000, "嵌套层数过多"),
    ],
)
def test_a_damaged_json_ledger_is_named_in_chinese(tmp_path, text, message):
    p = tmp_path / "ledger.json"
    p.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(p)])
    assert result.exit_code == 1
    assert f"「{p}」{message}" in result.output
    assert "Expecting" not in result.output and result.exception.__class__ is SystemExit
