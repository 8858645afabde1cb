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
from numba.extending import overload

from .codegen import implements, prefetch_row
from .rng import rng_next, uniform
from .rows import buffer_rows, merge_rows
from .update import logistic_block

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

    An implementation writes through local names for the two arrays (``targets =
    example.targets``): Numba 0.68 loses stores such as ``example.targets[i] = k`` made in
    a loop of an inlined overload.

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


# A network's heads are a tuple of (Layer, table) pairs of different types. The functions below
# run over all of them as recursion on the tuple, which Numba resolves (and inlines) when a
# kernel compiles: the per-example ones must inline the update rule, which a loop over the
# tuple (numba.literal_unroll) cannot.
def buffer_heads(heads, n_hot):
    """The :func:`~fastw2v.kernels.rows.buffer_rows` of each head's ``n_hot`` most used rows, a tuple."""
    raise NotImplementedError("a jitted function")


def merge_heads(heads, buffers):
    """:func:`~fastw2v.kernels.rows.merge_rows` of each head's buffer (of :func:`buffer_heads`)."""
    raise NotImplementedError("a jitted function")


def most_targets(heads):
    """The most targets any head fills for one example (at least 1)."""
    raise NotImplementedError("a jitted function")


def prefetch_heads(heads, centre):
    """:func:`prefetch_targets` of each head for an example of ``centre``."""
    raise NotImplementedError("a jitted function")


def train_heads(heads, buffers, centre, example, n_in, lr, loss, state, dim):
    """Each head's part of an example, in order: pick its targets for ``centre`` and train them on its rows.

    Returns
    -------
    (loss, state)
        ``loss`` plus the heads' losses, and the RNG state after their draws.
    """
    raise NotImplementedError("a jitted function")


@overload(buffer_heads, inline="always")
def _buffer_heads(heads, n_hot):
    if len(heads) == 0:
        return lambda heads, n_hot: ()

    def first_then_rest(heads, n_hot):
        layer, head = heads[0]
        first = buffer_rows(layer.w, first_hot_row(head, layer.w.shape[0], n_hot), n_hot)
        return (first,) + buffer_heads(heads[1:], n_hot)
    return first_then_rest


@overload(merge_heads, inline="always")
def _merge_heads(heads, buffers):
    if len(heads) == 0:
        return lambda heads, buffers: None

    def first_then_rest(heads, buffers):
        merge_rows(heads[0][0], buffers[0])
        merge_heads(heads[1:], buffers[1:])
    return first_then_rest


@overload(most_targets, inline="always")
def _most_targets(heads):
    if len(heads) == 0:
        return lambda heads: 1

    def first_then_rest(heads):
        return max(max_targets(heads[0][1]), most_targets(heads[1:]))
    return first_then_rest


@overload(prefetch_heads, inline="always")
def _prefetch_heads(heads, centre):
    if len(heads) == 0:
        return lambda heads, centre: None

    def first_then_rest(heads, centre):
        prefetch_targets(heads[0][1], heads[0][0], centre)
        prefetch_heads(heads[1:], centre)
    return first_then_rest


@overload(train_heads, inline="always")
def _train_heads(heads, buffers, centre, example, n_in, lr, loss, state, dim):
    if len(heads) == 0:
        return lambda heads, buffers, centre, example, n_in, lr, loss, state, dim: (loss, state)

    def first_then_rest(heads, buffers, centre, example, n_in, lr, loss, state, dim):
        layer, head = heads[0]
        n_targets, state = pick_targets(head, centre, example, state)
        loss += logistic_block(example, n_in, n_targets, buffers[0][0], layer.lr, lr, dim)
        return train_heads(heads[1:], buffers[1:], centre, example, n_in, lr, loss, state, dim)
    return first_then_rest
