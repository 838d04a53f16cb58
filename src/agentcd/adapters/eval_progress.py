"""Progress of a long eval run on stderr: a bar on a terminal, a line every few seconds in CI."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TextIO


class Progress:
    def __init__(
        self,
        total: int,
        *,
        stream: TextIO,
        tty: bool,
        interval_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.done = self.errors = self.cached = 0
        self._stream, self._tty, self._interval, self._clock = stream, tty, interval_s, clock
        self._lock = threading.Lock()
        self._last = clock()
        self._shown = -1

    def advance(self, *, error: bool = False, cached: bool = False) -> None:
        with self._lock:
            self.done += 1
            self.errors += error
            self.cached += cached
            now = self._clock()
            if now - self._last >= (0.1 if self._tty else self._interval):
                self._last = now
                self._show()

    def finish(self) -> None:
        with self._lock:
            if self.total and self._shown != self.done:
                self._show()
                if self._tty:
                    self._stream.write("\n")
                self._stream.flush()

    def _show(self) -> None:
        self._shown = self.done
        counts = f"{self.done}/{self.total} trials ({self.errors} errors, {self.cached} cached)"
        if self._tty:
            filled = int(30 * self.done / max(self.total, 1))
            self._stream.write(f"\reval [{'#' * filled}{'.' * (30 - filled)}] {counts}")
        else:
            self._stream.write(f"eval: {counts}\n")
        self._stream.flush()
