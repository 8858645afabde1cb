"""Progress lines for long steps that are not training (vocabulary union, saving)."""
from __future__ import annotations

import logging
import time

logger = logging.getLogger(__name__)


class Ticker:
    """Logs ``what: 42% (n of total unit)`` at INFO at most every ``interval`` seconds.

    Nothing is logged for a step that ends within the first interval, so small
    models stay quiet.
    """

    def __init__(self, what: str, total: int, unit: str, interval: float = 5.0) -> None:
        self.what, self.total, self.unit, self.interval = what, max(int(total), 1), unit, interval
        self.done = 0
        self.last = time.monotonic()

    def advance(self, n: int) -> None:
        self.done += int(n)
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            logger.info("%s: %3.0f%% (%d of %d %s)", self.what, 100.0 * self.done / self.total, self.done,
                        self.total, self.unit)
