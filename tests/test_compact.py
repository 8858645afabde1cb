"""Output rows only for trainable words: a fine-tuning trains (and saves) the words its corpus uses.

Pre-trained vectors are synthetic: 600 words of gensim's Lee corpus and 400 words no corpus
uses, in a shuffled order. The corpus halves are the two halves of the Lee corpus, so a
second fine-tuning meets words the first never used.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from gensim.test.utils import datapath

from conftest import CONTINUE
from reference import corpus_counts
from test_finetune import lee_halves  # noqa: F401 (a fixture: the Lee corpus in two halves)

from fastw2v import Word2Vec, load
from fastw2v.state import TrainingState, Weights
from fastw2v.storage import save_state, weight_arrays
from fastw2v.vectors_io import write_vectors
from fastw2v.vocabulary import Vocabulary

LEE = datapath("lee_background.cor")
DIM = 12
SETTINGS = dict(min_count=3, epochs=1, workers=1, seed=5, batch_words=2000, sg=True, **CONTINUE)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A word2vec binary of 600 Lee words and 400 unused words."""
    rng = np.random.default_rng(11)
    lee = sorted(corpus_counts(LEE))
    words = [str(w) for w in rng.choice(lee, 600, replace=False)] + [f"zzunused{i}" for i in range(400)]
    words = [words[i] for i in rng.permutation(len(words))]
    vectors = rng.normal(0.0, 0.3, (len(words), DIM)).astype(np.float32)
    path = tmp_path_factory.mktemp("base") / "base.bin"
    write_vectors(path, words, vectors, binary=True)
    return {"path": path, "words": words, "vectors": vectors}


def finetune(source, corpus, **kwargs) -> Word2Vec:
    model = Word2Vec.from_pretrained(source, **{**SETTINGS, **kwargs})
    model.build_vocab(str(corpus))
    model.train(str(corpus))
    return model


def used_words(model: Word2Vec) -> np.ndarray:
    return np.flatnonzero(model.finetune_plan.corpus_counts > 0)


@pytest.mark.parametrize("mode", [dict(negative=5), dict(hs=True, negative=0), dict(sg=False, hs=True, negative=3)])
def test_output_rows_exist_only_for_words_the_corpus_uses(base, lee_halves, mode):
    model = finetune(base["path"], lee_halves[0], **mode)
    w, used = model.weights, used_words(model)
    assert 0 < used.size < len(model.vocab)
    np.testing.assert_array_equal(w.out_rows, used)
    expected = {"ns": used.size} if model.config.negative else {}
    if model.config.hs:
        expected["hs"] = used.size - 1
    assert {name: (layer.w.shape[0], layer.lr.shape[0]) for name, layer in w.heads.items()} == {
        name: (n, n) for name, n in expected.items()}
    np.testing.assert_array_equal(w.output_row(used), np.arange(used.size))
    unused = np.setdiff1d(np.arange(len(model.vocab)), used)
    assert (w.output_row(unused) == -1).all()
    # Input rows of the words the corpus never uses are untouched; the used ones trained.
    index = {word: i for i, word in enumerate(base["words"])}
    original = base["vectors"][[index[model.vocab.words[i]] for i in unused]]
    np.testing.assert_array_equal(w.w_in[unused], original)
    frequent = [i for i in used[:50] if i < model.finetune_plan.n_pretrained]
    assert (w.w_in[frequent] != base["vectors"][[index[model.vocab.words[i]] for i in frequent]]).any(axis=1).all()
    if model.config.negative:
        assert w.heads["ns"].w.any(axis=1).mean() > 0.9  # (almost) every row trained: none is dead weight


def test_saved_model_stores_only_the_output_rows_it_has(base, lee_halves, tmp_path):
    model = finetune(base["path"], lee_halves[0])
    model.save(tmp_path / "m")
    header = json.loads((tmp_path / "m" / "header.json").read_text())
    n_out = used_words(model).size
    assert header["format_version"] == 2
    assert header["arrays"]["w_out_ns"]["shape"] == [n_out, DIM]
    assert header["arrays"]["out_rows"]["shape"] == [n_out]
    assert np.load(tmp_path / "m" / "w_out_ns.npy").shape == (n_out, DIM)
    for mmap in (False, True):
        loaded = load(tmp_path / "m", mmap=mmap)
        np.testing.assert_array_equal(loaded.weights.out_rows, model.weights.out_rows)
        np.testing.assert_array_equal(loaded.weights.heads["ns"].w, model.weights.heads["ns"].w)
        np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)


def test_refinetune_adds_rows_for_newly_used_words_and_keeps_old_ones(base, lee_halves, tmp_path):
    first = finetune(base["path"], lee_halves[0])
    first.save(tmp_path / "first")
    model = Word2Vec.from_pretrained(tmp_path / "first", workers=1, epochs=1, **CONTINUE)
    model.build_vocab(str(lee_halves[1]))
    old_words = [first.vocab.words[i] for i in first.weights.out_rows]
    old_ids = np.array([model.vocab.index[w] for w in old_words])
    w = model.weights
    old_rows = w.output_row(old_ids)
    assert (old_rows >= 0).all()
    np.testing.assert_array_equal(w.heads["ns"].w[old_rows], first.weights.heads["ns"].w)  # carried over exactly
    used = used_words(model)
    np.testing.assert_array_equal(w.out_rows, np.union1d(used, old_ids))
    newly = np.setdiff1d(used, old_ids)
    assert newly.size > 0 and not w.heads["ns"].w[w.output_row(newly)].any()  # zero, as every new output row
    model.train(str(lee_halves[1]))
    # Rows of words the second corpus does not use stay exactly; the used ones trained.
    idle = np.setdiff1d(old_ids, used)
    assert idle.size > 0
    np.testing.assert_array_equal(w.heads["ns"].w[w.output_row(idle)],
                                  first.weights.heads["ns"].w[first.weights.output_row([first.vocab.index[
                                      model.vocab.words[i]] for i in idle])])
    np.testing.assert_array_equal(w.w_in[idle], first.weights.w_in[[first.vocab.index[model.vocab.words[i]]
                                                                     for i in idle]])
    assert w.heads["ns"].w[w.output_row(newly)].any(axis=1).all()


def test_resume_mid_epoch_is_bit_identical(base, lee_halves, tmp_path):
    direct = finetune(base["path"], lee_halves[0], epochs=2, anchor=0.2)
    model = Word2Vec.from_pretrained(base["path"], **{**SETTINGS, "epochs": 2, "anchor": 0.2})
    model.build_vocab(str(lee_halves[0]))
    saved = []

    def checkpoint(position):
        if position.epoch == 1 and not saved:  # part-way through the main phase's first epoch
            model.save(tmp_path / "ckpt")
            saved.append(position.sentence)

    model.train(str(lee_halves[0]), on_batch_end=checkpoint)
    assert saved and saved[0] > 0
    resumed = load(tmp_path / "ckpt")
    assert resumed.position.epoch == 1 and resumed.position.sentence == saved[0]
    resumed.train(str(lee_halves[0]))
    arrays_a = {**weight_arrays(resumed.weights), "out_rows": resumed.weights.out_rows}
    arrays_b = {**weight_arrays(direct.weights), "out_rows": direct.weights.out_rows}
    for name, a in arrays_a.items():
        assert a.tobytes() == arrays_b[name].tobytes(), name


@pytest.mark.parametrize("keep", ["all", "seen", 100])
@pytest.mark.parametrize("limit", [None, 700])
def test_keep_pretrained_and_limit_keep_rows_exactly(base, lee_halves, keep, limit):
    model = Word2Vec.from_pretrained(base["path"], limit=limit, keep_pretrained=keep, **SETTINGS)
    model.build_vocab(str(lee_halves[0]))
    counts = corpus_counts(lee_halves[0])
    words = base["words"][:limit]
    kept = [i for i, word in enumerate(words) if keep == "all" or counts.get(word, 0) > 0
            or (isinstance(keep, int) and i < keep)]
    n_pre = model.finetune_plan.n_pretrained
    assert model.vocab.words[:n_pre] == [words[i] for i in kept]
    np.testing.assert_array_equal(model.weights.w_in[:n_pre], base["vectors"][kept])
    model.train(str(lee_halves[0]))
    idle = [j for j, i in enumerate(kept) if counts.get(words[i], 0) == 0]
    np.testing.assert_array_equal(model.weights.w_in[idle], base["vectors"][[kept[j] for j in idle]])


def test_anchor_copies_only_the_rows_that_can_move(base, lee_halves):
    model = Word2Vec.from_pretrained(base["path"], anchor=0.5, **SETTINGS)
    model.build_vocab(str(lee_halves[0]))
    n_pre = model.finetune_plan.n_pretrained
    used = np.flatnonzero(model.finetune_plan.corpus_counts[:n_pre] > 0)
    assert model.anchor.vectors.shape == (used.size, DIM) and used.size < n_pre
    np.testing.assert_array_equal(model.anchor.vectors, model.weights.w_in[used])
    np.testing.assert_array_equal(np.flatnonzero(model.anchor.index >= 0), used)


# ---------------------------------------------------------------------------------------------------------
# memory: one copy of the pre-trained matrix from reading to export
# ---------------------------------------------------------------------------------------------------------

RUN = textwrap.dedent("""
    import gc, resource, sys
    from fastw2v import Word2Vec

    def status(field):
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) * 1024 for line in fh if line.startswith(field + ":"))

    corpus, out = sys.argv[1:3]
    for i, base in enumerate(sys.argv[3:]):
        model = Word2Vec.from_pretrained(base, workers=1, epochs=1, warmup_epochs=1, min_count=3)
        model.build_vocab(corpus)
        model.train(corpus)
        model.save(out + "/model")
        print(status("VmHWM"))
        model.export(out + "/vectors.bin")
        print(status("VmHWM"))
        del model
        gc.collect()
        with open("/proc/self/clear_refs", "w") as fh:  # the peak starts again from here
            fh.write("5")
        print(status("VmRSS"))
""")


def _base_model(path: Path, words: list[str], dim: int, rng: np.random.Generator) -> int:
    """Save a fastw2v model of ``words`` (random input rows, no output rows) as a base; its matrix's bytes."""
    from fastw2v.config import Word2VecConfig

    w_in = np.empty((len(words), dim), np.float32)
    for a in range(0, len(words), 50_000):
        w_in[a:a + 50_000] = rng.normal(0, 0.1, (min(50_000, len(words) - a), dim))
    state = TrainingState(config=Word2VecConfig(vector_size=dim, min_count=1, sg=True))
    state.set_vocabulary(Vocabulary(words, np.ones(len(words), np.int64)),
                         Weights.initial(len(words), state.config, w_in=w_in, out_rows=np.zeros(0, np.int32)))
    save_state(state, path)
    return w_in.nbytes


# Python objects of one vocabulary word during a fine-tuning, plus its per-word arrays (the
# fine-tuning adds ~20 bytes a word: the preserve rates in float64 and their temporaries).
WORD_BYTES = 320


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux's resettable peak RSS")
def test_peak_memory_is_one_matrix_plus_the_runtime(tmp_path):
    """Read -> union -> warm-up and train -> save holds one 100k x 300 matrix (plus 30% for the rest).

    The runtime (Python, NumPy, Numba's kernels, gensim) is what a process holds after a
    first fine-tuning of a small base; the peak (VmHWM, what ``getrusage`` reports) is
    reset there and measured from it. The vocabulary's Python objects (words, index,
    the union's sets: ~250 bytes a word, whatever the dimension) are allowed on top.
    """
    rng = np.random.default_rng(0)
    lee = sorted(corpus_counts(LEE))
    _base_model(tmp_path / "small", lee, 300, rng)
    words = lee + [f"zzsyn{i}" for i in range(100_000 - len(lee))]
    matrix = _base_model(tmp_path / "big", words, 300, rng)
    (tmp_path / "out").mkdir()
    done = subprocess.run([sys.executable, "-c", RUN, LEE, str(tmp_path / "out"), str(tmp_path / "small"),
                           str(tmp_path / "big")], capture_output=True, text=True, check=True)
    _, _, runtime, saved, exported, _ = (int(x) for x in done.stdout.split()[-6:])
    vocabulary = WORD_BYTES * len(words)
    assert saved <= 1.3 * matrix + runtime + vocabulary, (saved / 2**20, matrix / 2**20, runtime / 2**20)
    # The export (vectors_io) adds per-word bookkeeping, never a second matrix.
    assert exported - saved < 0.8 * matrix, (exported / 2**20, saved / 2**20)
