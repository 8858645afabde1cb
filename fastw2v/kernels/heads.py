"""Output layers ("heads"): which output rows score one example, after fastText's ``loss.h``.

A head reaches the kernels as a pair ``(Layer, table)``: its output matrix with its
per-row rates (:class:`~fastw2v.kernels.rows.Layer`) and a namedtuple of its lookup
tables, whose type says which head it is. The training loop handles every head alike
through four generic functions, each implemented per table type with
:func:`~fastw2v.kernels.codegen.implements`: :func:`pick_targets` fills an example's
targets and labels, :func:`max_targets` bounds their number, :func:`first_hot_row`
says where the head's most used rows are, and :func:`prefetch_targets` starts loading
the rows the next example will read first. Every head then trains through the same
update rule, :func:`~fastw2v.kernels.update.logistic_block`.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from .codegen import implements, prefetch_row
from .rng import rng_next, uniform

#: Negative sampling: the centre word (label 1) and ``negative`` draws from the noise distribution's
#: Walker alias table (label 0): ``threshold`` float32[n_out], ``alias`` int32[n_out]. Rows are words.
NegativeSampling = namedtuple("NegativeSampling", "threshold alias negative")

#: Hierarchical softmax: the inner nodes on the word's path in a Huffman tree of the counts, CSR layout.
#: For word ``w`` the path runs root -> leaf: ``points[offsets[w]:offsets[w+1]]`` int32 are inner-node
#: rows (``n_out - 1`` of them, the root last) and ``codes[...]`` uint8 the branch taken at each (0 or 1),
#: as in word2vec.c; ``offsets`` int64[n_out + 1].
HierarchicalSoftmax = namedtuple("HierarchicalSoftmax", "codes points offsets")


def pick_targets(head, centre, example, state):
    """Fill ``example.targets``/``labels`` with the output rows that score ``centre``.

    Returns
    -------
    (n_targets, state)
        How many were filled, and the RNG state after the head's draws.
    """
    raise NotImplementedError("a jitted function: see codegen.implements")


def max_targets(head):
    """The most targets :func:`pick_targets` fills for one example."""
    raise NotImplementedError("a jitted function: see codegen.implements")


def first_hot_row(head, n_rows, n_hot):
    """First of the head's ``n_hot`` most used rows (of ``n_rows``), the ones buffered per kernel call."""
    raise NotImplementedError("a jitted function: see codegen.implements")


def prefetch_targets(head, layer, centre):
    """Start loading the rows of ``layer`` an example with this centre word reads first (no effect on results)."""
    raise NotImplementedError("a jitted function: see codegen.implements")


@njit(cache=True, nogil=True, inline="always")
def draw_negatives(head, centre, targets, labels, state):
    """Fill ``targets``/``labels`` with the centre word (label 1) and up to ``head.negative`` noise words.

    Noise words come from the alias table; a draw equal to the centre word is
    skipped, as in word2vec.c.

    Returns
    -------
    (n_targets, state)
    """
    targets[0] = centre
    labels[0] = 1.0
    n_targets = 1
    n = np.uint64(head.alias.shape[0])
    for _ in range(head.negative):
        state, bits = rng_next(state)
        k = np.int64(bits % n)
        if uniform(bits) >= head.threshold[k]:
            k = head.alias[k]
        if k == centre:
            continue
        targets[n_targets] = k
        labels[n_targets] = 0.0
        n_targets += 1
    return n_targets, state


@implements(pick_targets, NegativeSampling)
def _negatives(head, centre, example, state):
    return draw_negatives(head, centre, example.targets, example.labels, state)


@implements(max_targets, NegativeSampling)
def _negatives_count(head):
    return head.negative + 1


@implements(first_hot_row, NegativeSampling)
def _frequent_words(head, n_rows, n_hot):
    return 0  # word ids are in descending count order


@implements(prefetch_targets, NegativeSampling)
def _centre_row(head, layer, centre):
    prefetch_row(layer.w, centre)  # the first target; the negatives are random


@implements(pick_targets, HierarchicalSoftmax)
def _huffman_path(head, centre, example, state):
    """The inner nodes on ``centre``'s path, labelled 1 - code (no random draws)."""
    targets, labels = example.targets, example.labels
    n_targets = 0
    for k in range(head.offsets[centre], head.offsets[centre + 1]):
        targets[n_targets] = head.points[k]
        labels[n_targets] = np.float32(1.0) - np.float32(head.codes[k])
        n_targets += 1
    return n_targets, state


@implements(max_targets, HierarchicalSoftmax)
def _deepest_path(head):
    deepest = 0
    for w in range(head.offsets.shape[0] - 1):
        deepest = max(deepest, head.offsets[w + 1] - head.offsets[w])
    return deepest


@implements(first_hot_row, HierarchicalSoftmax)
def _root_nodes(head, n_rows, n_hot):
    return n_rows - n_hot  # inner nodes are numbered in creation order: the root is the last


@implements(prefetch_targets, HierarchicalSoftmax)
def _no_prefetch(head, layer, centre):
    return None  # the nodes near the root are shared by every word and stay in cache
