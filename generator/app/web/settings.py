"""What a server is started with: its data folder, database, upload limits, workers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """One server's settings; ``db`` empty means SQLite in the data folder's archive."""

    data: Path
    db: str = ""
    max_ledger: int = 20 * MB  # one ledger upload
    max_scans: int = 200 * MB  # one request of scans
    max_other: int = 1 * MB  # any other request body (forms, JSON)
    workers: int = 2  # export processes
    session_hours: int = 12

    @property
    def archive(self) -> Path:
        return self.data / "archive"

    @property
    def db_url(self) -> str:
        """The registry database: the archive's (``archive/registry.sqlite``) by default,
        so ``formgen archive … --archive DIR/archive`` sees the same records."""
        return self.db or f"sqlite:///{(self.archive / 'registry.sqlite').resolve()}"
