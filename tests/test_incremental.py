"""The clerk's daily case: the ledger changes a little and the packet is exported again.
Only the documents whose text changed are written, the result equals a clean export of
the new ledger, and a run with nothing changed writes nothing (not even the manifest)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl

from generator.forms.registry import select
from generator.ledger.cache import folder
from generator.ledger.sample import generate, write_xlsx
from generator.policy.period import Period
from generator.policy.profile import load_profile
from generator.run.pipeline import export, read_ledger
from generator.types import Options
from tests.conftest import TODAY

FMTS = ("docx", "pdf", "xlsx")


def hashes(out: Path) -> dict[str, str]:
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {e["path"]: e["sha256"] for e in doc["documents"]}


def set_phone(path: Path, member_id: str, phone: str) -> None:
    """Change one member's phone in the workbook, as a clerk would in Excel."""
    wb = openpyxl.load_workbook(path)
    ws = wb["党员干部"]
    header = [c.value for c in next(ws.iter_rows(min_row=1, max_row=1))]
    id_col, phone_col = header.index("编号"), header.index("联系方式")
    for row in ws.iter_rows(min_row=2):
        if str(row[id_col].value) == member_id:
            row[phone_col].value = phone
    wb.save(path)


def run(path: Path, out: Path):
    profile = load_profile()
    led, _ = read_ledger(path, profile)
    opts = Options(profile=profile, date=TODAY)
    report = export(led, out, select(profile, "all"), FMTS, Period(2026), opts, jobs=2)
    assert not report.failures
    return {s: sum(n for (_, _, st), n in report.counts.items() if st == s)
            for s in ("written", "skipped")}  # fmt: skip


def written_paths(out: Path, before: dict[str, str]) -> set[str]:
    return {p for p, h in hashes(out).items() if before.get(p) != h}


def test_one_changed_phone_rewrites_only_the_documents_that_show_it(tmp_path):
    ledger = tmp_path / "ledger.xlsx"
    write_xlsx(generate(40, year=2026), ledger)
    out = tmp_path / "out"
    first = run(ledger, out)
    before = hashes(out)
    assert first["written"] == len(before)

    manifest = out / "manifest.json"
    stamp = manifest.stat().st_mtime_ns
    nothing = run(ledger, out)
    assert nothing == {"written": 0, "skipped": len(before)}
    assert manifest.stat().st_mtime_ns == stamp, "an unchanged run rewrites no manifest"

    member = json.loads(manifest.read_text(encoding="utf-8"))["documents"][0]
    led, _ = read_ledger(ledger, load_profile())
    mid = next(iter(led.members))
    old_phone = led.members[mid].phone
    set_phone(ledger, mid, "13900001111")
    changed = run(ledger, out)

    clean = tmp_path / "clean"
    run(ledger, clean)
    assert hashes(out) == hashes(clean), "the re-export equals a clean export of the new ledger"
    differ = written_paths(out, before)
    assert changed["written"] == len(differ) > 0
    assert changed["skipped"] == len(before) - len(differ)
    # the member's building list (a1) shows the phone, in every format; the a5 does not
    forms = {p.split("/")[-2] for p in differ}
    assert "a1" in forms and "a5" not in forms, sorted(differ)
    assert old_phone != "13900001111" and member


def test_the_validated_ledger_is_read_back_until_the_workbook_changes(tmp_path):
    ledger = tmp_path / "ledger.xlsx"
    write_xlsx(generate(12, year=2026), ledger)
    profile = load_profile()
    first, _ = read_ledger(ledger, profile)
    kept = set(folder().glob("*.pickle"))
    again, _ = read_ledger(ledger, profile)
    assert set(folder().glob("*.pickle")) == kept  # read back, not made again
    assert again.members == first.members
    mid = next(iter(first.members))
    set_phone(ledger, mid, "13900002222")
    changed, _ = read_ledger(ledger, profile)
    assert changed.members[mid].phone == "13900002222"
