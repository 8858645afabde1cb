"""Vocabulary counting/pruning and the tables derived from counts (subsampling, alias, Huffman)."""
from __future__ import annotations

import heapq
import math
from collections import Counter

import numpy as np
import pytest
from scipy import stats

from fastw2v import kernels
from fastw2v.vocabulary import (Vocabulary, alias_table, count_words, huffman_tree, keep_probabilities,
                                noise_distribution)


# ----------------------------------------------------------------------------------------------------
# counting, ordering, min_count, pruning
# ----------------------------------------------------------------------------------------------------

def test_count_words_counts_tokens_and_sentences():
    sentences = [["b", "a", "b"], [], ["c", "a", "b", "d"]]
    counts, n_tokens, n_sentences = count_words(sentences)
    assert dict(counts) == {"a": 2, "b": 3, "c": 1, "d": 1}
    assert n_tokens == 7
    assert n_sentences == 3


def test_from_counts_descending_with_stable_ties():
    # first appearance order: x, y, z, w, v ; counts x=2 y=3 z=2 w=3 v=1
    counts, _, _ = count_words([["x", "y", "z"], ["w", "y", "x"], ["z", "w", "y", "w", "v"]])
    vocab = Vocabulary.from_counts(counts)
    assert vocab.words == ["y", "w", "x", "z", "v"]
    assert vocab.counts.tolist() == [3, 3, 2, 2, 1]
    assert vocab.counts.dtype == np.int64
    assert vocab.index == {"y": 0, "w": 1, "x": 2, "z": 3, "v": 4}
    assert vocab.total == 11
    assert "x" in vocab and "q" not in vocab
    assert len(vocab) == 5


def test_from_counts_ties_follow_first_appearance_on_many_words():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(200)]
    sentences = [[words[k] for k in rng.integers(0, 200, size=30)] for _ in range(100)]
    counts, _, _ = count_words(sentences)
    first_seen = {}
    for s in sentences:
        for w in s:
            first_seen.setdefault(w, len(first_seen))
    vocab = Vocabulary.from_counts(counts)
    expected = sorted(counts, key=lambda w: (-counts[w], first_seen[w]))
    assert vocab.words == expected


def test_min_count():
    counts = Counter({"a": 5, "b": 4, "c": 3, "d": 3, "e": 1})
    assert Vocabulary.from_counts(counts, min_count=3).words == ["a", "b", "c", "d"]
    assert Vocabulary.from_counts(counts, min_count=4).words == ["a", "b"]
    assert Vocabulary.from_counts(counts, min_count=6).words == []
    assert Vocabulary.from_counts(counts, min_count=1).words == ["a", "b", "c", "d", "e"]


def _reference_reduce_vocab(sentences, max_vocab_size):
    """word2vec.c's ReduceVocab applied (like gensim) after each sentence: drop count <= min_reduce, then ++."""
    counts: dict[str, int] = {}
    min_reduce = 1
    for sentence in sentences:
        for w in sentence:
            counts[w] = counts.get(w, 0) + 1
        if len(counts) > max_vocab_size:
            counts = {w: c for w, c in counts.items() if c > min_reduce}
            min_reduce += 1
    return counts


def test_max_vocab_size_pruning_hand_example():
    sentences = [["a", "a", "b"], ["c", "d"], ["a", "c"], ["e"], ["f", "g"]]
    # after s2: {a2 b1 c1 d1} has 4 > 3 words -> drop count <= 1 -> {a2}; threshold becomes 2
    # after s3: {a3 c1}; after s4: {a3 c1 e1}  (3 words: not above the limit)
    # after s5: {a3 c1 e1 f1 g1} 5 > 3 -> drop count <= 2 -> {a3}
    counts, n_tokens, n_sentences = count_words(sentences[:4], max_vocab_size=3)
    assert dict(counts) == {"a": 3, "c": 1, "e": 1}
    counts, n_tokens, n_sentences = count_words(sentences, max_vocab_size=3)
    assert dict(counts) == {"a": 3}
    assert n_tokens == 10  # pruned tokens are still counted as seen
    assert n_sentences == 5


@pytest.mark.parametrize("limit", [5, 20, 60])
def test_max_vocab_size_matches_reduce_vocab_reference(limit):
    rng = np.random.default_rng(limit)
    # Zipf-ish corpus so some words survive and some are pruned
    ranks = np.minimum(rng.zipf(1.3, size=20_000), 500)
    tokens = [f"t{r}" for r in ranks]
    sentences = [tokens[i:i + 37] for i in range(0, len(tokens), 37)]
    counts, n_tokens, _ = count_words(sentences, max_vocab_size=limit)
    assert dict(counts) == _reference_reduce_vocab(sentences, limit)
    assert n_tokens == len(tokens)
    assert len(counts) < len(set(tokens))  # something was pruned
    unpruned, _, _ = count_words(sentences)
    for w, c in counts.items():  # surviving counts never exceed the truth
        assert c <= unpruned[w]


def test_max_final_vocab_never_cuts_between_equal_counts():
    counts = Counter({"a": 5, "b": 4, "c": 4, "d": 3, "e": 1})
    assert Vocabulary.from_counts(counts, max_final_vocab=2).words == ["a"]  # b,c tie at the cut
    assert Vocabulary.from_counts(counts, max_final_vocab=3).words == ["a", "b", "c"]
    assert Vocabulary.from_counts(counts, max_final_vocab=4).words == ["a", "b", "c", "d"]
    assert Vocabulary.from_counts(counts, max_final_vocab=5).words == ["a", "b", "c", "d", "e"]
    assert Vocabulary.from_counts(counts, max_final_vocab=100).words == ["a", "b", "c", "d", "e"]
    # min_count still applies when stricter than the max_final_vocab threshold
    assert Vocabulary.from_counts(counts, min_count=5, max_final_vocab=4).words == ["a"]


def test_vocabulary_rejects_duplicates_and_length_mismatch():
    with pytest.raises(ValueError):
        Vocabulary(["a", "a"], np.array([2, 1]))
    with pytest.raises(ValueError):
        Vocabulary(["a", "b"], np.array([2]))


# ----------------------------------------------------------------------------------------------------
# subsampling keep probabilities
# ----------------------------------------------------------------------------------------------------

def test_keep_probabilities_word2vec_formula_hand_example():
    counts = np.array([1000, 100, 10, 1])
    sample = 1e-2
    p = keep_probabilities(counts, sample)
    assert p.dtype == np.float32
    # word2vec.c: ran = (sqrt(cn / (sample * train_words)) + 1) * (sample * train_words) / cn
    t = sample * 1111  # 11.11
    expected = [min(1.0, (math.sqrt(c / t) + 1) * t / c) for c in (1000, 100, 10, 1)]
    np.testing.assert_allclose(p, expected, rtol=1e-6)
    # the values worked out by hand
    assert p[0] == pytest.approx(0.116514, abs=1e-6)
    assert p[1] == pytest.approx(0.444417, abs=1e-6)
    assert p[2] == 1.0 and p[3] == 1.0


def test_keep_probabilities_sample_zero_is_all_ones():
    p = keep_probabilities(np.array([10 ** 6, 1000, 1, 1]), 0)
    assert p.dtype == np.float32
    assert np.array_equal(p, np.ones(4, dtype=np.float32))


def test_keep_probabilities_monotone_and_capped():
    counts = np.array([50_000, 20_000, 5000, 1000, 100, 10, 1])
    p = keep_probabilities(counts, 1e-3)
    assert np.all(p <= 1.0) and np.all(p > 0)
    assert np.all(np.diff(p) >= 0)  # rarer words are kept at least as often


# ----------------------------------------------------------------------------------------------------
# noise distribution and alias table
# ----------------------------------------------------------------------------------------------------

def _alias_probabilities(threshold, alias):
    """The distribution an alias table samples: (threshold[j] + sum over i aliased to j of 1-threshold[i]) / n."""
    n = len(threshold)
    thr = threshold.astype(np.float64)
    p = thr.copy()
    np.add.at(p, alias.astype(np.int64), 1.0 - thr)
    return p / n


@pytest.mark.parametrize("counts", [
    np.array([100, 50, 50, 20, 7, 3, 1, 1]),
    np.array([1, 1, 1, 1]),
    np.array([10 ** 6, 1]),
    np.random.default_rng(3).zipf(1.5, size=3000) % 100_000 + 1,
])
def test_alias_table_reconstructs_distribution_exactly(counts):
    probs = noise_distribution(counts, 0.75)
    np.testing.assert_allclose(probs, counts ** 0.75 / (counts ** 0.75).sum(), rtol=1e-12)
    threshold, alias = alias_table(probs)
    assert threshold.dtype == np.float32 and alias.dtype == np.int32
    assert threshold.shape == alias.shape == counts.shape
    assert np.all((threshold >= 0) & (threshold <= 1))
    assert np.all((alias >= 0) & (alias < len(counts)))
    np.testing.assert_allclose(_alias_probabilities(threshold, alias), probs, atol=1e-6, rtol=0)


def _state(seed, epoch=0, sentence=0):
    """A uint64 RNG state. ``rng_seed`` returns a Python int when called from Python; passed back as is,
    Numba would compile the kernel for an int64 state (int64 + uint64 arithmetic is float64 in Numba) and
    draw a different, skewed stream, so the state is converted back to uint64 explicitly."""
    return np.uint64(kernels.rng_seed(seed, epoch, sentence))


def _draw(threshold, alias, n_draws, centre=-1, seed=12345):
    targets = np.empty(n_draws + 1, dtype=np.int32)
    labels = np.empty(n_draws + 1, dtype=np.float32)
    n, _ = kernels.draw_negatives(kernels.NegativeSampling(threshold, alias, n_draws), centre, targets, labels,
                                  _state(seed))
    assert targets[0] == centre and labels[0] == 1.0
    assert np.all(labels[1:n] == 0.0)
    return targets[1:n]


def test_draw_negatives_matches_count_power_075():
    counts = np.array([500, 300, 120, 80, 40, 20, 10, 5, 2, 1])
    probs = noise_distribution(counts, 0.75)
    threshold, alias = alias_table(probs)
    n_draws = 400_000
    drawn = _draw(threshold, alias, n_draws)
    assert len(drawn) == n_draws
    observed = np.bincount(drawn, minlength=len(counts))
    expected = probs * n_draws
    chi2 = ((observed - expected) ** 2 / expected).sum()
    assert chi2 < stats.chi2.ppf(0.9999, df=len(counts) - 1), (observed, expected)
    # and not merely "roughly right": no single frequency off by more than 5 standard deviations
    sd = np.sqrt(n_draws * probs * (1 - probs))
    assert np.all(np.abs(observed - expected) < 5 * sd)


def test_draw_negatives_skips_centre_word():
    counts = np.array([100, 60, 30, 10])
    probs = noise_distribution(counts)
    threshold, alias = alias_table(probs)
    n_draws = 200_000
    drawn = _draw(threshold, alias, n_draws, centre=0)
    assert 0 not in drawn
    observed = np.bincount(drawn, minlength=4)
    # about a probs[0] share of the draws hit the centre and were skipped
    skipped = n_draws - len(drawn)
    assert abs(skipped - probs[0] * n_draws) < 5 * math.sqrt(n_draws * probs[0] * (1 - probs[0]))
    rest = probs[1:] / probs[1:].sum()
    chi2 = ((observed[1:] - rest * len(drawn)) ** 2 / (rest * len(drawn))).sum()
    assert chi2 < stats.chi2.ppf(0.9999, df=2)


@pytest.mark.parametrize("seed", range(5))
def test_zero_count_words_are_never_drawn(seed):
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 1000, size=300)
    zero = rng.choice(300, size=60, replace=False)
    counts[zero] = 0
    probs = noise_distribution(counts)
    assert np.all(probs[zero] == 0)
    threshold, alias = alias_table(probs)
    # no probability mass can reach a zero-count word: its own threshold is 0 and no column aliases to it
    assert np.all(threshold[zero] == 0)
    partial = threshold < 1
    assert not np.isin(alias[partial], zero).any()
    drawn = _draw(threshold, alias, 100_000, seed=seed)
    assert not np.isin(drawn, zero).any()


def test_noise_distribution_rejects_all_zero():
    with pytest.raises(ValueError):
        noise_distribution(np.array([0, 0, 0]))


# ----------------------------------------------------------------------------------------------------
# Huffman tree
# ----------------------------------------------------------------------------------------------------

def _heapq_huffman_cost(counts):
    """Optimal weighted path length: the sum of all merged weights of a heap-based Huffman construction."""
    heap = [int(c) for c in counts]
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        a = heapq.heappop(heap)
        b = heapq.heappop(heap)
        cost += a + b
        heapq.heappush(heap, a + b)
    return cost


HUFFMAN_CASES = [
    np.array([5, 3]),
    np.array([1, 1, 1, 1]),
    np.array([45, 16, 13, 12, 9, 5]),
    np.array([100, 10, 10, 10, 1, 1, 1, 1, 1]),
    np.array([8, 4, 2, 1, 1]),
    np.random.default_rng(7).zipf(1.4, size=400) % 10_000 + 1,
    np.random.default_rng(8).integers(1, 5, size=257),
]


@pytest.mark.parametrize("counts", HUFFMAN_CASES, ids=lambda c: f"n{len(c)}")
def test_huffman_tree_is_optimal_prefix_code(counts):
    n = len(counts)
    tree = huffman_tree(counts)
    assert tree.offsets.shape == (n + 1,)
    assert tree.offsets[0] == 0 and tree.offsets[-1] == len(tree.codes) == len(tree.points)
    codes = [tuple(tree.codes[tree.offsets[w]:tree.offsets[w + 1]].tolist()) for w in range(n)]
    points = [tuple(tree.points[tree.offsets[w]:tree.offsets[w + 1]].tolist()) for w in range(n)]
    assert set(tree.codes.tolist()) <= {0, 1}

    # every word has a code, and codes are distinct and prefix-free
    assert all(len(c) >= 1 for c in codes)
    ordered = sorted(codes)
    assert len(set(codes)) == n
    for a, b in zip(ordered, ordered[1:]):  # in lexicographic order a prefix sorts right before its extensions
        assert b[:len(a)] != a, (a, b)

    # optimal: weighted path length equals the Huffman cost
    wpl = sum(int(c) * len(code) for c, code in zip(counts, codes))
    assert wpl == _heapq_huffman_cost(counts)

    # paths start at the root (inner node n-2); inner-node ids are in 0..n-2 and all used
    assert all(p[0] == n - 2 for p in points)
    assert tree.points.min() >= 0 and tree.points.max() == n - 2
    assert set(tree.points.tolist()) == set(range(n - 1))

    # points and codes describe one tree: the node reached after a code prefix is the same for every word
    node_of_prefix: dict[tuple, int] = {}
    for code, path in zip(codes, points):
        for depth in range(len(code)):
            prefix = code[:depth]
            assert node_of_prefix.setdefault(prefix, path[depth]) == path[depth]
    assert len(node_of_prefix) == n - 1  # n-1 inner nodes, each a distinct prefix


def test_huffman_frequent_words_get_shorter_codes():
    counts = np.array([1000, 500, 100, 50, 10, 5, 1])
    tree = huffman_tree(counts)
    lengths = np.diff(tree.offsets)
    assert np.all(np.diff(lengths) >= 0)
    assert lengths[0] == 1


def test_huffman_needs_two_words():
    with pytest.raises(ValueError):
        huffman_tree(np.array([3]))


# ----------------------------------------------------------------------------------------------------
# subsampling kernel
# ----------------------------------------------------------------------------------------------------

def test_subsample_kept_fraction_matches_keep_prob():
    keep = np.array([0.05, 0.3, 0.5, 0.9, 1.0], dtype=np.float32)
    per_word = 40_000
    rng = np.random.default_rng(0)
    token_ids = rng.permutation(np.repeat(np.arange(5, dtype=np.int32), per_word)).astype(np.int32)
    out = np.empty_like(token_ids)
    n, _ = kernels.subsample(token_ids, 0, len(token_ids), keep, out, _state(3))
    kept = np.bincount(out[:n], minlength=5)
    assert kept[4] == per_word  # p == 1 is always kept
    for w in range(4):
        p = float(keep[w])
        sd = math.sqrt(per_word * p * (1 - p))
        assert abs(kept[w] - p * per_word) < 5 * sd, (w, kept[w], p * per_word)
    # the survivors are a subsequence of the input, in order
    it = iter(token_ids.tolist())
    assert all(any(w == x for x in it) for w in out[:n].tolist())


def test_subsample_with_model_keep_probabilities():
    counts = np.array([20_000, 5000, 1000, 200, 50])
    keep = keep_probabilities(counts, 1e-3)
    token_ids = np.random.default_rng(1).permutation(np.repeat(np.arange(5), counts)).astype(np.int32)
    out = np.empty_like(token_ids)
    n, _ = kernels.subsample(token_ids, 0, len(token_ids), keep, out, _state(9, 1, 2))
    kept = np.bincount(out[:n], minlength=5)
    for w in range(5):
        p = float(keep[w])
        sd = math.sqrt(counts[w] * p * (1 - p))
        assert abs(kept[w] - p * counts[w]) <= 5 * sd + 1e-9
