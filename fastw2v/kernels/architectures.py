"""The training loop over sentences, and the architectures that tell skip-gram from CBOW.

fastText's ``Model::update`` for every centre word: the architecture turns the
window's context words into hidden vectors (:func:`hidden_layer`); each head picks
the output rows that score them and trains them with the shared update rule; each
context row then moves by the gradient of the hidden vector it fed: its own in
skip-gram, the single shared one in CBOW (also for the mean, as in word2vec.c and
gensim). Heads and architectures are namedtuples whose types select their code when
the kernel compiles (:func:`~fastw2v.kernels.codegen.implements`).

:func:`epoch_kernels` compiles the loop for one vector size, so the size is a
compile-time constant and every dot product and row update becomes straight-line
SIMD code.
"""
from __future__ import annotations

import functools
from collections import namedtuple

import numpy as np
from numba import literally, njit

from .codegen import FASTMATH, implements, prefetch_row
from .heads import buffer_heads, merge_heads, most_targets, prefetch_heads, train_heads
from .rng import rng_next, rng_seed, uniform
from .rows import buffer_rows, merge_rows, row
from .update import Example

#: What a training kernel trains: ``inputs``, the input layer (a :class:`~fastw2v.kernels.rows.Layer`
#: of float32[n_words, dim]), and ``heads``, a tuple of ``(Layer, head table)`` pairs (see
#: :mod:`fastw2v.kernels.heads`), trained in that order.
Network = namedtuple("Network", "inputs heads")
#: Skip-gram: each context word's input row is a hidden vector of its own.
SkipGram = namedtuple("SkipGram", "")
#: CBOW: one hidden vector, the mean of the context rows (``mean`` False: their sum).
Cbow = namedtuple("Cbow", "mean")
#: ``window``: the largest reach; ``hot_rows``: how many rows of each matrix one call buffers privately
#: (0 with one worker); ``seed``: of the random streams.
Settings = namedtuple("Settings", "window hot_rows seed")
#: The learning rate at the first and after the last token of the epoch, its token count and its index.
EpochSpan = namedtuple("EpochSpan", "lr_start lr_end epoch_tokens epoch")


def hidden_layer(architecture, in_rows, context, n_context, hidden, dim):
    """Fill ``hidden`` from the input rows of the ``n_context`` words of ``context``; returns how many it built."""
    raise NotImplementedError("a jitted function: see codegen.implements")


def max_hidden(architecture, window):
    """The most hidden vectors :func:`hidden_layer` builds with this window."""
    raise NotImplementedError("a jitted function: see codegen.implements")


@implements(hidden_layer, SkipGram)
def _context_rows(architecture, in_rows, context, n_context, hidden, dim):
    for k in range(n_context):
        src = row(in_rows, context[k], dim)
        for c in range(dim):
            hidden[k, c] = src[c]
    return n_context


@implements(max_hidden, SkipGram)
def _whole_window(architecture, window):
    return 2 * window


@implements(hidden_layer, Cbow)
def _context_mean(architecture, in_rows, context, n_context, hidden, dim):
    for c in range(dim):
        hidden[0, c] = 0.0
    for k in range(n_context):
        src = row(in_rows, context[k], dim)
        for c in range(dim):
            hidden[0, c] += src[c]
    if architecture.mean:
        scale = np.float32(1.0) / np.float32(n_context)
        for c in range(dim):
            hidden[0, c] *= scale
    return 1


@implements(max_hidden, Cbow)
def _one_vector(architecture, window):
    return 1


@njit(cache=True, nogil=True, inline="always")
def subsample(token_ids, start, end, keep_prob, out, state):
    """Copy the tokens of ``token_ids[start:end]`` that survive subsampling into ``out``.

    Returns
    -------
    (n_kept, state)
    """
    n = 0
    for k in range(start, end):
        w = token_ids[k]
        p = keep_prob[w]
        if p < 1.0:
            state, bits = rng_next(state)
            if uniform(bits) >= p:
                continue
        out[n] = w
        n += 1
    return n, state


@njit(cache=True, nogil=True, inline="always")
def epoch_rate(lr_start, lr_end, done, total):
    """Learning rate after ``done`` of an epoch's ``total`` tokens, linear from ``lr_start`` to ``lr_end``.

    The one in-epoch interpolation: the kernels train a sentence at the rate of its
    first token, and the driver anchors and reports with the same formula.
    """
    return lr_start + (lr_end - lr_start) * (done / total)


@njit(cache=True, nogil=True, inline="always")
def begin_sentence(token_ids, sentence_offsets, s, keep_prob, sentence, schedule, seed):
    """Seed sentence ``s``'s generator, subsample it into ``sentence`` and give its learning rate.

    Returns
    -------
    (lr, n_kept, state)
    """
    start = sentence_offsets[s]
    lr = np.float32(epoch_rate(schedule.lr_start, schedule.lr_end, start, schedule.epoch_tokens))
    state = rng_seed(seed, schedule.epoch, s)
    n, state = subsample(token_ids, start, sentence_offsets[s + 1], keep_prob, sentence, state)
    return lr, n, state


@njit(cache=True, nogil=True, inline="always")
def reduced_window(state, window):
    """word2vec's random window shrink: a reach drawn uniformly from 1..window. Returns (state, reach)."""
    state, bits = rng_next(state)
    return state, window - np.int64(bits % np.uint64(window))


@njit(cache=True, nogil=True, inline="always")
def gather_context(sentence, n, i, reach, context):
    """Copy the words within ``reach`` of position ``i`` (not ``i`` itself) into ``context``; returns how many."""
    n_context = 0
    for j in range(max(0, i - reach), min(n, i + reach + 1)):
        if j != i:
            context[n_context] = sentence[j]
            n_context += 1
    return n_context


@njit(cache=True, nogil=True)
def work_buffers(sentence_offsets, first, last, window, n_hidden, n_targets, dim):
    """Per-call buffers, sized for the longest sentence in the range and the largest example.

    Returns
    -------
    sentence : int32[longest]
    context : int32[2 * window]
    example : Example
    """
    longest = 0
    for s in range(first, last):
        longest = max(longest, sentence_offsets[s + 1] - sentence_offsets[s])
    example = Example(np.empty((n_hidden, dim), dtype=np.float32), np.empty((n_hidden, dim), dtype=np.float32),
                      np.empty(n_targets, dtype=np.int32), np.empty(n_targets, dtype=np.float32),
                      np.empty((n_targets, n_hidden), dtype=np.float32), np.empty(dim, dtype=np.float32))
    return np.empty(longest, dtype=np.int32), np.empty(2 * window, dtype=np.int32), example


@njit(nogil=True, fastmath=FASTMATH)
def train_sentences(token_ids, sentence_offsets, first, last, network, architecture, keep_prob, settings, schedule,
                    dim):
    """Train sentences ``first..last-1`` of the corpus: every centre word, every head.

    Each head's targets (:func:`~fastw2v.kernels.heads.pick_targets`) score the hidden
    vectors with :func:`~fastw2v.kernels.update.logistic_block`; all heads add to the same
    input gradient, as in word2vec.c. Skip-gram's negatives are shared by the context
    words of a centre word (pWord2Vec).

    Parameters
    ----------
    token_ids, sentence_offsets : int32[n_tokens], int64[n_sentences + 1]
    network : Network
        Modified in place (every row with a nonzero rate).
    architecture : SkipGram or Cbow
    keep_prob : float32[n_words]
        Subsampling keep-probabilities.
    settings, schedule : Settings, EpochSpan
    dim : int
        The vector size, made a compile-time constant (``numba.literally``): compiled once per
        size. :func:`epoch_kernels`' closures, which Numba caches, call it; this function itself
        is not cached, so a caller can compile it for a head type of its own without writing that
        type into Numba's cache index, which every later process reads.

    Returns
    -------
    (loss, pairs, kept)
        Summed loss (float64), examples trained ((centre, context) pairs for skip-gram, centre
        words for CBOW) and tokens kept after subsampling.
    """
    literally(dim)
    inputs, heads = network
    window, hot_rows = settings.window, settings.hot_rows
    sentence, context, example = work_buffers(sentence_offsets, first, last, window,
                                              max_hidden(architecture, window), most_targets(heads), dim)
    # Private copies of the hottest rows: the inputs' first (the most frequent words), then each head's.
    in_buffer = buffer_rows(inputs.w, 0, hot_rows)
    head_buffers = buffer_heads(heads, hot_rows)
    in_rows = in_buffer[0]
    grad = example.grad
    loss = 0.0
    pairs = 0
    kept = 0
    for s in range(first, last):
        lr, n, state = begin_sentence(token_ids, sentence_offsets, s, keep_prob, sentence, schedule, settings.seed)
        kept += n
        for i in range(n):
            # The rows position i + 1 will need that position i did not touch: its heads' first rows and
            # the input row of the word entering the window (measured: CBOW-NS about 10% faster).
            if i + 1 < n:
                prefetch_heads(heads, sentence[i + 1])
            if i + 1 + window < n:
                prefetch_row(inputs.w, sentence[i + 1 + window])
            state, reach = reduced_window(state, window)
            n_context = gather_context(sentence, n, i, reach, context)
            if n_context == 0:
                continue
            n_in = hidden_layer(architecture, in_rows, context, n_context, example.hidden, dim)
            for k in range(n_in):
                for c in range(dim):
                    grad[k, c] = 0.0
            loss, state = train_heads(heads, head_buffers, sentence[i], example, n_in, lr, loss, state, dim)
            for k in range(n_context):
                m = inputs.lr[context[k]]
                if m != 0:
                    dst = row(in_rows, context[k], dim)
                    g = min(k, n_in - 1)  # skip-gram: context k fed hidden vector k; CBOW: all fed vector 0
                    for c in range(dim):
                        dst[c] += m * grad[g, c]
            pairs += n_in
    merge_rows(inputs, in_buffer)
    merge_heads(heads, head_buffers)
    return loss, pairs, kept


@functools.cache
def epoch_kernels(dim: int):
    """:func:`train_sentences` compiled for vectors of ``dim`` floats.

    Called as ``train(token_ids, sentence_offsets, first, last, network, architecture, keep_prob,
    settings, schedule)``. With the size a constant, LLVM unrolls every dot product and row
    update into straight-line SIMD code instead of a vector loop plus remainder loops
    (measured at d100, one thread: hierarchical softmax ~15%, negative sampling ~10%
    faster). Each size, architecture and set of heads compiles once per machine: Numba's
    cache keys this closure on ``dim`` and the argument types.
    """

    @njit(cache=True, nogil=True)
    def train(token_ids, sentence_offsets, first, last, network, architecture, keep_prob, settings, schedule):
        return train_sentences(token_ids, sentence_offsets, first, last, network, architecture, keep_prob, settings,
                               schedule, dim)

    return train
