"""Progress of long runs on standard error: a rich bar with rate and time left on a
terminal; plain lines (at most every 10 % or 30 seconds) when there is none (CI, logs),
where a bar would show only its final state."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from iaas_sim.scenario.text import printable


class ProgressDisplay:
    """Counts finished replications; use as a context manager and call ``advance(n)``."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None) -> None:
        self.total, self.label = total, printable(label, keep="")
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self.start = time.monotonic()
        self.last_line = (-1.0, self.start)  # share done, time of the last plain line
        self.bar: Progress | None = None
        if self.stream.isatty():
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TextColumn("left"),
                TimeRemainingColumn(),
                console=Console(file=self.stream),
            )
            self.task = self.bar.add_task(escape(self.label), total=total, rate="")

    def __enter__(self) -> ProgressDisplay:
        if self.bar is not None:
            self.bar.start()
        else:
            self._line(force=True)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.bar is not None:
            self.bar.stop()
        elif kind is None and self.last_line[0] < 1.0:
            self._line(force=True)

    def advance(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(self.task, advance=n, rate=f"{self._rate():.2f}/s")
        else:
            self._line()

    def _rate(self) -> float:
        elapsed = time.monotonic() - self.start
        return self.done / elapsed if elapsed > 0 else 0.0

    def _line(self, force: bool = False) -> None:
        share = self.done / self.total if self.total else 1.0
        now = time.monotonic()
        if (
            not force
            and share < 1.0
            and share - self.last_line[0] < 0.1
            and now - self.last_line[1] < 30
        ):
            return
        self.last_line = (share, now)
        rate = self._rate()
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        eta = "" if rate <= 0 or self.done >= self.total else f", about {_duration(left)} left"
        speed = f", {rate:.2f}/s" if self.done else ""
        self.stream.write(f"{self.label}: {self.done}/{self.total} ({share:.0%}){speed}{eta}\n")
        self.stream.flush()


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    minutes, s = divmod(seconds, 60)
    hours, m = divmod(minutes, 60)
    if hours:
        return f"{hours} h {m:02d} min"
    return f"{m} min {s:02d} s" if m else f"{s} s"
