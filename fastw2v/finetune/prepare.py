"""The state a fine-tuning starts from: the vocabulary union, its weights (pre-trained rows moved in place, new
words initialised), the base's evidence, the plan, the anchor and the first phase's rates."""
from __future__ import annotations

import logging

import numpy as np

from ..base_counts import anchor_weights, estimate_base_counts
from ..config import METHODS, FinetuneConfig, Word2VecConfig
from ..errors import ConfigError, CorpusError
from ..state import Anchor, FinetunePlan, TrainingState, Weights, uniform_rows
from .pretrained import Pretrained, grow_rows
from .shares import describe_recipe, preserve_rates, rate_one, set_phase_rates
from .union import union_vocabulary

logger = logging.getLogger(__name__)


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
            if rate_one(plan.preserve):
                logger.warning("anchor_weights='frequency' with preserve=%r (rate 1 for every word) anchors no "
                               "row: set preserve to balanced, high or a number > 0", settings.preserve)
            strength = anchor_weights(settings.anchor, preserve_rates(plan, used))
        else:
            strength = np.full(used.shape[0], settings.anchor, dtype=np.float64)
        vectors = plan.base_rows if plan.base_rows is not None else np.ascontiguousarray(pre.vectors[kept[used]])
        anchor = Anchor(vectors=vectors, index=index, strength=strength)
    w_in = grow_rows(pre.vectors, kept, n - n_pre)
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
