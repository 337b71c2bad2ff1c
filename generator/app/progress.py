"""A progress bar for long runs on a terminal (done/total, rate, time left); nothing when
the output goes to a pipe or a log."""

from __future__ import annotations

import sys
from collections.abc import Callable


def progress(total: int) -> tuple[Callable[..., None], Callable[[], None]]:
    """(tick, stop): call tick once per finished file, stop at the end."""
    if not sys.stderr.isatty() or total == 0:
        return (lambda *_: None), (lambda: None)
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("生成中"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
        TextColumn("{task.fields[rate]} 份/秒  剩余"), TimeRemainingColumn(),
        console=Console(stderr=True), transient=True,
    )  # fmt: skip
    task = bar.add_task("export", total=total, rate="—")
    bar.start()

    def tick(*_: object) -> None:
        bar.advance(task)
        speed = bar.tasks[0].speed
        if speed:
            bar.update(task, rate=f"{speed:.0f}")

    return tick, bar.stop
