"""The update rule every output layer shares: binary logistic SGD steps of one example (fastText's
``binaryLogistic``), with sigmoid and loss from lookup tables."""
from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from .codegen import FASTMATH
from .rows import row

# Sigmoid and loss come from lookup tables, as in word2vec.c but finer (4096 cells over
# [-8, 8], cell width 0.004): exp() and log1p() per score cost as much as the dot product
# itself at dim 100 (measured: benchmarks/speed.py). Beyond +-8 the sigmoid is saturated.
MAX_LOGIT = np.float32(8.0)
TABLE_SIZE = 4096
_TABLE_SCALE = np.float32(TABLE_SIZE / (2 * 8.0))
_CELL_CENTRES = (np.arange(TABLE_SIZE, dtype=np.float64) + 0.5) / (TABLE_SIZE / 16.0) - 8.0
SIGMOID_TABLE = (1.0 / (1.0 + np.exp(-_CELL_CENTRES))).astype(np.float32)
NEG_LOG_SIGMOID_TABLE = np.log1p(np.exp(-_CELL_CENTRES)).astype(np.float32)  # -log sigma(f)

#: The work arrays of one training example, reused from example to example:
#: ``hidden``, ``grad`` float32[max_in, dim]: the hidden vectors (rows ``0..n_in-1``) and the gradient
#: step accumulated for each; ``targets``, ``labels`` int32[max_targets], float32[max_targets]: the
#: output rows it scores (filled by a head) and their labels, 1 for the true word (or HS code 0), 0 for
#: noise (or code 1); ``scores`` float32[max_targets, max_in] and ``out_grad`` float32[dim]: scratch.
Example = namedtuple("Example", "hidden grad targets labels scores out_grad")


@njit(cache=True, nogil=True, fastmath=FASTMATH, inline="always")
def sigmoid_lookup(f):
    """(sigma(f), -log sigma(f)) from the tables; saturated outside [-8, 8]. NaN stays NaN."""
    if f >= MAX_LOGIT:
        return np.float32(1.0), np.float32(0.0)
    if f <= -MAX_LOGIT:
        return np.float32(0.0), -f
    if f != f:  # noqa: PLR0124 -- the NaN test, and one float compare in the kernel
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


@njit(cache=True, nogil=True, fastmath=FASTMATH, inline="always")
def logistic_block(example, n_in, n_targets, out_rows, out_lr, lr, dim):
    """Binary logistic SGD steps for every (hidden vector, output row) pair of one training example.

    Each of the ``n_in`` hidden vectors is scored against each of the ``n_targets``
    target rows; then each output row moves once by its summed gradient and each
    hidden vector's gradient is accumulated in ``example.grad``. All scores are
    computed before any row moves, so the loads of the (random) output rows overlap
    instead of waiting on each other; the result equals word2vec.c's sequential steps
    except that contexts sharing a centre word see the output rows as they were before
    this example (as in pWord2Vec, Ji et al. 2016).

    Parameters
    ----------
    example : Example
        Hidden vectors, targets and labels in; ``grad`` accumulated in place.
    out_rows : rows of :func:`~fastw2v.kernels.rows.buffer_rows`
        The output matrix (float32[n_rows, dim]), modified in place.
    out_lr : float32[n_rows]
        Per-row learning-rate multiplier; 0 leaves the row bit-identical.
    lr : float32
        Learning rate of the example.
    dim : int
        Vector size (a compile-time constant in :func:`~fastw2v.kernels.architectures.epoch_kernels`).

    Returns
    -------
    float
        Summed loss ``-log sigma(+-f)`` over the pairs.
    """
    hidden, grad, targets, labels, scores, out_grad = example
    for t in range(n_targets):
        wr = row(out_rows, targets[t], dim)
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
            wr = row(out_rows, targets[t], dim)
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
    else:
        for t in range(n_targets):
            wr = row(out_rows, targets[t], dim)
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
