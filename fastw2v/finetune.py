"""Fine-tuning pre-trained vectors (or a saved fastw2v model) on a domain corpus.

Functions from inputs to a :class:`~fastw2v.state.TrainingState`; none of them sees a model.

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
   for ``warmup_epochs`` with pre-trained input rows frozen. Output rows exist only
   for the words that can train: those the corpus uses, and those a saved base model
   trained before (carried over exactly); a GoogleNews word the corpus never uses
   lives in the input matrix alone (``state.Weights.out_rows``). Training runs on
   those words alone (``training.TrainablePart``);
4. trains with **per-row learning-rate multipliers** (``freeze``,
   ``pretrained_lr``, ``output_lr``) and an optional **anchor**: an L2 pull of
   every pre-trained row toward its original vector. The default
   ``pretrained_lr="auto"`` weighs evidence: a pre-trained row of a model that
   saw a word ``n_base`` times moves at ``n_corpus / (n_base + n_corpus)``, so
   each occurrence counts alike whichever corpus it came from. Vector files carry
   no counts, and their rows move at the full rate.
"""
from __future__ import annotations

import functools
import logging
import mmap
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .config import AUTO, FinetuneConfig, Word2VecConfig
from .errors import ConfigError, CorpusError
from .progress import Ticker
from .state import Anchor, FinetunePlan, TrainingState, Weights, uniform_rows
from .storage import load_state
from .vocabulary import Vocabulary

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

logger = logging.getLogger(__name__)

# Word2vec settings of the default fine-tuning recipe (benchmarks/finetune_study.py); explicit
# settings override them.
RECIPE_TRAINING: dict[str, Any] = {"sg": True}  # epochs: word2vec's 5, as the domain-only model


@dataclass
class Pretrained:
    """What a fine-tuning starts from: vectors, and for a saved fastw2v model its whole state."""

    words: list[str]
    vectors: np.ndarray               # float32[n, dim]; owned, may be resized in place
    counts: np.ndarray | None = None  # int64[n] (saved models only)
    w_out_ns: np.ndarray | None = None  # float32[len(out_rows), dim]: the saved model's trained output rows
    out_rows: np.ndarray | None = None  # int32: the word of each row of w_out_ns, increasing
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
        # The input matrix is read into memory once (and cut to `limit` in place); the other
        # arrays are mapped and only the rows kept are copied.
        state = load_state(path, mmap=set(Weights.ARRAYS) - {"w_in"})
        n = len(state.vocab) if limit is None else min(limit, len(state.vocab))
        w = state.weights
        out_rows = w_out = None
        if w.w_out_ns.shape[0]:
            out_rows = _trained_output_rows(w)
            out_rows = out_rows[out_rows < n]
            w_out = w.w_out_ns[w.output_row(out_rows)]
        vectors = w.w_in
        if n < vectors.shape[0]:
            vectors = _grow_rows(vectors, np.arange(n), 0)
        return Pretrained(state.vocab.words[:n], vectors, counts=np.array(state.vocab.counts[:n]),
                          w_out_ns=w_out, out_rows=out_rows, config=state.config, source=str(path))
    words, vectors = read_vectors(path, format=format, limit=limit)
    return Pretrained(words, vectors, source=str(path))


def _trained_output_rows(weights: Weights) -> np.ndarray:
    """Words with an output row worth keeping, increasing.

    A model saved before output rows were compact (format 1) has one per word, zero for
    the words its corpus never used: a zero row is what a new one starts as, so only
    the others are carried.
    """
    if weights.out_rows is not None:
        return np.asarray(weights.out_rows, dtype=np.int32)
    w_out = weights.w_out_ns
    step = 65536
    used = np.concatenate([w_out[a:a + step].any(axis=1) for a in range(0, w_out.shape[0], step)])
    return np.flatnonzero(used).astype(np.int32)


def config_for(pre: Pretrained, settings: dict[str, Any]) -> Word2VecConfig:
    """The word2vec settings of a fine-tuning: explicit ``settings`` over a saved model's own or the recipe's.

    The pre-trained dimension wins; a different explicit ``vector_size`` is an error.
    """
    size = settings.get("vector_size")
    if size is not None and size != pre.dim:
        raise ConfigError(f"vector_size={size} conflicts with the pre-trained vectors of {pre.source} "
                          f"(dimension {pre.dim}); leave vector_size unset")
    settings = {**settings, "vector_size": pre.dim}
    if pre.config is not None:  # a saved model keeps its own architecture unless told otherwise
        return pre.config.replace(**settings)
    return Word2VecConfig(**{**RECIPE_TRAINING, **settings})


def _grow_rows(array: np.ndarray, keep: np.ndarray, n_extra: int) -> np.ndarray:
    """``concat(array[keep], zeros(n_extra))`` reusing ``array``'s memory.

    Rows are compacted in place (``keep`` is increasing, so a row only ever moves
    up); the buffer is then shrunk in place, or, to grow, moved into the larger
    matrix block by block with each block's pages handed back to the system as it
    goes (NumPy's ``resize`` copies when it grows): a 3.6 GB GoogleNews matrix never
    exists twice.
    """
    n_keep = keep.shape[0]
    if not np.array_equal(keep, np.arange(n_keep)):  # (a prefix, as a `limit` cut, needs no moves)
        step = 65536
        ticker = Ticker("vocabulary union: compacting the pre-trained rows", n_keep, "rows")
        for start in range(0, n_keep, step):
            chunk = keep[start:start + step]
            array[start:start + chunk.shape[0]] = array[chunk]
            ticker.advance(chunk.shape[0])
    new_shape = (n_keep + n_extra,) + array.shape[1:]
    owned = array.flags.owndata and array.flags.c_contiguous
    if owned and n_extra == 0:
        array.resize(new_shape, refcheck=False)
        return array
    out = np.empty(new_shape, dtype=array.dtype)
    step = max(1, (8 << 20) // max(array[:1].nbytes, 1))  # 8 MB in flight: both copies of a block
    ticker = Ticker("vocabulary union: moving the pre-trained rows", n_keep, "rows")
    for start in range(0, n_keep, step):
        end = min(start + step, n_keep)
        out[start:end] = array[start:end]
        if owned:
            _release(array[start:end])
        ticker.advance(end - start)
    out[n_keep:] = 0
    return out


_MADV_DONTNEED = 4  # Linux


@functools.cache
def _madvise():
    """libc's ``madvise`` on Linux, else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        madvise = ctypes.CDLL(None, use_errno=True).madvise
    except (OSError, AttributeError):
        return None
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    return madvise


def _release(block: np.ndarray) -> None:
    """Give the whole memory pages under ``block`` (of an array about to be freed) back to the system.

    Its contents are lost (Linux refills such pages with zeros); elsewhere this does nothing.
    """
    madvise = _madvise()
    page = mmap.PAGESIZE
    start = -(-block.ctypes.data // page) * page
    end = (block.ctypes.data + block.nbytes) // page * page
    if madvise is not None and end > start:
        madvise(start, end - start, _MADV_DONTNEED)


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


def new_word_rows(n: int, pretrained: np.ndarray, how: str, seed: int) -> np.ndarray:
    """Initial vectors of ``n`` new words: word2vec's, optionally rescaled to pre-trained norms."""
    rng = np.random.default_rng([seed, 7])
    rows = uniform_rows(n, pretrained.shape[1], rng)
    if how == "scaled" and n and pretrained.shape[0]:
        sample = pretrained[rng.integers(0, pretrained.shape[0], size=min(pretrained.shape[0], 10000))]
        norms = np.linalg.norm(sample, axis=1)
        target = rng.choice(norms, size=n)
        rows *= (target / np.maximum(np.linalg.norm(rows, axis=1), 1e-12))[:, None].astype(np.float32)
    return rows


def prepare(pre: Pretrained, settings: FinetuneConfig, config: Word2VecConfig,
            corpus_counts: dict[str, int]) -> TrainingState:
    """The state a fine-tuning starts from: union vocabulary, weights, anchor, plan and warm-up rates.

    ``pre.vectors`` becomes the input matrix (resized in place, not copied).
    """
    vocab, counts, kept, n_pre = union_vocabulary(pre, corpus_counts, config.min_count, settings.keep_pretrained)
    if counts.sum() == 0:
        raise CorpusError(f"no word of the corpus is in the vocabulary (min_count={config.min_count})")
    n = len(vocab)
    # Output rows: the words the corpus uses, and those a saved base model trained before.
    carried = np.full(n, -1, dtype=np.int64)  # row of pre.w_out_ns of each word, -1 for none
    if pre.out_rows is not None:
        row_of_pre = np.full(len(pre.words), -1, dtype=np.int64)
        row_of_pre[pre.out_rows] = np.arange(pre.out_rows.shape[0])
        carried[:n_pre] = row_of_pre[kept]
    trainable = (counts > 0) | (carried >= 0)
    out_rows = None if trainable.all() else np.flatnonzero(trainable).astype(np.int32)
    anchor = None
    if settings.anchor > 0:
        # The one extra copy anchoring needs: the original rows of the words that can move (the corpus's).
        used = np.flatnonzero(counts[:n_pre] > 0)
        index = np.full(n, -1, dtype=np.int32)
        index[used] = np.arange(used.shape[0], dtype=np.int32)
        anchor = Anchor(vectors=np.ascontiguousarray(pre.vectors[kept[used]]), index=index,
                        strength=settings.anchor)
    w_in = _grow_rows(pre.vectors, kept, n - n_pre)
    w_in[n_pre:] = new_word_rows(n - n_pre, w_in[:n_pre], settings.new_word_init, config.seed)
    weights = Weights.initial(n, config, w_in=w_in, out_rows=out_rows)
    if pre.w_out_ns is not None and weights.w_out_ns.shape[0]:
        has = np.flatnonzero(carried >= 0)
        weights.w_out_ns[weights.output_row(has)] = pre.w_out_ns[carried[has]]
    state = TrainingState(config=config, anchor=anchor)
    state.set_vocabulary(vocab, weights)
    state.finetune_plan = FinetunePlan(settings=settings, n_pretrained=n_pre, corpus_counts=counts,
                                       warmup_done=settings.warmup_epochs == 0)
    set_phase_rates(state, warmup=not state.finetune_plan.warmup_done)
    return state


def set_phase_rates(state: TrainingState, warmup: bool) -> None:
    """Set the per-row learning-rate multipliers of the warm-up or the main phase in ``state.weights``."""
    plan = state.finetune_plan
    s = plan.settings
    w = state.weights
    n_pre = plan.n_pretrained
    if warmup:
        w.in_lr[:n_pre] = 0.0
    else:
        w.in_lr[:n_pre] = 0.0 if s.freeze == "pretrained" else pretrained_rates(plan, state.vocab.counts)
    w.in_lr[n_pre:] = 0.0 if s.freeze == "new" else 1.0
    w.out_ns_lr[:] = s.output_lr
    w.out_hs_lr[:] = s.output_lr


def pretrained_rates(plan: FinetunePlan, total_counts: np.ndarray) -> np.ndarray | float:
    """Main-phase learning-rate multipliers of the pre-trained rows (see ``FinetuneConfig.pretrained_lr``).

    ``total_counts`` are the vocabulary's counts: the corpus's plus a saved base model's.
    """
    if plan.settings.pretrained_lr != AUTO:
        return plan.settings.pretrained_lr
    n_pre = plan.n_pretrained
    corpus = plan.corpus_counts[:n_pre].astype(np.float64)
    totals = total_counts[:n_pre].astype(np.float64)
    # Rows the corpus never uses never train as inputs; 1 keeps them out of the way of the formula.
    return np.where(corpus > 0, corpus / np.maximum(totals, 1.0), 1.0).astype(np.float32)
