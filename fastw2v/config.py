"""Training configuration: one frozen, validated dataclass shared by the API, the CLI and saved models."""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigError


def default_workers() -> int:
    """Number of CPU cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Word2VecConfig:
    """Every setting of a word2vec run; names follow gensim's ``Word2Vec``.

    Validated on construction: a bad value raises :class:`~fastw2v.errors.ConfigError`
    naming the option. Saved inside every model so a run can be resumed exactly.
    """

    vector_size: int = 100
    window: int = 5
    min_count: int = 5
    max_vocab_size: int | None = None
    max_final_vocab: int | None = None
    sg: bool = False
    hs: bool = False
    negative: int = 5
    ns_exponent: float = 0.75
    cbow_mean: bool = True
    sample: float = 1e-3
    alpha: float = 0.025
    min_alpha: float = 1e-4
    epochs: int = 5
    workers: int = field(default_factory=default_workers)
    seed: int = 1
    max_sentence_length: int = 10_000
    batch_words: int = 50_000

    def __post_init__(self) -> None:
        def need(ok: bool, name: str, rule: str) -> None:
            if not ok:
                raise ConfigError(f"{name}={getattr(self, name)!r} is invalid: {rule}")

        for name in ("vector_size", "window", "min_count", "negative", "epochs", "workers", "seed",
                     "max_sentence_length", "batch_words"):
            value = getattr(self, name)
            need(isinstance(value, int) and not isinstance(value, bool), name, "must be an integer")
        for name in ("max_vocab_size", "max_final_vocab"):
            value = getattr(self, name)
            need(value is None or (isinstance(value, int) and value > 0), name, "must be a positive integer or None")
        need(self.vector_size > 0, "vector_size", "must be > 0")
        need(self.window > 0, "window", "must be > 0")
        need(self.min_count >= 1, "min_count", "must be >= 1")
        need(self.negative >= 0, "negative", "must be >= 0")
        if self.epochs < 1:
            raise ConfigError(f"epochs={self.epochs} trains nothing (to train only the new words and the output "
                              f"layer of a fine-tuned model, use freeze='pretrained', CLI: --freeze pretrained)")
        need(self.workers >= 1, "workers", "must be >= 1")
        need(self.seed >= 0, "seed", "must be >= 0")
        need(self.max_sentence_length >= 2, "max_sentence_length", "must be >= 2")
        need(self.batch_words >= 1, "batch_words", "must be >= 1")
        need(self.sample >= 0, "sample", "must be >= 0 (0 disables subsampling)")
        need(self.alpha > 0, "alpha", "must be > 0")
        need(0 <= self.min_alpha <= self.alpha, "min_alpha", f"must be between 0 and alpha={self.alpha}")
        need(self.ns_exponent == self.ns_exponent, "ns_exponent", "must be a number")
        if not self.hs and self.negative == 0:
            raise ConfigError("hs=False with negative=0 trains nothing: enable hs or set negative > 0")

    def replace(self, **changes: Any) -> "Word2VecConfig":
        """A copy with some settings changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "Word2VecConfig":
        """Build from a saved dict, ignoring keys this version does not know."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})
