"""The registry of numbered documents and of their archived signed copies (SQLite).

``<archive>/registry.sqlite`` by default. Export records every numbered document it
writes; ``archive ingest`` records every filed scan with its hash, source and pages.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
  doc_no TEXT PRIMARY KEY, form TEXT NOT NULL, member_id TEXT, name TEXT, year INTEGER,
  unit TEXT, community TEXT, compound TEXT, building TEXT, path TEXT, sha256 TEXT,
  created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS archived (
  id INTEGER PRIMARY KEY AUTOINCREMENT, doc_no TEXT NOT NULL REFERENCES documents(doc_no),
  version INTEGER NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL,
  content TEXT NOT NULL UNIQUE,
  source TEXT NOT NULL, pages TEXT NOT NULL, ingested TEXT NOT NULL, flagged INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS archived_doc ON archived(doc_no);
"""


class Registry:
    """A thin layer over the SQLite file; every write is one transaction."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path)
        self.db.row_factory = sqlite3.Row
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.db:
            yield self.db

    def record_document(self, entry: dict[str, Any]) -> None:
        """One manifest entry of a numbered document (the PDF is the one kept)."""
        self.db.execute(
            "INSERT INTO documents (doc_no, form, member_id, name, year, unit, community,"
            " compound, building, path, sha256, created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT(doc_no) DO UPDATE SET path=excluded.path, sha256=excluded.sha256,"
            " name=excluded.name, unit=excluded.unit, community=excluded.community,"
            " compound=excluded.compound",
            (entry["doc_no"], entry["form"], entry.get("member_id"), entry.get("name"),
             int(str(entry.get("period", "0"))[:4]), entry.get("unit"), entry.get("community"),
             entry.get("compound"), entry.get("building"), entry["path"], entry["sha256"],
             dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
        )  # fmt: skip

    def document(self, doc_no: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM documents WHERE doc_no=?", (doc_no,)).fetchone()

    def archived_by_content(self, content: str) -> sqlite3.Row | None:
        """The archived copy of the same scanned pages (hash of their pixels), if any."""
        return self.db.execute("SELECT * FROM archived WHERE content=?", (content,)).fetchone()

    def versions(self, doc_no: str) -> int:
        row = self.db.execute("SELECT COUNT(*) FROM archived WHERE doc_no=?", (doc_no,)).fetchone()
        return int(row[0])

    def add_archived(
        self, doc_no: str, version: int, path: str, sha: str, content: str, source: str, pages: str
    ) -> None:
        self.db.execute(
            "INSERT INTO archived (doc_no, version, path, sha256, content, source, pages,"
            " ingested, flagged) VALUES (?,?,?,?,?,?,?,?,?)",
            (doc_no, version, path, sha, content, source, pages,
             dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), int(version > 1)),
        )  # fmt: skip

    def missing(self, form: str, year: int | None, unit: str, community: str
                ) -> list[sqlite3.Row]:  # fmt: skip
        """Generated documents of a form with no archived signed copy."""
        sql = (
            "SELECT d.* FROM documents d WHERE d.form=? AND NOT EXISTS"
            " (SELECT 1 FROM archived a WHERE a.doc_no=d.doc_no)"
        )
        args: list[Any] = [form]
        for col, value in (("year", year), ("unit", unit), ("community", community)):
            if value:
                sql += f" AND d.{col}=?"
                args.append(value)
        return list(self.db.execute(sql + " ORDER BY unit, community, compound, member_id", args))

    def all_archived(self) -> list[sqlite3.Row]:
        return list(
            self.db.execute(
                "SELECT a.*, d.form, d.member_id, d.name, d.year, d.unit, d.community, d.compound"
                " FROM archived a JOIN documents d USING (doc_no) ORDER BY a.path"
            )
        )
