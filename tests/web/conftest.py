"""Fixtures of the web tests: an app on a test client (exports on a thread), accounts,
a logged-in client per role, and a real server in a subprocess for the browser."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

from generator.app.web.app import create_app
from generator.app.web.auth import hash_password
from generator.app.web.db import Database
from generator.app.web.settings import Settings

PASSWORD = "correct horse 9"
# Two units' clerks, a community's clerk and an admin over the conftest ledger.
ACCOUNTS = {
    "admin": ("admin", ""),
    "minzheng": ("unit", "十堰市民政局"),
    "zhujian": ("unit", "十堰市住房和城乡建设局"),
    "beijinglu": ("community", "北京路社区"),
}


def add_accounts(settings: Settings) -> None:
    db = Database(settings.db_url)
    hashed = hash_password(PASSWORD)
    for name, (role, scope) in ACCOUNTS.items():
        db.add_user(name, role, scope, hashed)
    db.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    s = Settings(data=tmp_path / "data", workers=0, max_ledger=200_000, max_scans=2_000_000)
    add_accounts(s)
    return s


@pytest.fixture
def app_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        yield client


def login(client: TestClient | httpx.Client, name: str) -> dict[str, str]:
    """Log in through the API; return the headers a POST needs (the CSRF token)."""
    r = client.post("/api/login", json={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"X-CSRF-Token": r.json()["csrf_token"]}


def wait_export(client: TestClient | httpx.Client, export_id: str, rounds: int = 600) -> dict:
    """Poll an export until it is done or failed (bounded)."""
    for _ in range(rounds):
        state = client.get(f"/api/exports/{export_id}").json()
        if state["state"] in ("done", "failed"):
            return state
        time.sleep(0.1)
    raise AssertionError(f"export {export_id} did not finish: {state}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``formgen serve`` in a subprocess on a free port of 127.0.0.1."""

    def __init__(self, data: Path, extra: tuple[str, ...] = ()) -> None:
        self.data = data
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        formgen = Path(sys.executable).with_name("formgen")
        self.log = open(data.parent / "server.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [str(formgen), "serve", "--data", str(data), "--port", str(self.port), *extra],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        for _ in range(300):
            try:
                if httpx.get(self.url + "/login", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError("server did not start: " + (data.parent / "server.log").read_text())

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("web") / "data"
    add_accounts(Settings(data=data))
    srv = Server(data)
    yield srv
    srv.stop()
