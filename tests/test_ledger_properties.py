"""Any cells in any shape — as .xlsx, .json or .csv — loaded and validated: what comes out
is a ledger with its issues or a domain error with a Chinese message, never another
exception."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import string
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator.errors import FormgenError
from generator.ledger.load import load
from generator.ledger.sample import write_xlsx
from generator.ledger.validate import validate
from generator.policy.profile import load_profile
from tests.conftest import BASE, H

PROFILE = load_profile()
SHEET_NAMES = [*H, "备注", " 党员 干部 "]  # the known sheets, an unknown one, a padded one

# Text an .xlsx can hold (no C0 controls but tab and line breaks), drawn from the ledger's
# own words, digits, date and phone punctuation, and anything else.
_WORDS = [v for rows in BASE.values() for r in rows for v in r if isinstance(v, str) and v]


def _xlsx_safe(s: str) -> str:
    return "".join(ch for ch in s if ch >= " " or ch in "\t\n\r")


_TEXT = st.one_of(
    st.sampled_from(_WORDS),
    st.text(string.digits + "-/.年月日 +０１２Qq（）()", max_size=14),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30).map(_xlsx_safe),
    st.text(max_size=3).map(lambda s: "=" + _xlsx_safe(s)),  # formula-like
)
_CELL = st.one_of(
    st.none(),
    _TEXT,
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 12, 31)),
)


@st.composite
def _sheets(draw: st.DrawFn, cell: st.SearchStrategy[Any]) -> dict[str, list[list[Any]]]:
    """Some sheets; each a header (the real one shuffled and cut, or any cells) and rows
    of any width."""
    sheets = {}
    for name in draw(st.lists(st.sampled_from(SHEET_NAMES), max_size=5, unique=True)):
        real = H.get(name.replace(" ", ""), [])
        header = draw(
            st.one_of(
                st.permutations(real).flatmap(lambda p: st.just(list(p)[: len(p) - 1]))
                if real
                else st.just([]),
                st.just(real),
                st.lists(cell, max_size=6),
            )
        )
        rows = draw(st.lists(st.lists(cell, max_size=len(header) + 3), max_size=6))
        sheets[name] = [header, *rows]
    return sheets


def _load_and_validate(path: Path) -> None:
    try:
        ledger, issues = validate(load(path), PROFILE)
    except FormgenError as exc:
        assert exc.render()  # a message for a person
        return
    for issue in issues:
        assert issue.render()
    for member in ledger.members.values():
        assert member.name and member.unit


_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,  # the same examples in every run, here and in CI
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@_SETTINGS
@given(_sheets(_CELL))
def test_any_xlsx_ledger_gives_issues_or_a_domain_error(sheets):
    folder = Path(tempfile.mkdtemp())
    try:
        path = folder / "ledger.xlsx"
        write_xlsx(sheets, path)
        _load_and_validate(path)
    finally:
        shutil.rmtree(folder)


_JSON_VALUE = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers().map(lambda n: n * 10**400),
        st.floats(),
        _TEXT,  # NaN and Infinity too: Python's json reads them
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_TEXT, inner, max_size=3)),
    max_leaves=6,
)


@_SETTINGS
@given(_sheets(_JSON_VALUE), st.booleans())
@example({"共建活动": [H["共建活动"], ["0001", "", "", "2026-05-01", "", "", 10**400, ""]]}, False)
def test_any_json_or_csv_ledger_gives_issues_or_a_domain_error(sheets, as_csv):
    folder = Path(tempfile.mkdtemp())
    try:
        if as_csv:
            path = folder
            for name, rows in sheets.items():
                buf = io.StringIO()
                csv.writer(buf).writerows(rows)
                (folder / f"{name}.csv").write_text(buf.getvalue(), encoding="utf-8")
        else:
            path = folder / "ledger.json"
            records = {
                name: [dict(zip(map(str, rows[0]), r, strict=False)) for r in rows[1:]]
                for name, rows in sheets.items()
            }
            path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
        _load_and_validate(path)
    finally:
        shutil.rmtree(folder)
