"""File names made from data: nothing invisible, reversing or reserved reaches them."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from generator.forms.registry import select
from generator.io.names import safe_name
from generator.policy.period import Period
from generator.run.pipeline import export, read_ledger
from tests.conftest import ledger_rows, write_ledger
from tests.helpers import manifest


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("李\u202e强fdp.exe", "李强fdp.exe"),  # right-to-left override: would show exe.pdf
        ("\u200f王\u2066芳\u2069\ufeff", "王芳"),
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("Lpt1", "_Lpt1"),
        ("NUL ", "_NUL"),
        ("CONTOSO", "CONTOSO"),
        ("CON_附件1", "CON_附件1"),
        ("十堰市卫生/健康单位", "十堰市卫生_健康单位"),
        ("\u202e", "未命名"),
        ("..", "未命名"),
    ],
)
def test_safe_name(text, name):
    assert safe_name(text) == name


def test_exported_file_names_hold_no_bidi_control_nor_device_name(tmp_path, profile, opts):
    rows = ledger_rows()
    rows["单位"][3][0] = "CON"  # 十堰市人民医院 renamed
    member = next(r for r in rows["党员干部"] if r[0] == "0005")
    member[1], member[3] = "李\u202e强gpj.exe", "CON"
    led, _ = read_ledger(write_ledger(tmp_path / "l.xlsx", rows), profile)
    out = tmp_path / "out"
    export(led, out, select(profile, "a4,a5"), ("docx",), Period(2026), opts)
    paths = [e["path"] for e in manifest(out)]
    assert any("李强gpj.exe" in p for p in paths)
    for p in paths:
        assert "\u202e" not in p, p
        for part in PurePosixPath(p).parts:
            assert part.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL"}, p
        assert (out / p).is_file()


def test_long_names_keep_apart_by_a_hash_of_the_whole():
    """Cut to 60 characters, two long names (two buildings of a long community's long
    compound) would have become one file name: the cut keeps a hash of the whole."""
    base = "北京路社区" * 8 + "阳光花园" * 6
    a, b = safe_name(base + "1栋"), safe_name(base + "2栋")
    assert a != b and len(a) == len(b) == 60
    assert a.startswith(base[:52]) and safe_name(base + "1栋") == a  # stable
    assert safe_name("短名字") == "短名字"
