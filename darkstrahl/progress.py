"""A minimal progress bar on stderr for long generation and scans (redrawn at most 10 times a second;
only the final line is printed when stderr is not a terminal)."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO


class ProgressBar:
    """``with ProgressBar(total, "generate") as bar: bar.update(n)``."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None, width: int = 30) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.done = 0
        self.start = time.perf_counter()
        self._last = 0.0
        self._tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def update(self, n: int) -> None:
        """Advance by ``n`` units."""
        self.done = min(self.done + int(n), self.total)
        now = time.perf_counter()
        if self._tty and (now - self._last > 0.1 or self.done == self.total):
            self._last = now
            self._draw(end="\r")

    def _draw(self, end: str) -> None:
        frac = self.done / self.total
        bar = "#" * int(frac * self.width)
        elapsed = time.perf_counter() - self.start
        self.stream.write(f"{self.label:>10s} [{bar:<{self.width}s}] {100 * frac:5.1f}% {elapsed:6.1f}s{end}")
        self.stream.flush()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self._draw(end="\n")
        elif self._tty:
            self.stream.write("\n")
