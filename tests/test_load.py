"""The ledger in three containers: .xlsx, a folder of .csv (UTF-8 or GBK), .json."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

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
