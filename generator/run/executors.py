"""Who runs a run's batches: this process, local worker processes, or Dask distributed.

An executor takes tasks (a key and a batch's payload) and hands back, as they finish,
each task's key with what its worker made (or the exception that ended it). At most a
few tasks per worker are in flight, so the driver's memory does not grow with the run.
Workers start on the first task: a run with nothing to render starts none.

- ``Inline``: this process (``--jobs 1``).
- ``LocalPool``: worker processes from a clean fork server (a driver that has run Typst
  holds Rust threads that a plain fork would copy mid-lock). A worker that dies breaks
  the whole process pool (BrokenProcessPool); the pool is then started again and every
  task that was in flight and had not returned is submitted again — files are written
  atomically, so a re-run rewrites the same bytes. A task in flight at MAX_TRIES breaks
  is reported as failed.
- ``DaskCluster``: tasks on a Dask scheduler (``--scheduler tcp://host:port``), or on a
  LocalCluster of ``jobs`` single-threaded worker processes. Dask re-runs a dead
  worker's tasks elsewhere; task keys carry the run's id, since Dask silently reuses
  the result of a key it already holds.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import uuid
from collections import deque
from collections.abc import Iterator
from typing import Any

from generator.errors import UserError
from generator.run.batch import Made, Payload, RunState, Task, render_batch

Done = tuple[str, "list[Made] | BaseException"]
MAX_TRIES = 3
CONNECT_TIMEOUT = "10s"  # to reach a Dask scheduler (Dask retries a refused connection)
IN_FLIGHT = 4  # tasks in flight per worker
# Tasks after which a local worker is replaced by a fresh one: a worker's memory grows
# with the variety of what it has laid out (Typst keeps the glyphs and shapes it has
# seen); a new one costs ~1 s of start-up. Measured on the 10k packet (peak of the
# process tree, workers trimmed after each task, long documents' cache emptied): 150 ->
# 578 MB, 300 -> 583 MB (with the manifest's new entries kept as journal offsets), 500 ->
# 665 MB; the ~1,700 tasks restart each worker 3 times at 300, 6 at 150.
RECYCLE = 300


class Executor:
    """Runs tasks; subclasses start their workers lazily, on the first task."""

    workers = 1

    def __init__(self, task: Task = render_batch) -> None:
        self.task = task
        self.state: RunState | None = None
        self.run_id = uuid.uuid4().hex[:12]
        # A worker died during the run: it (and, in a process pool, the siblings killed
        # with it) may have left a temp file mid-write, which the run removes at its end.
        self.lost_workers = False

    def begin(self, state: RunState) -> None:
        """The run's state, shipped to the workers with the tasks."""
        self.state = state

    def submit(self, key: str, payload: Payload) -> Iterator[Done]:
        """Queue one task; yields the tasks that finished while the queue was full."""
        raise NotImplementedError

    def drain(self) -> Iterator[Done]:
        """Every task still in flight, as each finishes."""
        raise NotImplementedError

    def close(self) -> None:
        """Stop the workers (and a cluster this executor started)."""


class Inline(Executor):
    """Every task in this process, at once."""

    def submit(self, key: str, payload: Payload) -> Iterator[Done]:
        assert self.state is not None
        yield key, self.task(payload, self.state)

    def drain(self) -> Iterator[Done]:
        return iter(())


def _init_worker() -> None:
    """A worker of a pool as large as the cores: Typst lays out on this one thread."""
    os.environ.setdefault("RAYON_NUM_THREADS", "1")


class LocalPool(Executor):
    """Tasks on ``processes`` local worker processes; survives a worker that dies."""

    def __init__(self, processes: int, task: Task = render_batch) -> None:
        super().__init__(task)
        self.workers = processes
        self.pool: cf.ProcessPoolExecutor | None = None
        self.pending: dict[str, tuple[Payload, cf.Future[list[Made]]]] = {}
        self.order: deque[str] = deque()
        self.tries: dict[str, int] = {}
        self.restarts = 0  # pools started again after a worker died

    def _start(self) -> cf.ProcessPoolExecutor:
        if self.pool is None:
            self.pool = cf.ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("forkserver"),
                initializer=_init_worker,
                max_tasks_per_child=RECYCLE,
            )
        return self.pool

    def _send(self, key: str, payload: Payload) -> None:
        assert self.state is not None
        future = self._start().submit(self.task, payload, self.state)
        self.pending[key] = (payload, future)

    def submit(self, key: str, payload: Payload) -> Iterator[Done]:
        self._send(key, payload)
        self.order.append(key)
        while len(self.order) >= self.workers * IN_FLIGHT:
            yield from self._next()

    def drain(self) -> Iterator[Done]:
        while self.order:
            yield from self._next()

    def _next(self) -> Iterator[Done]:
        """The oldest task's result (in submission order, so the journal follows the
        plan); a broken pool is started again and its lost tasks sent again."""
        key = self.order[0]
        try:
            result: list[Made] | BaseException = self.pending[key][1].result()
        except cf.process.BrokenProcessPool:
            yield from self._restart()
            return
        except Exception as exc:  # the task itself raised: its documents are reported
            result = exc
        self.order.popleft()
        self.pending.pop(key)
        yield key, result

    def _restart(self) -> Iterator[Done]:
        """A worker died: every task not yet returned runs again on a new pool."""
        assert self.pool is not None
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = None
        self.restarts += 1
        self.lost_workers = True
        lost = [k for k in self.order if not _returned(self.pending[k][1])]
        for key in list(self.order):
            if key not in lost:
                continue
            payload = self.pending[key][0]
            self.tries[key] = self.tries.get(key, 0) + 1
            if self.tries[key] >= MAX_TRIES:
                self.order.remove(key)
                self.pending.pop(key)
                yield key, RuntimeError("工作进程多次意外退出")
            else:
                self._send(key, payload)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _returned(future: cf.Future[Any]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


class DaskCluster(Executor):
    """Tasks on Dask distributed: a scheduler's workers, or a LocalCluster started here."""

    def __init__(self, scheduler: str | None, processes: int, task: Task = render_batch) -> None:
        super().__init__(task)
        self.scheduler = scheduler
        self.processes = processes
        self.client: Any = None
        self.cluster: Any = None
        self.futures: Any = None
        self.keys: dict[Any, str] = {}
        self.count = 0
        self.seen: set[str] = set()  # the workers' addresses when the run began

    def _start(self) -> Any:
        if self.client is None:
            from distributed import Client, LocalCluster, as_completed

            if self.scheduler:
                try:  # a scheduler on the network answers in well under a second
                    self.client = Client(self.scheduler, timeout=CONNECT_TIMEOUT)
                except (OSError, ValueError, TypeError) as exc:  # refused; not an address
                    raise UserError(
                        f"无法连接 Dask 调度器「{self.scheduler}」：{exc}",
                        "地址形如 tcp://10.0.0.5:8786；请先启动 dask scheduler 和 "
                        "dask worker（见 README 的多机运行）。",
                    ) from None
            else:
                import dask

                # Typst on one thread in each worker (set before the worker starts).
                spawn_env = dict(dask.config.get("distributed.nanny.pre-spawn-environ"))
                with dask.config.set({"distributed.nanny.pre-spawn-environ": {
                        **spawn_env, "RAYON_NUM_THREADS": "1"}, **WORKER_CONFIG}):  # fmt: skip
                    self.cluster = LocalCluster(
                        n_workers=self.processes, threads_per_worker=1, processes=True,
                        dashboard_address=None,
                    )  # fmt: skip
                self.client = Client(self.cluster)
            nthreads = self.client.nthreads()
            self.seen = set(nthreads)
            threads = sum(nthreads.values()) or 1
            self.workers = threads
            self.futures = as_completed()
        return self.client

    def begin(self, state: RunState) -> None:
        """A scheduler given by address is reached now, before anything is written; a
        LocalCluster starts on the first task (a run with nothing to render starts none)."""
        super().begin(state)
        if self.scheduler:
            self._start()

    def submit(self, key: str, payload: Payload) -> Iterator[Done]:
        client = self._start()
        self.count += 1
        task_key = f"formgen-{self.run_id}-{self.count}"
        future = client.submit(self.task, payload, self.state, key=task_key, retries=0)
        self.keys[future.key] = key
        self.futures.add(future)
        while self.futures.count() >= self.workers * IN_FLIGHT:
            yield self._take()

    def drain(self) -> Iterator[Done]:
        while self.futures is not None and self.futures.count():
            yield self._take()

    def _take(self) -> Done:
        future = next(self.futures)
        key = self.keys.pop(future.key)
        try:
            result: list[Made] | BaseException = future.result()
        except Exception as exc:  # KilledWorker after Dask's own re-runs, or the task raised
            result = exc
        future.release()
        return key, result

    def close(self) -> None:
        if self.client is not None:
            # A worker the nanny restarted comes back under a new address.
            try:
                self.lost_workers = bool(self.seen - set(self.client.nthreads()))
            except Exception:  # the scheduler is gone: assume the worst
                self.lost_workers = True
            self.client.close()
            self.client = None
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None


# Dask's own statistical profiler samples every worker thread's stack every 10 ms and
# its memory monitor polls every 100 ms: measured, the workers spent ~20 % more CPU on
# the same batches than local processes. For `dask worker` on other machines the same
# settings go in their dask configuration (README).
WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.admin.tick.interval": "500ms",
}

EXECUTORS = ("local", "dask")


def make_executor(
    kind: str = "local", jobs: int = 1, scheduler: str | None = None, task: Task = render_batch
) -> Executor:
    """The executor of ``--executor``: local processes (this one with one job) or Dask."""
    if kind == "dask":
        return DaskCluster(scheduler, jobs, task)
    if kind != "local":
        raise UserError(f"未知的执行方式：{kind}", "可用：local、dask")
    if scheduler:
        raise UserError("--scheduler 只用于 --executor dask。")
    return Inline(task) if jobs <= 1 else LocalPool(jobs, task)


def batch_size_of(executor: Executor, asked: int | None) -> int:
    """Documents a task: one chunk for local processes (each task costs nearly nothing),
    ~200 for Dask (each task costs the scheduler a few milliseconds and ~10 KB)."""
    if asked:
        return asked
    return 200 if isinstance(executor, DaskCluster) else 1
