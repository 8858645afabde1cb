"""Files written by older fastw2v versions (``tests/data``, see its README) load and train on.

Each file was written by the commit named in ``tests/data/README.md`` from two cuts of gensim's
Lee corpus: the base (articles 1-100) and the domain (articles 201-260). The tests check what
the file holds against counts taken from those cuts here, so a loader that misplaces a row,
a count or a setting fails.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from gensim.test.utils import datapath

from conftest import CONTINUE
from reference import corpus_counts

from fastw2v import Word2Vec, load
from fastw2v.phrases import PhraseModel
from fastw2v.state import MAIN

DATA = Path(__file__).parent / "data"
FORMAT_1 = DATA / "model-format1"
NO_CORPUS_COUNTS = DATA / "finetuned-without-corpus-counts"
NO_BASE_REAL = DATA / "finetuned-without-base-real"
N_BASE_WORDS = 319  # base words with count >= 8 (min_count of the base models)


@pytest.fixture(scope="module")
def cuts(tmp_path_factory) -> dict[str, Path]:
    """The cuts of the Lee corpus the golden files were trained on, and one they never saw."""
    lines = Path(datapath("lee_background.cor")).read_bytes().splitlines(keepends=True)
    d = tmp_path_factory.mktemp("cuts")
    (d / "base.txt").write_bytes(b"".join(lines[0:100]))
    (d / "domain.txt").write_bytes(b"".join(lines[200:260]))
    (d / "other.txt").write_bytes(b"".join(lines[100:200]))
    return {name: d / f"{name}.txt" for name in ("base", "domain", "other")}


def _header(path: Path) -> dict:
    return json.loads((path / "header.json").read_text())


def _assert_counts(words: list[str], counts: np.ndarray, expected) -> None:
    np.testing.assert_array_equal(counts, [expected[w] for w in words])


def _row(path: Path, array: str, word: str) -> np.ndarray:
    """Row of ``word`` in a saved array, read without the loader under test."""
    words = json.loads((path / "vocab.json").read_text(encoding="utf-8"))
    return np.load(path / f"{array}.npy")[words.index(word)]


# ---------------------------------------------------------------------------------------------------------
# a trained model of format 1
# ---------------------------------------------------------------------------------------------------------

def test_format_1_model_loads(cuts):
    header = _header(FORMAT_1)
    assert header["format_version"] == 1 and "history_epochs_from" not in header and "checkpoint" not in header
    model = load(FORMAT_1)
    base = corpus_counts(cuts["base"])
    assert sorted(model.vocab.words) == sorted(w for w, c in base.items() if c >= 8)
    _assert_counts(model.vocab.words, model.vocab.counts, base)
    assert (np.diff(model.vocab.counts) <= 0).all()
    c = model.config
    assert (c.vector_size, c.sg, c.hs, c.negative, c.min_count, c.epochs) == (8, True, True, 5, 8, 2)
    np.testing.assert_array_equal(model.wv["fire"], _row(FORMAT_1, "w_in", "fire"))
    assert model.weights.out_rows is None and model.weights.heads["hs"].w.shape == (N_BASE_WORDS - 1, 8)
    # Its history numbered epochs from 0: read as counted from 1, as every history is now.
    assert [r.epoch for r in model.history] == [e["epoch"] + 1 for e in header["history"]] == [1, 2]
    assert model.checkpoint_every is None and model.position.epoch == 2


def test_format_1_model_trains_on(cuts):
    model = load(FORMAT_1)
    before = model.weights.w_in.copy()
    model.train(cuts["base"], epochs=1)
    assert [r.epoch for r in model.history] == [1, 2, 1]
    assert np.isfinite(model.weights.w_in).all() and not np.array_equal(model.weights.w_in, before)
    # Training goes on from the trained weights (a misread output layer would start from scratch's loss).
    assert model.history[-1].loss < model.history[1].loss < model.history[0].loss


def test_format_1_model_is_a_base_to_fine_tune(cuts):
    """Read as a base: its real counts weigh its words, its output layer carries over."""
    base = load(FORMAT_1)
    model = Word2Vec.from_pretrained(FORMAT_1, workers=1, epochs=1, **CONTINUE).build_vocab(str(cuts["domain"]))
    plan = model.finetune_plan
    assert model.vocab.words[:plan.n_pretrained] == base.vocab.words and model.config.hs
    assert plan.base_real
    np.testing.assert_array_equal(plan.base_counts, base.vocab.counts)
    rows = model.weights.output_row(np.arange(plan.n_pretrained))
    np.testing.assert_array_equal(model.weights.heads["ns"].w[rows], base.weights.heads["ns"].w)
    model.train(str(cuts["domain"]))
    assert np.isfinite(model.weights.w_in).all()


# ---------------------------------------------------------------------------------------------------------
# fine-tuned models saved before the plan kept corpus counts and before it kept base counts
# ---------------------------------------------------------------------------------------------------------

def _assert_union_vocabulary(model: Word2Vec, base, domain) -> None:
    n = model.finetune_plan.n_pretrained
    assert n == N_BASE_WORDS
    assert sorted(model.vocab.words[:n]) == sorted(w for w, c in base.items() if c >= 8)
    assert model.vocab.words[n:] == [w for w in model.vocab.words[n:] if domain[w] >= 5 and base[w] < 8]
    assert len(model.vocab.words) - n == sum(1 for w, c in domain.items() if c >= 5 and base[w] < 8)


def test_finetuned_model_without_corpus_counts_loads(cuts):
    assert "finetune_corpus_counts" not in _header(NO_CORPUS_COUNTS)["arrays"]
    model = load(NO_CORPUS_COUNTS)
    base, domain = corpus_counts(cuts["base"]), corpus_counts(cuts["domain"])
    _assert_union_vocabulary(model, base, domain)
    # A vector-file base has no counts: the totals its tables used are the domain's counts.
    plan = model.finetune_plan
    _assert_counts(model.vocab.words, model.vocab.counts, domain)
    np.testing.assert_array_equal(plan.corpus_counts, model.vocab.counts)
    assert not plan.base_real and plan.base_counts is None
    s = plan.settings
    assert (s.method, s.preserve, s.pretrained_lr, s.warmup_epochs, s.anchor) == ("continue", "auto", 1.0, 1, 0.0)
    assert plan.warmup_done and model.anchor is None
    np.testing.assert_array_equal(model.wv["fire"], _row(NO_CORPUS_COUNTS, "w_in", "fire"))


def test_finetuned_model_without_base_real_loads(cuts):
    header = _header(NO_BASE_REAL)
    assert "base_real" not in header["finetune"] and header["anchor"] == {"strength": 0.1}
    model = load(NO_BASE_REAL)
    base, domain = corpus_counts(cuts["base"]), corpus_counts(cuts["domain"])
    _assert_union_vocabulary(model, base, domain)
    plan = model.finetune_plan
    n = plan.n_pretrained
    _assert_counts(model.vocab.words, plan.corpus_counts, domain)
    # The base was a saved model: its counts were added to the totals, and are recovered from them.
    totals = model.vocab.counts
    np.testing.assert_array_equal(totals[:n], [base[w] + domain[w] for w in model.vocab.words[:n]])
    _assert_counts(model.vocab.words[n:], totals[n:], domain)
    assert plan.base_real
    _assert_counts(model.vocab.words[:n], plan.base_counts, base)
    assert plan.base_tokens == sum(base[w] for w in model.vocab.words[:n])
    assert (plan.settings.method, plan.settings.preserve, plan.preserve) == ("continue", "auto", "high")
    # One scalar strength in the header: every anchored row gets it.
    assert model.anchor.strength.dtype == np.float64
    np.testing.assert_array_equal(model.anchor.strength, np.full(n, 0.1))
    np.testing.assert_array_equal(model.anchor.index[:n], np.arange(n))
    assert (model.anchor.index[n:] == -1).all()
    # Format 1: one output row per word.
    assert model.weights.out_rows is None and model.weights.heads["ns"].w.shape == (len(model.vocab), 8)


@pytest.mark.parametrize("path", [NO_CORPUS_COUNTS, NO_BASE_REAL], ids=lambda p: p.name)
def test_old_finetuned_model_trains_on_as_it_was_trained(cuts, path):
    model = load(path)
    domain = corpus_counts(cuts["domain"])
    unused = np.array([domain[w] == 0 for w in model.vocab.words])
    before = model.weights.w_in.copy()
    assert model.state.next_phase().name == MAIN  # a continued training, not an aligned one
    model.train(cuts["domain"])
    assert len(model.history) == 3 + model.config.epochs
    np.testing.assert_array_equal(model.weights.w_in[unused], before[unused])
    assert (model.weights.w_in[~unused] != before[~unused]).any(axis=1).all()


@pytest.mark.parametrize("path", [NO_CORPUS_COUNTS, NO_BASE_REAL], ids=lambda p: p.name)
def test_fine_tuning_a_full_output_layer_model_carries_its_trained_rows(cuts, path):
    """Format 1 has an output row for every word, zero for those that never trained (what a new row is).

    Fine-tuning it again carries the trained rows exactly; an untrained word gets an output row only
    if the new corpus uses it.
    """
    old = load(path)
    n = len(old.vocab)
    again = Word2Vec.from_pretrained(path, workers=1, epochs=1, **CONTINUE).build_vocab(str(cuts["other"]))
    assert again.vocab.words[:n] == old.vocab.words
    np.testing.assert_array_equal(again.weights.w_in[:n], old.weights.w_in)
    trained = old.weights.heads["ns"].w.any(axis=1)
    rows = again.weights.output_row(np.arange(n))
    assert (rows[trained] >= 0).all()
    np.testing.assert_array_equal(again.weights.heads["ns"].w[rows[trained]], old.weights.heads["ns"].w[trained])
    other = corpus_counts(cuts["other"])
    untrained = [w for w, t in zip(old.vocab.words, trained) if not t]
    np.testing.assert_array_equal(rows[~trained] >= 0, [other[w] > 0 for w in untrained])
    assert not again.weights.heads["ns"].w[rows[~trained & (rows >= 0)]].any()
    again.train(str(cuts["other"]))
    assert np.isfinite(again.weights.w_in).all()


# ---------------------------------------------------------------------------------------------------------
# phrase models
# ---------------------------------------------------------------------------------------------------------

def _triples(model: PhraseModel) -> list[set]:
    return [set(zip(p.left, p.right, p.scores.tolist())) for p in model.passes]


def test_learned_phrase_model_loads_and_joins_as_learned_today(cuts):
    old = PhraseModel.load(DATA / "phrases-learned.json")
    assert (old.scoring, old.delimiter, old.min_count, old.threshold, old.known) == ("default", "_", 3, 10.0, None)
    assert [len(p.left) for p in old.passes] == [149, 26]
    now = PhraseModel.learn(cuts["base"], min_count=3, threshold=10.0, passes=2)
    assert _triples(old) == _triples(now)
    assert [(p.corpus_word_count, p.len_vocab) for p in old.passes] == \
        [(p.corpus_word_count, p.len_vocab) for p in now.passes]
    sentence = "the New South Wales Rural Fire Service says".split()
    assert old.apply(sentence) == now.apply(sentence) == ["the", "New_South_Wales", "Rural_Fire_Service_says"]


def test_known_phrase_model_loads():
    model = PhraseModel.load(DATA / "phrases-known.json")
    assert model.scoring == "known" and model.known == {"New_South_Wales", "Prime_Minister", "Hill_Top"}
    assert model.apply("in New South Wales at Hill Top , New South".split()) == \
        ["in", "New_South_Wales", "at", "Hill_Top", ",", "New", "South"]
