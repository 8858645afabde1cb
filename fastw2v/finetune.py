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
2. initialises **new words** as a fresh model's (small uniform), optionally rescaled
   to the pre-trained vectors' norms;
3. starts the **output layer** at zero (word2vec's default) and can **warm it up**
   for ``warmup_epochs`` with pre-trained input rows frozen. Output rows exist only
   for the words that can train: those the corpus uses, and those a saved base model
   trained before (carried over exactly); a GoogleNews word the corpus never uses
   lives in the input matrix alone (``state.Weights.out_rows``). Training runs on
   those words alone (``training.TrainablePart``);
4. trains with **per-row learning-rate multipliers** (``freeze``,
   ``pretrained_lr``, ``output_lr``) and an optional **anchor**: an L2 pull of
   every pre-trained row toward its original vector, uniform or weighted per word
   (``anchor_weights="frequency"``: ``anchor * (1 - rate)``).

The per-word **rates** come from ``preserve`` (:func:`preserve_rates`):
``p_d / (p_d + tau * p_b)`` from the domain corpus's counts and the base's
(:mod:`fastw2v.base_counts`): a saved fastw2v model's real counts, or for a vector
file Zipf counts estimated from rank and ``base_tokens``. One rule decides a
pre-trained row's main-phase learning-rate multiplier: a numeric ``pretrained_lr``
is used as it is; ``pretrained_lr="auto"`` (the default) uses the rates. The default
``preserve="adaptive"`` is tau :data:`fastw2v.config.ADAPTIVE_RATIO`, a fixed number, so a
word's share depends on how over-represented it is in the domain and not on the corpora's
sizes; ``preserve="high"`` counts every raw occurrence alike, ``n_d / (n_d + n_b)``;
``preserve="auto"`` is "high" for a saved model and "low" (rate 1) for a vector file.

The default ``method="blend"`` (chosen on development data by the rule of
``benchmarks/results/finetune_rule_v3.md``) runs steps 3-4 with every pre-trained row at the
full rate and then mixes each trained row back toward its base vector by its share
(:func:`combine_blend`); ``method="continue"`` runs them with the shares as learning-rate
multipliers, and ``method="aligned"`` replaces them by a domain-only model rotated onto the
base and mixed with it per word (:func:`domain_state`, :func:`combine_aligned`). The methods
are :data:`fastw2v.config.METHODS`.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from . import memory
from .alignment import anchor_pairs, blend, combine, procrustes, rotate_into
from .base_counts import (
    adaptive_rates,
    anchor_weights,
    estimate_base_counts,
    evidence_rates,
    frequency_rates,
    preserve_weight,
)
from .config import (
    ADAPTIVE_EVIDENCE,
    ADAPTIVE_RATIO,
    AUTO,
    METHODS,
    FinetuneConfig,
    Word2VecConfig,
)
from .corpus import EncodedCorpus
from .errors import ConfigError, CorpusError
from .phrases import PhraseModel
from .progress import Progress
from .state import Anchor, FinetunePlan, TrainingState, Weights, required, uniform_rows
from .storage import load_state, weight_array_names
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
    counts: np.ndarray | None = None  # int64[n]: a saved model's counts, or a vocabulary file's
    vocab_file: str | None = None     # where ``counts`` came from, when not from a saved model
    w_out_ns: np.ndarray | None = None  # float32[len(out_rows), dim]: the saved model's trained output rows
    out_rows: np.ndarray | None = None  # int32: the word of each row of w_out_ns, increasing
    config: Word2VecConfig | None = None
    source: str = "<vectors>"

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])


def load_pretrained(source: str | os.PathLike | KeyedVectors, format: str | None = None,
                    limit: int | None = None, vocab: str | os.PathLike | None = None) -> Pretrained:
    """Read pre-trained vectors: a vector file (any supported format), a saved model directory, or KeyedVectors.

    ``vocab``: a vector file's vocabulary file (``word count`` lines, see
    :func:`~fastw2v.vectors_io.read_vocab_counts`), whose real counts are used instead of
    counts estimated from rank; every pre-trained word must be in it.
    """
    if vocab is not None:
        if not hasattr(source, "index_to_key") and Path(source).is_dir():
            raise ConfigError(f"a vocabulary file applies to vector files only: {source} is a saved fastw2v model, "
                              f"whose own counts are used")
        from .vectors_io import read_vocab_counts

        table = read_vocab_counts(vocab)  # first: a bad vocabulary file fails before the vectors are read
        return _with_vocabulary(load_pretrained(source, format, limit), vocab, table)
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
        state = load_state(path, mmap=set(weight_array_names()) - {"w_in"})
        saved, w = required(state.vocab, "vocabulary"), required(state.weights, "weights")  # a saved model has both
        n = len(saved) if limit is None else min(limit, len(saved))
        out_rows = w_out = None
        if "ns" in w.heads:
            out_rows = _trained_output_rows(w)
            out_rows = out_rows[out_rows < n]
            w_out = w.heads["ns"].w[w.output_row(out_rows)]
        vectors = w.w_in
        if n < vectors.shape[0]:
            vectors = _grow_rows(vectors, np.arange(n), 0)
        return Pretrained(saved.words[:n], vectors, counts=np.array(saved.counts[:n]),
                          w_out_ns=w_out, out_rows=out_rows, config=state.config, source=str(path))
    words, vectors = read_vectors(path, format=format, limit=limit)
    return Pretrained(words, vectors, source=str(path))


def _with_vocabulary(pre: Pretrained, vocab: str | os.PathLike, table: dict[str, int]) -> Pretrained:
    """``pre`` with the counts of its words from ``table``, read from the vocabulary file ``vocab``."""
    missing = [w for w in pre.words if w not in table]
    if missing:
        raise CorpusError(f"{vocab}: {len(missing)} of the {len(pre.words)} words of {pre.source} have no count "
                          f"(first: {', '.join(missing[:3])}); give the vocabulary file written with these vectors")
    pre.counts = np.fromiter((table[w] for w in pre.words), dtype=np.int64, count=len(pre.words))
    pre.vocab_file = str(vocab)
    return pre


def _trained_output_rows(weights: Weights) -> np.ndarray:
    """Words with an output row worth keeping, increasing.

    A model saved before output rows were compact (format 1) has one per word, zero for
    the words its corpus never used: a zero row is what a new one starts as, so only
    the others are carried.
    """
    if weights.out_rows is not None:
        return np.asarray(weights.out_rows, dtype=np.int32)
    w_out = weights.heads["ns"].w
    step = 65536
    used = np.concatenate([w_out[a:b].any(axis=1) for a, b in memory.blocks(w_out.shape[0], step)])
    return np.flatnonzero(used).astype(np.int32)


def config_for(pre: Pretrained, settings: dict[str, Any]) -> Word2VecConfig:
    """The word2vec settings of a fine-tuning: explicit ``settings`` over a saved model's own or the recipe's.

    The pre-trained dimension wins; a different explicit ``vector_size`` is an error.
    """
    _check_size(settings.get("vector_size"), pre.dim, pre.source)
    settings = {**settings, "vector_size": pre.dim}
    if pre.config is not None:  # a saved model keeps its own architecture unless told otherwise
        return pre.config.replace(**settings)
    return Word2VecConfig(**{**RECIPE_TRAINING, **settings})


def _check_size(size: int | None, dim: int, source: str) -> None:
    if size is not None and size != dim:
        raise ConfigError(f"vector_size={size} conflicts with the pre-trained vectors of {source} "
                          f"(dimension {dim}); leave vector_size unset")


def check_vector_size(source: str | os.PathLike | KeyedVectors, size: int | None, format: str | None = None) -> None:
    """Refuse a ``vector_size`` other than a vector file's dimension from its header, before a vector is read
    (the vector size of a fine-tuning is the pre-trained one; :func:`config_for` checks every source)."""
    if size is not None and isinstance(source, (str, os.PathLike)) and not Path(source).is_dir():
        from .vectors_io import vector_dimension

        dim = vector_dimension(source, format)
        if dim is not None:
            _check_size(size, dim, str(source))


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
        ticker = Progress("vocabulary union: compacting the pre-trained rows", "rows", n_keep)
        for start, stop in memory.blocks(n_keep, step):
            array[start:stop] = array[keep[start:stop]]
            ticker.advance(stop - start)
    new_shape = (n_keep + n_extra,) + array.shape[1:]
    owned = array.flags.owndata and array.flags.c_contiguous
    if owned and n_extra == 0:
        array.resize(new_shape, refcheck=False)
        return array
    out = memory.empty(new_shape, dtype=array.dtype)
    step = max(1, (8 << 20) // max(array[:1].nbytes, 1))  # 8 MB in flight: both copies of a block
    ticker = Progress("vocabulary union: moving the pre-trained rows", "rows", n_keep)
    for start, end in memory.blocks(n_keep, step):
        out[start:end] = array[start:end]
        if owned:
            memory.release(array[start:end])
        ticker.advance(end - start)
    out[n_keep:] = 0
    return out


def union_vocabulary(pre: Pretrained, corpus_counts: dict[str, int], min_count: int,
                     keep: str | int) -> tuple[Vocabulary, np.ndarray, np.ndarray, int]:
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
    words = list(pre.words) if kept.shape[0] == len(pre.words) else [pre.words[i] for i in kept]
    # The vocabulary's own index doubles as the membership test for new words (no 3M-word set):
    # every corpus word that is pre-trained is seen, hence kept, hence in ``index``.
    index = {w: i for i, w in enumerate(words)}
    new = sorted(((w, c) for w, c in corpus_counts.items() if c >= min_count and w not in index),
                 key=lambda wc: -wc[1])
    counts = np.fromiter((corpus_counts.get(w, 0) for w in words), dtype=np.int64, count=len(words))
    corpus = np.concatenate([counts, np.array([c for _, c in new], dtype=np.int64)])
    totals = corpus.copy()
    if pre.counts is not None:
        totals[:len(kept)] += pre.counts[kept]
    for w, _ in new:
        index[w] = len(words)
        words.append(w)
    vocab = Vocabulary(words, totals, index)
    logger.info("vocabulary union: %d pre-trained words kept (%d seen in the corpus) + %d new corpus words",
                len(kept), int(seen[kept].sum()), len(new))
    return vocab, corpus, kept, len(kept)


def new_word_rows(n: int, pretrained: np.ndarray, how: str, seed: int) -> np.ndarray:
    """Initial vectors of ``n`` new words: a fresh model's (:func:`~fastw2v.state.uniform_rows`), optionally
    rescaled to pre-trained norms."""
    rng = np.random.default_rng([seed, 7])
    rows = uniform_rows(n, pretrained.shape[1], rng)
    if how == "scaled" and n and pretrained.shape[0]:
        sample = pretrained[rng.integers(0, pretrained.shape[0], size=min(pretrained.shape[0], 10000))]
        norms = np.linalg.norm(sample, axis=1)
        target = rng.choice(norms, size=n)
        rows *= (target / np.maximum(np.linalg.norm(rows, axis=1), 1e-12))[:, None].astype(np.float32)
    return rows


def base_evidence(pre: Pretrained, settings: FinetuneConfig,
                  kept: np.ndarray) -> tuple[np.ndarray | None, float | None, bool]:
    """Base-corpus counts of the kept pre-trained rows, the base's size in tokens, and whether they are real.

    A saved fastw2v model has real counts (``base_tokens`` is their sum), and so has a vector
    file given with its vocabulary file (``base_tokens``, when set, is then the corpus size:
    the file may list only part of the vocabulary). Otherwise a vector file's counts are
    estimated from rank (:func:`~fastw2v.base_counts.estimate_base_counts`): the ``preserve``
    rates use them, and so does the order in which the result lists its words
    (:func:`frequency_order`).
    """
    if pre.counts is not None:
        if settings.base_tokens is not None and pre.vocab_file is None:
            raise ConfigError(f"base_tokens={settings.base_tokens!r} applies to vector files only: {pre.source} "
                              f"is a saved fastw2v model, whose real counts are used")
        tokens = float(pre.counts.sum()) if settings.base_tokens is None else float(settings.base_tokens)
        return pre.counts[kept].astype(np.float64), tokens, True
    est = estimate_base_counts(pre.source, len(pre.words), pre.dim, settings.base_tokens)
    logger.info("base counts of %s estimated from rank (Zipf), %.3g base tokens (%s)", pre.source, est.tokens,
                est.how)
    return est.counts[kept], est.tokens, False


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
    base_counts, base_tokens, base_real = base_evidence(pre, settings, kept)
    method = METHODS[settings.method]
    plan = FinetunePlan(settings=settings, n_pretrained=n_pre, corpus_counts=counts,
                        warmup_done=settings.warmup_epochs == 0 or not method.warms_up,
                        base_counts=base_counts, base_tokens=base_tokens, base_real=base_real)
    # The pre-trained words that can move (the corpus's): their original rows are the one extra copy
    # anchoring and blending need.
    used = np.flatnonzero(counts[:n_pre] > 0)
    if method.blends:
        plan.base_rows = np.ascontiguousarray(pre.vectors[kept[used]])
    anchor = None
    if settings.anchor > 0:
        index = np.full(n, -1, dtype=np.int32)
        index[used] = np.arange(used.shape[0], dtype=np.int32)
        if settings.anchor_weights == "frequency":
            if _rate_one(plan.preserve):
                logger.warning("anchor_weights='frequency' with preserve=%r (rate 1 for every word) anchors no "
                               "row: set preserve to balanced, high or a number > 0", settings.preserve)
            strength = anchor_weights(settings.anchor, preserve_rates(plan, used))
        else:
            strength = np.full(used.shape[0], settings.anchor, dtype=np.float64)
        vectors = plan.base_rows if plan.base_rows is not None else np.ascontiguousarray(pre.vectors[kept[used]])
        anchor = Anchor(vectors=vectors, index=index, strength=strength)
    w_in = _grow_rows(pre.vectors, kept, n - n_pre)
    w_in[n_pre:] = new_word_rows(n - n_pre, w_in[:n_pre], settings.new_word_init, config.seed)
    weights = Weights.initial(n, config, w_in=w_in, out_rows=out_rows)
    if pre.w_out_ns is not None and "ns" in weights.heads:
        has = np.flatnonzero(carried >= 0)
        weights.heads["ns"].w[weights.output_row(has)] = pre.w_out_ns[carried[has]]
    state = TrainingState(config=config, anchor=anchor)
    state.set_vocabulary(vocab, weights)
    state.finetune_plan = plan
    set_phase_rates(state, warmup=not plan.warmup_done)
    logger.info("fine-tuning: %s", describe_recipe(state))
    return state


def set_phase_rates(state: TrainingState, warmup: bool) -> None:
    """Set the per-row learning-rate multipliers of the warm-up or the main phase in ``state.weights``."""
    plan = required(state.finetune_plan, "fine-tuning plan")
    s = plan.settings
    w = required(state.weights, "weights")
    n_pre = plan.n_pretrained
    if warmup or s.freeze == "pretrained":
        w.in_lr[:n_pre] = 0.0
    elif plan.method.blends and s.pretrained_lr == AUTO:
        w.in_lr[:n_pre] = 1.0  # every row trains fully: the blend afterwards decides how much of it to keep
    else:
        w.in_lr[:n_pre] = pretrained_rates(plan)
    w.in_lr[n_pre:] = 0.0 if s.freeze == "new" else 1.0
    for layer in w.heads.values():
        layer.lr[:] = s.output_lr


def _rate_one(preserve: str | float) -> bool:
    """``preserve`` gives every word rate 1 (tau 0: the domain decides), so no base counts are needed."""
    return preserve in ("low", 0, 0.0)


def preserve_text(plan: FinetunePlan) -> str:
    """``preserve`` for this pair of corpora in words: when a shared word becomes mostly the domain's."""
    preserve = plan.preserve
    if _rate_one(preserve):
        return f"preserve={preserve}: every shared word the domain uses takes the domain's estimate (share 1)"
    if preserve == "adaptive":
        evidence = f" and has seen it well over {ADAPTIVE_EVIDENCE:g} times" if ADAPTIVE_EVIDENCE else ""
        return (f"preserve=adaptive: a shared word becomes mostly the domain's where the domain uses it "
                f"{ADAPTIVE_RATIO:g} times as often per token as the base's corpus{evidence} (half at exactly "
                f"that ratio)")
    base_tokens = required(plan.base_tokens, "base corpus size")
    tau = preserve_weight(preserve, float(plan.corpus_counts.sum()), base_tokens)
    return (f"preserve={preserve}: tau {tau:.3g}; a shared word is half the domain's where the domain uses it "
            f"{tau:.3g} times as often per token as the base ({base_tokens:.3g} base tokens); a smaller "
            f"--preserve number lets more of the domain in")


def moving_words(state: TrainingState) -> np.ndarray:
    """int64: the pre-trained rows the recipe can change (the rest keep their vectors exactly).

    A method training a domain-only model (``aligned``): the shared words of its vocabulary
    (those the corpus uses ``min_count`` times); the others: every pre-trained word the corpus uses.
    """
    plan = required(state.finetune_plan, "fine-tuning plan")
    n_pre = plan.n_pretrained
    if plan.settings.freeze == "pretrained":
        return np.zeros(0, dtype=np.int64)
    if plan.method.domain_only:
        index = required(state.vocab, "vocabulary").index
        rows = np.fromiter((index[w] for w in domain_vocabulary(state).words), dtype=np.int64)
        return np.sort(rows[rows < n_pre])
    return np.flatnonzero(plan.corpus_counts[:n_pre] > 0)


def describe_recipe(state: TrainingState) -> str:
    """The run's recipe in one line: the method, what ``preserve`` means here, and how much will move.

    "Mostly the domain's" counts the moving words whose share is above one half; the median
    share is weighted by the words' domain occurrences (a share as a domain token sees it).
    """
    plan = required(state.finetune_plan, "fine-tuning plan")
    rows = moving_words(state)
    share = preserve_rates(plan, rows) if rows.size else np.zeros(0)
    weights = plan.corpus_counts[rows].astype(np.float64)
    if rows.size:
        order = np.argsort(share, kind="stable")
        cumulative = np.cumsum(weights[order])
        median = float(share[order][np.searchsorted(cumulative, cumulative[-1] / 2)])
    else:
        median = 0.0
    return (f"method={plan.method.name}: {plan.method.summary}; {preserve_text(plan)}. "
            f"Of the {plan.n_pretrained} pre-trained words, {rows.size} can move and {int((share > 0.5).sum())} "
            f"become mostly the domain's (share > 1/2); median share per domain token {median:.2f}; the other "
            f"{plan.n_pretrained - rows.size} keep their vectors exactly")


def preserve_rates(plan: FinetunePlan, rows: np.ndarray | None = None) -> np.ndarray:
    """float64[n_pretrained]: the rates of ``plan.preserve`` (see ``FinetuneConfig.preserve``).

    Rows the corpus never uses get 1 (they never train as inputs). ``rows``: only those
    pre-trained rows' rates (at GoogleNews scale the temporaries of all 3M cost ~0.1 GB).
    """
    n_pre = plan.n_pretrained
    selected: slice | np.ndarray = slice(0, n_pre) if rows is None else rows
    preserve = plan.preserve
    n_d = plan.corpus_counts[:n_pre][selected]
    if _rate_one(preserve):
        return np.ones(len(n_d))
    n_b = required(plan.base_counts, "base counts")[selected]
    if preserve == "high":
        # tau = N_b / N_d reduces to n_d / (n_d + n_b): computed so, without rounding through the corpus sizes.
        return evidence_rates(n_d, n_b)
    base_tokens = required(plan.base_tokens, "base corpus size")
    if preserve == "adaptive":
        return adaptive_rates(n_d, float(plan.corpus_counts.sum()), n_b, base_tokens)
    return frequency_rates(n_d, float(plan.corpus_counts.sum()), n_b, base_tokens, preserve)


def pretrained_rates(plan: FinetunePlan) -> np.ndarray | float:
    """Main-phase learning-rate multipliers of the pre-trained rows: a numeric ``pretrained_lr``, else the rates."""
    lr = plan.settings.pretrained_lr
    if lr != AUTO:
        return cast(float, lr)  # FinetuneConfig allows "auto" or a number
    return preserve_rates(plan).astype(np.float32)


def output_words(state: TrainingState) -> int:
    """Output words the fine-tuning trains with (a Huffman tree's leaves): the words with output rows, or
    for a method training a domain-only model (``aligned``) that model's vocabulary."""
    if required(state.finetune_plan, "fine-tuning plan").method.domain_only:
        return len(domain_vocabulary(state))
    return required(state.weights, "weights").n_out


def domain_vocabulary(state: TrainingState) -> Vocabulary:
    """``method="aligned"``'s domain-only vocabulary: the corpus words passing ``min_count`` (and
    ``max_final_vocab``), as ``Word2Vec(corpus)`` would keep them."""
    plan, config = required(state.finetune_plan, "fine-tuning plan"), state.config
    union = required(state.vocab, "vocabulary")
    used = np.flatnonzero(plan.corpus_counts > 0)  # (not a loop over a 3M-word union)
    counts = {union.words[i]: int(plan.corpus_counts[i]) for i in used.tolist()}
    return Vocabulary.from_counts(counts, config.min_count, config.max_final_vocab)


def domain_state(state: TrainingState, corpus: EncodedCorpus) -> tuple[TrainingState, EncodedCorpus]:
    """``method="aligned"``'s domain-only model, untrained, and the corpus in its token ids.

    Its vocabulary is :func:`domain_vocabulary`, its configuration and seed the fine-tuning's:
    the model ``Word2Vec(corpus)`` would train.
    """
    config, union = state.config, required(state.vocab, "vocabulary")
    vocab = domain_vocabulary(state)
    if len(vocab) == 0:
        raise CorpusError(f"no word of the corpus occurs min_count={config.min_count} times")
    to_domain = np.full(len(union), -1, dtype=np.int32)
    to_domain[np.fromiter((union.index[w] for w in vocab.words), dtype=np.int64, count=len(vocab))] = \
        np.arange(len(vocab), dtype=np.int32)
    ids = to_domain[corpus.token_ids]
    keep = ids >= 0
    # kept[t]: tokens kept up to and including t; a sentence starting at s starts at kept[s - 1].
    kept = np.cumsum(keep, dtype=np.int32 if keep.shape[0] < 2**31 else np.int64)
    starts = corpus.sentence_offsets
    offsets = np.where(starts > 0, kept[np.maximum(starts, 1) - 1], 0).astype(np.int64)
    del kept
    encoded = EncodedCorpus(np.ascontiguousarray(ids[keep]), offsets, corpus.raw_tokens, corpus.split_lines)
    domain = TrainingState(config=config)
    weights = Weights.initial(len(vocab), config)
    # The domain model's output rows become the union's: they train at the recipe's output rate.
    for layer in weights.heads.values():
        layer.lr[:] = required(state.finetune_plan, "fine-tuning plan").settings.output_lr
    domain.set_vocabulary(vocab, weights)
    return domain, encoded


def combine_aligned(state: TrainingState, domain: TrainingState, shares: np.ndarray | None = None) -> None:
    """Install in ``state`` the trained ``domain`` model rotated onto the base and mixed with it per word.

    Input rows: :func:`fastw2v.alignment.combine` with ``rho`` the ``preserve`` rates (the
    rotation fitted by Procrustes over up to ``alignment.ANCHOR_WORDS`` shared frequent
    words); pre-trained words the domain model lacks keep their vectors exactly. Output
    rows (negative sampling): the domain model's, rotated alike (dot products with the
    rotated inputs are the domain model's), for every word it has; the others keep theirs
    (a saved model's, else zero). Hierarchical-softmax rows keep theirs: the union's
    Huffman tree is not the domain model's. The result trains on as a normal model.

    ``shares``: float64[n_pretrained], a domain share per pre-trained row to use instead of the
    ``preserve`` rates (to compare shares on one trained domain model).
    """
    plan = required(state.finetune_plan, "fine-tuning plan")
    weights, vocab = required(state.weights, "weights"), required(state.vocab, "vocabulary")
    d_weights = required(domain.weights, "weights")
    n_pre = plan.n_pretrained
    d_words, d_in = required(domain.vocab, "vocabulary").words, d_weights.w_in
    # Every domain word is in the union (base words first, then the corpus's new words).
    rows = np.fromiter((vocab.index[w] for w in d_words), dtype=np.int64, count=len(d_words))
    in_base, in_domain = anchor_pairs(rows, n_pre)
    if in_base.shape[0] == 0:
        raise CorpusError("method='aligned' needs words shared by the base and the domain corpus; there are none")
    rotation = procrustes(d_in[in_domain], weights.w_in[in_base])
    shared = rows < n_pre
    rho = np.ones(len(rows))
    rho[shared] = preserve_rates(plan, rows[shared]) if shares is None else shares[rows[shared]]
    if plan.settings.freeze == "pretrained":
        rho[shared] = 0.0
    combine(weights.w_in, n_pre, rows, d_in, rho, rotation)
    if "ns" in weights.heads and "ns" in d_weights.heads:
        # Every domain word is used by the corpus, so it has an output row in the union.
        rotate_into(weights.heads["ns"].w, weights.output_row(rows), d_weights.heads["ns"].w, rotation)
    plan.aligned_done = True
    set_phase_rates(state, warmup=False)


def estimated_counts(state: TrainingState) -> np.ndarray | None:
    """float64[n_words]: each word's count in the domain corpus plus its (real or estimated) base count.

    The counts of the corpora the vectors learned from together, which order a fine-tuned
    model's words as every word2vec file is ordered; None for a model that is not a
    fine-tuning, or one saved without base counts.
    """
    plan = state.finetune_plan
    if plan is None or plan.base_counts is None:
        return None
    totals = plan.corpus_counts.astype(np.float64)
    totals[:plan.n_pretrained] += plan.base_counts
    return totals


def frequency_order(state: TrainingState) -> tuple[np.ndarray, np.ndarray] | None:
    """The word order a fine-tuned model is shown and exported in: descending :func:`estimated_counts`.

    Inside the state a fine-tuning keeps the base's words first and the corpus's new words
    after them; shown in that order, ``restrict_vocab=N`` (gensim's "the N most frequent")
    would cut the new words whatever their counts, and a file exported so would give wrong
    ranks (hence wrong estimated counts) when fine-tuned again. Ties keep the state's order.

    Returns
    -------
    (order, counts) or None
        ``order``: int64[n_words], the state's row of each shown word; ``counts``: int64[n_words],
        the estimated counts in that order. None when the state's order is already it.
    """
    totals = estimated_counts(state)
    if totals is None:
        return None
    order = np.argsort(-totals, kind="stable")
    if np.array_equal(order, np.arange(order.shape[0])):
        return None
    return order, np.rint(totals[order]).astype(np.int64)


def combine_blend(state: TrainingState, shares: np.ndarray | None = None) -> None:
    """``method="blend"`` after its main phase: move each trained pre-trained row back toward its base vector.

    Each pre-trained word the corpus uses keeps ``rho`` (its ``preserve`` share) of its trained
    direction and ``1 - rho`` of its base direction, at the base's norm
    (:func:`fastw2v.alignment.blend`); words the corpus never used were never trained, and new
    words and the output layer keep what training made of them, so the result trains on as a
    normal model. Training started from the base, so both vectors are in one space: no rotation.
    ``shares`` as for :func:`combine_aligned`.
    """
    plan, weights = required(state.finetune_plan, "fine-tuning plan"), required(state.weights, "weights")
    used = np.flatnonzero(plan.corpus_counts[:plan.n_pretrained] > 0)
    rho = preserve_rates(plan, used) if shares is None else shares[used]
    if plan.settings.freeze == "pretrained":
        rho[:] = 0.0  # frozen rows never moved: they stay bit-identical
    blend(weights.w_in, used, required(plan.base_rows, "base rows to blend with"), rho)
    plan.blend_done = True
    plan.base_rows = None  # done with: a saved result does not carry the base's rows again


PHRASE_DELIMITERS = ("_", "-", "|", "+", "~", "/")


def pretrained_phrases(words: Sequence[str], delimiter: str | None = None) -> PhraseModel | None:
    """A model joining the corpus n-grams that are phrase entries of the pre-trained vocabulary ``words``.

    ``delimiter`` None: the one of :data:`PHRASE_DELIMITERS` that most multi-part entries
    use (``_`` for GoogleNews); None when no entry has one.
    """
    if delimiter is None:
        uses = {d: sum(1 for w in words if d in w.strip(d)) for d in PHRASE_DELIMITERS}
        delimiter = max(PHRASE_DELIMITERS, key=lambda d: uses[d])  # ties: the earlier, so "_"
        if not uses[delimiter]:
            logger.info("pre-trained vocabulary: no phrase entries (no word contains one of %s)",
                        " ".join(PHRASE_DELIMITERS))
            return None
    model = PhraseModel.from_phrases((w for w in words if delimiter in w), delimiter)
    logger.info("pre-trained vocabulary: %d phrase entries joined by %r", len(model.known or ()), delimiter)
    return model
