"""Vocabulary: word counts, pruning, and the tables derived from counts.

Derived tables (subsampling keep-probabilities, the negative-sampling alias table
and the Huffman tree) are pure functions of the counts, so a saved model stores
only words and counts and rebuilds them on load.
"""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .kernels import HierarchicalSoftmax

logger = logging.getLogger(__name__)


def count_words(sentences: Iterable[list[str]], max_vocab_size: int | None = None) -> tuple[Counter, int, int]:
    """Count word occurrences over a corpus.

    Parameters
    ----------
    sentences : iterable of list of str
    max_vocab_size : int, optional
        When the number of distinct words exceeds this, words with count <= a
        threshold are dropped and the threshold grows by one, as in word2vec.c's
        ``ReduceVocab``, so memory stays bounded during the scan.

    Returns
    -------
    counts : Counter
    n_tokens : int
        Total tokens seen.
    n_sentences : int
    """
    counts: Counter = Counter()
    n_tokens = 0
    n_sentences = 0
    min_reduce = 1
    for sentence in sentences:
        counts.update(sentence)
        n_tokens += len(sentence)
        n_sentences += 1
        if max_vocab_size is not None and len(counts) > max_vocab_size:
            counts = Counter({w: c for w, c in counts.items() if c > min_reduce})
            logger.info("pruned vocabulary to %d words (dropped counts <= %d)", len(counts), min_reduce)
            min_reduce += 1
    return counts, n_tokens, n_sentences


@dataclass
class Vocabulary:
    """Words sorted by descending count, with their counts.

    Attributes
    ----------
    words : list of str
        Index -> word.
    counts : int64[n_words]
    index : dict
        Word -> index.
    """

    words: list[str]
    counts: np.ndarray
    index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.counts = np.ascontiguousarray(self.counts, dtype=np.int64)
        if len(self.words) != len(self.counts):
            raise ValueError(f"vocabulary has {len(self.words)} words but {len(self.counts)} counts")
        if not self.index:
            self.index = {w: i for i, w in enumerate(self.words)}
        if len(self.index) != len(self.words):
            raise ValueError("vocabulary has duplicate words")

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    @classmethod
    def from_counts(cls, counts: Mapping[str, int], min_count: int = 1,
                    max_final_vocab: int | None = None) -> Vocabulary:
        """Keep words with ``count >= min_count`` (raised if needed to fit ``max_final_vocab``).

        Ties keep the order of first appearance (Python's sort is stable), so the
        result is deterministic for a given corpus.
        """
        items = sorted(counts.items(), key=lambda kv: -kv[1])
        if max_final_vocab is not None and len(items) > max_final_vocab:
            # Like gensim: raise min_count until the vocabulary fits, never cut between equal counts.
            threshold = items[max_final_vocab][1] + 1
            min_count = max(min_count, threshold)
        kept = [(w, c) for w, c in items if c >= min_count]
        return cls([w for w, _ in kept], np.array([c for _, c in kept], dtype=np.int64))

    @property
    def total(self) -> int:
        """Sum of counts of the kept words."""
        return int(self.counts.sum())


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """Probability of keeping each occurrence of a word under frequent-word subsampling.

    word2vec.c's formula: ``(sqrt(f / t) + 1) * t / f`` with ``f`` the word's
    frequency and ``t = sample``, capped at 1. ``sample=0`` keeps everything.

    Returns
    -------
    float32[n_words]
    """
    counts = np.asarray(counts, dtype=np.float64)
    if sample == 0 or counts.size == 0:
        return np.ones(counts.shape, dtype=np.float32)
    threshold = sample * counts.sum()
    with np.errstate(divide="ignore"):
        p = (np.sqrt(counts / threshold) + 1.0) * threshold / counts
    p[counts == 0] = 0.0  # never-seen words (fine-tuning) are never trained from the corpus anyway
    return np.minimum(p, 1.0).astype(np.float32)


def noise_distribution(counts: np.ndarray, exponent: float = 0.75) -> np.ndarray:
    """Negative-sampling distribution ``count**exponent`` normalised, float64[n_words]."""
    weights = np.asarray(counts, dtype=np.float64) ** exponent
    weights[np.asarray(counts) == 0] = 0.0  # words absent from the corpus are never sampled
    total = weights.sum()
    if total <= 0:
        raise ValueError("noise distribution needs at least one word with a positive count")
    return weights / total


def alias_table(probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walker/Vose alias table for O(1) sampling from a discrete distribution.

    Replaces word2vec.c's 1e8-entry unigram table (400 MB) with two arrays of
    vocabulary size that stay in cache. Draw: ``i = uniform int < n``; keep ``i``
    if ``u < threshold[i]`` else take ``alias[i]``.

    Returns
    -------
    threshold : float32[n]
    alias : int32[n]
    """
    p = np.asarray(probabilities, dtype=np.float64)
    n = p.size
    scaled = p * n
    threshold = np.ones(n, dtype=np.float64)
    alias = np.arange(n, dtype=np.int32)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s = small.pop()
        g = large[-1]
        threshold[s] = scaled[s]
        alias[s] = g
        scaled[g] = (scaled[g] + scaled[s]) - 1.0
        if scaled[g] < 1.0:
            large.pop()
            small.append(g)
    # Whatever remains is 1 up to rounding.
    for i in small + large:
        threshold[i] = 1.0
        alias[i] = i
    return threshold.astype(np.float32), alias


def huffman_tree(counts: np.ndarray) -> HierarchicalSoftmax:
    """The Huffman tree of ``counts`` in CSR layout, built with word2vec.c's two-queue method (O(n) after sorting).

    For word ``w`` the path runs from the root to the leaf: ``points[offsets[w]:offsets[w+1]]``
    are inner-node indices (rows of the HS output matrix, ``n_words - 1`` of them) and
    ``codes[...]`` the branch taken at each (0 or 1), as in word2vec.c.

    Returns
    -------
    HierarchicalSoftmax
        ``codes`` uint8[total_path_length], ``points`` int32[total_path_length], ``offsets`` int64[n_words + 1].
    """
    counts = np.asarray(counts, dtype=np.int64)
    n = counts.size
    if n < 2:
        raise ValueError("hierarchical softmax needs at least 2 words")
    order = np.argsort(counts, kind="stable")  # ascending
    # Nodes 0..n-1 are leaves (by word index), n..2n-2 inner nodes in creation order.
    weight = np.empty(2 * n - 1, dtype=np.int64)
    weight[:n] = counts
    parent = np.empty(2 * n - 1, dtype=np.int64)
    branch = np.zeros(2 * n - 1, dtype=np.uint8)
    leaf_pos, inner_pos = 0, n
    w_list = weight  # local alias: the loop runs n-1 times in Python; ~1 s for 1M words
    for new in range(n, 2 * n - 1):
        picked = []
        for _ in range(2):
            if leaf_pos < n and (inner_pos >= new or w_list[order[leaf_pos]] <= w_list[inner_pos]):
                picked.append(int(order[leaf_pos]))
                leaf_pos += 1
            else:
                picked.append(inner_pos)
                inner_pos += 1
        weight[new] = weight[picked[0]] + weight[picked[1]]
        parent[picked[0]] = new
        parent[picked[1]] = new
        branch[picked[1]] = 1
    # Paths are walked leaf -> root for all leaves at once, one NumPy step per tree level: Python
    # lists of path nodes cost 35 MB of peak memory on text8's 71k words (an int object per node).
    def steps_up():
        """Per level: how far up the walk is, the leaves still below the root, and their nodes."""
        leaves = node = np.arange(n)
        level = 0
        while leaves.size:
            yield level, leaves, node
            node = parent[node]
            below_root = node != 2 * n - 2
            leaves, node, level = leaves[below_root], node[below_root], level + 1

    lengths = np.zeros(n, dtype=np.int64)
    for _, leaves, _ in steps_up():
        lengths[leaves] += 1
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    codes = np.empty(offsets[-1], dtype=np.uint8)
    points = np.empty(offsets[-1], dtype=np.int32)
    for level, leaves, node in steps_up():  # paths run root -> leaf, so each is filled from its end
        at = offsets[leaves + 1] - 1 - level
        codes[at] = branch[node]
        points[at] = parent[node] - n  # inner node id: 0..n-2, root = n-2
    return HierarchicalSoftmax(codes=codes, points=points, offsets=offsets)
