"""The vocabularies of a fine-tuning: the union of the pre-trained words and the corpus's new ones, a combining
method's domain-only vocabulary, the output words that train, and the order the result shows its words in."""
from __future__ import annotations

import logging

import numpy as np

from ..state import TrainingState, required
from ..vocabulary import Vocabulary
from .pretrained import Pretrained

logger = logging.getLogger(__name__)


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


def domain_vocabulary(state: TrainingState) -> Vocabulary:
    """``method="aligned"``'s domain-only vocabulary: the corpus words passing ``min_count`` (and
    ``max_final_vocab``), as ``Word2Vec(corpus)`` would keep them."""
    plan, config = required(state.finetune_plan, "fine-tuning plan"), state.config
    union = required(state.vocab, "vocabulary")
    used = np.flatnonzero(plan.corpus_counts > 0)  # (not a loop over a 3M-word union)
    counts = {union.words[i]: int(plan.corpus_counts[i]) for i in used.tolist()}
    return Vocabulary.from_counts(counts, config.min_count, config.max_final_vocab)


def output_words(state: TrainingState) -> int:
    """Output words the fine-tuning trains with (a Huffman tree's leaves): the words with output rows, or
    for a method training a domain-only model (``aligned``) that model's vocabulary."""
    if required(state.finetune_plan, "fine-tuning plan").method.domain_only:
        return len(domain_vocabulary(state))
    return required(state.weights, "weights").n_out


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
