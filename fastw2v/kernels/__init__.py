"""Numba kernels: every ``@njit`` of fastw2v lives in this package.

This module holds the training kernels; :mod:`fastw2v.kernels.text` tokenises and
counts for phrase detection, :mod:`fastw2v.kernels.vectors` parses and packs vector-file
rows. The kernels are pure functions over contiguous NumPy arrays and scalars. They
update the weight matrices in place (Hogwild: several threads may run them at
once on different sentence ranges of the same matrices) and return plain
numbers; they never see a model object.

Structure (after fastText): one update rule, :func:`logistic_block`, binary
logistic regression steps of one example's hidden vectors against its output
rows, is shared by negative sampling and hierarchical softmax;
:func:`draw_negatives` and :func:`huffman_path` pick the output rows; one loop,
:func:`train_sentences`, walks the sentences for both architectures, which differ
only in the function building the hidden layer (:func:`skipgram_hidden`,
:func:`cbow_hidden`).

Two things make the kernels fast on real hardware. :func:`epoch_kernels` compiles
them for one vector size, so the size is a compile-time constant and every dot
product and row update becomes straight-line SIMD code. And with several workers
each call works on private copies of the hottest rows (:func:`buffer_rows`): the
Huffman nodes near the root and the most frequent words are touched by nearly
every example, and two cores writing the same cache lines stall each other.

Random numbers come from SplitMix64 with a state seeded from
``(seed, epoch, sentence index)``, so a sentence draws the same subsampling,
window and negatives whichever thread trains it, and ``workers=1`` runs are
bit-identical.
"""
from __future__ import annotations

import functools
from collections import namedtuple

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

# fastmath without 'nnan'/'ninf': those flags let LLVM delete the NaN checks the
# divergence guard relies on (UMAP #1228). 'reassoc' lets dot products vectorise.
FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}

# Sigmoid and loss come from lookup tables, as in word2vec.c but finer (4096 cells over
# [-8, 8], cell width 0.004): exp() and log1p() per score cost as much as the dot product
# itself at dim 100 (measured: benchmarks/speed.py). Beyond +-8 the sigmoid is saturated.
MAX_LOGIT = np.float32(8.0)
TABLE_SIZE = 4096
_TABLE_SCALE = np.float32(TABLE_SIZE / (2 * 8.0))
_CELL_CENTRES = (np.arange(TABLE_SIZE, dtype=np.float64) + 0.5) / (TABLE_SIZE / 16.0) - 8.0
SIGMOID_TABLE = (1.0 / (1.0 + np.exp(-_CELL_CENTRES))).astype(np.float32)
NEG_LOG_SIGMOID_TABLE = np.log1p(np.exp(-_CELL_CENTRES)).astype(np.float32)  # -log sigma(f)

# What the training kernels are handed, as named tuples (Numba passes them as plain structs).
# Matrices, modified in place: w_in and w_out_ns float32[n_words, dim], w_out_hs float32[n_words - 1, dim]
# (an output matrix is [0, dim] when its loss is off). Rates: their float32 per-row learning-rate
# multipliers (0 freezes a row). Lookups: see training.Tables. Settings: hot_rows is how many rows of
# each matrix one call buffers privately (0 with one worker). EpochSpan: the learning rate at the first
# and after the last token of the epoch, its token count and its index.
Matrices = namedtuple("Matrices", "w_in w_out_ns w_out_hs")
Rates = namedtuple("Rates", "in_lr out_ns_lr out_hs_lr")
Lookups = namedtuple("Lookups", "keep_prob noise_threshold noise_alias hs_codes hs_points hs_offsets")
Settings = namedtuple("Settings", "window negative hs cbow_mean hot_rows seed")
EpochSpan = namedtuple("EpochSpan", "lr_start lr_end epoch_tokens epoch")

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S40 = np.uint64(40)
_INV_2_24 = np.float32(1.0 / (1 << 24))


@njit(cache=True, nogil=True, inline="always")
def _mix(z: np.uint64) -> np.uint64:
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


def _row_address(context, builder, signature, args):
    """LLVM code for the address of ``matrix[row, 0]``, from an intrinsic's ``(matrix, row)`` arguments."""
    array_type = signature.args[0]
    array = context.make_array(array_type)(context, builder, args[0])
    index = context.cast(builder, args[1], signature.args[1], types.intp)
    return cgutils.get_item_pointer(context, builder, array_type, array, [index, context.get_constant(types.intp, 0)])


@intrinsic
def prefetch_row(typingctx, matrix, row):
    """Hint the CPU to start loading ``matrix[row]`` into cache (no effect on results).

    Rows of rare words are usually out of cache; fetching the next position's rows
    while the current one computes hides much of that memory latency.
    """
    if not (isinstance(matrix, types.Array) and matrix.ndim == 2 and isinstance(row, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        start = builder.bitcast(_row_address(context, builder, signature, args), ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        prefetch = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [start.type, i32, i32, i32]), "llvm.prefetch.p0")
        row_bytes = builder.extract_value(context.make_array(signature.args[0])(context, builder, args[0]).strides, 0)
        zero = context.get_constant(types.intp, 0)
        with cgutils.for_range_slice(builder, zero, row_bytes, context.get_constant(types.intp, 64)) as (offset, _):
            # (address, read, high temporal locality, data cache)
            builder.call(prefetch, [builder.gep(start, [offset]), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(matrix, row), codegen


@intrinsic
def row_pointer(typingctx, matrix, row):
    """Pointer to ``matrix[row, 0]``.

    The hot loops address rows through plain pointers: choosing between a shared
    and a private row as array views would reference-count on every access.
    """
    if not (isinstance(matrix, types.Array) and matrix.ndim == 2 and isinstance(row, types.Integer)):
        return None

    return types.CPointer(matrix.dtype)(matrix, row), _row_address


@intrinsic
def advance(typingctx, pointer, n):
    """``pointer + n`` elements."""
    if not (isinstance(pointer, types.CPointer) and isinstance(n, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        return builder.gep(args[0], [context.cast(builder, args[1], signature.args[1], types.intp)])

    return pointer(pointer, n), codegen


@njit(cache=True, nogil=True)
def rng_seed(seed: int, epoch: int, sentence: int) -> np.uint64:
    """Initial RNG state for one sentence of one epoch."""
    z = _mix(np.uint64(seed) + _GOLDEN)
    z = _mix(z ^ (np.uint64(epoch) * _GOLDEN))
    return _mix(z ^ (np.uint64(sentence) + _GOLDEN))


@njit(cache=True, nogil=True, inline="always")
def rng_next(state: np.uint64) -> tuple[np.uint64, np.uint64]:
    """Advance a SplitMix64 state; returns (new state, 64 random bits)."""
    state = state + _GOLDEN
    return state, _mix(state)


@njit(cache=True, nogil=True, inline="always")
def _uniform(bits: np.uint64) -> np.float32:
    """float32 in [0, 1) from the top 24 bits."""
    return np.float32(bits >> _S40) * _INV_2_24


@njit(cache=True, nogil=True, fastmath=FASTMATH, inline="always")
def sigmoid_lookup(f):
    """(sigma(f), -log sigma(f)) from the tables; saturated outside [-8, 8]. NaN stays NaN."""
    if f >= MAX_LOGIT:
        return np.float32(1.0), np.float32(0.0)
    if f <= -MAX_LOGIT:
        return np.float32(0.0), -f
    if f != f:
        return f, f
    # min(): in float32, f + 8 rounds up to 16 for f just below 8, one cell past the end.
    k = min(np.int64((f + MAX_LOGIT) * _TABLE_SCALE), TABLE_SIZE - 1)
    return SIGMOID_TABLE[k], NEG_LOG_SIGMOID_TABLE[k]


@njit(cache=True, nogil=True, fastmath=FASTMATH, inline="always")
def _logistic_step(f, label, lr):
    """Loss ``-log sigma(+-f)`` and the scaled gradient ``(label - sigma(f)) * lr`` of one score."""
    sig, neg_log_sig = sigmoid_lookup(f)
    # -log(1 - sigma(f)) = f - log(sigma(f))
    loss = neg_log_sig + (f if label == 0 else np.float32(0.0))
    return loss, (label - sig) * lr


@njit(cache=True, nogil=True)
def buffer_rows(matrix, first, n):
    """Give one kernel call a private copy of ``n`` rows of ``matrix`` from row ``first`` (clipped to the matrix).

    Returns
    -------
    rows : (pointer, pointer, int, int)
        What :func:`row` reads: the shared matrix, the private copy, its first row and row count.
    local, snapshot : float32[n, dim]
        The private copy (to update) and the rows as copied (for :func:`merge_hot_rows`).
    """
    first = max(0, min(first, matrix.shape[0]))
    local = matrix[first:min(matrix.shape[0], first + n)].copy()
    rows = (row_pointer(matrix, 0), row_pointer(local, 0), first, local.shape[0])
    return rows, local, local.copy()


@njit(cache=True, nogil=True, inline="always")
def row(rows, r, dim):
    """Pointer to row ``r``: the private copy if ``r`` is buffered, else the shared matrix."""
    shared, local, first, n_local = rows
    k = r - first
    if k >= 0 and k < n_local:
        return advance(local, k * dim)
    return advance(shared, r * dim)


@njit(cache=True, nogil=True)
def buffer_hot_rows(weights, hot_rows):
    """:func:`buffer_rows` of each matrix: the first ``hot_rows`` rows of ``w_in`` and ``w_out_ns``
    (the most frequent words) and the last of ``w_out_hs`` (the Huffman nodes nearest the root)."""
    w_in, w_out_ns, w_out_hs = weights
    return (buffer_rows(w_in, 0, hot_rows), buffer_rows(w_out_ns, 0, hot_rows),
            buffer_rows(w_out_hs, w_out_hs.shape[0] - hot_rows, hot_rows))


@njit(cache=True, nogil=True, fastmath=FASTMATH)
def merge_hot_rows(weights, rates, buffers):
    """Add what this call changed in each private copy to the shared rows (Hogwild, like every update).

    Rows with a zero learning rate are skipped, so frozen rows stay bit-identical.
    """
    for matrix, lr_mask, ((_, _, first, _), local, snapshot) in zip(weights, rates, buffers):
        for k in range(local.shape[0]):
            if lr_mask[first + k] != 0:
                for c in range(matrix.shape[1]):
                    matrix[first + k, c] += local[k, c] - snapshot[k, c]


@njit(cache=True, nogil=True, fastmath=FASTMATH, inline="always")
def logistic_block(hidden, n_in, w_out, targets, labels, n_targets, lr, out_lr, grad, scores, out_grad, dim):
    """Binary logistic SGD steps for every (input vector, output row) pair of one training example.

    The shared update rule of every mode. Each of the ``n_in`` hidden vectors is
    scored against each target row; then each output row moves once by its summed
    gradient and each hidden vector's gradient is accumulated in ``grad``. All
    scores are computed before any row moves, so the loads of the (random) output
    rows overlap instead of waiting on each other; the result equals word2vec.c's
    sequential steps except that contexts sharing a centre word see the output rows
    as they were before this example (as in pWord2Vec, Ji et al. 2016).

    Parameters
    ----------
    hidden : float32[max_in, dim]
        Rows ``0..n_in-1`` are the hidden vectors (see :func:`train_sentences`).
    w_out : rows of :func:`buffer_rows`
        The output matrix (float32[n_rows, dim]), modified in place.
    targets, labels : int32[max_targets], float32[max_targets]
        Output rows ``0..n_targets-1``; label 1 for the true word (or HS code 0), 0 for noise (or code 1).
    out_lr : float32[n_rows]
        Per-row learning-rate multiplier; 0 leaves the row bit-identical.
    grad : float32[max_in, dim], accumulated in place
        Gradient step for each hidden vector (already scaled by ``lr``).
    scores, out_grad : float32[max_targets, max_in], float32[dim]
        Scratch.
    dim : int
        Vector size (a compile-time constant in :func:`epoch_kernels`).

    Returns
    -------
    float
        Summed loss ``-log sigma(+-f)`` over the pairs.
    """
    for t in range(n_targets):
        wr = row(w_out, targets[t], dim)
        for i in range(n_in):
            f = np.float32(0.0)
            for c in range(dim):
                f += hidden[i, c] * wr[c]
            scores[t, i] = f
    loss = 0.0
    if n_in == 1:
        # One input (CBOW): the row's update needs no accumulation, so read it, add its
        # contribution to the input gradient and write it back in a single pass.
        for t in range(n_targets):
            wr = row(w_out, targets[t], dim)
            pair_loss, g = _logistic_step(scores[t, 0], labels[t], lr)
            loss += pair_loss
            step = out_lr[targets[t]] * g
            if step != 0:
                for c in range(dim):
                    w = wr[c]
                    grad[0, c] += g * w
                    wr[c] = w + step * hidden[0, c]
            else:  # a frozen row (or a zero gradient) stays bit-identical
                for c in range(dim):
                    grad[0, c] += g * wr[c]
        return loss
    for t in range(n_targets):
        wr = row(w_out, targets[t], dim)
        for i in range(n_in):
            pair_loss, g = _logistic_step(scores[t, i], labels[t], lr)
            loss += pair_loss
            if i == 0:
                for c in range(dim):
                    grad[0, c] += g * wr[c]
                    out_grad[c] = g * hidden[0, c]
            else:
                for c in range(dim):
                    grad[i, c] += g * wr[c]
                    out_grad[c] += g * hidden[i, c]
        m = out_lr[targets[t]]
        if m != 0:
            for c in range(dim):
                wr[c] += m * out_grad[c]
    return loss


@njit(cache=True, nogil=True, inline="always")
def draw_negatives(centre, negative, noise_threshold, noise_alias, targets, labels, state):
    """Fill ``targets``/``labels`` with the centre word (label 1) and up to ``negative`` noise words.

    Noise words come from the alias table; a draw equal to the centre word is
    skipped, as in word2vec.c.

    Returns
    -------
    (n_targets, state)
    """
    targets[0] = centre
    labels[0] = 1.0
    n_targets = 1
    n = np.uint64(noise_alias.shape[0])
    for _ in range(negative):
        state, bits = rng_next(state)
        k = np.int64(bits % n)
        if _uniform(bits) >= noise_threshold[k]:
            k = noise_alias[k]
        if k == centre:
            continue
        targets[n_targets] = k
        labels[n_targets] = 0.0
        n_targets += 1
    return n_targets, state


@njit(cache=True, nogil=True, inline="always")
def huffman_path(word, hs_codes, hs_points, hs_offsets, targets, labels):
    """Fill ``targets``/``labels`` with the inner nodes on ``word``'s Huffman path and 1 - code."""
    n_targets = 0
    for k in range(hs_offsets[word], hs_offsets[word + 1]):
        targets[n_targets] = hs_points[k]
        labels[n_targets] = np.float32(1.0) - np.float32(hs_codes[k])
        n_targets += 1
    return n_targets


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
            if _uniform(bits) >= p:
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
def prefetch_next(sentence, n, i, window, w_in, w_out_ns, negative):
    """Prefetch the rows position ``i + 1`` will need that position ``i`` did not touch.

    The next centre word's negative-sampling output row and the input row of the
    word entering the window; the other context rows were used a moment ago and are
    still cached (and the Huffman nodes near the root are shared by every word).
    Measured: CBOW-NS about 10% faster on wiki-text8.
    """
    if i + 1 < n and negative > 0:
        prefetch_row(w_out_ns, sentence[i + 1])
    if i + 1 + window < n:
        prefetch_row(w_in, sentence[i + 1 + window])


@njit(cache=True, nogil=True)
def _scratch(sentence_offsets, first, last, hs_offsets, negative, window, n_inputs, dim):
    """Per-call work buffers, sized for the longest sentence in the range and the largest example.

    Returns
    -------
    sentence, context, hidden, grad, targets, labels, scores, out_grad
    """
    longest = 0
    for s in range(first, last):
        longest = max(longest, sentence_offsets[s + 1] - sentence_offsets[s])
    deepest = 0
    for w in range(hs_offsets.shape[0] - 1):
        deepest = max(deepest, hs_offsets[w + 1] - hs_offsets[w])
    max_targets = max(deepest, negative + 1)
    return (np.empty(longest, dtype=np.int32), np.empty(2 * window, dtype=np.int32),
            np.empty((n_inputs, dim), dtype=np.float32), np.empty((n_inputs, dim), dtype=np.float32),
            np.empty(max_targets, dtype=np.int32), np.empty(max_targets, dtype=np.float32),
            np.empty((max_targets, n_inputs), dtype=np.float32), np.empty(dim, dtype=np.float32))


@njit(cache=True, nogil=True, fastmath=FASTMATH, inline="always")
def skipgram_hidden(in_rows, context, n_context, hidden, cbow_mean, dim):
    """Skip-gram's hidden layer: each context word's input row is a hidden vector of its own."""
    for k in range(n_context):
        src = row(in_rows, context[k], dim)
        for c in range(dim):
            hidden[k, c] = src[c]
    return n_context


@njit(cache=True, nogil=True, fastmath=FASTMATH, inline="always")
def cbow_hidden(in_rows, context, n_context, hidden, cbow_mean, dim):
    """CBOW's hidden layer: one vector, the mean (or with ``cbow_mean`` off the sum) of the context rows."""
    for c in range(dim):
        hidden[0, c] = 0.0
    for k in range(n_context):
        src = row(in_rows, context[k], dim)
        for c in range(dim):
            hidden[0, c] += src[c]
    if cbow_mean:
        scale = np.float32(1.0) / np.float32(n_context)
        for c in range(dim):
            hidden[0, c] *= scale
    return 1


@njit(cache=True, nogil=True, fastmath=FASTMATH, inline="always")
def train_sentences(token_ids, sentence_offsets, first, last, weights, rates, tables, settings, schedule, dim,
                    hidden_layer, max_inputs):
    """Train sentences ``first..last-1``; ``hidden_layer`` is all that tells the architectures apart.

    fastText's ``Model::update`` for every centre word: ``hidden_layer`` turns the
    window's context words into hidden vectors; the Huffman path and/or the centre
    word with its negatives score them (:func:`logistic_block`; both add to the same
    input gradient, as in word2vec.c); each context row then moves by the gradient of
    the hidden vector it fed: its own in skip-gram, the single shared one in CBOW (also
    for the mean, as in word2vec.c and gensim). Skip-gram's negatives are shared by
    the context words of a centre word (pWord2Vec). Called through
    :func:`epoch_kernels`, which fixes ``dim``.

    Parameters
    ----------
    token_ids, sentence_offsets : int32[n_tokens], int64[n_sentences + 1]
    weights, rates, tables, settings, schedule : Matrices, Rates, Lookups, Settings, EpochSpan
    hidden_layer : function (in_rows, context, n_context, hidden, cbow_mean, dim) -> n_in
        :func:`skipgram_hidden` or :func:`cbow_hidden`; ``max_inputs`` is the most it builds.

    Returns
    -------
    (loss, pairs, kept)
        Summed loss (float64), examples trained ((centre, context) pairs for skip-gram, centre
        words for CBOW) and tokens kept after subsampling.
    """
    window, negative, hs = settings.window, settings.negative, settings.hs
    sentence, context, hidden, grad, targets, labels, scores, out_grad = _scratch(
        sentence_offsets, first, last, tables.hs_offsets, negative, window, max_inputs, dim)
    buffers = buffer_hot_rows(weights, settings.hot_rows)
    (in_rows, _, _), (ns_rows, _, _), (hs_rows, _, _) = buffers
    loss = 0.0
    pairs = 0
    kept = 0
    for s in range(first, last):
        lr, n, state = begin_sentence(token_ids, sentence_offsets, s, tables.keep_prob, sentence, schedule,
                                      settings.seed)
        kept += n
        for i in range(n):
            prefetch_next(sentence, n, i, window, weights.w_in, weights.w_out_ns, negative)
            state, reach = reduced_window(state, window)
            n_context = 0
            for j in range(max(0, i - reach), min(n, i + reach + 1)):
                if j != i:
                    context[n_context] = sentence[j]
                    n_context += 1
            if n_context == 0:
                continue
            n_in = hidden_layer(in_rows, context, n_context, hidden, settings.cbow_mean, dim)
            for k in range(n_in):
                for c in range(dim):
                    grad[k, c] = 0.0
            centre = sentence[i]
            if hs:
                n_t = huffman_path(centre, tables.hs_codes, tables.hs_points, tables.hs_offsets, targets, labels)
                loss += logistic_block(hidden, n_in, hs_rows, targets, labels, n_t, lr, rates.out_hs_lr, grad,
                                       scores, out_grad, dim)
            if negative > 0:
                n_t, state = draw_negatives(centre, negative, tables.noise_threshold, tables.noise_alias, targets,
                                            labels, state)
                loss += logistic_block(hidden, n_in, ns_rows, targets, labels, n_t, lr, rates.out_ns_lr, grad,
                                       scores, out_grad, dim)
            for k in range(n_context):
                m = rates.in_lr[context[k]]
                if m != 0:
                    dst = row(in_rows, context[k], dim)
                    g = min(k, n_in - 1)  # skip-gram: context k fed hidden vector k; CBOW: all fed vector 0
                    for c in range(dim):
                        dst[c] += m * grad[g, c]
            pairs += n_in
    merge_hot_rows(weights, rates, buffers)
    return loss, pairs, kept


@functools.cache
def epoch_kernels(dim: int):
    """``(train_sg, train_cbow)`` compiled for vectors of ``dim`` floats.

    Each is :func:`train_sentences` with its hidden layer, called as
    ``train(token_ids, sentence_offsets, first, last, weights, rates, tables, settings, schedule)``.
    With the size a constant, LLVM unrolls every dot product and row update into
    straight-line SIMD code instead of a vector loop plus remainder loops
    (measured at d100, one thread: hierarchical softmax ~15%, negative sampling
    ~10% faster). Each size compiles once per machine; Numba's cache keys the
    closures on ``dim``.
    """

    @njit(cache=True, nogil=True, fastmath=FASTMATH)
    def train_sg(token_ids, sentence_offsets, first, last, weights, rates, tables, settings, schedule):
        return train_sentences(token_ids, sentence_offsets, first, last, weights, rates, tables, settings, schedule,
                               dim, skipgram_hidden, 2 * settings.window)

    @njit(cache=True, nogil=True, fastmath=FASTMATH)
    def train_cbow(token_ids, sentence_offsets, first, last, weights, rates, tables, settings, schedule):
        return train_sentences(token_ids, sentence_offsets, first, last, weights, rates, tables, settings, schedule,
                               dim, cbow_hidden, 1)

    return train_sg, train_cbow


@njit(cache=True, nogil=True, fastmath=FASTMATH)
def anchor_pull(w_in, anchor, anchor_index, token_ids, start, end, lr, strength):
    """Proximal L2 step toward original vectors for every anchored token in ``token_ids[start:end]``.

    Each occurrence of an anchored word applies the exact proximal step of the
    penalty ``strength[a] / 2 * ||w - w0||^2``: ``w <- w0 + (w - w0) / (1 + lr * strength[a])``.
    Unlike a plain gradient step it is stable for any strength, and a huge one
    pins the row to ``w0``.

    Parameters
    ----------
    w_in : float32[n_words, dim], modified in place
    anchor : float32[n_anchored, dim]
        Original vectors.
    anchor_index : int32[n_words]
        Row of ``anchor`` for each word, -1 for words not anchored.
    strength : float64[n_anchored]
        Strength per anchored row (float64, so a uniform strength gives the step a
        scalar strength gave: ``lr * strength`` is rounded to float32 once).
    """
    dim = w_in.shape[1]
    for k in range(start, end):
        word = token_ids[k]
        a = anchor_index[word]
        if a < 0:
            continue
        shrink = np.float32(1.0) / (np.float32(1.0) + np.float32(lr * strength[a]))
        for c in range(dim):
            w_in[word, c] = anchor[a, c] + (w_in[word, c] - anchor[a, c]) * shrink

