"""The Numba kernels against small NumPy float64 reference implementations written from the maths.

* ``logistic_block``: the shared update rule (scores from the pre-update rows, then per target
  ``g = (label - sigma(f)) * lr``, ``grad[i] += g * w_out[row]``, ``w_out[row] += out_lr[row] * sum_i g_i h_i``).
  The kernel takes sigma and -log sigma from word2vec.c-style lookup tables (cell centres over
  [-MAX_LOGIT, MAX_LOGIT], saturated outside); the reference follows that documented rule, computed
  independently in float64, and separate tests bound the table's error against the exact sigmoid.
* ``epoch_kernels``' skip-gram and CBOW (one shared loop, ``train_sentences``): sequential over centre
  words, with window=1 and sample=0 (no randomness reaches the result) and a point-mass noise table
  (deterministic negatives), and additionally with a larger window, subsampling and a real noise table,
  where the reference replays the kernels' SplitMix64 stream (re-implemented in pure Python).

The references live in ``tests/reference.py``.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit

from reference import (MAX_LOGIT, RTOL, Margin, Rng, ref_logistic_block, ref_pair_loss, ref_sigmoid, ref_train,
                       rng_seed, sigmoid, tolerances)

from fastw2v import kernels
from fastw2v.vocabulary import alias_table, huffman_tree, keep_probabilities, noise_distribution


def test_python_rng_matches_kernel_rng():
    for args in [(1, 0, 0), (12345, 3, 17), (0, 0, 10 ** 6)]:
        assert int(kernels.rng_seed(*args)) == rng_seed(*args)
    state = np.uint64(kernels.rng_seed(5, 1, 2))
    rng = Rng(5, 1, 2)
    for _ in range(5):
        state, bits = kernels.rng_next(state)
        state = np.uint64(state)
        assert int(bits) == rng.bits()


# ----------------------------------------------------------------------------------------------------
# logistic_block
# ----------------------------------------------------------------------------------------------------

def _block_inputs(rng, n_in, n_rows, dim, n_targets, scale=0.5):
    hidden = (rng.standard_normal((n_in, dim)) * scale).astype(np.float32)
    w_out = (rng.standard_normal((n_rows, dim)) * scale).astype(np.float32)
    return hidden, w_out


@njit
def _block_kernel(example, n_in, n_targets, w_out, out_lr, lr):
    rows, _, _ = kernels.buffer_rows(w_out, 0, 0)  # nothing buffered: the shared matrix itself
    return kernels.logistic_block(example, n_in, n_targets, rows, out_lr, lr, example.hidden.shape[1])


def _run_block(hidden, w_out, targets, labels, lr, out_lr, max_in=None, max_targets=None):
    """Call the kernel with scratch arrays larger than needed (as the training kernels do)."""
    n_in, dim = hidden.shape
    max_in = max_in or n_in + 2
    max_targets = max_targets or len(targets) + 3
    h = np.zeros((max_in, dim), dtype=np.float32)
    h[:n_in] = hidden
    t = np.zeros(max_targets, dtype=np.int32)
    t[:len(targets)] = targets
    lab = np.zeros(max_targets, dtype=np.float32)
    lab[:len(labels)] = labels
    grad = np.zeros((max_in, dim), dtype=np.float32)
    scores = np.zeros((max_targets, max_in), dtype=np.float32)
    out_grad = np.zeros(dim, dtype=np.float32)
    w = w_out.copy()
    loss = _block_kernel(kernels.Example(h, grad, t, lab, scores, out_grad), n_in, len(targets), w, out_lr,
                         np.float32(lr))
    assert np.all(grad[n_in:] == 0)  # rows past n_in untouched
    return loss, w, grad[:n_in]


@pytest.mark.parametrize("case", [
    # (n_in, n_rows, dim, targets, labels, lr)
    (1, 6, 8, [2, 0, 5], [1, 0, 0], 0.05),
    (4, 7, 8, [3, 1, 6, 0], [1, 0, 0, 0], 0.1),
    (3, 9, 5, [8, 4, 7, 2, 1], [1, 1, 0, 1, 0], 0.025),   # HS-like mixed labels
    (2, 5, 8, [1, 4, 4, 0], [1, 0, 0, 0], 0.2),           # a repeated negative: sequential on that row
    (6, 4, 16, [0, 1, 2, 3], [0, 1, 0, 1], 0.5),
])
def test_logistic_block_matches_reference(case):
    n_in, n_rows, dim, targets, labels, lr = case
    rng = np.random.default_rng(n_in * 100 + dim)
    hidden, w_out = _block_inputs(rng, n_in, n_rows, dim, len(targets))
    out_lr = np.ones(n_rows, dtype=np.float32)
    out_lr[targets[1]] = 0.0   # a frozen target row
    out_lr[targets[-1]] = 0.5 if targets[-1] != targets[1] else 0.0
    loss, w_new, grad = _run_block(hidden, w_out, targets, labels, lr, out_lr)

    w_ref = w_out.astype(np.float64)
    grad_ref = np.zeros((n_in, dim))
    Margin.value = math.inf
    loss_ref = ref_logistic_block(hidden, w_ref, targets, labels, lr, out_lr.astype(np.float64), grad_ref)
    atol, loss_tol = tolerances()
    assert loss == pytest.approx(loss_ref, rel=RTOL, abs=loss_tol)
    np.testing.assert_allclose(grad, grad_ref, atol=atol, rtol=RTOL)
    np.testing.assert_allclose(w_new, w_ref, atol=atol, rtol=RTOL)
    # the frozen row is bit-identical, rows that are not targets are untouched, others moved
    assert w_new[targets[1]].tobytes() == w_out[targets[1]].tobytes()
    untouched = sorted(set(range(n_rows)) - set(targets))
    assert w_new[untouched].tobytes() == w_out[untouched].tobytes()
    assert not np.array_equal(w_new[targets[0]], w_out[targets[0]])
    assert np.abs(grad).sum() > 0


def test_logistic_block_loss_values_and_saturation():
    # one input; f = 2 * 1.501 = 3.002 exactly in float32 (the middle of a table cell)
    hidden = np.array([[2.0, 0.0]], dtype=np.float32)
    w_out = np.array([[1.501, 0.0], [-1.501, 0.0], [100.0, 0.0], [-100.0, 0.0]], dtype=np.float32)
    f = float(np.float32(2.0) * np.float32(1.501))
    out_lr = np.ones(4, dtype=np.float32)
    loss, _, grad = _run_block(hidden, w_out, [0], [1], 0.1, out_lr)
    assert loss == pytest.approx(ref_pair_loss(f, 1), rel=1e-6)
    assert loss == pytest.approx(-math.log(sigmoid(f)), abs=2e-3)
    assert grad[0, 0] == pytest.approx((1 - ref_sigmoid(f)[0]) * 0.1 * 1.501, rel=1e-5)
    loss, _, _ = _run_block(hidden, w_out, [0], [0], 0.1, out_lr)
    assert loss == pytest.approx(ref_pair_loss(f, 0), rel=1e-6)
    assert loss == pytest.approx(-math.log(1 - sigmoid(f)), abs=2e-3)
    # f = +200 with label 0 and f = -200 with label 1: saturated, finite, the largest possible steps
    loss, w_new, grad = _run_block(hidden, w_out, [2, 3], [0, 1], 0.1, out_lr)
    assert loss == pytest.approx(ref_pair_loss(200.0, 0) + ref_pair_loss(-200.0, 1), rel=1e-6)
    assert loss >= 2 * min(MAX_LOGIT, 200.0) - 1e-3
    assert np.isfinite(w_new).all() and np.isfinite(grad).all()
    # saturated gradient: g = (label - sigma(f)) * lr = -0.1 for row 2 and +0.1 for row 3
    np.testing.assert_allclose(grad[0], -0.1 * w_out[2] + 0.1 * w_out[3], rtol=1e-6)


def _kernel_sigmoid_and_loss(f, label):
    """sigma(f) and the pair loss as logistic_block computes them for the float32 logit ``f``."""
    hidden = np.array([[f, 0.0]], dtype=np.float32)
    w_out = np.array([[1.0, 1.0]], dtype=np.float32)  # score = f * 1 + 0 * 1 = f exactly
    loss, _, grad = _run_block(hidden, w_out, [0], [label], 1.0, np.zeros(1, dtype=np.float32))
    return label - float(grad[0, 1]), loss  # g = (label - sigma) * lr with lr = 1


def _exact_pair_loss(f, label):
    return float(np.logaddexp(0.0, -f if label == 1 else f))


def test_logistic_block_sigmoid_accuracy_sweep():
    """Over [-30, 30] sigma is within 5e-4 and the loss within 2e-3 of the exact values
    (half a table cell of error, and saturation beyond MAX_LOGIT)."""
    for f in np.linspace(-30, 30, 1201, dtype=np.float32).tolist() + \
            np.linspace(-9, 9, 1801, dtype=np.float32).tolist():
        for label in (1, 0):
            sig, loss = _kernel_sigmoid_and_loss(f, label)
            assert abs(sig - sigmoid(f)) <= 5e-4, (f, label, sig)
            assert abs(loss - _exact_pair_loss(f, label)) <= 2e-3, (f, label, loss)


_F32 = np.float32
EDGE_LOGITS = [-40.0, -30.0, -8.0, float(np.nextafter(_F32(-8), _F32(0))), -7.999, -3.3, -1e-3, 0.0, 0.5, 3.3,
               7.999, float(np.nextafter(_F32(8), _F32(0)) - _F32(4.8e-7)), 8.0,
               float(np.nextafter(_F32(8), _F32(16))), 30.0, 40.0,
               pytest.param(float(np.nextafter(_F32(8), _F32(0))), id="just-below-max")]


@pytest.mark.parametrize("f", EDGE_LOGITS)
def test_logistic_block_edge_logits(f):
    assert np.float32(f) == f
    for label in (1, 0):
        sig, loss = _kernel_sigmoid_and_loss(f, label)
        assert 0.0 <= sig <= 1.0, (f, label, sig)
        assert math.isfinite(loss)
        assert abs(sig - sigmoid(f)) <= 5e-4, (f, label, sig)
        if abs(f) <= 30:
            assert abs(loss - _exact_pair_loss(f, label)) <= 2e-3, (f, label, loss)


def _block_loss(hidden, w_out, targets, labels):
    total = 0.0
    for row, label in zip(targets, labels):
        for h in hidden:
            f = float(h @ w_out[row])
            total += math.log1p(math.exp(-f)) + (f if label == 0 else 0.0)
    return total


def _central_differences(loss, x, eps=1e-6):
    """d loss / d x by central differences, one element at a time."""
    d = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += eps
        minus[index] -= eps
        d[index] = (loss(plus) - loss(minus)) / (2 * eps)
    return d


def test_logistic_block_gradient_is_the_loss_gradient():
    """grad / lr == -dL/dhidden and the output-row change == -lr * out_lr * dL/dw_out (finite differences)."""
    rng = np.random.default_rng(42)
    n_in, n_rows, dim = 3, 6, 5
    targets, labels = [4, 0, 2, 5], [1, 0, 0, 1]  # distinct rows
    hidden, w_out = _block_inputs(rng, n_in, n_rows, dim, len(targets))
    lr = 0.05
    out_lr = np.array([1.0, 0.5, 1.0, 0.0, 1.0, 0.25], dtype=np.float32)
    loss, w_new, grad = _run_block(hidden, w_out, targets, labels, lr, out_lr)
    h64, w64 = hidden.astype(np.float64), w_out.astype(np.float64)
    # each pair within 2e-3 of the exact loss with the lookup table
    assert loss == pytest.approx(_block_loss(h64, w64, targets, labels), rel=1e-5,
                                 abs=len(targets) * n_in * 2e-3)
    d_hidden = _central_differences(lambda h: _block_loss(h, w64, targets, labels), h64)
    # agreement to the lookup table's accuracy (sigma within 5e-4, summed over 4 targets with |w| < ~1.5)
    atol = 4e-3
    np.testing.assert_allclose(grad / lr, -d_hidden, rtol=1e-4, atol=atol)
    d_w = _central_differences(lambda w: _block_loss(h64, w, targets, labels), w64)
    change = w_new.astype(np.float64) - w64
    np.testing.assert_allclose(change, -lr * out_lr[:, None] * d_w, rtol=1e-4, atol=atol * lr)
    assert np.all(d_w[[1, 3]] == 0)  # rows 1 and 3 are not targets


# ----------------------------------------------------------------------------------------------------
# the skip-gram and CBOW kernels against the reference
# ----------------------------------------------------------------------------------------------------

COUNTS = np.array([9, 7, 5, 4, 2, 1], dtype=np.int64)  # 6 words
DIM = 8
# two sentences; "1 3 1" gives a centre whose two contexts are the same word, "2" is the noise word
SENTENCES = [[0, 1, 2, 3, 4, 5, 0, 2, 1], [1, 3, 1, 5, 2]]
NOISE_WORD = 2


def _corpus(sentences=SENTENCES):
    token_ids = np.array([w for s in sentences for w in s], dtype=np.int32)
    offsets = np.zeros(len(sentences) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(s) for s in sentences])
    return token_ids, offsets


# Zipf-like counts, for runs with a real noise table and a deep Huffman tree
SKEWED = np.array([400, 150, 60, 30, 12, 5, 3, 1], dtype=np.int64)


def _random_sentences(seed, lengths):
    """Sentences of the given lengths over the words of SKEWED."""
    rng = np.random.default_rng(seed)
    return [rng.integers(0, len(SKEWED), size=k).tolist() for k in lengths]


def _point_mass_table(n, j):
    threshold = np.zeros(n, dtype=np.float32)
    threshold[j] = 1.0
    alias = np.full(n, j, dtype=np.int32)
    return threshold, alias


def _setup(hs, negative, seed=0, noise="point", sample=0.0, counts=COUNTS, dim=DIM):
    n = len(counts)
    rng = np.random.default_rng(seed)
    w = {
        "w_in": (rng.standard_normal((n, dim)) * 0.3).astype(np.float32),
        "w_out_ns": (rng.standard_normal((n if negative else 0, dim)) * 0.3).astype(np.float32),
        "w_out_hs": (rng.standard_normal((n - 1 if hs else 0, dim)) * 0.3).astype(np.float32),
        "in_lr": np.ones(n, dtype=np.float32),
        "out_ns_lr": np.ones(n if negative else 0, dtype=np.float32),
        "out_hs_lr": np.ones(n - 1 if hs else 0, dtype=np.float32),
    }
    if negative == 0:
        thr, alias = np.ones(1, np.float32), np.zeros(1, np.int32)
    elif noise == "point":
        thr, alias = _point_mass_table(n, NOISE_WORD)
    else:
        thr, alias = alias_table(noise_distribution(counts))
    if hs:
        tree = huffman_tree(counts)
        codes, points, offsets = tree.codes, tree.points, tree.offsets
    else:
        codes, points, offsets = np.zeros(0, np.uint8), np.zeros(0, np.int32), np.zeros(1, np.int64)
    tables = (keep_probabilities(counts, sample), thr, alias, codes, points, offsets)
    return w, tables


def _run_kernel(arch, token_ids, offsets, first, last, w, tables, window, negative, hs, cbow_mean,
                lr_start, lr_end, seed, epoch, hot_rows=0):
    keep_prob, thr, alias, codes, points, hs_offsets = tables
    heads = ()  # in training order: the Huffman path, then the negatives
    if hs:
        heads += ((kernels.Layer(w["w_out_hs"], w["out_hs_lr"]), kernels.HierarchicalSoftmax(codes, points,
                                                                                             hs_offsets)),)
    if negative:
        heads += ((kernels.Layer(w["w_out_ns"], w["out_ns_lr"]), kernels.NegativeSampling(thr, alias, negative)),)
    network = kernels.Network(kernels.Layer(w["w_in"], w["in_lr"]), heads)
    architecture = kernels.SkipGram() if arch == "sg" else kernels.Cbow(cbow_mean)
    return kernels.epoch_kernels(w["w_in"].shape[1])(
        token_ids, offsets, first, last, network, architecture, keep_prob, kernels.Settings(window, hot_rows, seed),
        kernels.EpochSpan(lr_start, lr_end, int(token_ids.shape[0]), epoch))


def _compare(arch, hs, negative, cbow_mean=True, window=1, noise="point", sample=0.0, seed=7, epoch=0,
             sentences=SENTENCES, first=0, last=None, lr_start=0.05, lr_end=0.01, tweak=None, counts=COUNTS,
             hot_rows=0, dim=DIM):
    token_ids, offsets = _corpus(sentences)
    last = len(sentences) if last is None else last
    w, tables = _setup(hs, negative, noise=noise, sample=sample, counts=counts, dim=dim)
    if tweak is not None:
        tweak(w)
    before = {k: v.copy() for k, v in w.items()}
    ref = {k: v.astype(np.float64) for k, v in w.items()}
    Margin.value = math.inf
    loss, pairs, kept = _run_kernel(arch, token_ids, offsets, first, last, w, tables, window, negative, hs,
                                    cbow_mean, lr_start, lr_end, seed, epoch, hot_rows)
    ref_loss, ref_pairs, ref_kept = ref_train(arch, token_ids, offsets, first, last, ref, tables, window, negative,
                                              hs, cbow_mean, lr_start, lr_end, int(token_ids.shape[0]), seed, epoch)
    assert (pairs, kept) == (ref_pairs, ref_kept)
    atol, loss_tol = tolerances()
    assert loss == pytest.approx(ref_loss, rel=RTOL, abs=loss_tol)
    for name in ("w_in", "w_out_ns", "w_out_hs"):
        np.testing.assert_allclose(w[name], ref[name], atol=atol, rtol=RTOL, err_msg=name)
    for name in ("in_lr", "out_ns_lr", "out_hs_lr"):
        assert np.array_equal(w[name], before[name])
    return before, w, (loss, pairs, kept)


MODES = {"hs": (True, 0), "ns": (False, 2), "hs+ns": (True, 3)}
ARCHS = [("sg", True), ("cbow", True), ("cbow", False)]  # (arch, cbow_mean)


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("arch,cbow_mean", ARCHS, ids=["sg", "cbow-mean", "cbow-sum"])
def test_train_kernel_window1_matches_reference(arch, cbow_mean, mode):
    hs, negative = MODES[mode]
    before, after, (loss, pairs, kept) = _compare(arch, hs, negative, cbow_mean=cbow_mean)
    n_tokens = sum(len(s) for s in SENTENCES)
    assert kept == n_tokens  # sample=0 keeps everything
    # window=1: every centre has its neighbours as context, 2 per interior word, 1 at each sentence end
    expected_pairs = sum(2 * len(s) - 2 for s in SENTENCES) if arch == "sg" else n_tokens
    assert pairs == expected_pairs
    assert loss > 0
    for name in ("w_in",) + (("w_out_hs",) if hs else ()) + (("w_out_ns",) if negative else ()):
        assert not np.array_equal(after[name], before[name]), name


def test_point_mass_noise_skips_centre_equal_to_noise_word():
    """With a point-mass noise table an NS example has [centre, j, j, ...] targets, or only [centre] when
    the centre is j; the loss counts exactly those pairs."""
    sentences = [[NOISE_WORD, 0]]  # centre 2 (skip all negatives), then centre 0 (2 negatives = word 2)
    before, after, (loss, pairs, kept) = _compare("sg", False, 2, sentences=sentences)
    assert (pairs, kept) == (2, 2)
    # only the output rows of the two centres moved: the negatives all hit the noise word (itself a centre)
    moved = [r for r in range(len(COUNTS)) if not np.array_equal(after["w_out_ns"][r], before["w_out_ns"][r])]
    assert moved == [0, NOISE_WORD]
    # loss terms: centre 2 -> [2] (both draws skipped), centre 0 -> [0, 2, 2]; recompute from the start weights
    w_in, w_out = before["w_in"].astype(np.float64), before["w_out_ns"].astype(np.float64)
    f2 = w_in[0] @ w_out[NOISE_WORD]
    Margin.value = math.inf
    first = ref_pair_loss(f2, 1)
    assert loss > first  # the second example adds three positive terms
    assert loss == pytest.approx(first + ref_logistic_block(
        [w_in[NOISE_WORD]], _after_first(w_in, w_out), [0, NOISE_WORD, NOISE_WORD], [1, 0, 0],
        0.05, np.ones(len(COUNTS)), np.zeros((1, DIM))), rel=1e-5, abs=tolerances()[1])  # lr = lr_start


def _after_first(w_in, w_out, lr=0.05):
    """Output rows after the first example of the sentence [2, 0] (centre 2, context 0, no negatives)."""
    w_out = w_out.copy()
    g = (1 - ref_sigmoid(w_in[0] @ w_out[NOISE_WORD])[0]) * lr
    w_out[NOISE_WORD] += g * w_in[0]
    return w_out


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("arch,cbow_mean", ARCHS, ids=["sg", "cbow-mean", "cbow-sum"])
def test_train_kernel_random_stream_matches_reference(arch, cbow_mean, mode):
    """window 3, subsampling and a real noise table: the reference replays the SplitMix64 stream."""
    hs, negative = MODES[mode]
    sentences = _random_sentences(11, (17, 1, 9, 25, 4))
    _, _, (loss, pairs, kept) = _compare(arch, hs, negative, cbow_mean=cbow_mean, window=3, noise="alias",
                                         sample=0.05, counts=SKEWED, sentences=sentences, seed=3, epoch=2)
    n_tokens = sum(len(s) for s in sentences)
    assert 0 < kept < n_tokens  # subsampling dropped some tokens
    assert pairs > 0


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("arch,cbow_mean", ARCHS, ids=["sg", "cbow-mean", "cbow-sum"])
def test_buffered_hot_rows_match_reference(arch, cbow_mean, mode):
    """Private copies of the hottest rows (what each of several workers trains on) change no update:
    the frequent words and the nodes near the root are buffered, merged back at the end of the call."""
    hs, negative = MODES[mode]
    before, after, _ = _compare(arch, hs, negative, cbow_mean=cbow_mean, window=2, noise="alias", counts=SKEWED,
                                sentences=_random_sentences(5, (17, 9, 25)), hot_rows=3)
    for name in ("w_in", "w_out_ns", "w_out_hs"):  # buffered rows (first 3 / last 3 nodes) trained and merged
        rows = before[name][-3:] if name == "w_out_hs" else before[name][:3]
        moved = after[name][-3:] if name == "w_out_hs" else after[name][:3]
        assert rows.size == 0 or not np.array_equal(rows, moved), name


@pytest.mark.parametrize("arch", ["sg", "cbow"])
def test_kernels_compiled_for_another_vector_size_match_reference(arch):
    """Each vector size compiles its own kernel with constant trip counts; 50 floats is three AVX-512
    registers and a remainder of 2, which must update exactly like the reference too."""
    _compare(arch, True, 3, window=2, noise="alias", counts=SKEWED, sentences=_random_sentences(2, (17, 9, 25)),
             dim=50)


def test_train_kernel_sentence_range_only_touches_that_range():
    token_ids, offsets = _corpus()
    # training sentence 1 alone equals the reference on sentence 1 (lr taken at its first token)
    _compare("sg", True, 2, first=1, last=2)
    _compare("cbow", True, 2, first=1, last=2)
    # an empty range changes nothing
    w, tables = _setup(True, 2)
    before = {k: v.copy() for k, v in w.items()}
    loss, pairs, kept = _run_kernel("sg", token_ids, offsets, 1, 1, w, tables, 1, 2, True, True, 0.05, 0.01, 7, 0)
    assert (loss, pairs, kept) == (0.0, 0, 0)
    for k in w:
        assert w[k].tobytes() == before[k].tobytes()


def _freeze(w):
    w["in_lr"][[0, 3]] = 0.0          # words 0 and 3 occur as contexts: frozen input rows
    w["in_lr"][1] = 0.5               # a slower row
    if w["out_ns_lr"].size:
        w["out_ns_lr"][[0, NOISE_WORD]] = 0.0
    if w["out_hs_lr"].size:
        w["out_hs_lr"][[len(w["out_hs_lr"]) - 1]] = 0.0   # the root: on every path
        w["out_hs_lr"][0] = 0.5


@pytest.mark.parametrize("hot_rows", [0, 3], ids=["shared", "buffered"])
@pytest.mark.parametrize("arch,cbow_mean", ARCHS, ids=["sg", "cbow-mean", "cbow-sum"])
def test_frozen_rows_bit_identical(arch, cbow_mean, hot_rows):
    before, after, _ = _compare(arch, True, 2, cbow_mean=cbow_mean, tweak=_freeze, hot_rows=hot_rows)
    frozen = {"w_in": [0, 3], "w_out_ns": [0, NOISE_WORD], "w_out_hs": [len(COUNTS) - 2]}
    for name, rows in frozen.items():
        assert after[name][rows].tobytes() == before[name][rows].tobytes(), name
        others = [r for r in range(after[name].shape[0]) if r not in rows]
        changed = [r for r in others if not np.array_equal(after[name][r], before[name][r])]
        assert changed, f"no unfrozen row of {name} moved"
    # every unfrozen input row occurring in the corpus moved
    for word in (1, 2, 4, 5):
        assert not np.array_equal(after["w_in"][word], before["w_in"][word])
