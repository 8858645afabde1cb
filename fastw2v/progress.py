"""Progress lines for long steps other than the epoch loop: reading, writing, counting, moving rows."""
from __future__ import annotations

import logging
import time

logger = logging.getLogger(__name__)


def _count(n: float) -> str:
    """``950``, ``12.3k``, ``4.1M``: short enough for a progress line."""
    if n < 10_000:
        return f"{n:.0f}"
    return f"{n / 1e3:.1f}k" if n < 1e6 else f"{n / 1e6:.1f}M"


class Progress:
    """Logs ``what: done/total unit (%), rate, ETA`` at INFO at most every :attr:`interval` seconds.

    Without a ``total`` the line gives the count and the rate. A step that ends within
    the first interval logs nothing, so small inputs stay quiet.
    """

    interval = 5.0

    def __init__(self, what: str, unit: str, total: int | None = None) -> None:
        self.what, self.unit, self.total = what, unit, total
        self.done = 0
        self.started = self.last = time.monotonic()

    def advance(self, n: int, detail: str = "") -> None:
        """``n`` more units are done."""
        self.update(self.done + int(n), detail)

    def update(self, done: int, detail: str = "") -> None:
        """``done`` units are done so far."""
        self.done = int(done)
        now = time.monotonic()
        if now - self.last < self.interval:
            return
        self.last = now
        rate = self.done / max(now - self.started, 1e-9)
        line = f"{self.what}: {_count(self.done)}"
        if self.total:
            eta = (self.total - self.done) / max(rate, 1e-9)
            line += (f"/{_count(self.total)} {self.unit} ({100.0 * self.done / self.total:.0f}%), "
                     f"{_count(rate)} {self.unit}/s, ETA {eta:.0f} s")
        else:
            line += f" {self.unit}, {_count(rate)} {self.unit}/s"
        logger.info("%s%s", line, f" | {detail}" if detail else "")
