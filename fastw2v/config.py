"""Configuration: the frozen, validated dataclasses shared by the API, the CLI and saved models.

Each field is declared once, here: its name, type, default and, in ``metadata``, the
help text the CLI shows (``"help"``) and, where the option is not ``--field-name``,
its flag declaration (``"cli"``); fields without help are not command-line options, and
say what they are in ``"doc"``. ``Word2Vec``'s docstrings list the fields with these texts.
"""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

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

    if TYPE_CHECKING:
        # Every subclass is a dataclass: this lets the dataclasses functions below take ``self``.
        __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

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
    batch_words: int = _option(50_000, doc="Tokens per training batch (each worker thread trains one at a time).")

    if TYPE_CHECKING:
        _alpha_from_sg: bool = field(init=False)  # set in __post_init__, outside the dataclass's fields

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
        # alpha is a number now: resolved from sg above, or checked by the line before.
        need(0 <= self.min_alpha <= cast(float, self.alpha), "min_alpha", f"must be between 0 and alpha={self.alpha}")
        need(self.ns_exponent == self.ns_exponent, "ns_exponent", "must be a number")
        if not self.hs and self.negative == 0:
            raise ConfigError("hs=False with negative=0 trains nothing: enable hs or set negative > 0")

    def replace(self, **changes: Any) -> Word2VecConfig:
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
_N = TypeVar("_N", int, float)
FREEZE_MODES = ("none", "pretrained", "new")
NEW_WORD_INITS = ("uniform", "scaled")
PRESERVE_PRESETS = ("low", "balanced", "adaptive", "high")  # see base_counts.preserve_weight
#: The ``adaptive`` preset (``base_counts.adaptive_rates``): a shared word's domain share is half of its
#: evidence term where the domain uses it ``ADAPTIVE_RATIO`` times as often per token as the base, and
#: the evidence term is one half at ``ADAPTIVE_EVIDENCE`` domain occurrences (0: no evidence term). Both
#: were chosen on development data by the rule of ``benchmarks/results/finetune_rule_v3.md`` (T in 1-16,
#: K in 0-100): the evidence term lowered the domain gain at every T.
ADAPTIVE_RATIO = 2.0
ADAPTIVE_EVIDENCE = 0.0
ANCHOR_WEIGHTS = ("uniform", "frequency")

#: The phases of a fine-tuning (:meth:`fastw2v.state.TrainingState.next_phase` picks the next one): the
#: warm-up (output layer and new words only), the main phase, the aligned method's domain-only training
#: and combination, and the blend of the trained rows with the base.
WARMUP, MAIN, ALIGN, BLEND = "warmup", "main", "aligned", "blend"


@dataclass(frozen=True)
class Refusal:
    """An option a fine-tuning method cannot act on: a value for which ``acts`` holds would be silently ignored."""

    option: str
    acts: Callable[[Any], bool]
    why: str


@dataclass(frozen=True)
class Method:
    """A fine-tuning method: the phases it runs, what it says of itself, and the options it cannot honour.

    Attributes
    ----------
    name : str
        Its value of ``FinetuneConfig.method`` (and of ``--method``).
    summary : str
        What it does, in the words of the run's recipe line.
    help : str
        Its part of ``--method``'s help.
    warmup : str
        What ``warmup_epochs`` does under it (its part of ``--warmup-epochs``'s help).
    phases : tuple of str
        The phases it runs, in order. The result is combined by the last one: ``ALIGN`` rotates
        a domain-only model onto the base and mixes them per word, ``BLEND`` mixes the trained
        rows back toward the base; after ``MAIN`` the result is the training itself, each
        pre-trained row having trained at its share of the learning rate.
    refuses : tuple of Refusal
        The options it cannot act on; a ``FinetuneConfig`` giving one of them is refused.
    """

    name: str
    summary: str
    help: str
    warmup: str
    phases: tuple[str, ...]
    refuses: tuple[Refusal, ...] = ()

    @property
    def warms_up(self) -> bool:
        """It runs a warm-up before its main phase."""
        return WARMUP in self.phases

    @property
    def domain_only(self) -> bool:
        """It trains a domain-only model and combines it with the base; no row of the union trains before that."""
        return ALIGN in self.phases

    @property
    def blends(self) -> bool:
        """Its main phase trains every pre-trained row at the full rate; the blend afterwards applies the shares."""
        return BLEND in self.phases


_NOTHING_ANCHORED = "nothing trains the pre-trained rows, so nothing can be anchored"
_NEW_FROM_DOMAIN = "new words take the domain-only model's vectors"
_WARMUP_TRAINS = ("epochs training only the output layer and the new words (the pre-trained rows wait until the "
                  "output layer fits them)")

METHODS: dict[str, Method] = {m.name: m for m in (
    Method("aligned",
           summary="a domain-only model rotated onto the base, each shared word's direction mixed with the base's by "
                   "its share",
           help="a domain-only model rotated onto the base (Procrustes) and mixed per word by the --preserve rates",
           warmup="more epochs of the domain-only model (it trains warmup + epochs passes)",
           phases=(ALIGN,),
           # Its domain-only model gives every new word its vector and no union row trains, so options about how
           # union rows train have nothing to act on.
           refuses=(Refusal("anchor", lambda v: v > 0, _NOTHING_ANCHORED),
                    Refusal("anchor_weights", lambda v: v != "uniform", _NOTHING_ANCHORED),
                    Refusal("pretrained_lr", lambda v: v != AUTO,
                            "nothing trains the pre-trained rows; --preserve sets how much of the domain each one "
                            "takes"),
                    Refusal("freeze", lambda v: v == "new", f"{_NEW_FROM_DOMAIN}; they never train in the union"),
                    Refusal("new_word_init", lambda v: v != "uniform", f"{_NEW_FROM_DOMAIN}, not an initialisation"))),
    Method("blend",
           summary="training continued from the base, then each shared word's direction mixed back toward the base's "
                   "by its share",
           help="train the pre-trained rows on the corpus, then mix each back toward its base vector by the "
                "--preserve rates",
           warmup=_WARMUP_TRAINS, phases=(WARMUP, MAIN, BLEND)),
    Method("continue",
           summary="training continued from the base, each shared word at its share of the learning rate",
           help="train the pre-trained rows on the corpus", warmup=_WARMUP_TRAINS, phases=(WARMUP, MAIN)),
)}
"""The fine-tuning methods by name: what ``FinetuneConfig.method`` (and the CLI's ``--method``) accepts."""


def _accepting(option: str) -> list[str]:
    """The names of the methods that act on every value of ``option``."""
    return [m.name for m in METHODS.values() if all(r.option != option for r in m.refuses)]


def _per_method(text_of: Callable[[Method], str]) -> str:
    """Help text saying ``text_of`` each method, methods with the same text named together."""
    names: dict[str, list[str]] = {}
    for m in METHODS.values():
        names.setdefault(text_of(m), []).append(m.name)
    return "; ".join(f"--method {' or '.join(group)}: {text}" for text, group in names.items())


def _word_or_number(name: str, text: str, words: tuple[str, ...], number: Callable[[str], _N],
                    expected: str) -> str | _N:
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


def _preserve_values(auto: bool) -> str:
    return f"{'auto, ' if auto else ''}{', '.join(PRESERVE_PRESETS)} or a number >= 0"


def check_preserve(preserve: str | float, auto: bool = True) -> str | float:
    """``preserve`` if it is a valid ``FinetuneConfig.preserve``: a preset, ``auto`` (when ``auto``) or a tau >= 0.

    Raises
    ------
    ConfigError
        Naming the values it may take.
    """
    words = (AUTO, *PRESERVE_PRESETS) if auto else PRESERVE_PRESETS
    if isinstance(preserve, str):
        valid = preserve in words
    else:
        valid = isinstance(preserve, (int, float)) and not isinstance(preserve, bool) and 0.0 <= preserve < float("inf")
    if not valid:
        raise ConfigError(f"preserve={preserve!r} is invalid: use {_preserve_values(auto)}")
    return preserve


def parse_preserve(text: str) -> str | float:
    """``--preserve``: ``auto``, a preset (``low``, ``balanced``, ``adaptive``, ``high``) or a number tau >= 0."""
    return _word_or_number("preserve", text, (AUTO, *PRESERVE_PRESETS), float, _preserve_values(auto=True))


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
    preserve : "adaptive", "high", "balanced", "low", "auto" or float
        How much of the domain each shared word takes (its share), by how over-represented
        the word is in the domain: ``share = p_d / (p_d + tau * p_b)``, ``p = count / corpus
        tokens`` (:func:`fastw2v.base_counts.frequency_rates`), so a word the domain uses as
        often as general text keeps mostly the base's meaning and a word the domain uses far
        more takes mostly the domain's, whatever the corpora's sizes. "adaptive" (default):
        tau :data:`ADAPTIVE_RATIO` (times :func:`~fastw2v.base_counts.evidence_weights` at
        :data:`ADAPTIVE_EVIDENCE`); "balanced": tau 1; "low": tau 0 (share 1); "high": tau
        ``N_b / N_d``, i.e. ``n_d / (n_d + n_b)``, every raw occurrence counts alike, which
        keeps nearly every word of a base trained on a much larger corpus as it was; a
        number: that tau. "auto" is "high" where the base has real counts (a saved fastw2v
        model) and "low" where it has none (vector files).
    base_tokens : float or None
        Vector files only: tokens of the corpus the vectors were trained on, for the
        Zipf counts estimated from rank; None: a well-known file's published size, else
        the fallback of :mod:`fastw2v.base_counts`.
    anchor_weights : {"uniform", "frequency"}
        Anchor every pre-trained row at ``anchor``, or at ``anchor * (1 - rate)`` with
        the ``preserve`` rates (the base's share of the evidence about the word).
    method : {"aligned", "blend", "continue"}
        A name of :data:`METHODS`. "blend" (default, chosen on development data by the rule of
        ``benchmarks/results/finetune_rule_v3.md``): train the pre-trained rows (warm-up, then
        main phase at the full rate), then mix each back toward its base vector by the
        ``preserve`` shares; "aligned": train a domain-only model (``warmup_epochs + epochs``
        epochs), rotate it onto the base (orthogonal Procrustes over shared frequent words) and
        mix it per word with the base by the same shares (:mod:`fastw2v.alignment`);
        "continue": train the pre-trained rows (warm-up, then main phase), each at its share of
        the learning rate.
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
        1, f"Extra passes before the main epochs. {_per_method(lambda m: m.warmup)}.")
    freeze: str = _option("none", "Input rows that never move.", choices=FREEZE_MODES)
    pretrained_lr: float | str = _option(
        AUTO, "Learning-rate multiplier of pre-trained input rows (0.1: a tenth of the rate); auto: the "
              "per-word rates of --preserve.",
        parse=parse_rate, metavar="auto|FLOAT")
    preserve: str | float = _option(
        "adaptive", "How much of the domain's meaning each pre-trained word takes: a word the domain uses "
                    f"more than tau times as often per token as the base's corpus becomes mostly the domain's, "
                    f"the rest stay mostly the base's (share p_d / (p_d + tau p_b)). adaptive: tau "
                    f"{ADAPTIVE_RATIO:g}, chosen on development data; balanced: tau 1; low: tau 0 (the domain "
                    "decides every word it has); high: tau N_base/N_domain (every occurrence counts alike: a "
                    "base trained on far more text than the domain barely moves); TAU: that number; auto: high "
                    "for a saved fastw2v model, low for vector files.",
        parse=parse_preserve, metavar="low|balanced|adaptive|high|auto|TAU")
    base_tokens: float | None = _option(
        None, "Vector files: tokens of their training corpus, for counts estimated from rank (Zipf); "
              "default: the published size of a well-known file, else the smallest corpus consistent with it.")
    output_lr: float = _option(1.0, "Learning-rate multiplier of the output rows.")
    anchor: float = _option(0.0, "L2 pull of pre-trained rows toward their original vectors (0: off; needs "
                                 f"--method {' or '.join(_accepting('anchor'))}).")
    new_word_init: str = _option("uniform", "Initial vectors of new words.", choices=NEW_WORD_INITS)
    anchor_weights: str = _option(
        "uniform", "Anchor strength per word: uniform, or frequency: anchor * (1 - rate) with the --preserve "
                   "rates.", choices=ANCHOR_WEIGHTS)
    method: str = _option(
        "blend", "; ".join(f"{m.name}: {m.help}" for m in METHODS.values()) + ".", choices=tuple(METHODS))

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
        check_preserve(self.preserve)
        bt = self.base_tokens
        if bt is not None and (isinstance(bt, (str, bool)) or not (0.0 < bt < float("inf"))):
            raise ConfigError(f"base_tokens={bt!r} is invalid: must be a finite number > 0")
        for name, allowed in (("anchor_weights", ANCHOR_WEIGHTS), ("method", tuple(METHODS))):
            if getattr(self, name) not in allowed:
                raise ConfigError(f"{name}={getattr(self, name)!r} is invalid: use {' or '.join(allowed)}")
        self._check_method()

    def _check_method(self) -> None:
        """Refuse an option the method cannot honour (:attr:`Method.refuses`): it would be silently ignored."""
        method = METHODS[self.method]
        for refusal in method.refuses:
            value = getattr(self, refusal.option)
            if refusal.acts(value):
                others = _accepting(refusal.option)
                raise ConfigError(f"{refusal.option}={value!r} has no effect with method='{method.name}' "
                                  f"({refusal.why}); use method={' or '.join(repr(n) for n in others)} "
                                  f"({' or '.join(f'--method {n}' for n in others)})")
