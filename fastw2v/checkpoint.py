"""Periodic checkpoints of the complete training state, for resuming long runs."""
from __future__ import annotations

import logging
import os
import re
import shutil
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from .errors import ConfigError
from .state import Position

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Every:
    """A checkpoint interval: ``minutes`` of training or whole ``epochs``."""

    minutes: float | None = None
    epochs: int | None = None

    @classmethod
    def parse(cls, text: str) -> Every:
        """``"30m"`` / ``"30min"`` for minutes, ``"2"`` / ``"2e"`` / ``"2epochs"`` for epochs."""
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(m|min|minutes?|e|epochs?)?\s*", text)
        if not match:
            raise ConfigError(f"checkpoint_every={text!r} is invalid: use e.g. '30m' (minutes) or '1' (epochs)")
        value, unit = float(match.group(1)), (match.group(2) or "e")
        if value <= 0:
            raise ConfigError(f"checkpoint_every={text!r} is invalid: must be > 0")
        if unit.startswith("m"):
            return cls(minutes=value)
        if value != int(value):
            raise ConfigError(f"checkpoint_every={text!r} is invalid: epochs must be a whole number")
        return cls(epochs=int(value))

    def __str__(self) -> str:
        """The text :meth:`parse` reads back (``"30m"``, ``"2"``)."""
        if self.minutes is None:
            return str(self.epochs)
        # The shortest digits that read back exactly, written without an exponent (parse() takes none).
        return format(Decimal(repr(self.minutes)), "f") + "m"


class Savable(Protocol):
    """What a checkpoint needs of the thing it saves (a ``Word2Vec``): its position, where it records the
    checkpoint interval, a finiteness check of the state it would save, and ``save``."""

    position: Position
    checkpoint_every: str | None

    def check_finite(self) -> str | None: ...

    def save(self, path: str | os.PathLike) -> None: ...


class Checkpointer:
    """Saves ``model`` to ``path`` every ``every`` (atomically: a crash keeps the previous checkpoint).

    Use ``on_batch_end`` and the instance itself (an epoch callback) as ``train``'s hooks.
    With ``workers=1`` a run resumed from any checkpoint ends bit-identical to an
    uninterrupted one; with more workers, batches in flight at save time may be
    trained twice. The interval is recorded in the model (``checkpoint_every``), so it is
    saved with every checkpoint and :meth:`of` continues it when the run is resumed.
    """

    def __init__(self, model: Savable, path: str | os.PathLike, every: Every) -> None:
        self.model = model
        self.path = Path(path)
        self.every = every
        self.last_saved: Path | None = None
        self._since = time.monotonic()
        model.checkpoint_every = str(every)

    @classmethod
    def of(cls, model: Savable, path: str | os.PathLike, every: Every | None = None) -> Checkpointer | None:
        """A checkpointer saving ``model`` to ``path`` every ``every``, by default at the interval its run
        was checkpointed at (a resumed checkpoint's); None when there is neither."""
        if every is None and model.checkpoint_every:
            every = Every.parse(model.checkpoint_every)
        return None if every is None else cls(model, path, every)

    def save(self) -> None:
        """Save unless the weights hold NaN/inf: a checkpoint must always be a good state to resume."""
        bad = self.model.check_finite()  # the state save() would write, not a matrix lagging behind it
        if bad is not None:
            logger.warning("not saving a checkpoint: %s holds NaN/inf; %s keeps the last good state",
                           bad, self.last_saved or "no checkpoint")
            return
        self.model.save(self.path)
        self.last_saved = self.path
        self._since = time.monotonic()
        logger.info("checkpoint saved to %s (%s)", self.path, self.model.position)

    def on_batch_end(self, position: Position) -> None:
        if self.every.minutes is not None and time.monotonic() - self._since >= 60 * self.every.minutes:
            self.save()

    def __call__(self, model: Savable, epoch: int, loss: float) -> None:
        """After epoch number ``epoch`` (counted from 1): save when it is a multiple of the interval."""
        if self.every.epochs is not None and epoch % self.every.epochs == 0:
            self.save()


def remove_checkpoint(path: str | os.PathLike) -> None:
    """Delete a checkpoint of a run that has since finished: call it once the run's model is saved, so that
    resuming the same checkpoint again cannot silently retrain the run's last part over the model."""
    if Path(path).is_dir():
        shutil.rmtree(path)
        logger.info("removed the checkpoint %s: the run finished", path)
