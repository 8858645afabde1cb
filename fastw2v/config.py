"""Configuration: the frozen, validated dataclasses shared by the API, the CLI and saved models.

Each field is declared once, here: its name, type, default and, in ``metadata``, the
help text the CLI shows (``"help"``) and, where the option is not ``--field-name``,
its flag declaration (``"cli"``); fields without help are not command-line options.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, Callable

from .errors import ConfigError


def default_workers() -> int:
    """Number of CPU cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _option(default: Any = dataclasses.MISSING, help: str | None = None, *,
            factory: Callable[[], Any] | None = None, **metadata: Any) -> Any:
    """A dataclass field with its command-line metadata (see the module docstring)."""
    if help is not None:
        metadata["help"] = help
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


class _Settings:
    """What both configuration dataclasses share: copying, saving and field lookup."""

    def replace(self, **changes: Any):
        """A copy with some settings changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]):
        """Build from a saved dict, ignoring keys this version does not know."""
        known = cls.field_names()
        return cls(**{k: v for k, v in values.items() if k in known})

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))


@dataclass(frozen=True)
class Word2VecConfig(_Settings):
    """Every setting of a word2vec run; names follow gensim's ``Word2Vec``.

    Validated on construction: a bad value raises :class:`~fastw2v.errors.ConfigError`
    naming the option. Saved inside every model so a run can be resumed exactly.
    """

    vector_size: int = _option(100, "Dimensionality of the vectors.")
    window: int = _option(5, "Maximum distance between centre and context word.")
    min_count: int = _option(5, "Ignore words with fewer occurrences.")
    max_vocab_size: int | None = _option(
        None, "Prune rare words during the scan to keep at most about this many (like word2vec.c).")
    max_final_vocab: int | None = _option(None, "Raise min-count until the vocabulary has at most this many words.")
    sg: bool = _option(False, "Skip-gram or CBOW.", cli="--sg/--cbow")
    hs: bool = _option(False, "Hierarchical softmax output layer.", cli="--hs/--no-hs")
    negative: int = _option(5, "Negative samples per example (0: none).")
    ns_exponent: float = _option(0.75, "Exponent of the noise distribution (count ** exponent).")
    cbow_mean: bool = _option(True, "CBOW hidden layer: mean or sum of the context vectors.",
                              cli="--cbow-mean/--cbow-sum")
    sample: float = _option(1e-3, "Downsampling threshold for frequent words (0: off).")
    alpha: float = _option(0.025, "Initial learning rate.")
    min_alpha: float = _option(1e-4, "Final learning rate (linear decay).")
    epochs: int = _option(5, "Passes over the corpus.")
    workers: int = _option(help="Training threads.", factory=default_workers)
    seed: int = _option(1, "Random seed; with --workers 1 runs are bit-identical.")
    max_sentence_length: int = _option(
        10_000, "Longer lines are split into pieces of this many tokens (never truncated).")
    batch_words: int = _option(50_000)

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


AUTO = "auto"
FREEZE_MODES = ("none", "pretrained", "new")
NEW_WORD_INITS = ("uniform", "scaled")


def parse_keep(text: str) -> str | int:
    """Parse a ``keep_pretrained`` value given as text: "all", "seen" or a count."""
    if text in ("all", "seen"):
        return text
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"keep_pretrained={text!r} is invalid: use 'all', 'seen' or a count") from None


def parse_rate(text: str) -> str | float:
    """Parse a ``pretrained_lr`` value given as text: "auto" or a number."""
    if text == AUTO:
        return text
    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"pretrained_lr={text!r} is invalid: use 'auto' or a number") from None


@dataclass(frozen=True)
class FinetuneConfig(_Settings):
    """How pre-trained rows are combined with the domain corpus; validated on construction.

    Attributes
    ----------
    keep_pretrained : "all", "seen" or int
        Keep every pre-trained word, only those the corpus uses, or those plus the
        N most frequent (first) pre-trained words.
    warmup_epochs : int
        Epochs training only the output layer and new words before everything trains.
    freeze : {"none", "pretrained", "new"}
        Input rows that never move in the main phase.
    pretrained_lr : float or "auto"
        Learning-rate multiplier of pre-trained input rows in the main phase; "auto":
        ``n_corpus / (n_base + n_corpus)`` per row where the base has counts (a saved
        fastw2v model), 1 where it has none (vector files).
    output_lr : float
        Learning-rate multiplier of every output row.
    anchor : float
        Strength of the L2 pull of pre-trained rows toward their original vectors (0: off).
    new_word_init : {"uniform", "scaled"}
        word2vec's small uniform vectors, or those directions rescaled to norms drawn
        from the pre-trained vectors' norms.
    """

    keep_pretrained: str | int = _option(
        "all", "Pre-trained words to keep: all, seen (used by the corpus) or N (seen + the N most frequent).",
        parse=parse_keep, metavar="all|seen|N")
    warmup_epochs: int = _option(1, "Epochs training only the output layer and new words before everything trains.")
    freeze: str = _option("none", "Input rows that never move.", choices=FREEZE_MODES)
    pretrained_lr: float | str = _option(
        AUTO, "Learning-rate multiplier of pre-trained input rows (0.1: a tenth of the rate); auto: "
              "n_corpus / (n_base + n_corpus) per word for a saved fastw2v model, 1 for vector files.",
        parse=parse_rate, metavar="auto|FLOAT")
    output_lr: float = _option(1.0, "Learning-rate multiplier of the output rows.")
    anchor: float = _option(0.0, "L2 pull of pre-trained rows toward their original vectors (0: off).")
    new_word_init: str = _option("uniform", "Initial vectors of new words.", choices=NEW_WORD_INITS)

    def __post_init__(self) -> None:
        kp = self.keep_pretrained
        if not (kp in ("all", "seen") or (isinstance(kp, int) and not isinstance(kp, bool) and kp >= 0)):
            raise ConfigError(f"keep_pretrained={kp!r} is invalid: use 'all', 'seen' or a count >= 0")
        if not isinstance(self.warmup_epochs, int) or self.warmup_epochs < 0:
            raise ConfigError(f"warmup_epochs={self.warmup_epochs!r} is invalid: must be an integer >= 0")
        if self.freeze not in FREEZE_MODES:
            raise ConfigError(f"freeze={self.freeze!r} is invalid: use one of {', '.join(FREEZE_MODES)}")
        for name in ("pretrained_lr", "output_lr"):
            value = getattr(self, name)
            if name == "pretrained_lr" and value == AUTO:
                continue
            if isinstance(value, str) or not (0.0 <= value <= 1e3):
                raise ConfigError(f"{name}={value!r} is invalid: must be between 0 and 1000")
        if not (0.0 <= self.anchor < float("inf")):
            raise ConfigError(f"anchor={self.anchor!r} is invalid: must be a finite number >= 0")
        if self.new_word_init not in NEW_WORD_INITS:
            raise ConfigError(f"new_word_init={self.new_word_init!r} is invalid: use "
                              f"{' or '.join(NEW_WORD_INITS)}")
