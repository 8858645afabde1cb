"""A third output layer added from this file alone: what a new head takes.

"Uniform negatives" is negative sampling with its noise words drawn uniformly from the output words
instead of from the unigram^0.75 table. A head is a kernel table type with its four functions
(:mod:`fastw2v.kernels.heads`: the targets of an example, their most, where its hot rows are, what to
prefetch) and an entry in the registry (:data:`fastw2v.heads.HEADS`: when it is on, its rows, its
table from the counts); the model, the training loop, the tables and the saved files then handle it
as they handle the built-in ones. In the package the table type and its functions would go in
``kernels/heads.py`` and the entry in ``heads.py``.
"""
from __future__ import annotations

import functools
from collections import namedtuple

import numpy as np
import pytest
from numba import njit
from scipy import stats

import fastw2v
from fastw2v import heads, kernels

pytestmark = pytest.mark.slow  # the training kernel compiles for this head in every run (see _uncached_kernels)

#: ``n_words`` output words, ``negative`` draws per example.
UniformNegatives = namedtuple("UniformNegatives", "n_words negative")


@kernels.implements(kernels.pick_targets, UniformNegatives)
def _uniform_draws(head, centre, example, state):
    targets, labels = example.targets, example.labels  # see kernels.pick_targets: stores in a loop
    targets[0] = centre
    labels[0] = 1.0
    n_targets = 1
    for _ in range(head.negative):
        state, bits = kernels.rng_next(state)
        k = np.int64(bits % np.uint64(head.n_words))
        if k != centre:
            targets[n_targets] = k
            labels[n_targets] = 0.0
            n_targets += 1
    return n_targets, state


@kernels.implements(kernels.max_targets, UniformNegatives)
def _draws_and_centre(head):
    return head.negative + 1


@kernels.implements(kernels.first_hot_row, UniformNegatives)
def _frequent_words(head, n_rows, n_hot):
    return 0


@kernels.implements(kernels.prefetch_targets, UniformNegatives)
def _nothing_to_prefetch(head, layer, centre):
    return None


UNIFORM = heads.Head("uniform", enabled=lambda config: True, n_rows=lambda n_out: n_out,
                     table=lambda counts, config: UniformNegatives(counts.shape[0], 4))


@functools.cache
def _uncached_kernels(dim):
    """``kernels.epoch_kernels`` without Numba's on-disk cache: its index would name UniformNegatives,
    a type only this module defines, and a process without this module could not read it."""
    @njit(nogil=True)
    def train(token_ids, sentence_offsets, first, last, network, architecture, keep_prob, settings, schedule):
        return kernels.train_sentences(token_ids, sentence_offsets, first, last, network, architecture, keep_prob,
                                       settings, schedule, dim)

    return train


@pytest.fixture
def uniform_head(monkeypatch):
    monkeypatch.setitem(heads.HEADS, "uniform", UNIFORM)
    monkeypatch.setattr(kernels, "epoch_kernels", _uncached_kernels)


SETTINGS = dict(vector_size=16, window=4, min_count=5, sg=True, hs=True, negative=0, epochs=3, seed=3)


@njit
def _draw(head, centre, n, seed):
    """Noise words of ``n`` examples of ``centre``, through the kernels' generic target picker."""
    example = kernels.Example(np.zeros((1, 1), np.float32), np.zeros((1, 1), np.float32),
                              np.zeros(head.negative + 1, np.int32), np.zeros(head.negative + 1, np.float32),
                              np.zeros((head.negative + 1, 1), np.float32), np.zeros(1, np.float32))
    drawn = np.zeros(head.n_words, np.int64)
    state = kernels.rng_seed(seed, 0, 0)
    for _ in range(n):
        n_targets, state = kernels.pick_targets(head, centre, example, state)
        for t in range(1, n_targets):
            drawn[example.targets[t]] += 1
    return drawn


def test_noise_words_are_uniform_and_never_the_centre():
    drawn = _draw(UniformNegatives(50, 4), 7, 20_000, 1)
    assert drawn[7] == 0
    others = np.delete(drawn, 7)
    assert stats.chisquare(others).pvalue > 1e-4, others


def test_a_model_trains_the_third_head(uniform_head, lee_corpus):
    # A word seen only alone on a line is never a centre word with a context: only noise draws move its row.
    corpus = lee_corpus + [["xyzzy"]] * SETTINGS["min_count"]
    model = fastw2v.Word2Vec(**SETTINGS, workers=1)
    model.build_vocab(corpus)
    assert list(model.weights.heads) == ["hs", "uniform"]
    assert model.tables.heads["uniform"] == UniformNegatives(len(model.vocab), 4)
    frozen = [3, 300]
    model.weights.heads["uniform"].lr[frozen] = 0.0
    model.train(corpus)
    w = model.weights.heads["uniform"].w
    assert not w[frozen].any()  # still the zero rows it started from
    assert np.delete(w, frozen, axis=0).any(axis=1).all()
    assert w[model.vocab.index["xyzzy"]].any()  # drawn as noise, which uniform draws reach as often as any word
    losses = [h.loss for h in model.history]
    assert losses[-1] < losses[0], losses
    two_workers = fastw2v.Word2Vec(lee_corpus, **SETTINGS, workers=2)  # with private copies of the hot rows
    assert np.isfinite(two_workers.weights.heads["uniform"].w).all()


def test_the_third_head_is_saved_and_resumes_bit_identically(uniform_head, lee_corpus, tmp_path):
    model = fastw2v.Word2Vec(lee_corpus, **SETTINGS, workers=1)
    model.save(tmp_path / "m")
    assert (tmp_path / "m" / "w_out_uniform.npy").exists() and (tmp_path / "m" / "out_uniform_lr.npy").exists()
    loaded = fastw2v.load(tmp_path / "m")
    for name, layer in model.weights.heads.items():
        assert loaded.weights.heads[name].w.tobytes() == layer.w.tobytes(), name
    model.train(lee_corpus, epochs=1)
    loaded.train(lee_corpus, epochs=1)
    for name, matrix in model.weights.matrices().items():
        assert loaded.weights.matrices()[name].tobytes() == matrix.tobytes(), name
