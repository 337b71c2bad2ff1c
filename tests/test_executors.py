"""Where a run's batches run, and what survives a dead worker: local processes and Dask
(a LocalCluster here, as a province's scheduler and workers would be), and output to
object storage (a moto S3 server on 127.0.0.1). Every run is compared with a clean
local run by the manifest's hashes, and files are checked against them."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from generator.forms.registry import select
from generator.ledger.sample import generate, write_xlsx
from generator.policy.period import Period
from generator.policy.profile import load_profile
from generator.run.executors import LocalPool, make_executor
from generator.run.pipeline import export, read_ledger
from generator.types import Options
from tests.conftest import TODAY
from tests.faults import dying_batch

FORMS = "a1,a3,a5,n1"
FMTS = ("docx", "pdf")


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A 40-member ledger (about 200 files for these forms), its options and forms."""
    path = tmp_path_factory.mktemp("led") / "ledger.xlsx"
    write_xlsx(generate(40, year=2026), path)
    profile = load_profile()
    led, _ = read_ledger(path, profile)
    return led, Options(profile=profile, date=TODAY), select(profile, FORMS)


def run(small, out, **kw):
    led, opts, forms = small
    return export(led, out, forms, FMTS, Period(2026), opts, **kw)


@pytest.fixture(scope="module")
def clean(small, tmp_path_factory):
    """The reference: a clean run in this process."""
    out = tmp_path_factory.mktemp("clean")
    report = run(small, out, jobs=1)
    assert not report.failures
    return hashes(out)


def hashes(out: Path) -> dict[str, str]:
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {e["path"]: e["sha256"] for e in doc["documents"]}


def files_match(out: Path, expected: dict[str, str]) -> None:
    for rel, digest in expected.items():
        assert hashlib.sha256((out / rel).read_bytes()).hexdigest() == digest, rel
    assert not list(out.rglob("*.part"))


def test_local_processes_survive_a_worker_that_dies_mid_batch(small, clean, tmp_path):
    marker = tmp_path / "died"
    pool = LocalPool(2, functools.partial(dying_batch, str(marker)))
    out = tmp_path / "out"
    report = run(small, out, executor=pool)
    assert marker.exists(), "a worker must have died"
    assert pool.restarts == 1
    assert not report.failures
    assert sum(n for (_, _, s), n in report.counts.items() if s == "written") == len(clean)
    assert hashes(out) == clean
    files_match(out, clean)


def test_dask_local_cluster_equals_the_local_run(small, clean, tmp_path):
    out = tmp_path / "out"
    report = run(small, out, executor="dask", jobs=2, batch_size=24)
    assert not report.failures
    assert hashes(out) == clean
    files_match(out, clean)


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of two worker processes, used as an external scheduler would be."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as c:
        yield c


def test_dask_worker_killed_mid_batch_costs_only_its_batches(small, clean, cluster, tmp_path):
    marker = tmp_path / "died"
    dask = make_executor("dask", scheduler=cluster.scheduler_address)
    dask.task = functools.partial(dying_batch, str(marker))
    out = tmp_path / "out"
    report = run(small, out, executor=dask, batch_size=24)
    assert marker.exists(), "a worker must have died"
    calls = Path(f"{marker}.calls").read_text(encoding="utf-8").split()
    assert len(calls) == dask.count + 1  # every batch once, and the dead worker's again
    assert not report.failures
    assert hashes(out) == clean
    files_match(out, clean)


def test_task_keys_are_unique_per_run(small, clean, cluster, tmp_path):
    """The same export twice on one scheduler renders twice (a reused key would make
    Dask hand back the first run's result without running anything)."""
    out = tmp_path / "out"
    written = []
    for _ in range(2):
        report = run(small, out, executor="dask", scheduler=cluster.scheduler_address,
                     batch_size=50, force=True)  # fmt: skip
        written.append(sum(n for (_, _, s), n in report.counts.items() if s == "written"))
    assert written == [len(clean), len(clean)]
    assert hashes(out) == clean


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3():
    """A moto S3 server on 127.0.0.1 with an empty bucket; the storage options to reach it."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    options = {
        "key": "testing",
        "secret": "testing",
        "endpoint_url": f"http://127.0.0.1:{port}",
        "client_kwargs": {"region_name": "eu-west-1"},
    }
    import s3fs

    fs = s3fs.S3FileSystem(**options)
    fs.mkdir("formgen-test")
    try:
        yield fs, options
    finally:
        server.stop()


def test_export_to_s3_round_trip(small, clean, s3, tmp_path):
    fs, options = s3
    url = "s3://formgen-test/city/2026"
    report = run(small, url, jobs=2, storage_options=options)
    assert not report.failures
    doc = json.loads(fs.cat_file(f"{url}/manifest.json"))
    remote = {e["path"]: e["sha256"] for e in doc["documents"]}
    assert remote == clean
    for rel, digest in remote.items():
        data = fs.cat_file(f"{url}/{rel}")
        assert hashlib.sha256(data).hexdigest() == digest, rel
    assert not fs.exists(f"{url}/.formgen-journal")

    fs.rm_file(f"{url}/{next(iter(remote))}")  # one object lost: only it is written again
    again = run(small, url, jobs=2, storage_options=options)
    written = sum(n for (_, _, s), n in again.counts.items() if s == "written")
    skipped = sum(n for (_, _, s), n in again.counts.items() if s == "skipped")
    assert (written, skipped) == (1, len(clean) - 1)
    doc = json.loads(fs.cat_file(f"{url}/manifest.json"))
    assert {e["path"]: e["sha256"] for e in doc["documents"]} == clean


def _clerk(small, url: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``formgen export`` as a clerk runs it, storage reached through the environment only
    (the AWS variables, FSSPEC_S3_ENDPOINT_URL), as the README says."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FSSPEC_"))}
    exe = str(Path(sys.executable).parent / "formgen")
    return subprocess.run(
        [exe, "export", small[0].source, "--out", url, "--forms", "a5", "--format", "docx",
         "--date", TODAY.isoformat(), "--jobs", "1"],
        capture_output=True, text=True, timeout=300,
        env={**keep, "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent",
             "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", **env},
    )  # fmt: skip


def test_unreachable_storage_is_said_once_in_chinese_before_anything_is_rendered(small, s3):
    fs, options = s3
    endpoint = {"FSSPEC_S3_ENDPOINT_URL": options["endpoint_url"],
                "AWS_DEFAULT_REGION": "eu-west-1"}  # fmt: skip
    keys = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}

    done = _clerk(small, "s3://formgen-test/by-env", **endpoint, **keys)
    assert done.returncode == 0, done.stderr
    assert fs.exists("formgen-test/by-env/manifest.json")

    cases = [
        ("s3://no-such-bucket/2026", {**endpoint, **keys}, "存储桶或路径不存在"),
        ("s3://formgen-test/no-keys", endpoint, "找不到访问凭据"),
        ("nosuch://bucket/2026", {}, "不认识这种地址"),
    ]
    for url, env, reason in cases:
        done = _clerk(small, url, **env)
        assert done.returncode == 1, (url, done.stderr)
        assert f"对象存储「{url}」" in done.stderr and reason in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    assert not fs.exists("formgen-test/no-keys")


def test_a_scheduler_that_cannot_be_reached_is_said_before_anything_is_written(small, tmp_path):
    from tests.clerks import formgen

    out = tmp_path / "out"
    for address in ("nonsense", f"tcp://127.0.0.1:{_free_port()}"):
        result = formgen("export", small[0].source, "--out", str(out), "--executor", "dask",
                         "--scheduler", address, "--forms", "a5")  # fmt: skip
        assert result.exit_code == 2, result.output
        assert f"无法连接 Dask 调度器「{address}」" in result.output
        assert "tcp://10.0.0.5:8786" in result.output  # what an address looks like
        assert not out.exists()
