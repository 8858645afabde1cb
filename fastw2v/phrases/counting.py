"""Phrase scores and the counts they come from: the settings' limits, gensim's scorers over arrays,
unigram and bigram counts with gensim-style pruning, and the phrases one counting pass finds.

A bigram ``a b`` of token ids is the int64 key ``(a << SHIFT) | b``.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from ..kernels import text as text_kernels

logger = logging.getLogger(__name__)

SCORINGS = ("default", "npmi")
SHIFT = 31  # bigram key = (a << 31) | b: both ids are int32, so the key fits in an int64
LOW = (1 << SHIFT) - 1


def check_settings(min_count: int, threshold: float, scoring: str, delimiter: str) -> None:
    """Raise :class:`ConfigError` naming the first invalid phrase setting (gensim's limits)."""
    if scoring not in SCORINGS:
        raise ConfigError(f"scoring must be one of {', '.join(SCORINGS)}, got {scoring!r}")
    if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)) or min_count < 1:
        raise ConfigError(f"min_count must be an integer >= 1, got {min_count!r}")
    if not math.isfinite(threshold):
        raise ConfigError(f"threshold must be finite, got {threshold!r}")
    if scoring == "default" and threshold <= 0:
        raise ConfigError(f"threshold must be > 0 for default scoring, got {threshold!r}")
    if scoring == "npmi" and not -1 < threshold <= 1:
        raise ConfigError(f"threshold must be in (-1, 1] for npmi scoring, got {threshold!r}")
    if not isinstance(delimiter, str) or not delimiter or any(c.isspace() for c in delimiter):
        raise ConfigError(f"delimiter must be a non-empty string without whitespace, got {delimiter!r}")


def score_bigrams(count_a: np.ndarray, count_b: np.ndarray, count_ab: np.ndarray, len_vocab: int,
                  min_count: int, corpus_word_count: int, scoring: str) -> np.ndarray:
    """gensim's ``original_scorer`` / ``npmi_scorer`` over arrays of counts.

    The operations run in gensim's order, in float64, so scores agree to the last bit for
    ``default`` (``npmi``'s logarithms may differ from ``math.log`` by an ulp).

    Returns
    -------
    float64[n] ; ``-inf`` where gensim returns ``-inf``.
    """
    count_a = count_a.astype(np.int64)
    count_b = count_b.astype(np.int64)
    count_ab = count_ab.astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if scoring == "default":
            denom = (count_a * count_b).astype(np.float64)
            score = (count_ab - min_count) / denom * float(len_vocab)
            return np.where(denom == 0, -np.inf, score)
        total = float(corpus_word_count)
        p_a, p_b, p_ab = count_a / total, count_b / total, count_ab / total
        score = np.log(p_ab / (p_a * p_b)) / -np.log(p_ab)
        return np.where((count_ab >= min_count) & (count_a > 0) & (count_b > 0), score, -np.inf)


def spanning_pairs(lengths: np.ndarray) -> np.ndarray:
    """Indices of the adjacent pairs whose second token starts a sentence."""
    starts = np.cumsum(lengths) - lengths
    return starts[starts > 0] - 1


def _pair_keys(ids: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keys of every adjacent pair, and a mask that is False for pairs spanning two sentences."""
    keys = (ids[:-1].astype(np.int64) << SHIFT) | ids[1:]
    inside = np.ones(keys.size, dtype=bool)
    inside[spanning_pairs(lengths)] = False
    return keys, inside


class BigramCounts:
    """Running unigram and bigram counts with gensim-style pruning past ``max_vocab_size`` entries.

    Bigram keys are counted in a jitted open-addressing hash table (``kernels.text.count_keys``):
    a chunk costs one probe per pair instead of sorting its keys.
    """

    def __init__(self, max_vocab_size: int) -> None:
        self.max_vocab_size = max_vocab_size
        self.unigrams = np.zeros(0, dtype=np.int64)
        self.table_keys = np.full(1 << 16, -1, dtype=np.int64)  # -1: empty slot
        self.table_counts = np.zeros(1 << 16, dtype=np.int64)
        self.used = np.zeros(1, dtype=np.int64)
        self.min_reduce = 1
        self.corpus_word_count = 0

    def add(self, ids: np.ndarray, lengths: np.ndarray) -> None:
        unigrams = np.bincount(ids, minlength=self.unigrams.size)
        unigrams[:self.unigrams.size] += self.unigrams
        self.unigrams = unigrams
        self.corpus_word_count += ids.size
        keys, inside = _pair_keys(ids, lengths)
        keys, position = keys[inside], np.zeros(1, dtype=np.int64)
        while not text_kernels.count_keys(keys, self.table_keys, self.table_counts, self.used, position):
            self._rebuild(self.table_keys >= 0, 2 * self.table_keys.size)
        if self.n_entries() > self.max_vocab_size:
            self._prune()

    def _rebuild(self, keep: np.ndarray, size: int) -> None:
        """The table with only the slots ``keep``, in ``size`` slots."""
        keys, counts = self.table_keys[keep], self.table_counts[keep]
        self.table_keys = np.full(size, -1, dtype=np.int64)
        self.table_counts = np.zeros(size, dtype=np.int64)
        text_kernels.rehash_keys(keys, counts, self.table_keys, self.table_counts)
        self.used[0] = keys.size

    def _prune(self) -> None:
        """Forget every unigram and bigram seen fewer than ``min_reduce`` times (gensim's ``prune_vocab``)."""
        self._rebuild((self.table_keys >= 0) & (self.table_counts >= self.min_reduce), self.table_keys.size)
        self.unigrams[self.unigrams < self.min_reduce] = 0
        logger.info("phrases: over %d unigrams + bigrams, pruned those seen < %d times (counts are now "
                    "approximate)", self.max_vocab_size, self.min_reduce)
        self.min_reduce += 1

    def n_entries(self) -> int:
        """Distinct unigrams + bigrams: gensim's ``len(vocab)``."""
        return int(np.count_nonzero(self.unigrams)) + int(self.used[0])

    def phrases(self, min_count: int, threshold: float, scoring: str) -> tuple[np.ndarray, np.ndarray]:
        """Keys and scores of the bigrams scoring above ``threshold``, in key order."""
        # Only bigrams seen at least min_count times can score above a valid threshold (default:
        # a count <= min_count scores <= 0; npmi: -inf below min_count), so only those are scored.
        frequent = np.flatnonzero((self.table_counts >= min_count) & (self.table_keys >= 0))
        order = np.argsort(self.table_keys[frequent])
        keys, counts = self.table_keys[frequent][order], self.table_counts[frequent][order]
        score = score_bigrams(self.unigrams[keys >> SHIFT], self.unigrams[keys & LOW], counts, self.n_entries(),
                              min_count, self.corpus_word_count, scoring)
        chosen = score > threshold
        return keys[chosen], score[chosen]


@dataclass(frozen=True)
class PhrasePass:
    """The phrases of one pass: ``left[i] + delimiter + right[i]`` scored ``scores[i]``."""

    left: tuple[str, ...]
    right: tuple[str, ...]
    scores: np.ndarray  # float64[n_phrases]
    corpus_word_count: int = 0
    len_vocab: int = 0
