"""Cell normalisation: the five date notations, Excel dates, full-width digits, phones."""

from __future__ import annotations

import datetime as dt

import pytest

from generator.ledger import normalize as nz

D = dt.date(2023, 2, 1)


@pytest.mark.parametrize("cell", [
    D, dt.datetime(2023, 2, 1), "2023-02-01", "2023/2/1", "2023.2.1", "2023年2月1日",
    "２０２３年２月１日", "２０２３-０２-０１", 44958, 44958.0, " 2023-2-1 ", "2023-02-01 00:00:00",
])  # fmt: skip
def test_dates(cell):
    assert nz.date(cell) == D


@pytest.mark.parametrize("cell", ["2023-02-30", "2023/13/1", "2月1日", "23.2.1", "明天", 12])
def test_bad_dates_are_rejected(cell):
    with pytest.raises(ValueError):
        nz.date(cell)


@pytest.mark.parametrize(("cell", "want"), [
    ("138 1234 5678", "13812345678"), ("+86 138-1234-5678", "13812345678"),
    ("0086 13812345678", "13812345678"), ("8613812345678", "13812345678"),
    (13812345678, "13812345678"), ("１３８１２３４５６７８", "13812345678"),
    ("0719-8652545", "0719-8652545"), ("07198652545", "0719-8652545"),
    ("010 12345678", "010-12345678"), ("(0719)8652545", "0719-8652545"), ("", ""),
])  # fmt: skip
def test_phones(cell, want):
    assert nz.phone(cell) == want


@pytest.mark.parametrize("cell", ["1381234567", "138123456789", "电话", "12345"])
def test_bad_phones(cell):
    with pytest.raises(ValueError):
        nz.phone(cell)


def test_numbers_years_yes_no_and_names():
    assert nz.number("2小时") == 2.0 and nz.number("１.５") == 1.5 and nz.number(None) is None
    with pytest.raises(ValueError):
        nz.number("两个钟头")
    assert nz.year("2023年") == 2023 and nz.year(2023.0) == 2023
    with pytest.raises(ValueError):
        nz.year("23")
    assert nz.yes_no("是") is True and nz.yes_no("否") is False and nz.yes_no("", True) is True
    with pytest.raises(ValueError):
        nz.yes_no("也许")
    assert nz.text("a\x07b\r\nc") == "ab\nc"
    assert nz.numbered("3", "栋") == "3栋" and nz.numbered("A座", "栋") == "A座"
    assert nz.cn_date(dt.date(2023, 2, 1)) == "2023年2月1日"
