"""The registry of numbered documents and of their archived signed copies.

SQLite at ``<archive>/registry.sqlite`` by default; a PostgreSQL server (a district's)
through a SQLAlchemy URL (``--db postgresql+psycopg://user:pw@host/db``). Export records
every numbered document it writes; ``archive ingest`` records every filed scan with its
hash, source and pages. Every write is one transaction.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from generator.errors import FormgenError, os_error

Row = dict[str, Any]
Params = dict[str, Any] | list[dict[str, Any]] | None

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
  doc_no TEXT PRIMARY KEY, form TEXT NOT NULL, member_id TEXT, name TEXT, year INTEGER,
  unit TEXT, community TEXT, compound TEXT, building TEXT, path TEXT, sha256 TEXT,
  created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS archived (
  id {serial}, doc_no TEXT NOT NULL REFERENCES documents(doc_no),
  version INTEGER NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL,
  content TEXT NOT NULL UNIQUE, source TEXT NOT NULL, pages TEXT NOT NULL,
  ingested TEXT NOT NULL, flagged INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS archived_doc ON archived(doc_no)
"""


def _connect_args(url: str, wait: float) -> dict[str, Any]:
    return {"timeout": wait} if url.startswith("sqlite") else {}


class _Connection:
    """The calls the registry makes of its database connection (SQL text with ``:name``
    parameters, a list of them for many rows; transactions begun on first use, as
    SQLAlchemy's)."""

    dialect = ""

    def execute(self, sql: str, params: Params = None) -> list[Row]:
        raise NotImplementedError

    def in_transaction(self) -> bool:
        raise NotImplementedError

    def begin(self) -> Any:
        """A context manager: what runs in it commits together, or rolls back."""
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _Sqlite(_Connection):
    """A SQLite file through the standard library's sqlite3 (the driver SQLAlchemy's own
    SQLite dialect drives, with the same settings): an export that records into the
    default archive/registry.sqlite does not import SQLAlchemy (0.25 s, 6 % of a
    2,000-member a5 export)."""

    dialect = "sqlite"

    def __init__(self, path: Path, wait: float) -> None:
        self.db = sqlite3.connect(path, timeout=wait, check_same_thread=False)
        self._begun = False

    def execute(self, sql: str, params: Params = None) -> list[Row]:
        self._begun = True
        if isinstance(params, list):
            cursor = self.db.executemany(sql, params)
        else:
            cursor = self.db.execute(sql, params or {})
        if cursor.description is None:
            return []
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def in_transaction(self) -> bool:
        return self._begun

    @contextmanager
    def begin(self) -> Iterator[None]:
        self._begun = True
        try:
            yield
        except BaseException:
            self.db.rollback()
            self._begun = False
            raise
        self.commit()

    def commit(self) -> None:
        self.db.commit()
        self._begun = False

    def close(self) -> None:
        if self._begun:  # as SQLAlchemy's pool does with a connection given back
            self.db.rollback()
        self.db.close()


class _Alchemy(_Connection):
    """A database server (or any URL) through SQLAlchemy."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.conn = engine.connect()

    def execute(self, sql: str, params: Params = None) -> list[Row]:
        from sqlalchemy import text

        result = self.conn.execute(text(sql), params)
        return [dict(r) for r in result.mappings()] if result.returns_rows else []

    def in_transaction(self) -> bool:
        return bool(self.conn.in_transaction())

    def begin(self) -> Any:
        return self.conn.begin()

    def commit(self) -> None:
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()


def _check_folder(folder: Path) -> None:
    """The registry's folder, or the nearest folder above it that exists, can be written
    in (checked without creating anything)."""
    existing = next((p for p in [folder, *folder.parents] if p.exists()), None)
    if existing is None:
        return
    if not existing.is_dir():
        raise os_error(NotADirectoryError(errno.ENOTDIR, "", str(folder)), "写入档案文件夹")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise os_error(PermissionError(errno.EACCES, "", str(existing)), "写入档案文件夹")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Registry:
    """A registry at a SQLite path or a SQLAlchemy database URL.

    A SQLite registry is opened on first use, so a run that fails before it records
    anything (a read-only --out) leaves no empty registry behind; its folder is checked
    for writing at once. Writers of one SQLite file take turns: every write is a short
    transaction and a writer waits up to ``BUSY_WAIT`` seconds for another's."""

    BUSY_WAIT = 60.0

    def __init__(self, where: Path | str) -> None:
        self.path: Path | None = None
        self.engine: Any = None  # a URL's SQLAlchemy engine
        if isinstance(where, Path) or "://" not in where:
            self.path = Path(where)
            _check_folder(self.path.parent)
        else:
            from sqlalchemy import create_engine

            self.engine = create_engine(where, connect_args=_connect_args(where, self.BUSY_WAIT))
        self.where = str(where)
        self._connection: _Connection | None = None
        self._pending: dict[str, dict[str, Any]] = {}
        if self.path is None:  # a server: its address and credentials are checked now
            self._connect()

    @property
    def _conn(self) -> _Connection:
        return self._connection or self._connect()

    def _connect(self) -> _Connection:
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise os_error(exc, "创建档案文件夹") from None
        errors: tuple[type[BaseException], ...] = (sqlite3.Error,)
        if self.engine is not None:
            from sqlalchemy.exc import SQLAlchemyError

            errors = (SQLAlchemyError,)
        try:
            if self.path is not None:
                self._connection = _Sqlite(self.path, self.BUSY_WAIT)
            else:
                self._connection = _Alchemy(self.engine)
            serial = ("INTEGER PRIMARY KEY AUTOINCREMENT" if self._connection.dialect == "sqlite"
                      else "SERIAL PRIMARY KEY")  # fmt: skip
            with self.transaction() as c:
                for statement in SCHEMA.format(serial=serial).split(";"):
                    c.execute(statement)
        except errors as exc:
            raise FormgenError(
                f"无法打开登记库「{self.where}」。",
                "请检查 --archive 文件夹可写，或 --db 地址、账号和网络"
                f"（数据库的原话：{getattr(exc, 'orig', None) or exc}）。",
            ) from None
        return self._connection

    def close(self) -> None:
        if self._connection is None and not self._pending:
            self._dispose()
            return
        self.commit()
        self._conn.close()
        self._dispose()

    def _dispose(self) -> None:
        if self.engine is not None:
            self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[_Connection]:
        """Everything inside commits together or not at all."""
        if self._conn.in_transaction():
            self._conn.commit()
        with self._conn.begin():
            yield self._conn

    def commit(self) -> None:
        self._flush()
        if self._connection is not None and self._connection.in_transaction():
            self._connection.commit()

    def _rows(self, sql: str, **params: Any) -> list[Row]:
        return self._conn.execute(sql, params)

    _UPSERT = (
        "INSERT INTO documents (doc_no, form, member_id, name, year, unit, community,"
        " compound, building, path, sha256, created) VALUES (:doc_no, :form, :member_id,"
        " :name, :year, :unit, :community, :compound, :building, :path, :sha256, :created)"
        " ON CONFLICT(doc_no) DO UPDATE SET path=excluded.path, sha256=excluded.sha256,"
        " name=excluded.name, unit=excluded.unit, community=excluded.community,"
        " compound=excluded.compound"
    )

    def record_document(self, entry: dict[str, Any]) -> None:
        """One manifest entry of a numbered document; rows are written in batches (one
        statement per 500), the PDF's entry winning over the DOCX's."""
        previous = self._pending.get(entry["doc_no"])
        if previous and previous["path"].endswith(".pdf") and not entry["path"].endswith(".pdf"):
            return
        self._pending[entry["doc_no"]] = {
            "doc_no": entry["doc_no"], "form": entry["form"],
            "member_id": entry.get("member_id"), "name": entry.get("name"),
            "year": int(str(entry.get("period", "0"))[:4]), "unit": entry.get("unit"),
            "community": entry.get("community"), "compound": entry.get("compound"),
            "building": entry.get("building"), "path": entry["path"],
            "sha256": entry["sha256"], "created": _now(),
        }  # fmt: skip
        if len(self._pending) >= 500:
            self._flush()

    def _flush(self) -> None:
        """Pending rows in one short transaction (others may be writing the same file)."""
        if self._pending:
            with self.transaction() as c:
                c.execute(self._UPSERT, list(self._pending.values()))
            self._pending.clear()

    def document(self, doc_no: str) -> Row | None:
        rows = self._rows("SELECT * FROM documents WHERE doc_no=:d", d=doc_no)
        return rows[0] if rows else None

    def archived_by_content(self, content: str) -> Row | None:
        """The archived copy of the same scanned pages (hash of their pixels), if any."""
        rows = self._rows("SELECT * FROM archived WHERE content=:c", c=content)
        return rows[0] if rows else None

    def versions(self, doc_no: str) -> int:
        return int(self._rows("SELECT COUNT(*) AS n FROM archived WHERE doc_no=:d",
                              d=doc_no)[0]["n"])  # fmt: skip

    def add_archived(
        self, doc_no: str, version: int, path: str, sha: str, content: str, source: str, pages: str
    ) -> None:
        self._conn.execute(
            "INSERT INTO archived (doc_no, version, path, sha256, content, source, pages,"
            " ingested, flagged) VALUES (:doc_no, :version, :path, :sha, :content, :source,"
            " :pages, :ingested, :flagged)", {
            "doc_no": doc_no, "version": version, "path": path, "sha": sha,
            "content": content, "source": source, "pages": pages, "ingested": _now(),
            "flagged": int(version > 1),
        })  # fmt: skip

    def set_archived_hash(self, archived_id: int, sha: str) -> None:
        """An archived file made again (restored from its scan): its new hash."""
        self._conn.execute(
            "UPDATE archived SET sha256=:sha WHERE id=:id", {"sha": sha, "id": archived_id}
        )

    def missing(self, form: str, year: int | None, unit: str, community: str) -> list[Row]:
        """Generated documents of a form with no archived signed copy."""
        sql = (
            "SELECT d.* FROM documents d WHERE d.form=:form AND NOT EXISTS"
            " (SELECT 1 FROM archived a WHERE a.doc_no=d.doc_no)"
        )
        params: dict[str, Any] = {"form": form}
        for col, value in (("year", year), ("unit", unit), ("community", community)):
            if value:
                sql += f" AND d.{col}=:{col}"
                params[col] = value
        return self._rows(sql + " ORDER BY unit, community, compound, member_id", **params)

    def all_archived(self) -> list[Row]:
        return self._rows(
            "SELECT a.*, d.form, d.member_id, d.name, d.year, d.unit, d.community, d.compound"
            " FROM archived a JOIN documents d ON a.doc_no = d.doc_no ORDER BY a.path"
        )
