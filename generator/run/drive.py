"""The driver's loop: the plan's jobs in chunks, each chunk prepared (contexts built
where there is work), chunks grouped into batches, batches handed to an executor, and
what the workers made turned into outcomes — manifest entries — as each batch returns.

Only the batches in flight are held (the executor bounds them), so the driver's memory
does not grow with the run. A batch with nothing to write never leaves the driver.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from generator.heap import trim
from generator.run.batch import Doc, Made, Outcome, Preparer, batches, chunks, record_of
from generator.run.executors import Executor
from generator.run.plan import Job

# Seconds between hand-backs of the driver's free heap pages (glibc's malloc_trim, ~1 ms).
TRIM_EVERY = 1.0


def run(
    jobs: Iterable[Job],
    prepare: Preparer,
    executor: Executor,
    batch_size: int,
    on_outcome: Callable[[Outcome], None],
) -> None:
    """Render every planned document; outcomes reach ``on_outcome`` in the driver."""
    in_flight: dict[str, list[Doc]] = {}
    trimmed = time.monotonic()

    def settle(key: str, made: list[Made] | BaseException) -> None:
        docs = in_flight.pop(key)
        if isinstance(made, BaseException):
            for doc in docs:
                for fmt in {**doc.todo, **doc.check}:
                    error = f"{record_of(doc.job)}：{made!r}"
                    doc.outcomes.append(Outcome(doc.job.form.id, fmt, "failed", error=error))
        else:
            for m in made:
                doc = docs[m.doc]
                if m.error:
                    doc.outcomes.append(Outcome(doc.job.form.id, m.fmt, "failed", error=m.error))
                elif m.kept:
                    prev = prepare.previous.get(f"{doc.job.stem}.{m.fmt}", {})
                    entry = prepare.entry(doc, m)
                    changed = entry if entry != prev else None
                    doc.outcomes.append(Outcome(doc.job.form.id, m.fmt, "skipped", changed))
                else:
                    entry = prepare.entry(doc, m)
                    doc.outcomes.append(Outcome(doc.job.form.id, m.fmt, "written", entry))
        for doc in docs:
            for outcome in doc.outcomes:
                on_outcome(outcome)
        nonlocal trimmed
        if time.monotonic() - trimmed > TRIM_EVERY:
            trim()
            trimmed = time.monotonic()

    prepared = (prepare(chunk) for chunk in chunks(jobs))
    count = 0
    try:
        for batch in batches(prepared, batch_size):
            work = [chunk for chunk in batch if any(d.todo or d.check for d in chunk)]
            for chunk in batch:
                if not any(d.todo or d.check for d in chunk):  # all skipped or failed: settled here
                    for outcome in (o for d in chunk for o in d.outcomes):
                        on_outcome(outcome)
            if not work:
                continue
            count += 1
            key = str(count)
            in_flight[key] = [d for chunk in work for d in chunk]
            payload = [[d.work() for d in chunk] for chunk in work]
            for doc in in_flight[key]:
                doc.ctx = {}  # sent: the driver keeps only what the manifest needs
            for done in executor.submit(key, payload):
                settle(*done)
        for done in executor.drain():
            settle(*done)
    finally:
        executor.close()
