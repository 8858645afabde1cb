"""Progress lines of long steps: training, reading, writing, counting, moving rows."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)


def _count(n: float) -> str:
    """``950``, ``12.3k``, ``4.1M``: short enough for a progress line."""
    if n < 10_000:
        return f"{n:.0f}"
    return f"{n / 1e3:.1f}k" if n < 1e6 else f"{n / 1e6:.1f}M"


def _duration(seconds: float) -> str:
    """``42 s`` for a short wait, ``1:02:03`` (hours, minutes, seconds) for a longer one."""
    if seconds < 100:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"


def per_second(done: float, seconds: float) -> float:
    """The rate of ``done`` units in ``seconds`` (a step that took no measurable time counts as 1 ns)."""
    return done / max(seconds, 1e-9)


class Progress:
    """Logs ``what: done/total unit (%), rate, ETA | detail`` at INFO at most every ``interval`` seconds.

    Without a ``total`` the line gives the count and the rate. ``done`` is what was done
    before this step started (a resumed run): it counts toward the percentage, not the rate.
    A step that ends within the first interval logs nothing, so small inputs stay quiet.
    """

    interval = 5.0

    def __init__(self, what: str, unit: str, total: int | None = None, done: int = 0,
                 interval: float | None = None) -> None:
        self.what, self.unit, self.total = what, unit, total
        self.done = self.first = int(done)
        if interval is not None:
            self.interval = interval
        self.started = self.last = time.monotonic()

    def advance(self, n: int, detail: str | Callable[[], str] = "") -> None:
        """``n`` more units are done; ``detail`` (or a function giving it, called only for a line) ends the line."""
        self.update(self.done + int(n), detail)

    def update(self, done: int, detail: str | Callable[[], str] = "") -> None:
        """``done`` units are done so far."""
        self.done = int(done)
        now = time.monotonic()
        if now - self.last < self.interval:
            return
        self.last = now
        rate = per_second(self.done - self.first, now - self.started)
        line = f"{self.what}: {_count(self.done)}"
        if self.total:
            eta = (self.total - self.done) / max(rate, 1e-9)
            line += (f"/{_count(self.total)} {self.unit} ({100.0 * self.done / self.total:.0f}%), "
                     f"{_count(rate)} {self.unit}/s, ETA {_duration(eta)}")
        else:
            line += f" {self.unit}, {_count(rate)} {self.unit}/s"
        text = detail() if callable(detail) else detail
        logger.info("%s%s", line, f" | {text}" if text else "")
