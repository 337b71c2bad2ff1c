"""Hostile and damaged workbooks: bounded before they are parsed, refused in Chinese with
the limit named, never a traceback, a crash or gigabytes of memory."""

from __future__ import annotations

import json
import resource
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.app.cli import main
from generator.errors import FormgenError
from generator.ledger import xlsxscan
from generator.ledger.load import load
from generator.ledger.validate import validate
from generator.ledger.xlsxscan import LIMITS, column_letters
from generator.policy.profile import load_profile
from tests.conftest import H, ledger_rows, write_ledger

CT = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    b'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    b'"application/xml"/></Types>'
)
RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    b'.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    b'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="xl/workbook.xml"/></Relationships>'
)
BOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="党员干部" sheetId="1" r:id="rId1"/></sheets></workbook>'
).encode()
BOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    b'.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    b'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    b'Target="worksheets/sheet1.xml"/></Relationships>'
)
HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main"><sheetData>'
)
TAIL = b"</sheetData></worksheet>"


def one_sheet_book(path: Path, chunks, level: int = 9) -> Path:
    """A workbook whose one sheet, 党员干部, is the XML given (in chunks, streamed)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        z.writestr("[Content_Types].xml", CT)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", BOOK)
        z.writestr("xl/_rels/workbook.xml.rels", BOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            for chunk in chunks:
                fh.write(chunk)
    return path


def cell(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def header_row() -> bytes:
    refs = "ABCDEFGHIJKLMNOPQ"  # the 17 columns of 党员干部
    return (
        b'<row r="1">'
        + b"".join(cell(f"{c}1", h) for c, h in zip(refs, H["党员干部"], strict=True))
        + b"</row>"
    )


MEASURE = """
import json, resource, subprocess, sys
r = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=120)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"rc": r.returncode, "out": r.stdout + r.stderr, "peak_mb": peak}))
"""


def _cap_memory() -> None:
    """A safety net for the machine: the code of before this issue took 7.5 GB."""
    resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))


def formgen_measured(*args: str) -> dict:
    """`formgen ARGS` in a child process: exit code, what it printed, its peak memory."""
    formgen = str(Path(sys.executable).parent / "formgen")
    r = subprocess.run(
        [sys.executable, "-c", MEASURE, formgen, *args],
        capture_output=True,
        text=True,
        timeout=180,  # generous: the refusal itself takes well under a second
        preexec_fn=_cap_memory,
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_a_zip_bomb_is_refused_at_once_in_little_memory(tmp_path):
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c><c t="inlineStr"><is><t>y</t></is></c></row>'
    block = row * ((1 << 20) // len(row))
    bomb = one_sheet_book(tmp_path / "bomb.xlsx", [HEAD, header_row(), *[block] * 392, TAIL])
    assert bomb.stat().st_size < 2 * 2**20  # 1.4 MB on disk, 392 MB of sheet XML
    result = formgen_measured("check", str(bomb))
    assert result["rc"] == 1, result
    assert "bomb.xlsx」解压后共 392 MB，超过 formgen 读取一个工作簿的上限 256 MB" in result["out"]
    assert "Traceback" not in result["out"]
    assert result["peak_mb"] < 300, result


def test_a_whitespace_padded_ledger_is_read_in_little_memory(tmp_path):
    """863 MB before: the formula scan read each whole sheet beside calamine's copy."""
    src = write_ledger(tmp_path / "ledger.xlsx")
    padded = tmp_path / "padded.xlsx"
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(padded, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            data = zi.read(info.filename)
            if info.filename != "xl/worksheets/sheet4.xml":  # 党员干部
                zo.writestr(info.filename, data)
                continue
            head, sep, rest = data.partition(b"<sheetData>")
            with zo.open(info.filename, "w", force_zip64=True) as fh:
                fh.write(head + sep)
                for _ in range(120):  # within the 128 MB a sheet may have
                    fh.write(b" " * 2**20)
                fh.write(rest)
    result = formgen_measured("check", str(padded))
    assert result["rc"] == 0, result
    assert "5名党员干部；错误0处" in result["out"]
    assert result["peak_mb"] < 300, result


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        # Two cells, A1 and XFD1048576, 400 bytes: calamine asked for 17 billion cells and
        # the process aborted.
        (
            [b'<row r="1">' + cell("A1", "x") + b'</row><row r="1048576">'
             + cell("XFD1048576", "y") + b"</row>"],
            "的工作表「党员干部」至少用到第 1048576 行，超过 formgen 读取的上限 300000 行。",
        ),
        # The same without references: 16,384 cells in one row, then a row far below (the
        # scan stops at the first column beyond the limit).
        (
            [b"<row>" + b"<c/>" * 16383 + cell("", "z").replace(b' r=""', b"") + b"</row>"
             b'<row r="1000">' + cell("A1000", "y") + b"</row>"],
            "的工作表「党员干部」至少用到第 201 列（GS 列），超过上限 200 列。",
        ),
        # Columns within the limit, but rows × columns beyond calamine's grid limit.
        (
            [b'<row r="1">' + cell("GR1", "x") + b'</row><row r="90000">'
             + cell("A90000", "y") + b"</row>"],
            "占 90000 行 × 200 列，共 18000000 个单元格，超过上限 5000000 个。",
        ),
    ],
)  # fmt: skip
def test_a_sheet_spanning_beyond_the_limits_is_refused_not_a_crash(tmp_path, rows, message):
    book = one_sheet_book(tmp_path / "far.xlsx", [HEAD, *rows, TAIL])
    result = formgen_measured("check", str(book))
    assert result["rc"] == 1, result
    assert message in result["out"]
    assert "请删除表格下方或右侧多余的行列" in result["out"]
    assert "Traceback" not in result["out"] and "panicked" not in result["out"]


def test_a_1048575_row_ledger_is_refused_naming_the_limit(tmp_path):
    def rows():
        yield HEAD + header_row()
        for start in range(2, 1_048_577, 50_000):
            yield b"".join(
                b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%d</t></is></c></row>' % (r, r, r)
                for r in range(start, min(start + 50_000, 1_048_577))
            )
        yield TAIL

    book = one_sheet_book(tmp_path / "huge.xlsx", rows(), level=1)
    result = CliRunner().invoke(main, ["check", str(book)])
    assert result.exit_code == 1, result.output
    assert "huge.xlsx」的工作表「党员干部」至少用到第" in result.output
    assert "超过 formgen 读取的上限 300000 行" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_long_sheet_is_read_with_a_size_warning(tmp_path):
    """A member typed at row 150,000 (below empty rows): read, with a warning that says
    how far the sheet goes."""
    sheets = ledger_rows()
    far = [*sheets["党员干部"][1]]
    far[0], far[1] = "0006", "远行"
    sheets["党员干部"] += [[None] * 14] * (150_000 - len(sheets["党员干部"]) - 1) + [far]
    result = CliRunner().invoke(main, ["check", str(write_ledger(tmp_path / "long.xlsx", sheets))])
    assert result.exit_code == 0, result.output
    assert (
        "[警告] long.xlsx，工作表「党员干部」：用到第 150000 行（超过 100000 行）" in result.output
    )
    assert "6名党员干部；错误0处" in result.output


def _rewrite(src: Path, dst: Path, part: str, change) -> Path:
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            data = zi.read(info.filename)
            zo.writestr(info.filename, change(data) if info.filename == part else data)
    return dst


def _understated(src: Path, dst: Path) -> Path:
    """The sheet's uncompressed size in its local header and in the zip directory set to
    100 bytes: the data inflates to far more than the directory claims."""
    data = bytearray(src.read_bytes())
    part = b"xl/worksheets/sheet4.xml"
    with zipfile.ZipFile(src) as z:
        struct.pack_into("<I", data, z.getinfo(part.decode()).header_offset + 22, 100)
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:  # central directory entries: the name at 46, the size at 24
        if data[pos + 46 : pos + 46 + len(part)] == part:
            struct.pack_into("<I", data, pos + 24, 100)
        pos = data.find(b"PK\x01\x02", pos + 4)
    dst.write_bytes(bytes(data))
    return dst


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("text", "不是有效的 .xlsx 工作簿：文件不是 zip 压缩包"),
        ("truncated", "不是有效的 .xlsx 工作簿：文件不是 zip 压缩包"),
        ("styles", "已损坏：样式（xl/styles.xml）无法读取。"),
        ("sheet", "的工作表「单位」已损坏，无法读取。"),  # calamine's XmlError
        ("formula-sheet", "的工作表「党员干部」已损坏：XML 在第"),  # expat's, in the scan
        ("understated", "已损坏：「xl/worksheets/sheet4.xml」解压后比目录记录的 100 字节更大。"),
    ],
)
def test_a_damaged_workbook_is_named_in_chinese(tmp_path, damage, message):
    good = write_ledger(tmp_path / "good.xlsx")
    bad = tmp_path / "bad.xlsx"
    if damage == "text":
        bad.write_text("姓名,单位\n张三,民政局\n", encoding="utf-8")
    elif damage == "truncated":  # a download cut short
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif damage == "styles":
        _rewrite(good, bad, "xl/styles.xml", lambda d: b"<?xml version='1.0'?><oops/>")
    elif damage == "sheet":  # 单位: no formula, read by calamine alone
        _rewrite(good, bad, "xl/worksheets/sheet1.xml", lambda d: d[: len(d) // 2])
    elif damage == "formula-sheet":  # 党员干部 holds a formula: the scan parses it exactly
        _rewrite(good, bad, "xl/worksheets/sheet4.xml", lambda d: d[: d.index(b"</f>") + 9])
    else:
        _understated(good, bad)
    result = CliRunner().invoke(main, ["check", str(bad)])
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert (
        "bad.xlsx" in result.output and "请用 Excel 或 WPS 打开后另存为 .xlsx 再试" in result.output
    )
    for english in ("EOCD", "styleSheet", "Zip", "syntax error", "Traceback"):
        assert english not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


_REF_ROWS = st.one_of(st.integers(1, 40), st.integers(99_990, 100_010), st.integers(1, 2**20))
_REF_COLS = st.one_of(st.integers(1, 30), st.integers(195, 205), st.integers(1, 2**14))


@st.composite
def _sheet_xml(draw: st.DrawFn) -> bytes:
    """Rows and cells in the common form (r first, in double quotes) at any position."""
    rows = []
    for r in sorted(draw(st.sets(_REF_ROWS, max_size=6))):
        cols = sorted(draw(st.sets(_REF_COLS, max_size=4)))
        rows.append(
            b'<row r="%d">' % r
            + b"".join(cell(f"{column_letters(c)}{r}", "x") for c in cols)
            + b"</row>"
        )
    return HEAD + b"".join(rows) + TAIL


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(_sheet_xml())
def test_the_fast_scan_bounds_what_the_exact_one_measures(tmp_path_factory, xml):
    path = one_sheet_book(tmp_path_factory.mktemp("x") / "s.xlsx", [xml], level=1)
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
        fast = xlsxscan._fast(path, z, info, "党员干部")
        exact = xlsxscan._exact(path, z, info, "党员干部")
    assert fast is not None  # the common form
    if exact.partial or fast.partial:  # both stopped beyond a limit: both refuse
        assert max(fast.rows - LIMITS.rows, fast.cols - LIMITS.cols) > 0
        assert max(exact.rows - LIMITS.rows, exact.cols - LIMITS.cols) > 0
    else:  # bounds; the rows exact where the fast scan says so
        assert fast.rows >= exact.rows and fast.cols >= exact.cols
        assert fast.rows == exact.rows or not fast.exact


def test_a_sheet_larger_than_calamine_should_hold_is_refused(tmp_path, monkeypatch):
    """calamine holds a sheet's XML whole: one sheet (or the shared strings) is bounded too."""
    monkeypatch.setattr(xlsxscan, "LIMITS", xlsxscan.Limits(sheet_bytes=5_000))
    result = CliRunner().invoke(main, ["check", str(write_ledger(tmp_path / "l.xlsx"))])
    assert result.exit_code == 1, result.output
    assert "l.xlsx」中的工作表「党员干部」解压后有" in result.output
    assert "超过一个部件的上限 5 KB。" in result.output


_TOKENS = [b"<", b">", b'"', b"<c", b"<row", b"<f>", b'r="', b"XFD", b"1048576", b"&#",
           b"<is><t>", b'<c r="A1" t="s"><v>99</v></c>', b"<v>", b"\x00", b"<![CDATA[",
           b"<!DOCTYPE x>", b't="e"', b't="d"', b"<v>2026-13-45</v>"]  # fmt: skip


@settings(max_examples=40, deadline=None, database=None, derandomize=True)
@given(st.data())
def test_a_workbook_with_damaged_parts_gives_a_ledger_or_a_domain_error(tmp_path_factory, data):
    src = write_ledger(tmp_path_factory.mktemp("d") / "src.xlsx")
    with zipfile.ZipFile(src) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    name = data.draw(st.sampled_from(sorted(k for k in parts if k.endswith(".xml"))))
    damaged = bytearray(parts[name])
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(damaged)))
        cut = data.draw(st.integers(0, 40))
        damaged[at : at + cut] = data.draw(st.sampled_from(_TOKENS)) * data.draw(st.integers(0, 3))
    parts[name] = bytes(damaged)
    book = src.with_name("damaged.xlsx")
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        for part, content in parts.items():
            z.writestr(part, content)
    try:
        validate(load(book), load_profile())
    except FormgenError as exc:
        assert exc.render()
