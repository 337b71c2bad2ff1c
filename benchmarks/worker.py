"""One export worker's cost, form by form: every document of each form of the generated
1,000-member packet laid out in this one process, in chunks as the workers lay them out
(with the cache ageing after long documents), printing CPU ms a document and the
process's resident memory after each form.

    .venv/bin/python -m benchmarks.worker [FORM ...]   (default: a3 a5 a1 a2 a4 n1 n2 n3)
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main(forms: list[str]) -> None:
    os.environ.setdefault("RAYON_NUM_THREADS", "1")  # as in each export worker
    from benchmarks.run import DATE, SMALL, ledger
    from generator.forms.registry import build, forms_of
    from generator.policy.period import Period
    from generator.policy.profile import load_profile
    from generator.render.pdf import age_cache
    from generator.render.renderers import Renderers
    from generator.run.batch import AGE_OUT, CHUNK, CHUNK_LONG
    from generator.run.layouts import layout_of
    from generator.run.pipeline import read_ledger, stamp_of
    from generator.run.plan import plan
    from generator.types import Filters, Options

    day = dt.date.fromisoformat(DATE)
    profile = load_profile()
    opts = Options(profile, day)
    led, _ = read_ledger(ledger(SMALL), profile)
    renderers, stamp = Renderers(), stamp_of(day)
    print(f"ledger of {SMALL:,} members loaded: {rss_mb():.0f} MB")
    for form_id in forms:
        form = forms_of(profile)[form_id]
        ctxs = [build(form, led, j.scope, opts)
                for j in plan(led, [form], Period(day.year), Filters()).jobs]  # fmt: skip
        layout = layout_of(form)
        size = CHUNK if form.kind == "sheet" else CHUNK_LONG
        t = time.process_time()
        for i in range(0, len(ctxs), size):
            renderers.render_many(layout, ctxs[i : i + size], stamp)
            if form.kind != "sheet":
                age_cache(AGE_OUT)
        ms = (time.process_time() - t) / len(ctxs) * 1000
        print(
            f"{form_id} PDF  {len(ctxs):>5} documents  {ms:6.1f} ms a document  {rss_mb():.0f} MB"
        )


if __name__ == "__main__":
    main(sys.argv[1:] or ["a3", "a5", "a1", "a2", "a4", "n1", "n2", "n3"])
