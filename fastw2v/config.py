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


#: word2vec.c's initial learning rate per architecture (its ``-alpha`` default): CBOW, skip-gram.
CBOW_ALPHA, SG_ALPHA = 0.05, 0.025


def default_alpha(sg: bool) -> float:
    """The initial learning rate when none is given: word2vec.c's, 0.05 for CBOW and 0.025 for skip-gram.

    The principle: learn as much per epoch as word2vec.c. A CBOW example moves every context row by the
    whole gradient of their mean, and CBOW makes one example per word where skip-gram makes one per
    (word, context) pair, so CBOW takes the larger step (``benchmarks/results/cbow_quality.md``).
    """
    return SG_ALPHA if sg else CBOW_ALPHA


@dataclass(frozen=True)
class Word2VecConfig(_Settings):
    """Every setting of a word2vec run; names follow gensim's ``Word2Vec``.

    Validated on construction: a bad value raises :class:`~fastw2v.errors.ConfigError`
    naming the option. Saved inside every model so a run can be resumed exactly.

    ``alpha`` defaults per architecture (:func:`default_alpha`: 0.05 for CBOW, 0.025 for
    skip-gram, as in word2vec.c; gensim uses 0.025 for both). Left unset (None) it is
    resolved on construction, and a copy that changes ``sg`` (:meth:`replace`), or a model
    saved and loaded, resolves it again for its own architecture; a given ``alpha`` is kept.
    """

    vector_size: int = _option(100, "Dimensionality of the vectors.")
    window: int = _option(5, "Maximum distance between centre and context word.")
    min_count: int = _option(5, "Ignore words with fewer occurrences.")
    max_vocab_size: int | None = _option(
        None, "Prune rare words during the scan to keep at most about this many (like word2vec.c).")
    max_final_vocab: int | None = _option(None, "Raise min-count until the vocabulary has at most this many words.")
    sg: bool = _option(False, "Skip-gram or CBOW. `train` defaults to CBOW, as word2vec.c and gensim do (the fast "
                              "architecture); `finetune` to skip-gram, the architecture its recipes were chosen "
                              "with (domain words are rare, and skip-gram learns rare words better).",
                       cli="--sg/--cbow")
    hs: bool = _option(False, "Hierarchical softmax output layer.", cli="--hs/--no-hs")
    negative: int = _option(5, "Negative samples per example (0: none).")
    ns_exponent: float = _option(0.75, "Exponent of the noise distribution (count ** exponent).")
    cbow_mean: bool = _option(True, "CBOW hidden layer: mean or sum of the context vectors.",
                              cli="--cbow-mean/--cbow-sum")
    sample: float = _option(1e-3, "Downsampling threshold for frequent words (0: off).")
    alpha: float | None = _option(
        None, "Initial learning rate (default: per architecture as in word2vec.c, 0.05 for CBOW, 0.025 for "
              "skip-gram).")
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

        # Not a field: whether alpha was resolved from sg (so replace() and to_dict() keep it per architecture).
        object.__setattr__(self, "_alpha_from_sg", self.alpha is None)
        if self.alpha is None:
            object.__setattr__(self, "alpha", default_alpha(self.sg))

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
        need(isinstance(self.alpha, (int, float)) and not isinstance(self.alpha, bool) and self.alpha > 0,
             "alpha", "must be a number > 0")
        need(0 <= self.min_alpha <= self.alpha, "min_alpha", f"must be between 0 and alpha={self.alpha}")
        need(self.ns_exponent == self.ns_exponent, "ns_exponent", "must be a number")
        if not self.hs and self.negative == 0:
            raise ConfigError("hs=False with negative=0 trains nothing: enable hs or set negative > 0")

    def replace(self, **changes: Any) -> "Word2VecConfig":
        """A copy with some settings changed (validated again); an unset ``alpha`` follows a new ``sg``."""
        if self._alpha_from_sg and "alpha" not in changes:
            changes["alpha"] = None
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The settings as given: an ``alpha`` resolved from ``sg`` is saved as None (per architecture)."""
        values = dataclasses.asdict(self)
        if self._alpha_from_sg:
            values["alpha"] = None
        return values


AUTO = "auto"
FREEZE_MODES = ("none", "pretrained", "new")
NEW_WORD_INITS = ("uniform", "scaled")
PRESERVE_PRESETS = ("low", "balanced", "adaptive", "high")  # see base_counts.preserve_weight
#: The ``adaptive`` preset (``base_counts.adaptive_rates``): a shared word's domain share is half of its
#: evidence term where the domain uses it ``ADAPTIVE_RATIO`` times as often per token as the base, and
#: the evidence term is one half at ``ADAPTIVE_EVIDENCE`` domain occurrences.
ADAPTIVE_RATIO = 4.0
ADAPTIVE_EVIDENCE = 30.0
ANCHOR_WEIGHTS = ("uniform", "frequency")
METHODS = ("aligned", "blend", "continue")


def _word_or_number(name: str, text: str, words: tuple[str, ...], number: type, expected: str) -> str | int | float:
    """``text`` if it is one of ``words``, else ``number(text)``; a ConfigError naming ``name`` otherwise."""
    if text in words:
        return text
    try:
        return number(text)
    except ValueError:
        raise ConfigError(f"{name}={text!r} is invalid: use {expected}") from None


def parse_keep(text: str) -> str | int:
    """Parse a ``keep_pretrained`` value given as text: "all", "seen" or a count."""
    return _word_or_number("keep_pretrained", text, ("all", "seen"), int, "'all', 'seen' or a count")


def parse_rate(text: str) -> str | float:
    """Parse a ``pretrained_lr`` value given as text: "auto" or a number."""
    return _word_or_number("pretrained_lr", text, (AUTO,), float, "'auto' or a number")


def parse_preserve(text: str) -> str | float:
    """``--preserve``: ``auto``, a preset (``low``, ``balanced``, ``high``) or a number tau >= 0."""
    return _word_or_number("preserve", text, (AUTO, *PRESERVE_PRESETS), float,
                           f"auto, {', '.join(PRESERVE_PRESETS)} or a number >= 0")


@dataclass(frozen=True)
class FinetuneConfig(_Settings):
    """How pre-trained rows are combined with the domain corpus; validated on construction.

    Attributes
    ----------
    keep_pretrained : "all", "seen" or int
        Keep every pre-trained word, only those the corpus uses, or those plus the
        N most frequent (first) pre-trained words.
    warmup_epochs : int
        Extra passes over the corpus before the main epochs: with ``method="blend"`` or
        ``"continue"``, epochs training only the output layer and new words; with
        ``"aligned"``, more epochs of its domain-only model (``warmup_epochs + epochs``).
    freeze : {"none", "pretrained", "new"}
        Input rows that never move in the main phase.
    pretrained_lr : float or "auto"
        Learning-rate multiplier of pre-trained input rows in the main phase. A number
        is used for every pre-trained row (``preserve`` then only weighs the anchor and
        the aligned combination); "auto": the per-word rates of ``preserve``.
    preserve : "high", "balanced", "low", "auto" or float
        How far pre-trained rows may move, by how over-represented a word is in the
        domain: ``rate = p_d / (p_d + tau * p_b)``, ``p = count / corpus tokens``
        (:func:`fastw2v.base_counts.frequency_rates`). "high" (default): tau ``N_b / N_d``,
        i.e. ``n_d / (n_d + n_b)``, every raw occurrence counts alike; "balanced": tau 1;
        "low": tau 0 (rate 1); a number: that tau. "auto" (the v1 default) is "high"
        where the base has real counts (a saved fastw2v model) and "low" where it has
        none (vector files).
    base_tokens : float or None
        Vector files only: tokens of the corpus the vectors were trained on, for the
        Zipf counts estimated from rank; None: a well-known file's published size, else
        the fallback of :mod:`fastw2v.base_counts`.
    anchor_weights : {"uniform", "frequency"}
        Anchor every pre-trained row at ``anchor``, or at ``anchor * (1 - rate)`` with
        the ``preserve`` rates (the base's share of the evidence about the word).
    method : {"aligned", "continue"}
        "aligned" (default, chosen by the fine-tuning study's rule): train a domain-only
        model (``warmup_epochs + epochs`` epochs), rotate it onto the base (orthogonal
        Procrustes over shared frequent words) and mix it per word with the base by the
        ``preserve`` rates (:mod:`fastw2v.alignment`); "continue": continue training the
        pre-trained rows (warm-up, then main phase).
    output_lr : float
        Learning-rate multiplier of every output row.
    anchor : float
        Strength of the L2 pull of pre-trained rows toward their original vectors (0: off).
    new_word_init : {"uniform", "scaled"}
        a fresh model's small uniform vectors (``[-1/dim, 1/dim)``), or those directions rescaled to norms drawn
        from the pre-trained vectors' norms.
    """

    keep_pretrained: str | int = _option(
        "all", "Pre-trained words to keep: all, seen (used by the corpus) or N (seen + the N most frequent).",
        parse=parse_keep, metavar="all|seen|N")
    warmup_epochs: int = _option(
        1, "Extra passes before the main epochs. --method blend or continue: epochs training only the output layer "
           "and the new words (the pre-trained rows wait until the output layer fits them); --method aligned: "
           "more epochs of the domain-only model (it trains warmup + epochs passes).")
    freeze: str = _option("none", "Input rows that never move.", choices=FREEZE_MODES)
    pretrained_lr: float | str = _option(
        AUTO, "Learning-rate multiplier of pre-trained input rows (0.1: a tenth of the rate); auto: the "
              "per-word rates of --preserve.",
        parse=parse_rate, metavar="auto|FLOAT")
    preserve: str | float = _option(
        "high", "How far a pre-trained word may move toward the domain, by domain vs base frequency: the "
                "domain's share p_d / (p_d + tau p_b); high: tau N_base/N_domain (n_d / (n_d + n_b): every "
                "occurrence counts alike), balanced: tau 1, low: tau 0 (the domain decides), or tau; auto: high "
                "for a saved fastw2v model, low for vector files (the v1 default).",
        parse=parse_preserve, metavar="low|balanced|adaptive|high|auto|TAU")
    base_tokens: float | None = _option(
        None, "Vector files: tokens of their training corpus, for counts estimated from rank (Zipf); "
              "default: the published size of a well-known file, else the smallest corpus consistent with it.")
    output_lr: float = _option(1.0, "Learning-rate multiplier of the output rows.")
    anchor: float = _option(0.0, "L2 pull of pre-trained rows toward their original vectors (0: off; needs "
                                 "--method continue).")
    new_word_init: str = _option("uniform", "Initial vectors of new words.", choices=NEW_WORD_INITS)
    anchor_weights: str = _option(
        "uniform", "Anchor strength per word: uniform, or frequency: anchor * (1 - rate) with the --preserve "
                   "rates.", choices=ANCHOR_WEIGHTS)
    method: str = _option(
        "aligned", "aligned: a domain-only model rotated onto the base (Procrustes) and mixed per word by the "
                   "--preserve rates; continue: train the pre-trained rows on the corpus.", choices=METHODS)

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
        p = self.preserve
        if not (p in (AUTO, *PRESERVE_PRESETS) or (isinstance(p, (int, float)) and not isinstance(p, bool)
                                                   and 0.0 <= p < float("inf"))):
            raise ConfigError(f"preserve={p!r} is invalid: use auto, {', '.join(PRESERVE_PRESETS)} or a number >= 0")
        bt = self.base_tokens
        if bt is not None and (isinstance(bt, (str, bool)) or not (0.0 < bt < float("inf"))):
            raise ConfigError(f"base_tokens={bt!r} is invalid: must be a finite number > 0")
        for name, allowed in (("anchor_weights", ANCHOR_WEIGHTS), ("method", METHODS)):
            if getattr(self, name) not in allowed:
                raise ConfigError(f"{name}={getattr(self, name)!r} is invalid: use {' or '.join(allowed)}")
        if self.method == "aligned":
            self._check_aligned()

    def _check_aligned(self) -> None:
        """Refuse what ``method="aligned"`` cannot honour: it trains no pre-trained or new row of the union.

        Its domain-only model gives every new word its vector and no union row trains, so options
        about how union rows train have nothing to act on; they would be silently ignored.
        """
        unused = {"anchor": (self.anchor > 0, "nothing trains the pre-trained rows, so nothing can be anchored"),
                  "anchor_weights": (self.anchor_weights != "uniform",
                                     "nothing trains the pre-trained rows, so nothing can be anchored"),
                  "pretrained_lr": (self.pretrained_lr != AUTO,
                                    "nothing trains the pre-trained rows; --preserve sets how much of the domain "
                                    "each one takes"),
                  "freeze": (self.freeze == "new", "new words take the domain-only model's vectors; they never "
                                                  "train in the union"),
                  "new_word_init": (self.new_word_init != "uniform",
                                    "new words take the domain-only model's vectors, not an initialisation")}
        for name, (given, why) in unused.items():
            if given:
                raise ConfigError(f"{name}={getattr(self, name)!r} has no effect with method='aligned' ({why}); "
                                  f"use method='blend' or 'continue' (--method blend or --method continue)")
