"""The web's own tables — accounts, sessions, uploaded ledgers, export jobs, scan
uploads — in the registry database (SQLite in the data folder, or PostgreSQL).

Job state lives here, not in memory, so a page reload or a server restart finds it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

Row = dict[str, Any]
ACTIVE = ("queued", "running")

meta = MetaData()

users = Table(
    "web_users",
    meta,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("scope", String(200), nullable=False, default=""),
    Column("password", String(200), nullable=False),
    Column("created", String(40), nullable=False),
)

sessions = Table(
    "web_sessions",
    meta,
    Column("token", String(64), primary_key=True),  # SHA-256 of the cookie's value
    Column("user_id", Integer, nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("expires", String(40), nullable=False),
)

ledgers = Table(
    "web_ledgers",
    meta,
    Column("id", String(32), primary_key=True),
    Column("owner", Integer, nullable=False),
    Column("filename", String(300), nullable=False),  # the client's name, shown only
    Column("kind", String(10), nullable=False),  # xlsx | json | csvzip
    Column("profile", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("errors", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),
    Column("members", Integer, nullable=False),
    Column("issues", Text, nullable=False),  # JSON list
    Column("created", String(40), nullable=False),
)

exports = Table(
    "web_exports",
    meta,
    Column("id", String(32), primary_key=True),
    Column("owner", Integer, nullable=False),
    Column("ledger", String(32), nullable=False),
    Column("profile", String(100), nullable=False),
    Column("forms", String(200), nullable=False),
    Column("period", String(20), nullable=False),
    Column("formats", String(50), nullable=False),
    Column("unit", String(200), nullable=False, default=""),
    Column("community", String(200), nullable=False, default=""),
    Column("compound", String(200), nullable=False, default=""),
    Column("scope", String(450), nullable=False),  # one active job per scope
    Column("active", Integer, nullable=True),  # 1 while queued/running, else NULL
    Column("state", String(10), nullable=False),
    Column("done", Integer, nullable=False, default=0),
    Column("total", Integer, nullable=False, default=0),
    Column("per_form", Text, nullable=False, default="{}"),
    Column("message", Text, nullable=False, default=""),
    Column("results", Text, nullable=False, default="{}"),
    Column("created", String(40), nullable=False),
    Column("finished", String(40), nullable=False, default=""),
    Index("web_exports_one_per_scope", "scope", "active", unique=True),
)

scans = Table(
    "web_scans",
    meta,
    Column("stored", String(64), primary_key=True),  # the file's name on disk
    Column("batch", String(32), nullable=False),
    Column("owner", Integer, nullable=False),
    Column("filename", String(300), nullable=False),  # the client's name, shown only
    Column("created", String(40), nullable=False),
)


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers never wait for the export's writer
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


class Database:
    """The web tables on one SQLAlchemy engine; every method is one transaction."""

    def __init__(self, url: str) -> None:
        sqlite = url.startswith("sqlite")
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(
            url, connect_args={"timeout": 30} if sqlite else {}, pool_pre_ping=not sqlite
        )
        if sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        meta.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def _one(self, stmt: Any) -> Row | None:
        with self.engine.connect() as c:
            row = c.execute(stmt).mappings().first()
        return dict(row) if row else None

    def _all(self, stmt: Any) -> list[Row]:
        with self.engine.connect() as c:
            return [dict(r) for r in c.execute(stmt).mappings()]

    def _write(self, stmt: Any) -> None:
        with self.engine.begin() as c:
            c.execute(stmt)

    # accounts -----------------------------------------------------------------------
    def add_user(self, name: str, role: str, scope: str, password_hash: str) -> bool:
        """False if the name is taken."""
        try:
            self._write(
                insert(users).values(
                    name=name, role=role, scope=scope, password=password_hash, created=now()
                )
            )
        except IntegrityError:
            return False
        return True

    def replace_user(self, name: str, role: str, scope: str, password_hash: str) -> None:
        self._write(
            update(users)
            .where(users.c.name == name)
            .values(role=role, scope=scope, password=password_hash)
        )
        self._write(
            sessions.delete().where(
                sessions.c.user_id.in_(select(users.c.id).where(users.c.name == name))
            )
        )

    def user_by_name(self, name: str) -> Row | None:
        return self._one(select(users).where(users.c.name == name))

    def user(self, user_id: int) -> Row | None:
        return self._one(select(users).where(users.c.id == user_id))

    def count_users(self) -> int:
        with self.engine.connect() as c:
            return int(c.execute(select(func.count()).select_from(users)).scalar_one())

    def user_names(self, ids: set[int]) -> dict[int, str]:
        rows = self._all(select(users.c.id, users.c.name).where(users.c.id.in_(ids)))
        return {r["id"]: r["name"] for r in rows}

    # sessions -----------------------------------------------------------------------
    def add_session(self, token: str, user_id: int, csrf: str, expires: str) -> None:
        self._write(
            insert(sessions).values(token=token, user_id=user_id, csrf=csrf, expires=expires)
        )
        self._write(sessions.delete().where(sessions.c.expires < now()))

    def session(self, token: str) -> Row | None:
        return self._one(
            select(sessions).where(sessions.c.token == token, sessions.c.expires > now())
        )

    def drop_session(self, token: str) -> None:
        self._write(sessions.delete().where(sessions.c.token == token))

    # ledgers ------------------------------------------------------------------------
    def add_ledger(self, **values: Any) -> None:
        values["issues"] = json.dumps(values["issues"], ensure_ascii=False)
        self._write(insert(ledgers).values(created=now(), **values))

    def ledger(self, ledger_id: str) -> Row | None:
        row = self._one(select(ledgers).where(ledgers.c.id == ledger_id))
        if row:
            row["issues"] = json.loads(row["issues"])
        return row

    def ledgers_for(self, owners: list[int] | None, limit: int = 50) -> list[Row]:
        """Latest ledgers first; ``owners`` None means everyone's."""
        cols = [c for c in ledgers.c if c.name != "issues"]
        stmt = select(*cols).order_by(ledgers.c.created.desc(), ledgers.c.id).limit(limit)
        if owners is not None:
            stmt = stmt.where(ledgers.c.owner.in_(owners))
        return self._all(stmt)

    def admin_ids(self) -> list[int]:
        return [r["id"] for r in self._all(select(users.c.id).where(users.c.role == "admin"))]

    # exports ------------------------------------------------------------------------
    def add_export(self, **values: Any) -> bool:
        """Queue a job; False if its scope already has one queued or running."""
        try:
            self._write(insert(exports).values(state="queued", active=1, created=now(), **values))
        except IntegrityError:
            return False
        return True

    def export(self, export_id: str) -> Row | None:
        row = self._one(select(exports).where(exports.c.id == export_id))
        return _decoded(row) if row else None

    def active_export(self, scope: str) -> Row | None:
        return self._one(
            select(exports.c.id).where(exports.c.scope == scope, exports.c.active == 1)
        )

    def exports_for(self, unit: str = "", community: str = "", limit: int = 20) -> list[Row]:
        """Latest jobs first: of a unit, of a community, or (neither given) everyone's."""
        stmt = select(exports).order_by(exports.c.created.desc(), exports.c.id).limit(limit)
        if unit:
            stmt = stmt.where(exports.c.unit == unit)
        elif community:
            stmt = stmt.where(exports.c.community == community)
        return [_decoded(r) for r in self._all(stmt)]

    def unfinished_exports(self) -> list[str]:
        rows = self._all(
            select(exports.c.id).where(exports.c.active == 1).order_by(exports.c.created)
        )
        return [r["id"] for r in rows]

    def progress(self, export_id: str, **values: Any) -> None:
        """Update a job's state, counts, per-form counts, message or results."""
        for key in ("per_form", "results"):
            if key in values:
                values[key] = json.dumps(values[key], ensure_ascii=False)
        if values.get("state") in ("done", "failed"):
            values.update(active=None, finished=now())
        self._write(update(exports).where(exports.c.id == export_id).values(**values))

    # scans --------------------------------------------------------------------------
    def add_scans(self, batch: str, owner: int, files: list[tuple[str, str]]) -> None:
        with self.engine.begin() as c:
            for stored, filename in files:
                c.execute(
                    insert(scans).values(
                        stored=stored, batch=batch, owner=owner, filename=filename, created=now()
                    )
                )

    def scan_names(self, stored: list[str]) -> dict[str, Row]:
        """Stored name -> its row (client's file name, owner)."""
        if not stored:
            return {}
        return {r["stored"]: r for r in self._all(select(scans).where(scans.c.stored.in_(stored)))}

    def ping(self) -> None:
        with self.engine.connect() as c:
            c.execute(text("SELECT 1"))


def _decoded(row: Row) -> Row:
    row["per_form"] = json.loads(row["per_form"] or "{}")
    row["results"] = json.loads(row["results"] or "{}")
    return row
