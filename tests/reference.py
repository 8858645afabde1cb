"""Independent reference computations shared by several test files.

* :func:`corpus_counts`: token counts of a corpus file.
* The training kernels in float64, written from the maths (:func:`ref_logistic_block`, the shared update
  rule; :func:`ref_train`, skip-gram and CBOW sequential over centre words), replaying the kernels'
  SplitMix64 stream in pure Python (:class:`Rng`), and the tolerances to compare them with the float32
  kernels (:func:`tolerances`).
"""
from __future__ import annotations

import math
from collections import Counter

import numpy as np

from fastw2v import kernels


def corpus_counts(path) -> Counter:
    """Token counts of a corpus file, keys in order of first appearance (one sentence per line)."""
    counts: Counter = Counter()
    with open(path, "rb") as fh:
        for raw in fh:
            counts.update(raw.decode("utf-8").split())
    return counts


# ----------------------------------------------------------------------------------------------------
# pure-Python SplitMix64, as documented in fastw2v/kernels/rng.py
# ----------------------------------------------------------------------------------------------------
_M64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def mix(z: int) -> int:
    """SplitMix64's finaliser of a 64-bit integer."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


def rng_seed(seed: int, epoch: int, sentence: int) -> int:
    """The state a sentence's stream starts from (``kernels.rng_seed``)."""
    z = mix((seed + _GOLDEN) & _M64)
    z = mix(z ^ ((epoch * _GOLDEN) & _M64))
    return mix(z ^ ((sentence + _GOLDEN) & _M64))


class Rng:
    """One sentence's SplitMix64 stream: :meth:`bits` is ``kernels.rng_next``'s draw."""

    def __init__(self, seed, epoch, sentence):
        self.state = rng_seed(seed, epoch, sentence)

    def bits(self) -> int:
        self.state = (self.state + _GOLDEN) & _M64
        return mix(self.state)


def uniform(bits: int) -> float:
    """The float in [0, 1) the kernels make of a draw: its top 24 bits."""
    return (bits >> 40) / float(1 << 24)


# ----------------------------------------------------------------------------------------------------
# the training kernels (float64)
# ----------------------------------------------------------------------------------------------------

ATOL = 1e-5
RTOL = 1e-5
# When a reference logit came within float32 noise of a cell boundary (see Margin):
# one cell moves sigma by <= width/4 ~ 1e-3, so g by 1e-3 * lr, a weight by ~1e-3 * lr * |w| and a loss
# term by <= width ~ 4e-3.
BOUNDARY_NOISE = 2e-6
LOOSE_ATOL = 3e-4
LOOSE_LOSS = 0.02


def sigmoid(x):
    """The exact logistic function."""
    return 1.0 / (1.0 + math.exp(-x))


MAX_LOGIT = float(kernels.MAX_LOGIT)


def tolerances():
    """(weight atol, loss abs tolerance) for the reference computed since the last ``Margin.value`` reset."""
    if Margin.value < BOUNDARY_NOISE:
        return LOOSE_ATOL, LOOSE_LOSS
    return ATOL, ATOL


class Margin:
    """Smallest distance of a reference logit to a table-cell boundary since the last reset.

    The kernel computes logits in float32 (vectorised, in an unspecified order), the reference in
    float64; they differ by ~1e-7. A logit that close to a cell boundary may fall in the neighbouring
    cell in the kernel, which moves sigma by up to ~1e-3 (one cell): the comparison is then only
    meaningful to the table's resolution.
    """

    value = math.inf


def ref_sigmoid(f):
    """(sigma(f), -log sigma(f)) by the kernel's documented rule, in float64."""
    m = MAX_LOGIT
    width = 2 * m / kernels.TABLE_SIZE
    if f >= m:
        Margin.value = min(Margin.value, f - m)
        return 1.0, 0.0
    if f <= -m:
        Margin.value = min(Margin.value, -m - f)
        return 0.0, -f
    k = math.floor((f + m) / width)
    Margin.value = min(Margin.value, f - (-m + k * width), (-m + (k + 1) * width) - f)
    centre = -m + (k + 0.5) * width
    return sigmoid(centre), math.log1p(math.exp(-centre))


def ref_pair_loss(f, label):
    """-log sigma(f) for label 1, -log(1 - sigma(f)) = f - log sigma(f) for label 0, as the kernel computes them."""
    _, neg_log_sig = ref_sigmoid(f)
    if label == 1:
        return neg_log_sig
    return neg_log_sig + f


def ref_logistic_block(hidden, w_out, targets, labels, lr, out_lr, grad):
    """float64 reference of ``kernels.logistic_block``; updates ``w_out`` and ``grad`` in place, returns loss."""
    hidden = np.asarray(hidden, dtype=np.float64)
    scores = np.array([[float(h @ w_out[row]) for h in hidden] for row in targets])  # all before any update
    loss = 0.0
    for t, (row, label) in enumerate(zip(targets, labels)):
        step = np.zeros(w_out.shape[1])
        for i in range(len(hidden)):
            f = scores[t, i]
            s, _ = ref_sigmoid(f)
            loss += ref_pair_loss(f, label)
            g = (label - s) * lr
            grad[i] += g * w_out[row]       # the row as it is before this target's update
            step += g * hidden[i]
        w_out[row] += out_lr[row] * step
    return loss


def ref_train(arch, token_ids, offsets, first, last, w, tables, window, negative, hs, cbow_mean,
              lr_start, lr_end, epoch_tokens, seed, epoch):
    """Reference of the skip-gram (arch='sg') / CBOW (arch='cbow') kernel, sequential over centre words.

    ``w`` is a dict of float64 arrays updated in place. Returns (loss, pairs, kept).
    """
    keep_prob, thr, alias, codes, points, hs_offsets = tables
    loss, pairs, kept = 0.0, 0, 0
    for s in range(first, last):
        start = int(offsets[s])
        lr = lr_start + (lr_end - lr_start) * start / epoch_tokens
        rng = Rng(seed, epoch, s)
        sentence = []
        for k in range(start, int(offsets[s + 1])):
            word = int(token_ids[k])
            p = float(keep_prob[word])
            if p < 1.0 and uniform(rng.bits()) >= p:
                continue
            sentence.append(word)
        n = len(sentence)
        kept += n
        for i in range(n):
            reach = window - rng.bits() % window
            context = [sentence[j] for j in range(max(0, i - reach), min(n, i + reach + 1)) if j != i]
            if not context:
                continue
            centre = sentence[i]
            if arch == "sg":
                hidden = w["w_in"][context].copy()
            else:
                hidden = w["w_in"][context].sum(axis=0, keepdims=True)
                if cbow_mean:
                    hidden /= len(context)
            grad = np.zeros_like(hidden)
            if hs:
                path = range(int(hs_offsets[centre]), int(hs_offsets[centre + 1]))
                targets = [int(points[k]) for k in path]
                labels = [1 - int(codes[k]) for k in path]
                loss += ref_logistic_block(hidden, w["w_out_hs"], targets, labels, lr, w["out_hs_lr"], grad)
            if negative > 0:
                targets, labels = [centre], [1]
                for _ in range(negative):
                    bits = rng.bits()
                    k = bits % len(alias)
                    if uniform(bits) >= float(thr[k]):
                        k = int(alias[k])
                    if k == centre:
                        continue
                    targets.append(int(k))
                    labels.append(0)
                loss += ref_logistic_block(hidden, w["w_out_ns"], targets, labels, lr, w["out_ns_lr"], grad)
            for k, word in enumerate(context):
                w["w_in"][word] += w["in_lr"][word] * (grad[k] if arch == "sg" else grad[0])
            pairs += len(context) if arch == "sg" else 1
    return loss, pairs, kept
