"""The kernels as a model wires them: each architecture, output layer and table reaches the kernel that uses it.

The kernel tests (``test_kernels.py``) hand the kernels arrays built by hand; these build a model through
the public API and check what it trained: the Huffman tree it built matches its counts, an epoch of CBOW
trains CBOW's examples and equals the float64 reference given the model's own tables, and hierarchical
softmax alone learns related words on real text.
"""
from __future__ import annotations

import gzip
import itertools
import math
from pathlib import Path

import numpy as np
import pytest

import fastw2v
from conftest import CONTINUE, LEE_PAIRS, neighbour_rank, unit_rows
from reference import RTOL, Margin, Rng, ref_train, tolerances

DATA = Path(fastw2v.__file__).parent / "data"


# ----------------------------------------------------------------------------------------------------
# the Huffman tree matches the counts
# ----------------------------------------------------------------------------------------------------

def assert_tree_fits(tree, counts):
    """A Huffman code of ``counts``: lengths never grow with the count, mean length within 1 bit of the entropy."""
    counts = np.asarray(counts, dtype=np.float64)
    lengths = np.diff(tree.offsets)
    assert lengths.shape == counts.shape
    by_count = np.lexsort((lengths, -counts))  # descending count, ties by length
    assert np.all(np.diff(lengths[by_count]) >= 0), "a more frequent word has a longer path"
    p = counts / counts.sum()
    entropy = -(p * np.log2(p)).sum()
    mean_length = (p * lengths).sum()
    assert entropy <= mean_length < entropy + 1, (entropy, mean_length)  # an optimal prefix code's bounds


def test_huffman_tree_of_a_model_matches_its_counts(lee_corpus):
    model = fastw2v.Word2Vec(vector_size=8, min_count=2, hs=True, negative=0, workers=1)
    model.build_vocab(lee_corpus)
    tree = model.tables.heads["hs"]
    assert_tree_fits(tree, model.vocab.counts)
    lengths = np.diff(tree.offsets)
    assert lengths[0] == lengths.min() < lengths.max()  # the most frequent word ("the") has the shortest path


def _biomed(n_lines):
    with gzip.open(DATA / "biomed.sample.txt.gz", "rt", encoding="utf-8") as fh:
        return [line.split() for line in itertools.islice(fh, n_lines)]


def test_huffman_tree_of_a_fine_tuning_matches_the_domain_counts():
    """A fine-tuning's tree is over the words with output rows, weighted by the domain corpus's counts."""
    model = fastw2v.Word2Vec.from_pretrained(DATA / "glove-sample-50d.bin.gz", min_count=2, hs=True, negative=0,
                                             base_tokens=1e6, workers=1, **CONTINUE)
    model.build_vocab(_biomed(1000))
    counts = model.finetune_plan.corpus_counts[model.weights.out_rows]
    assert counts.min() > 0 and counts.shape[0] < len(model.vocab)
    assert_tree_fits(model.tables.heads["hs"], counts)


# ----------------------------------------------------------------------------------------------------
# each architecture trains its own examples
# ----------------------------------------------------------------------------------------------------

def _examples(corpus, sg, window, seed):
    """Examples one epoch without subsampling trains: (centre, context) pairs for skip-gram (each centre's
    reach drawn as the kernels draw it), centre words with a context for CBOW."""
    lengths = np.diff(corpus.sentence_offsets)
    if not sg:
        return int(lengths[lengths >= 2].sum())
    pairs = 0
    for s, n in enumerate(lengths.tolist()):
        rng = Rng(seed, 0, s)
        for i in range(n):
            reach = window - rng.bits() % window
            pairs += min(n, i + reach + 1) - max(0, i - reach) - 1
    return pairs


@pytest.mark.parametrize("sg", [False, True], ids=["cbow", "sg"])
def test_each_architecture_trains_its_examples(lee_corpus, sg):
    """Hierarchical softmax only (it draws nothing), no subsampling: the kernel's random draws are the windows'."""
    settings = dict(vector_size=8, window=4, min_count=2, sample=0, hs=True, negative=0, epochs=1, workers=1, seed=2)
    model = fastw2v.Word2Vec(sg=sg, **settings)
    model.build_vocab(lee_corpus)
    corpus = model.encode(lee_corpus)
    model.train(corpus)
    assert model.history[0].pairs == _examples(corpus, sg, settings["window"], settings["seed"])
    assert _examples(corpus, not sg, settings["window"], settings["seed"]) != model.history[0].pairs


@pytest.mark.parametrize("arch,cbow_mean", [("sg", True), ("cbow", True), ("cbow", False)],
                         ids=["sg", "cbow-mean", "cbow-sum"])
def test_an_epoch_equals_the_reference_with_the_models_tables(lee_corpus, arch, cbow_mean):
    """Both heads, subsampling, the model's learning-rate schedule and seed: one epoch of a small model is the
    float64 reference run on the model's own encoded corpus and tables."""
    model = fastw2v.Word2Vec(vector_size=8, window=3, min_count=2, sample=1e-2, sg=arch == "sg", cbow_mean=cbow_mean,
                             hs=True, negative=3, alpha=0.05, min_alpha=0.01, epochs=1, workers=1, seed=4)
    text = lee_corpus[:3]
    model.build_vocab(text)
    corpus = model.encode(text)
    w, tables = model.weights, model.tables
    ns, hs = tables.heads["ns"], tables.heads["hs"]
    ref = {"w_in": w.w_in, "in_lr": w.in_lr, "w_out_ns": w.heads["ns"].w, "out_ns_lr": w.heads["ns"].lr,
           "w_out_hs": w.heads["hs"].w, "out_hs_lr": w.heads["hs"].lr}
    ref = {name: array.astype(np.float64) for name, array in ref.items()}
    model.train(corpus)
    Margin.value = math.inf
    loss, pairs, kept = ref_train(arch, corpus.token_ids, corpus.sentence_offsets, 0, len(text), ref,
                                  (tables.keep_prob, ns.threshold, ns.alias, hs.codes, hs.points, hs.offsets),
                                  3, 3, True, cbow_mean, 0.05, 0.01, corpus.n_tokens, 4, 0)
    assert 0 < kept < corpus.n_tokens  # subsampling dropped some tokens
    assert model.history[0].pairs == pairs
    atol, loss_tol = tolerances()
    assert model.history[0].loss * pairs == pytest.approx(loss, rel=RTOL, abs=loss_tol)
    np.testing.assert_allclose(w.w_in, ref["w_in"], atol=atol, rtol=RTOL)
    for name, layer in w.heads.items():
        np.testing.assert_allclose(layer.w, ref[f"w_out_{name}"], atol=atol, rtol=RTOL, err_msg=name)


# ----------------------------------------------------------------------------------------------------
# hierarchical softmax alone learns
# ----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hs_model(lee_corpus):
    return fastw2v.Word2Vec(lee_corpus, vector_size=50, window=5, min_count=5, sg=True, hs=True, negative=0,
                            epochs=15, workers=1, seed=1)


def test_hierarchical_softmax_alone_lowers_the_loss(hs_model):
    losses = [h.loss for h in hs_model.history]  # per pair: summed over the ~10 nodes of a path
    assert losses[-1] < losses[0] - 0.4, losses  # measured: 6.85 -> 6.24
    assert all(b <= a + 1e-3 for a, b in zip(losses, losses[1:])), losses


def test_hierarchical_softmax_alone_learns_related_words(hs_model):
    unit = unit_rows(hs_model.weights.w_in)
    ranks = {pair: neighbour_rank(hs_model, unit, *pair) for pair in LEE_PAIRS}
    assert sorted(ranks.values())[len(ranks) // 2] < 10, ranks  # the median partner among the 10 nearest
    assert all(r < 100 for r in ranks.values()), ranks         # of ~1750 words
    idx = hs_model.vocab.index
    related = np.mean([unit[idx[a]] @ unit[idx[b]] for a, b in LEE_PAIRS])
    a, b = np.random.default_rng(0).integers(0, len(idx), size=(2, 5000))
    unrelated = np.mean(np.sum(unit[a[a != b]] * unit[b[a != b]], axis=1))
    assert related > unrelated + 0.2, (related, unrelated)
