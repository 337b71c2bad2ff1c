"""``make bench-web``: 20 clerks uploading and exporting at once against ``formgen serve``
on 127.0.0.1 — a bounded load test.

Each clerk (one per unit of a generated 800-member ledger with 20 units) logs in,
uploads the ledger, starts an export of the unit's packet (a2–a5, n3 in DOCX, PDF and
XLSX), polls its progress, downloads the zip and checks that its manifest lists every
file of the unit and nothing of another. Prints the failed requests (must be none), lost
exports (none), request latencies, the wall time, and the peak memory of the server
process and of its process tree (export workers included), sampled every 0.2 s.
Every loop is bounded in count and time; the server is stopped at the end.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx2 as httpx

from generator.app.web.auth import hash_password
from generator.app.web.db import Database
from generator.app.web.settings import Settings
from generator.ledger.sample import generate, write_xlsx

CLERKS = 20
MEMBERS = 800  # the sample makes 4 units per 160 members: 20 units
PASSWORD = "load-test-password"
DEADLINE = 900.0  # seconds for the whole run
LIMIT_MB = 1024


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree(pid: int) -> list[int]:
    """The process and all its descendants (export workers, the fork server)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


class Sampler(threading.Thread):
    """Peak RSS of the server process and of its tree, every 0.2 s."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.peak_tree = pid, 0, 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            self.peak = max(self.peak, rss_kb(self.pid))
            self.peak_tree = max(self.peak_tree, sum(rss_kb(p) for p in tree(self.pid)))


class Clerk:
    """One clerk's session: every request timed, every failure recorded."""

    def __init__(self, url: str, name: str, log: list[tuple[str, float, int]]) -> None:
        self.client = httpx.Client(base_url=url, timeout=300)
        self.name, self.log = name, log
        self.headers: dict[str, str] = {}

    def call(self, what: str, fn: Callable[..., httpx.Response], *a: Any, **k: Any) -> Any:
        start = time.perf_counter()
        r = fn(*a, **k)
        self.log.append((what, time.perf_counter() - start, r.status_code))
        if r.status_code >= 400:
            raise RuntimeError(f"{self.name} {what}: {r.status_code} {r.text[:200]}")
        return r

    def run(self, ledger: bytes, unit: str, until: float) -> dict[str, Any]:
        c = self.client
        r = self.call("login", c.post, "/api/login",
                      json={"username": self.name, "password": PASSWORD})  # fmt: skip
        self.headers = {"X-CSRF-Token": r.json()["csrf_token"]}
        r = self.call("upload", c.post, "/api/ledgers", headers=self.headers,
                      files={"file": ("台账.xlsx", ledger)})  # fmt: skip
        lid = r.json()["id"]
        r = self.call("export", c.post, "/api/exports", headers=self.headers,
                      json={"ledger": lid, "forms": "all", "formats": "docx,pdf,xlsx"})  # fmt: skip
        eid = r.json()["id"]
        state: dict[str, Any] = {}
        while time.monotonic() < until:
            state = self.call("progress", c.get, f"/api/exports/{eid}").json()
            if state["state"] in ("done", "failed"):
                break
            time.sleep(0.5)
        if state.get("state") != "done":
            raise RuntimeError(f"{self.name}: export {eid} ended as {state.get('state')}")
        z = self.call("download", c.get, f"/api/exports/{eid}/download")
        with zipfile.ZipFile(io.BytesIO(z.content)) as zf:
            docs = json.loads(zf.read("manifest.json"))["documents"]
            names = set(zf.namelist())
        if len(docs) != state["total"] or any(d["path"] not in names for d in docs):
            raise RuntimeError(f"{self.name}: zip has {len(docs)} of {state['total']} files")
        if {d.get("unit", unit) for d in docs} != {unit}:
            raise RuntimeError(f"{self.name}: zip holds another unit's documents")
        return {"files": len(docs), "bytes": len(z.content)}


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="formgen-load-"))
    sheets = generate(MEMBERS)
    units = [row[0] for row in sheets["单位"][1:]][:CLERKS]
    assert len(units) == CLERKS, units
    write_xlsx(sheets, work / "ledger.xlsx")
    ledger = (work / "ledger.xlsx").read_bytes()
    data = work / "data"
    db = Database(Settings(data=data).db_url)
    hashed = hash_password(PASSWORD)
    for i, unit in enumerate(units):
        db.add_user(f"clerk{i:02d}", "unit", unit, hashed)
    db.close()

    port = 18000 + os.getpid() % 1000
    url = f"http://127.0.0.1:{port}"
    formgen = Path(sys.executable).with_name("formgen")
    log_file = open(work / "server.log", "wb")  # noqa: SIM115
    server = subprocess.Popen([str(formgen), "serve", "--data", str(data), "--port", str(port)],
                              stdout=log_file, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/login", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        idle = rss_kb(server.pid)
        sampler = Sampler(server.pid)
        sampler.start()
        log: list[tuple[str, float, int]] = []
        started = time.monotonic()
        until = started + DEADLINE
        results, failures = [], []
        with ThreadPoolExecutor(CLERKS) as pool:
            futures = [pool.submit(Clerk(url, f"clerk{i:02d}", log).run, ledger, unit, until)
                       for i, unit in enumerate(units)]  # fmt: skip
            for f in futures:
                try:
                    results.append(f.result())
                except Exception as exc:  # a failed clerk is a finding, not a crash
                    failures.append(str(exc))
        wall = time.monotonic() - started
        sampler.stop.set()
        sampler.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log_file.close()

    failed = [x for x in log if x[2] >= 400]
    print(f"formgen web load test: {CLERKS} clerks, {MEMBERS}-member ledger, {len(units)} units")
    print(f"  requests {len(log)}, failed {len(failed)}; exports done {len(results)}/{CLERKS}, "
          f"lost {CLERKS - len(results)}; files {sum(r['files'] for r in results)}")  # fmt: skip
    for what in ("login", "upload", "export", "progress", "download"):
        times = sorted(t for w, t, _ in log if w == what)
        if times:
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            print(f"  {what:<9} n={len(times):<4} median {statistics.median(times) * 1000:7.0f} ms"
                  f"  p95 {p95 * 1000:7.0f} ms  max {times[-1] * 1000:7.0f} ms")  # fmt: skip
    print(f"  wall {wall:.1f} s; server memory idle {idle / 1024:.0f} MB, peak "
          f"{sampler.peak / 1024:.0f} MB; with export workers peak "
          f"{sampler.peak_tree / 1024:.0f} MB (limit {LIMIT_MB} MB)")  # fmt: skip
    for f in failures:
        print("  FAILED:", f)
    ok = not failed and not failures and sampler.peak_tree < LIMIT_MB * 1024
    print("  result:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
