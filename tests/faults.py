"""Faults injected into worker processes (importable by name, so local pool workers and
Dask workers can run them)."""

from __future__ import annotations

import os

from generator.io.write import TEMP_SUFFIX
from generator.run.batch import Made, Payload, RunState, do_chunk, render_batch, renderers_for


def dying_batch(marker: str, payload: Payload, state: RunState) -> list[Made]:
    """``render_batch``, except that the first worker to get here — the one that creates
    ``marker`` — writes the first half of its batch's first chunk, starts the next file
    and dies on the spot mid-write, as a killed or crashed process does (no clean-up, no
    answer, a temp file left). Every call is counted in ``marker``.calls, one line each."""
    with open(marker + ".calls", "a", encoding="utf-8") as calls:
        calls.write(f"{os.getpid()}\n")
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return render_batch(payload, state)
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    first = payload[0]
    do_chunk(first[: max(1, len(first) // 2)], state, renderers_for(state))
    root = state.store.local
    if root is not None:  # the temp file of the write it was killed in
        (root / f".half-written.docx.{os.getpid()}.0{TEMP_SUFFIX}").write_bytes(b"PK\x03\x04")
    os._exit(17)
