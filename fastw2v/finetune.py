"""Fine-tuning pre-trained vectors (or a saved fastw2v model) on a domain corpus.

A word2vec/GloVe/fastText vector file holds input vectors only: no output layer
and no counts. Fine-tuning therefore

1. builds the **vocabulary union**: pre-trained words (all, those seen in the
   corpus, or those seen plus the N most frequent) followed by new corpus words
   that pass ``min_count``. Negative sampling, subsampling and the Huffman tree
   use the domain corpus's counts, so pre-trained words the corpus never uses keep
   their vectors untouched and are never drawn as negatives; a saved fastw2v
   model's counts are added to the corpus's in the model's totals (as gensim's
   ``build_vocab(update=True)`` does), which ``pretrained_lr="auto"`` uses;
2. initialises **new words** like word2vec (small uniform), optionally rescaled
   to the pre-trained vectors' norms;
3. starts the **output layer** at zero (word2vec's default) and can **warm it up**
   for ``warmup_epochs`` with pre-trained input rows frozen;
4. trains with **per-row learning-rate multipliers** (``freeze``,
   ``pretrained_lr``, ``output_lr``) and an optional **anchor**: an L2 pull of
   every pre-trained row toward its original vector. The default
   ``pretrained_lr="auto"`` weighs evidence: a pre-trained row of a model that
   saw a word ``n_base`` times moves at ``n_corpus / (n_base + n_corpus)``, so
   each occurrence counts alike whichever corpus it came from. Vector files carry
   no counts, and their rows move at the full rate.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .config import Word2VecConfig
from .errors import ConfigError, CorpusError
from .training import Anchor, EpochResult, Weights
from .vocabulary import Vocabulary

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

    from .model import Word2Vec

logger = logging.getLogger(__name__)

FREEZE_MODES = ("none", "pretrained", "new")

# Word2vec settings of the default fine-tuning recipe (benchmarks/finetune_study.py); explicit
# settings override them.
RECIPE_TRAINING: dict[str, Any] = {"sg": True}  # epochs: word2vec's 5, as the domain-only model
AUTO = "auto"
NEW_WORD_INITS = ("uniform", "scaled")


@dataclass(frozen=True)
class FinetuneConfig:
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

    keep_pretrained: str | int = "all"
    warmup_epochs: int = 1
    freeze: str = "none"
    pretrained_lr: float | str = AUTO
    output_lr: float = 1.0
    anchor: float = 0.0
    new_word_init: str = "uniform"

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

    @staticmethod
    def parse_rate(text: str) -> str | float:
        """Parse the CLI's ``--pretrained-lr`` value ("auto" or a number)."""
        if text == AUTO:
            return text
        try:
            return float(text)
        except ValueError:
            raise ConfigError(f"pretrained_lr={text!r} is invalid: use 'auto' or a number") from None

    @staticmethod
    def parse_keep(text: str) -> str | int:
        """Parse the CLI's ``--keep-pretrained`` value."""
        if text in ("all", "seen"):
            return text
        try:
            return int(text)
        except ValueError:
            raise ConfigError(f"keep_pretrained={text!r} is invalid: use 'all', 'seen' or a count") from None


@dataclass
class Pretrained:
    """What a fine-tuning starts from: vectors, and for a saved fastw2v model its whole state."""

    words: list[str]
    vectors: np.ndarray               # float32[n, dim]; owned, may be resized in place
    counts: np.ndarray | None = None  # int64[n] (saved models only)
    w_out_ns: np.ndarray | None = None
    config: Word2VecConfig | None = None
    source: str = "<vectors>"

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])


def load_pretrained(source: "str | os.PathLike | KeyedVectors", format: str | None = None,
                    limit: int | None = None) -> Pretrained:
    """Read pre-trained vectors: a vector file (any supported format), a saved model directory, or KeyedVectors."""
    from .vectors_io import read_vectors

    if hasattr(source, "index_to_key") and hasattr(source, "vectors"):
        n = len(source.index_to_key) if limit is None else min(limit, len(source.index_to_key))
        # The caller keeps its own object, so this is a (necessary) copy.
        return Pretrained(list(source.index_to_key[:n]), np.array(source.vectors[:n], dtype=np.float32),
                          source="<KeyedVectors>")
    path = Path(source)
    if path.is_dir():
        from .model import load

        model = load(path)
        n = len(model.vocab) if limit is None else min(limit, len(model.vocab))
        w_out = model.weights.w_out_ns[:n] if model.weights.w_out_ns.shape[0] else None
        return Pretrained(model.vocab.words[:n], np.ascontiguousarray(model.weights.w_in[:n]),
                          counts=model.vocab.counts[:n].copy(), w_out_ns=None if w_out is None else w_out.copy(),
                          config=model.config, source=str(path))
    words, vectors = read_vectors(path, format=format, limit=limit)
    return Pretrained(words, vectors, source=str(path))


def _grow_rows(array: np.ndarray, keep: np.ndarray, n_extra: int) -> np.ndarray:
    """``concat(array[keep], zeros(n_extra))`` reusing ``array``'s memory.

    Rows are compacted in place (``keep`` is increasing, so a row only ever moves
    up) and the buffer is then resized, which glibc does with mremap for large
    blocks: a 3.6 GB GoogleNews matrix never exists twice.
    """
    n_keep = keep.shape[0]
    if n_keep != array.shape[0] or not np.array_equal(keep, np.arange(n_keep)):
        step = 65536
        for start in range(0, n_keep, step):
            chunk = keep[start:start + step]
            array[start:start + chunk.shape[0]] = array[chunk]
    new_shape = (n_keep + n_extra,) + array.shape[1:]
    if array.flags.owndata and array.flags.c_contiguous:
        array.resize(new_shape, refcheck=False)
        array[n_keep:] = 0
        return array
    out = np.zeros(new_shape, dtype=array.dtype)
    out[:n_keep] = array[:n_keep]
    return out


def union_vocabulary(pre: Pretrained, corpus_counts: dict[str, int], min_count: int,
                     keep: str | int) -> tuple[Vocabulary, np.ndarray, int]:
    """Pre-trained words to keep, then new corpus words passing ``min_count`` by descending count.

    Returns
    -------
    vocab : Vocabulary
        Counts are the corpus counts plus, for a saved fastw2v model, its own counts.
    corpus_counts : int64[n_words]
        The corpus counts alone.
    kept : int64[n_kept]
        Indices of the kept pre-trained rows, increasing.
    n_kept : int
        The first ``n_kept`` words of ``vocab`` are pre-trained.
    """
    seen = np.fromiter((w in corpus_counts for w in pre.words), dtype=bool, count=len(pre.words))
    if keep == "all":
        mask = np.ones(len(pre.words), dtype=bool)
    else:
        mask = seen.copy()
        if isinstance(keep, int):
            mask[:keep] = True
    kept = np.flatnonzero(mask)
    kept_words = [pre.words[i] for i in kept]
    in_pre = set(pre.words)
    new = sorted(((w, c) for w, c in corpus_counts.items() if c >= min_count and w not in in_pre),
                 key=lambda wc: -wc[1])
    counts = np.fromiter((corpus_counts.get(w, 0) for w in kept_words), dtype=np.int64, count=len(kept_words))
    corpus = np.concatenate([counts, np.array([c for _, c in new], dtype=np.int64)])
    totals = corpus.copy()
    if pre.counts is not None:
        totals[:len(kept)] += pre.counts[kept]
    vocab = Vocabulary(kept_words + [w for w, _ in new], totals)
    logger.info("vocabulary union: %d pre-trained words kept (%d seen in the corpus) + %d new corpus words",
                len(kept), int(seen[kept].sum()), len(new))
    return vocab, corpus, kept, len(kept)


def _new_rows(n: int, dim: int, pretrained: np.ndarray, how: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng([seed, 7])
    rows = (rng.random((n, dim), dtype=np.float32) - np.float32(0.5)) / np.float32(dim)
    if how == "scaled" and n and pretrained.shape[0]:
        sample = pretrained[rng.integers(0, pretrained.shape[0], size=min(pretrained.shape[0], 10000))]
        norms = np.linalg.norm(sample, axis=1)
        target = rng.choice(norms, size=n)
        rows *= (target / np.maximum(np.linalg.norm(rows, axis=1), 1e-12))[:, None].astype(np.float32)
    return rows


@dataclass(eq=False)  # holds an array: compare fields explicitly
class FinetunePlan:
    """State a fine-tuning model carries between ``build_vocab`` and ``train``."""

    settings: FinetuneConfig
    n_pretrained: int
    corpus_counts: np.ndarray  # int64[n_words]: the domain corpus's counts, for the sampling tables and rates
    warmup_done: bool = False


def prepare(model: "Word2Vec", pre: Pretrained, settings: FinetuneConfig, corpus_counts: dict[str, int]) -> None:
    """Build the union vocabulary and the initial weights of ``model`` from ``pre`` and the corpus counts."""
    config = model.config
    vocab, counts, kept, n_pre = union_vocabulary(pre, corpus_counts, config.min_count, settings.keep_pretrained)
    if counts.sum() == 0:
        raise CorpusError(f"no word of the corpus is in the vocabulary (min_count={config.min_count})")
    n_new = len(vocab) - n_pre
    anchor = None
    if settings.anchor > 0:
        # The one extra copy anchoring needs: the original rows.
        anchor_vectors = np.ascontiguousarray(pre.vectors[kept])
    w_in = _grow_rows(pre.vectors, kept, n_new)
    w_in[n_pre:] = _new_rows(n_new, config.vector_size, w_in[:n_pre], settings.new_word_init, config.seed)
    n = len(vocab)
    n_ns = n if config.negative > 0 else 0
    n_hs = n - 1 if config.hs else 0
    w_out_ns = np.zeros((n_ns, config.vector_size), dtype=np.float32)
    if pre.w_out_ns is not None and n_ns:
        w_out_ns[:n_pre] = pre.w_out_ns[kept]
    weights = Weights(w_in=w_in, w_out_ns=w_out_ns, w_out_hs=np.zeros((n_hs, config.vector_size), np.float32),
                      in_lr=np.ones(n, np.float32), out_ns_lr=np.ones(n_ns, np.float32),
                      out_hs_lr=np.ones(n_hs, np.float32))
    model.set_vocabulary(vocab, weights)
    if settings.anchor > 0:
        index = np.full(n, -1, dtype=np.int32)
        index[:n_pre] = np.arange(n_pre, dtype=np.int32)
        anchor = Anchor(vectors=anchor_vectors, index=index, strength=settings.anchor)
    model.anchor = anchor
    model.finetune_plan = FinetunePlan(settings=settings, n_pretrained=n_pre, corpus_counts=counts,
                                       warmup_done=settings.warmup_epochs == 0)
    set_phase_rates(model, warmup=not model.finetune_plan.warmup_done)


def set_phase_rates(model: "Word2Vec", warmup: bool) -> None:
    """Per-row learning-rate multipliers of the warm-up or the main phase."""
    plan = model.finetune_plan
    s = plan.settings
    w = model.weights
    n_pre = plan.n_pretrained
    if warmup:
        w.in_lr[:n_pre] = 0.0
        w.in_lr[n_pre:] = 0.0 if s.freeze == "new" else 1.0
    else:
        w.in_lr[:n_pre] = 0.0 if s.freeze == "pretrained" else pretrained_rates(model)
        w.in_lr[n_pre:] = 0.0 if s.freeze == "new" else 1.0
    w.out_ns_lr[:] = s.output_lr
    w.out_hs_lr[:] = s.output_lr


def pretrained_rates(model: "Word2Vec") -> np.ndarray | float:
    """Main-phase learning-rate multipliers of the pre-trained rows (see ``FinetuneConfig.pretrained_lr``)."""
    plan = model.finetune_plan
    if plan.settings.pretrained_lr != AUTO:
        return plan.settings.pretrained_lr
    n_pre = plan.n_pretrained
    corpus = plan.corpus_counts[:n_pre].astype(np.float64)
    totals = model.vocab.counts[:n_pre].astype(np.float64)
    # Rows the corpus never uses never train as inputs; 1 keeps them out of the way of the formula.
    return np.where(corpus > 0, corpus / np.maximum(totals, 1.0), 1.0).astype(np.float32)


def run(model: "Word2Vec", encoded, train_kwargs: dict[str, Any]) -> list[EpochResult]:
    """Warm-up (if pending) with pre-trained rows frozen, then the main phase."""
    plan = model.finetune_plan
    results: list[EpochResult] = []
    epochs = train_kwargs.pop("epochs", None)
    warmup = plan.settings.warmup_epochs
    if not plan.warmup_done and model.schedule.total_epochs == warmup and model.position.epoch >= warmup:
        plan.warmup_done = True  # a checkpoint taken right at the end of the warm-up
        set_phase_rates(model, warmup=False)
        model.position = type(model.position)()
    if not plan.warmup_done:
        logger.info("warm-up: %d epoch(s) training the output layer and new words, pre-trained rows frozen",
                    plan.settings.warmup_epochs)
        set_phase_rates(model, warmup=True)
        results += model.run_schedule(encoded, epochs=warmup, **train_kwargs)
        plan.warmup_done = True
        set_phase_rates(model, warmup=False)
        model.position = type(model.position)()
    results += model.run_schedule(encoded, epochs=epochs, **train_kwargs)
    return results


def check_vector_size(pre: Pretrained, settings: dict[str, Any]) -> dict[str, Any]:
    """The pre-trained dimension wins; a different explicit ``vector_size`` is an error."""
    size = settings.get("vector_size")
    if size is not None and size != pre.dim:
        raise ConfigError(f"vector_size={size} conflicts with the pre-trained vectors of {pre.source} "
                          f"(dimension {pre.dim}); leave vector_size unset")
    out = dict(settings)
    out["vector_size"] = pre.dim
    return out
