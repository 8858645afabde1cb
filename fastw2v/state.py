"""The training state as one object, and the one place that decides what trains next.

:class:`TrainingState` is everything a run needs to continue exactly: configuration,
vocabulary, weights, anchor, learning-rate schedule, position, fine-tuning plan, the
corpus it was trained on and the epoch history. ``storage`` saves and loads it,
``finetune`` builds it from pre-trained vectors, ``training`` advances it and
``model.Word2Vec`` composes the three. :meth:`TrainingState.next_phase` is the single
resume decision: which phase (warm-up, main, or the aligned method's domain-only run and
combination) runs next, with which schedule, from where.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import numpy as np

from . import kernels, memory
from .config import (
    ALIGN,
    BLEND,
    MAIN,
    METHODS,
    WARMUP,
    FinetuneConfig,
    Method,
    Word2VecConfig,
)
from .errors import ConfigError, CorpusError, ModelStateError
from .heads import HEADS, heads_of
from .vocabulary import Vocabulary, keep_probabilities

_T = TypeVar("_T")


def required(value: _T | None, what: str) -> _T:
    """``value``, which the state's invariants set by the time it is read (a None is a bug, named here)."""
    if value is None:
        raise ModelStateError(f"the training state has no {what} where it needs one")
    return value


def uniform_rows(n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    """Initial input vectors: float32[n, dim] uniform in ``[-1/dim, 1/dim)``, as gensim 4 and fastText.

    Not word2vec.c's ``[-0.5/dim, 0.5/dim)``: the output rows start at zero, so how fast training
    leaves the origin depends on this scale, most in CBOW, whose hidden vector is a mean of
    context rows. One CBOW-NS epoch on wiki-text8 (alpha 0.025, 5 seeds) scores 0.083 analogies
    with word2vec.c's range and 0.090 with this one; gensim (0.092 with this range) falls to 0.084
    with word2vec.c's (``benchmarks/results/cbow_quality.md``).
    """
    rows = rng.random((n, dim), dtype=np.float32)
    rows *= np.float32(2.0)  # in place: the matrix is the only allocation
    rows -= np.float32(1.0)
    rows /= np.float32(dim)
    return rows


def check_memory(n_words: int, config: Word2VecConfig, n_out: int | None = None, at_least: bool = False) -> None:
    """Refuse, before anything is allocated, weights of ``n_words`` words that this machine's memory cannot hold.

    ``n_out``: words with output rows (default all); ``at_least``: ``n_words`` is a lower bound
    (the vocabulary is still being counted).

    Raises
    ------
    ConfigError
        Naming ``vector_size`` and the bytes the matrices need.
    """
    phys = memory.physical_memory()
    n_out = n_words if n_out is None else n_out
    rows = n_words + sum(head.n_rows(n_out) for head in heads_of(config))
    need = rows * (4 * config.vector_size + 4)  # float32 rows and their learning-rate multipliers
    if phys is not None and need > phys:
        words = f"at least {n_words}" if at_least else str(n_words)
        words += " word" if n_words == 1 else " words"
        raise ConfigError(f"vector_size={config.vector_size} is too large: the weight matrices of {words} need "
                          f"{memory.size_text(need)}, more than this machine's {memory.size_text(phys)} of memory")


@dataclass
class Weights:
    """Trainable matrices and their per-row learning-rate multipliers.

    Attributes
    ----------
    w_in : float32[n_words, dim]
        Input (word) vectors.
    in_lr : float32[n_words]
        Their learning-rate multipliers: 1 trains, 0 freezes (bit-identical), between is slower.
    heads : dict of str to kernels.Layer
        The output layer of each head the configuration trains (see :mod:`fastw2v.heads`), by name:
        its matrix, float32[Head.n_rows(n_out), dim], and its multipliers, float32[Head.n_rows(n_out)].
    out_rows : int32[n_out] or None
        The word of each output row, increasing; None: every word has one (row ``i`` is word
        ``i``, ``n_out = n_words``). A fine-tuning gives output rows only to the words that
        can train (those its corpus uses, and those an earlier fine-tuning trained):
        pre-trained words no corpus used live in ``w_in`` alone. Training runs on the
        words with output rows, renumbered ``0..n_out-1`` (see ``training.TrainablePart``).
    """

    w_in: np.ndarray
    in_lr: np.ndarray
    heads: dict[str, kernels.Layer]
    out_rows: np.ndarray | None = None

    @classmethod
    def initial(cls, n_words: int, config: Word2VecConfig, w_in: np.ndarray | None = None,
                out_rows: np.ndarray | None = None) -> Weights:
        """The weights a run starts from: inputs ``w_in`` (default :func:`uniform_rows`
        seeded by ``config.seed``), output rows (for ``out_rows``, default every word) zero,
        every multiplier 1."""
        dim = config.vector_size
        n_out = n_words if out_rows is None else out_rows.shape[0]
        check_memory(n_words, config, n_out)
        if w_in is None:
            w_in = uniform_rows(n_words, dim, np.random.default_rng(config.seed))
        return cls(w_in=w_in, in_lr=np.ones(n_words, dtype=np.float32),
                   heads={head.name: head.initial(n_out, dim) for head in heads_of(config)}, out_rows=out_rows)

    @property
    def n_out(self) -> int:
        """Words with output rows."""
        return self.w_in.shape[0] if self.out_rows is None else int(self.out_rows.shape[0])

    def output_row(self, word_ids: np.ndarray) -> np.ndarray:
        """Output row of each word (its row of a head whose rows are words, such as ``ns``), -1 for none."""
        word_ids = np.asarray(word_ids, dtype=np.int64)
        if self.out_rows is None:
            return word_ids
        rows = np.searchsorted(self.out_rows, word_ids)
        found = rows < self.out_rows.shape[0]
        found[found] = self.out_rows[rows[found]] == word_ids[found]
        return np.where(found, rows, -1)

    def check_rows(self, n_words: int, config: Word2VecConfig) -> None:
        """Raise ModelStateError unless the inputs have ``n_words`` rows and the heads are those ``config``
        trains, each with its number of rows for ``n_out`` output words."""
        if self.out_rows is not None:
            rows = self.out_rows
            if rows.ndim != 1 or (rows.size and (rows[0] < 0 or rows[-1] >= n_words or (np.diff(rows) <= 0).any())):
                raise ModelStateError(f"out_rows is not an increasing list of word ids below {n_words}")
        for name, array in (("w_in", self.w_in), ("in_lr", self.in_lr)):
            if array.shape[0] != n_words:
                raise ModelStateError(f"{name} has {array.shape[0]} rows for {n_words} words")
        expected = [head.name for head in heads_of(config)]
        if sorted(self.heads) != sorted(expected):
            raise ModelStateError(f"the output layers are {sorted(self.heads)} but the configuration trains {expected}")
        for name, layer in self.heads.items():
            n_rows = HEADS[name].n_rows(self.n_out)
            for array_name, array in ((HEADS[name].matrix_name, layer.w), (HEADS[name].rates_name, layer.lr)):
                if array.shape[0] != n_rows:
                    raise ModelStateError(f"{array_name} has {array.shape[0]} rows for {self.n_out} output rows "
                                          f"(expected {n_rows})")

    def matrices(self) -> dict[str, np.ndarray]:
        """Every trained matrix by name: ``w_in`` and each head's (``w_out_ns``, ``w_out_hs``)."""
        return {"w_in": self.w_in, **{HEADS[name].matrix_name: layer.w for name, layer in self.heads.items()}}

    def check_finite(self) -> str | None:
        """Name of the first matrix holding NaN/inf, or None."""
        step = 65536  # in blocks of rows: a whole-matrix mask of a 3M x 300 model would be 900 MB
        for name, matrix in self.matrices().items():
            if not all(np.isfinite(matrix[a:b]).all() for a, b in memory.blocks(matrix.shape[0], step)):
                return name
        return None

    def network(self, tables: Tables) -> kernels.Network:
        """What the training kernels train: the input layer and each head with its ``tables``, in training order."""
        return kernels.Network(kernels.Layer(self.w_in, self.in_lr),
                               tuple((self.heads[name], table) for name, table in tables.heads.items()))


@dataclass(frozen=True)
class Tables:
    """Lookup tables derived from the output words' counts and the configuration.

    Attributes
    ----------
    keep_prob : float32[n_out]
        Subsampling keep-probabilities.
    heads : dict of str to namedtuple
        The kernel table of each head the configuration trains (see :mod:`fastw2v.heads`), in training order.
    """

    keep_prob: np.ndarray
    heads: dict[str, Any]

    @classmethod
    def build(cls, counts: np.ndarray, config: Word2VecConfig) -> Tables:
        return cls(keep_prob=keep_probabilities(counts, config.sample),
                   heads={head.name: head.table(counts, config) for head in heads_of(config)})


@dataclass
class Anchor:
    """Original vectors that anchored rows are pulled toward (see ``kernels.anchor_pull``)."""

    vectors: np.ndarray   # float32[n_anchored, dim]
    index: np.ndarray     # int32[n_words], -1 = not anchored
    strength: np.ndarray  # float64[n_anchored]: per anchored row (uniform: all equal to ``anchor``)


@dataclass(frozen=True)
class Schedule:
    """Linear decay from ``alpha`` to ``min_alpha`` over ``total_epochs`` epochs.

    The single place the learning rate is computed: ``rate(p)`` for a progress
    ``p`` measured in epochs (fractional within an epoch).
    """

    alpha: float
    min_alpha: float
    total_epochs: int

    @classmethod
    def of(cls, config: Word2VecConfig, epochs: int | None = None) -> Schedule:
        """A new schedule of ``epochs`` (default ``config.epochs``) epochs at the configured rates."""
        alpha = cast(float, config.alpha)  # a Word2VecConfig resolves an unset alpha on construction
        return cls(alpha, config.min_alpha, config.epochs if epochs is None else epochs)

    def rate(self, progress: float) -> float:
        if self.total_epochs <= 0:
            return self.alpha
        return self.alpha - (self.alpha - self.min_alpha) * min(progress / self.total_epochs, 1.0)


@dataclass
class Position:
    """Where a run is: next epoch and next sentence within it, plus the epoch's partial tallies."""

    epoch: int = 0
    sentence: int = 0
    loss: float = 0.0
    pairs: int = 0

    def __str__(self) -> str:
        """``after epoch 2`` or ``in epoch 3 at sentence 1200``, epochs counted from 1 as in the log."""
        if self.sentence == 0:
            return f"after epoch {self.epoch}" if self.epoch else "at the start"
        return f"in epoch {self.epoch + 1} at sentence {self.sentence}"


@dataclass
class EpochResult:
    """One finished epoch. ``epoch`` counts from 1, as the log does ("epoch 2/5 done"), so it is also
    the number of epochs of the schedule done when it ended."""

    epoch: int
    loss: float       # mean loss per trained pair (or per centre word for CBOW)
    pairs: int
    words: int        # corpus tokens processed (before subsampling)
    seconds: float


@dataclass(eq=False)  # holds an array: compare fields explicitly
class FinetunePlan:
    """What a fine-tuning run carries from ``build_vocab`` to the end of ``train``."""

    settings: FinetuneConfig
    n_pretrained: int
    corpus_counts: np.ndarray  # int64[n_words]: the domain corpus's counts, for the sampling tables and rates
    warmup_done: bool = False
    #: float64[n_pretrained]: the base corpus's counts of the pre-trained rows (a saved model's real
    #: counts, or Zipf estimates for a vector file); None when no rate needed them.
    base_counts: np.ndarray | None = None
    base_tokens: float | None = None   # N_base: the base corpus's size in tokens
    base_real: bool = False            # base_counts are a saved model's counts (preserve="auto" -> "high")
    aligned_done: bool = False         # an ALIGN phase: the domain-only model was trained and combined
    #: a BLEND phase: float32[n_used, dim], the base vectors of the pre-trained words the corpus uses
    #: (in word order), which the trained rows are blended back toward after the main phase.
    base_rows: np.ndarray | None = None
    blend_done: bool = False           # a BLEND phase: the trained rows were blended with base_rows

    @property
    def method(self) -> Method:
        """The fine-tuning method of ``settings``."""
        return METHODS[self.settings.method]

    @property
    def blend_pending(self) -> bool:
        """The method blends and has not yet."""
        return self.method.blends and not self.blend_done

    @property
    def preserve(self) -> str | float:
        """``settings.preserve`` with "auto" resolved: "high" with real base counts, "low" without."""
        p = self.settings.preserve
        if p == "auto":
            return "high" if self.base_real else "low"
        return p


START, RESUME, AGAIN = "start", "resume", "again"


@dataclass(frozen=True)
class Phase:
    """What :meth:`TrainingState.next_phase` decided.

    Attributes
    ----------
    name : {"warmup", "main", "aligned", "blend"}
        The fine-tuning warm-up (output layer and new words only), the main phase,
        ``method="aligned"``'s domain-only training and combination (one step: it is not
        resumable part-way, a checkpoint taken during it restarts it), or ``method="blend"``'s
        blending of the trained rows with the base after the main phase (no training).
    schedule, start : Schedule, Position
        The learning-rate schedule to run and where in it training starts.
    kind : {"start", "resume", "again"}
        A new schedule, the rest of an interrupted one, or a new schedule after a
        state that holds a finished run (``fastw2v train --resume`` stops there).
    """

    name: str
    schedule: Schedule
    start: Position
    kind: str


@dataclass
class TrainingState:
    """Everything a run needs to be saved, resumed or fine-tuned again (see :mod:`fastw2v.storage`)."""

    config: Word2VecConfig
    vocab: Vocabulary | None = None
    weights: Weights | None = None
    anchor: Anchor | None = None
    schedule: Schedule | None = None
    position: Position = field(default_factory=Position)
    finetune_plan: FinetunePlan | None = None
    corpus_sources: list[str] = field(default_factory=list)   # files, so `fastw2v train --resume` can find them
    corpus_shape: tuple[int, int] | None = None  # (tokens, sentences) the position refers to
    history: list[EpochResult] = field(default_factory=list)
    checkpoint_every: str | None = None  # the run's checkpoint interval (``checkpoint.Every`` text), kept on resume
    _tables: Tables | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.schedule is None:
            self.schedule = Schedule.of(self.config)

    def set_vocabulary(self, vocab: Vocabulary, weights: Weights) -> None:
        """Install a vocabulary and matching weights; the position starts over."""
        weights.check_rows(len(vocab), self.config)
        self.vocab = vocab
        self.weights = weights
        self._tables = None
        self.position = Position()
        self.corpus_shape = None

    @property
    def tables(self) -> Tables:
        """Subsampling, noise and Huffman tables, rebuilt from the counts when needed.

        Fine-tuning samples by the domain corpus's counts (see :mod:`fastw2v.finetune`).
        Indexed by output row (``weights.out_rows``), which is the word id unless a
        fine-tuning left words without output rows.
        """
        if self._tables is None:
            plan, weights = self.finetune_plan, required(self.weights, "weights")
            counts = required(self.vocab, "vocabulary").counts if plan is None else plan.corpus_counts
            if weights.out_rows is not None:  # tables of the trainable words, by output row
                counts = counts[weights.out_rows]
            self._tables = Tables.build(counts, self.config)
        return self._tables

    def next_phase(self, epochs: int | None = None, corpus_shape: tuple[int, int] | None = None) -> Phase:
        """Which phase trains next, with which schedule, from where: the one resume decision.

        A fine-tuning with ``method="aligned"`` that has not combined yet runs that
        (from the start); a schedule stopped part-way (a checkpoint) continues from its position; a
        fine-tuning warm-up that has not run (or was interrupted) comes before the main
        phase; a ``method="blend"`` main phase that finished is followed by its blend; otherwise
        a new main schedule of ``epochs`` (default ``config.epochs``).

        Raises
        ------
        ConfigError
            ``epochs`` would change the schedule of the run being resumed.
        CorpusError
            ``corpus_shape`` (tokens, sentences) differs from the run being resumed.
        """
        plan, schedule, position = self.finetune_plan, required(self.schedule, "schedule"), self.position
        if plan is not None and plan.method.domain_only and not plan.aligned_done:
            # As many passes as the warm-up plus the main phase of method="continue".
            main = self.config.epochs if epochs is None else epochs
            return Phase(ALIGN, Schedule.of(self.config, plan.settings.warmup_epochs + main), Position(), START)
        in_progress = 0 < schedule.total_epochs and position.epoch < schedule.total_epochs and (
            position.epoch > 0 or position.sentence > 0)
        if plan is not None and not plan.warmup_done:
            warmup = plan.settings.warmup_epochs
            if schedule.total_epochs == warmup and position.epoch >= warmup:
                # A checkpoint taken right at the end of the warm-up: the main phase starts.
                return Phase(MAIN, Schedule.of(self.config, epochs), Position(), START)
            if in_progress:
                self._check_resumable(warmup, corpus_shape)
                return Phase(WARMUP, schedule, position, RESUME)
            return Phase(WARMUP, Schedule.of(self.config, warmup), Position(), START)
        if in_progress:
            self._check_resumable(epochs, corpus_shape)
            return Phase(MAIN, schedule, position, RESUME)
        finished = position.epoch >= schedule.total_epochs
        if plan is not None and finished and plan.blend_pending:
            return Phase(BLEND, schedule, position, RESUME)
        kind = AGAIN if finished else START
        return Phase(MAIN, Schedule.of(self.config, epochs), Position(), kind)

    def _check_resumable(self, epochs: int | None, corpus_shape: tuple[int, int] | None) -> None:
        schedule = required(self.schedule, "schedule")
        if epochs is not None and epochs != schedule.total_epochs:
            raise ConfigError(f"this model is part-way through a {schedule.total_epochs}-epoch run; "
                              f"epochs={epochs} would change its schedule")
        if corpus_shape is not None and self.corpus_shape is not None and self.corpus_shape != corpus_shape:
            raise CorpusError(f"the corpus has {corpus_shape[0]} tokens in {corpus_shape[1]} sentences but the run "
                              f"being resumed was trained on {self.corpus_shape[0]} in {self.corpus_shape[1]}")
