"""Ledgers filled as clerks fill them: ``formgen init --profile …`` writes the blank
workbook, then rows are typed under its headers, sheet by sheet, by header name (any
order, any subset of the columns), below the example row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner
from openpyxl import load_workbook

from generator.app.cli import main

Rows = dict[str, list[dict[str, Any]]]


def init(folder: Path, profile: str) -> Path:
    """``formgen init --profile PROFILE FOLDER``; the workbook's path."""
    result = CliRunner().invoke(main, ["init", "--profile", profile, str(folder)])
    assert result.exit_code == 0, result.output
    return folder / "ledger.xlsx"


def fill(path: Path, rows: Rows) -> Path:
    """Type each sheet's rows under its headers (a dict per row: header -> value)."""
    wb = load_workbook(path)
    for sheet, records in rows.items():
        ws = wb[sheet]
        headers = {c.value: c.column for c in ws[1] if c.value}
        for rec in records:
            line = ws.max_row + 1
            for header, value in rec.items():
                assert header in headers, f"{sheet} has no column {header}"
                ws.cell(row=line, column=headers[header], value=value)
    wb.save(path)
    return path


def ledger(folder: Path, profile: str, rows: Rows) -> Path:
    """A workbook of the profile made by ``formgen init`` and filled with ``rows``."""
    folder.mkdir(parents=True, exist_ok=True)
    return fill(init(folder, profile), rows)
