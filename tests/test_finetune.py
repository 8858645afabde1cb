"""Fine-tuning pre-trained vectors: loading every format, the vocabulary union, and the recipe.

Pre-trained vectors are synthetic (random, dimension 20) for 1,700 words of gensim's
Lee corpus plus 300 words the corpus never uses, in a shuffled file order; training
uses the raw Lee corpus file (whitespace tokens). Every expectation (word lists,
counts, kept sets) is computed here from the corpus text, independently of fastw2v.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors
from gensim.test.utils import datapath

from conftest import CONTINUE
from reference import corpus_counts

from fastw2v import Word2Vec, load
from fastw2v.config import FinetuneConfig
from fastw2v.errors import ConfigError, FastW2VError, VectorFileError
from fastw2v.storage import weight_arrays
from fastw2v.vectors_io import write_vectors

LEE = datapath("lee_background.cor")
DIM = 16
N_SEEN = 1700
N_UNSEEN = 300
MIN_COUNT = 3


# ---------------------------------------------------------------------------------------------------------
# independent reference computations
# ---------------------------------------------------------------------------------------------------------

def expected_vocab(pre_words: list[str], counts: Counter, min_count: int, keep="all",
                   pre_counts: dict[str, int] | None = None) -> tuple[list[str], list[int], int]:
    """(words, counts, n_pretrained) of the union vocabulary, computed from first principles."""
    if keep == "all":
        kept = list(pre_words)
    elif keep == "seen":
        kept = [w for w in pre_words if counts.get(w, 0) > 0]
    else:
        kept = [w for i, w in enumerate(pre_words) if i < keep or counts.get(w, 0) > 0]
    known = set(pre_words)
    # Counter keys are in first-appearance order; a stable sort keeps it among equal counts.
    new = sorted((w for w in counts if counts[w] >= min_count and w not in known), key=lambda w: -counts[w])
    extra = pre_counts or {}
    words = kept + new
    return words, [counts.get(w, 0) + extra.get(w, 0) for w in words], len(kept)


def rows_of(model: Word2Vec, words) -> np.ndarray:
    return np.array([model.vocab.index[w] for w in words], dtype=np.int64)


# ---------------------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def lee_counts() -> Counter:
    return corpus_counts(LEE)


@pytest.fixture(scope="module")
def pre(lee_counts, tmp_path_factory):
    """Synthetic pre-trained vectors written in every supported format."""
    rng = np.random.default_rng(2024)
    seen = [str(w) for w in rng.choice(sorted(lee_counts), N_SEEN, replace=False)]
    unseen = [f"zzoov{i}" for i in range(N_UNSEEN)]
    assert not set(unseen) & set(lee_counts)
    words = seen + unseen
    order = rng.permutation(len(words))
    words = [words[i] for i in order]
    vectors = rng.normal(0.0, 0.3, (len(words), DIM)).astype(np.float32)

    d = tmp_path_factory.mktemp("pretrained")
    files = {"bin": d / "pre.bin", "bin.gz": d / "pre.bin.gz", "text": d / "pre.txt",
             "glove": d / "glove.txt", "vec": d / "wiki.vec", "kv-file": d / "pre.kv"}
    write_vectors(files["bin"], words, vectors, binary=True)
    write_vectors(files["bin.gz"], words, vectors, binary=True)
    write_vectors(files["text"], words, vectors, binary=False)
    # repr(float(float32)) round-trips exactly, so text formats give the very same float32 values.
    rows = [w + " " + " ".join(repr(float(x)) for x in v) for w, v in zip(words, vectors)]
    files["glove"].write_text("\n".join(rows) + "\n", encoding="utf-8")
    # fastText .vec: a header, and a trailing space after every row.
    files["vec"].write_text(f"{len(words)} {DIM}\n" + "".join(r + " \n" for r in rows), encoding="utf-8")
    kv = KeyedVectors(DIM)
    kv.add_vectors(words, vectors)
    kv.save(str(files["kv-file"]))
    return {"words": words, "vectors": vectors, "files": files, "kv": kv, "dir": d,
            "seen": [w for w in words if w in lee_counts], "unseen": unseen}


@pytest.fixture(scope="module")
def lee_halves(tmp_path_factory):
    """The Lee corpus split into two files of 150 articles each."""
    d = tmp_path_factory.mktemp("halves")
    lines = Path(LEE).read_bytes().splitlines(keepends=True)
    first, second = d / "first.txt", d / "second.txt"
    first.write_bytes(b"".join(lines[:150]))
    second.write_bytes(b"".join(lines[150:]))
    return first, second


@pytest.fixture(scope="module")
def base_model_dir(lee_halves, tmp_path_factory):
    """A saved fastw2v model (dimension 16) trained on the first half of the Lee corpus."""
    model = Word2Vec(vector_size=16, min_count=2, epochs=1, workers=1, negative=5, seed=3)
    model.build_vocab(str(lee_halves[0]))
    model.train(str(lee_halves[0]))
    path = tmp_path_factory.mktemp("base") / "model"
    model.save(path)
    return path


FORMATS = {"bin": "word2vec-bin", "bin.gz": "word2vec-bin", "text": "word2vec-text", "glove": "glove",
           "vec": "word2vec-text", "kv-file": "keyedvectors"}


def source(pre, name):
    return pre["kv"] if name == "kv-object" else pre["files"][name]


def named_format(name):
    """A KeyedVectors pickle loads only when asked for by name (auto-detection never unpickles)."""
    return "keyedvectors" if name == "kv-file" else None


def finetuned(pretrained, corpus=LEE, **kwargs) -> Word2Vec:
    settings = dict(min_count=MIN_COUNT, epochs=1, workers=1, **CONTINUE)
    settings.update(kwargs)
    model = Word2Vec.from_pretrained(pretrained, **settings)
    model.build_vocab(str(corpus))
    return model


# ---------------------------------------------------------------------------------------------------------
# loading every format
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [*FORMATS, "kv-object"])
def test_every_format_loads(pre, name):
    model = Word2Vec.from_pretrained(source(pre, name), format=named_format(name), min_count=MIN_COUNT, epochs=1,
                                     workers=1)
    assert model.vocab is None  # nothing happens before build_vocab
    assert model.config.vector_size == DIM
    model.build_vocab(LEE)
    n = model.finetune_plan.n_pretrained
    assert n == len(pre["words"])
    assert model.vocab.words[:n] == pre["words"]
    np.testing.assert_array_equal(model.weights.w_in[:n], pre["vectors"])
    assert model.weights.w_in.dtype == np.float32


@pytest.mark.parametrize("name", list(FORMATS))
def test_format_override(pre, name):
    model = finetuned(pre["files"][name], format=FORMATS[name])
    n = model.finetune_plan.n_pretrained
    assert model.vocab.words[:n] == pre["words"]
    np.testing.assert_array_equal(model.weights.w_in[:n], pre["vectors"])


@pytest.mark.parametrize("name,wrong", [("glove", "word2vec-text"), ("bin", "word2vec-text"),
                                        ("text", "word2vec-bin"), ("text", "glove"), ("bin", "keyedvectors"),
                                        ("kv-file", "word2vec-bin")])
def test_format_override_contradicting_content_is_refused(pre, name, wrong):
    with pytest.raises(VectorFileError, match=str(pre["files"][name].name)):
        Word2Vec.from_pretrained(pre["files"][name], format=wrong)


def test_unknown_format_name_is_a_config_error(pre):
    with pytest.raises(ConfigError, match="format"):
        Word2Vec.from_pretrained(pre["files"]["bin"], format="fasttext-bin")


@pytest.mark.parametrize("name", ["bin", "text", "glove", "kv-file", "kv-object"])
def test_limit(pre, lee_counts, name):
    limit = 50
    model = finetuned(source(pre, name), format=named_format(name), limit=limit)
    words, counts, n_pre = expected_vocab(pre["words"][:limit], lee_counts, MIN_COUNT)
    assert model.finetune_plan.n_pretrained == n_pre == limit
    assert model.vocab.words == words  # pre-trained words past the limit are ordinary corpus words
    np.testing.assert_array_equal(model.vocab.counts, counts)
    np.testing.assert_array_equal(model.weights.w_in[:limit], pre["vectors"][:limit])


def test_limit_on_saved_model(base_model_dir, lee_halves):
    base = load(base_model_dir)
    model = finetuned(base_model_dir, corpus=lee_halves[1], limit=10)
    assert model.finetune_plan.n_pretrained == 10
    assert model.vocab.words[:10] == base.vocab.words[:10]
    np.testing.assert_array_equal(model.weights.w_in[:10], base.weights.w_in[:10])


@pytest.mark.parametrize("bad", [0, -1, True, 2.5])
def test_invalid_limit(pre, bad):
    with pytest.raises(ConfigError, match="limit"):
        Word2Vec.from_pretrained(pre["files"]["bin"], limit=bad)


# ---------------------------------------------------------------------------------------------------------
# vector size
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["bin", "glove", "kv-object"])
def test_conflicting_vector_size_is_a_config_error(pre, name):
    with pytest.raises(ConfigError, match="vector_size"):
        Word2Vec.from_pretrained(source(pre, name), vector_size=DIM + 1)


def test_conflicting_vector_size_of_saved_model(base_model_dir):
    with pytest.raises(ConfigError, match="vector_size"):
        Word2Vec.from_pretrained(base_model_dir, vector_size=32)  # the saved model has 16


@pytest.mark.parametrize("name", ["bin", "glove", "kv-object"])
def test_matching_vector_size_is_accepted(pre, name):
    model = finetuned(source(pre, name), vector_size=DIM)
    assert model.config.vector_size == DIM
    assert model.weights.w_in.shape[1] == DIM


# ---------------------------------------------------------------------------------------------------------
# vocabulary union
# ---------------------------------------------------------------------------------------------------------

def test_vocabulary_union_is_exact(pre, lee_counts):
    model = finetuned(pre["files"]["bin"])
    words, counts, n_pre = expected_vocab(pre["words"], lee_counts, MIN_COUNT)
    assert model.finetune_plan.n_pretrained == n_pre == len(pre["words"])
    assert model.vocab.words == words
    np.testing.assert_array_equal(model.vocab.counts, counts)
    assert model.vocab.counts.dtype == np.int64
    new_counts = model.vocab.counts[n_pre:]
    assert len(new_counts) > 1000
    assert (new_counts >= MIN_COUNT).all()
    assert (np.diff(new_counts) <= 0).all()
    # Every corpus word passing min_count is in the vocabulary, and nothing else new is.
    assert set(model.vocab.words[n_pre:]) == {w for w, c in lee_counts.items()
                                              if c >= MIN_COUNT and w not in set(pre["words"])}
    assert {model.vocab.words[i] for i in range(n_pre) if model.vocab.counts[i] == 0} == set(pre["unseen"])




@pytest.mark.parametrize("keep", ["all", "seen", 0, 100, 5000])
def test_keep_pretrained(pre, lee_counts, keep):
    model = finetuned(pre["files"]["bin"], keep_pretrained=keep)
    words, counts, n_pre = expected_vocab(pre["words"], lee_counts, MIN_COUNT, keep=keep)
    assert model.finetune_plan.n_pretrained == n_pre
    assert model.vocab.words == words
    np.testing.assert_array_equal(model.vocab.counts, counts)
    # Kept rows are the pre-trained vectors of those words.
    original = dict(zip(pre["words"], pre["vectors"]))
    np.testing.assert_array_equal(model.weights.w_in[:n_pre], np.array([original[w] for w in words[:n_pre]])
                                  .reshape(n_pre, DIM))
    kept = set(words[:n_pre])
    if keep == "all" or keep == 5000:
        assert kept == set(pre["words"])
    elif keep == "seen":
        # Seen means used by the corpus at all, even below min_count.
        assert kept == set(pre["seen"])
        assert any(lee_counts[w] < MIN_COUNT for w in kept)
    else:
        assert kept == set(pre["seen"]) | set(pre["words"][:keep])


@pytest.mark.parametrize("bad", ["some", -1, 1.5, True, None])
def test_invalid_keep_pretrained(pre, bad):
    with pytest.raises(ConfigError, match="keep_pretrained"):
        Word2Vec.from_pretrained(pre["files"]["bin"], keep_pretrained=bad)


@pytest.mark.parametrize("setting", [dict(freeze="old"), dict(warmup_epochs=-1), dict(pretrained_lr=-0.5),
                                     dict(output_lr=float("nan")), dict(anchor=float("inf")),
                                     dict(anchor=-1.0), dict(new_word_init="zeros")])
def test_invalid_recipe(pre, setting):
    with pytest.raises(ConfigError, match=next(iter(setting))):
        Word2Vec.from_pretrained(pre["files"]["bin"], **setting)


# ---------------------------------------------------------------------------------------------------------
# training: counts, unseen rows, output layer
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", [dict(sg=True), dict(sg=False), dict(sg=True, hs=True, negative=0),
                                  dict(sg=False, hs=True, negative=3)])
def test_counts_and_unseen_rows_after_training(pre, lee_counts, mode):
    model = finetuned(pre["files"]["bin"], epochs=2, **mode)
    model.train(LEE)
    _, counts, _ = expected_vocab(pre["words"], lee_counts, MIN_COUNT)
    np.testing.assert_array_equal(model.vocab.counts, counts)
    unseen = rows_of(model, pre["unseen"])
    np.testing.assert_array_equal(model.weights.w_in[unseen], pre["vectors"][pre_rows(pre, pre["unseen"])])
    # Never sampled, never a target: they have no output row at all (and no Huffman leaf).
    assert (model.weights.output_row(unseen) == -1).all()
    used = np.flatnonzero(model.finetune_plan.corpus_counts > 0)
    np.testing.assert_array_equal(model.weights.out_rows, used)
    if model.config.negative:
        assert model.weights.heads["ns"].w.shape == (used.size, DIM)
    if model.config.hs:
        assert model.weights.heads["hs"].w.shape == (used.size - 1, DIM)
    # Frequent pre-trained words did train.
    frequent = [w for w in pre["seen"] if lee_counts[w] >= 5]
    moved = model.weights.w_in[rows_of(model, frequent)] != pre["vectors"][pre_rows(pre, frequent)]
    assert moved.any(axis=1).all()
    assert len(model.history) == 1 + 2  # warm-up + main phase
    assert all(np.isfinite(r.loss) for r in model.history)


def pre_rows(pre, words) -> np.ndarray:
    index = {w: i for i, w in enumerate(pre["words"])}
    return np.array([index[w] for w in words], dtype=np.int64)


@pytest.mark.parametrize("name", ["bin", "glove", "kv-object"])
def test_output_layer_starts_at_zero(pre, name):
    model = finetuned(source(pre, name))
    n = int((model.finetune_plan.corpus_counts > 0).sum())  # output rows: the words the corpus uses
    assert n < len(model.vocab)
    assert model.weights.heads["ns"].w.shape == (n, DIM)
    assert not model.weights.heads["ns"].w.any()
    hs = finetuned(source(pre, name), hs=True, negative=0)
    assert hs.weights.heads["hs"].w.shape == (n - 1, DIM)
    assert not hs.weights.heads["hs"].w.any()
    assert "ns" not in hs.weights.heads


# ---------------------------------------------------------------------------------------------------------
# the recipe: freezing, learning rates, anchor, warm-up, new words
# ---------------------------------------------------------------------------------------------------------

def test_freeze_pretrained(pre):
    model = finetuned(pre["files"]["bin"], freeze="pretrained", epochs=2, sg=True)
    n = model.finetune_plan.n_pretrained
    init_new = model.weights.w_in[n:].copy()
    model.train(LEE)
    np.testing.assert_array_equal(model.weights.w_in[:n], pre["vectors"])
    assert (model.weights.w_in[n:] != init_new).any(axis=1).all()  # every new row trained
    assert not model.weights.in_lr[:n].any()


def test_freeze_new(pre, lee_counts):
    model = finetuned(pre["files"]["bin"], freeze="new", epochs=2, sg=True)
    n = model.finetune_plan.n_pretrained
    init_new = model.weights.w_in[n:].copy()
    model.train(LEE)
    np.testing.assert_array_equal(model.weights.w_in[n:], init_new)
    frequent = [w for w in pre["seen"] if lee_counts[w] >= MIN_COUNT]
    moved = model.weights.w_in[rows_of(model, frequent)] != pre["vectors"][pre_rows(pre, frequent)]
    assert moved.any(axis=1).all()


def mean_shift(pre, model, words) -> float:
    return float(np.abs(model.weights.w_in[rows_of(model, words)] - pre["vectors"][pre_rows(pre, words)]).mean())


def test_pretrained_lr_slows_pretrained_rows(pre):
    shifts = {}
    for lr in (0.1, 1.0):
        model = finetuned(pre["files"]["bin"], pretrained_lr=lr, epochs=2, seed=11, sg=True)
        model.train(LEE)
        n = model.finetune_plan.n_pretrained
        np.testing.assert_array_equal(model.weights.in_lr[:n], np.float32(lr))
        np.testing.assert_array_equal(model.weights.in_lr[n:], 1.0)
        shifts[lr] = mean_shift(pre, model, pre["seen"])
    assert 0 < shifts[0.1] < shifts[1.0]


def test_huge_anchor_pins_pretrained_rows(pre):
    free = finetuned(pre["files"]["bin"], epochs=2, sg=True)
    free.train(LEE)
    n = free.finetune_plan.n_pretrained
    assert np.abs(free.weights.w_in[:n] - pre["vectors"]).max() > 1e-2  # without the anchor they move

    model = finetuned(pre["files"]["bin"], anchor=1e9, epochs=2, sg=True)
    init_new = model.weights.w_in[n:].copy()
    model.train(LEE)
    assert np.abs(model.weights.w_in[:n] - pre["vectors"]).max() < 1e-3
    assert (model.weights.w_in[n:] != init_new).any(axis=1).all()
    assert model.anchor is not None and (model.anchor.strength == 1e9).all()


def test_warmup_freezes_pretrained_rows_then_releases_them(pre, lee_counts):
    model = finetuned(pre["files"]["bin"], warmup_epochs=1, epochs=2, sg=True)
    n = model.finetune_plan.n_pretrained
    assert not model.finetune_plan.warmup_done
    init_new = model.weights.w_in[n:].copy()
    snapshots = []

    def snapshot(m, epoch, loss):
        snapshots.append({"epoch": epoch, "w_in": m.weights.w_in.copy(), "in_lr": m.weights.in_lr.copy(),
                          "w_out_ns": m.weights.heads["ns"].w.copy(), "total": m.schedule.total_epochs})

    model.train(LEE, callbacks=[snapshot])
    assert [s["epoch"] for s in snapshots] == [1, 1, 2]  # warm-up schedule, then the 2-epoch main schedule
    warm = snapshots[0]
    assert warm["total"] == 1
    np.testing.assert_array_equal(warm["w_in"][:n], pre["vectors"])  # untouched during the warm-up
    assert not warm["in_lr"][:n].any()
    np.testing.assert_array_equal(warm["in_lr"][n:], 1.0)
    assert (warm["w_in"][n:] != init_new).any(axis=1).all()  # new words trained in the warm-up
    assert warm["w_out_ns"].any()  # and the output layer
    # After the warm-up the pre-trained rows move.
    assert snapshots[1]["total"] == 2
    frequent = [w for w in pre["seen"] if lee_counts[w] >= MIN_COUNT]
    after_first = snapshots[1]["w_in"][rows_of(model, frequent)]
    assert (after_first != pre["vectors"][pre_rows(pre, frequent)]).any(axis=1).all()
    assert model.finetune_plan.warmup_done
    assert len(model.history) == 3


def test_no_warmup_moves_pretrained_rows_in_first_epoch(pre, lee_counts):
    model = finetuned(pre["files"]["bin"], warmup_epochs=0, epochs=1, sg=True)
    assert model.finetune_plan.warmup_done
    model.train(LEE)
    assert len(model.history) == 1
    frequent = [w for w in pre["seen"] if lee_counts[w] >= MIN_COUNT]
    assert (model.weights.w_in[rows_of(model, frequent)] != pre["vectors"][pre_rows(pre, frequent)]).any()


def test_new_words_get_trained_vectors(pre):
    model = finetuned(pre["files"]["bin"], epochs=2, sg=True)
    n = model.finetune_plan.n_pretrained
    init = model.weights.w_in.copy()
    model.train(LEE)
    new_words = model.vocab.words[n:n + 20]  # the most frequent new words: the, to, in, ...
    rows = rows_of(model, new_words)
    trained = model.weights.w_in[rows]
    assert (trained != init[rows]).any(axis=1).all()
    init_norm = np.linalg.norm(init[rows], axis=1)
    assert (np.linalg.norm(trained, axis=1) > 5 * init_norm).all()

    def top1(vectors, rows):
        unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        sims = unit[rows] @ unit.T
        sims[np.arange(len(rows)), rows] = -np.inf
        return sims.max(axis=1)

    # Neighbours are real structure: far closer than among the initial (random) vectors ...
    assert top1(model.weights.w_in, rows).mean() > top1(init, rows).mean() + 0.1
    kv = model.wv
    for word in new_words[:5]:
        neighbours = kv.most_similar(word, topn=10)
        assert len(neighbours) == 10 and word not in {w for w, _ in neighbours}
        assert all(np.isfinite(s) for _, s in neighbours)
        # ... and never the untouched words the corpus does not use.
        assert not {w for w, _ in neighbours} & set(pre["unseen"])
    # Frequent function words end up close to one another.
    unit = trained[:10] / np.linalg.norm(trained[:10], axis=1, keepdims=True)
    assert (unit @ unit.T)[np.triu_indices(10, 1)].mean() > 0.3


def test_scaled_new_word_init(pre):
    model = finetuned(pre["files"]["bin"], new_word_init="scaled")
    n = model.finetune_plan.n_pretrained
    pre_norms = np.linalg.norm(pre["vectors"], axis=1)
    new_norms = np.linalg.norm(model.weights.w_in[n:], axis=1)
    assert new_norms.min() >= pre_norms.min() * 0.999 and new_norms.max() <= pre_norms.max() * 1.001
    assert abs(new_norms.mean() - pre_norms.mean()) < 0.1 * pre_norms.mean()
    uniform = finetuned(pre["files"]["bin"])
    assert np.abs(uniform.weights.w_in[n:]).max() <= 1.0 / DIM


def test_keyedvectors_object_is_not_modified(pre):
    before = pre["kv"].vectors.copy()
    model = finetuned(pre["kv"], sg=True)
    model.train(LEE)
    np.testing.assert_array_equal(pre["kv"].vectors, before)
    assert pre["kv"].index_to_key == pre["words"]


def test_from_pretrained_with_sentences_trains_at_once(pre):
    model = Word2Vec.from_pretrained(pre["files"]["bin"], LEE, min_count=MIN_COUNT, epochs=1, workers=1, **CONTINUE)
    assert model.finetune_plan.warmup_done
    assert len(model.history) == 2
    assert model.corpus_sources == [LEE]


# ---------------------------------------------------------------------------------------------------------
# fine-tuning a saved fastw2v model
# ---------------------------------------------------------------------------------------------------------

def test_finetune_saved_model_keeps_output_layer_and_counts(base_model_dir, lee_halves):
    base = load(base_model_dir)
    nb = len(base.vocab)
    second = corpus_counts(lee_halves[1])
    model = Word2Vec.from_pretrained(base_model_dir, workers=1, epochs=1, **CONTINUE)
    # Settings come from the saved model unless overridden.
    assert model.config.vector_size == 16 and model.config.min_count == 2 and model.config.seed == 3
    model.build_vocab(str(lee_halves[1]))
    words, counts, n_pre = expected_vocab(base.vocab.words, second, 2,
                                          pre_counts=dict(zip(base.vocab.words, base.vocab.counts.tolist())))
    assert model.finetune_plan.n_pretrained == n_pre == nb
    assert model.vocab.words == words
    np.testing.assert_array_equal(model.vocab.counts, counts)
    np.testing.assert_array_equal(model.vocab.counts[:nb], base.vocab.counts + np.array(
        [second.get(w, 0) for w in base.vocab.words]))
    np.testing.assert_array_equal(model.weights.w_in[:nb], base.weights.w_in)
    # Every base word keeps its output row (a plain model has one per word); new words get zero rows.
    base_rows = model.weights.output_row(np.arange(nb))
    assert (base_rows >= 0).all()
    np.testing.assert_array_equal(model.weights.heads["ns"].w[base_rows], base.weights.heads["ns"].w)
    assert base.weights.heads["ns"].w.any()
    new_rows = model.weights.output_row(np.arange(nb, len(model.vocab)))
    assert (new_rows >= 0).all() and not model.weights.heads["ns"].w[new_rows].any()
    model.train(str(lee_halves[1]))
    assert np.isfinite(model.weights.w_in).all()
    assert (model.weights.heads["ns"].w[base_rows] != base.weights.heads["ns"].w).any()


def test_auto_rates_weigh_base_and_corpus_occurrences_alike(base_model_dir, lee_halves):
    base = load(base_model_dir)
    nb = len(base.vocab)
    second = corpus_counts(lee_halves[1])
    model = Word2Vec.from_pretrained(base_model_dir, workers=1, epochs=1, **CONTINUE)
    assert model._pending_finetune[1].pretrained_lr == "auto"
    model.build_vocab(str(lee_halves[1]))
    corpus = np.array([second.get(w, 0) for w in base.vocab.words], dtype=np.float64)
    np.testing.assert_array_equal(model.finetune_plan.corpus_counts[:nb], corpus)
    # Sampling tables come from the domain corpus alone: a base word the corpus never uses is no negative.
    unused = np.flatnonzero(corpus == 0)
    rows = model.weights.output_row(unused)
    assert unused.size > 0 and (rows >= 0).all() and (model.tables.heads["ns"].threshold[rows] == 0).all()
    model.train(str(lee_halves[1]))
    expected = np.where(corpus > 0, corpus / (corpus + base.vocab.counts), 1.0)
    np.testing.assert_allclose(model.weights.in_lr[:nb], expected, rtol=1e-6)
    assert 0 < model.weights.in_lr[:nb].min() < 0.5  # frequent base words move slowly
    assert (model.weights.in_lr[nb:] == 1).all()
    # The totals (base + corpus) stay the model's counts, for the next fine-tuning.
    np.testing.assert_array_equal(model.vocab.counts[:nb], base.vocab.counts + corpus)


def test_auto_rates_on_vector_files_are_one(pre):
    model = finetuned(pre["files"]["bin"], sg=True)
    model.train(LEE)
    assert (model.weights.in_lr == 1).all()


@pytest.mark.parametrize("method", ["continue", "aligned", "blend"])
def test_finetune_learning_rate_is_the_architecture_default_unless_given(pre, base_model_dir, method):
    """word2vec.c's per-architecture alpha holds in fine-tuning too: 0.025 for the recipe's skip-gram."""
    def alpha(pretrained, **settings):
        model = Word2Vec.from_pretrained(pretrained, min_count=MIN_COUNT, workers=1, method=method, **settings)
        assert model.schedule.alpha == model.config.alpha
        return model.config.alpha

    vectors = pre["files"]["bin"]
    assert alpha(vectors) == 0.025                      # the recipe trains skip-gram
    assert alpha(vectors, sg=False) == 0.05             # CBOW asked for: CBOW's rate
    assert alpha(vectors, alpha=0.01) == 0.01           # a given rate is kept
    assert alpha(base_model_dir) == 0.05                # a saved CBOW model keeps CBOW ...
    assert alpha(base_model_dir, sg=True) == 0.025      # ... and its unset rate follows a new architecture
    assert alpha(base_model_dir, sg=True, alpha=0.03) == 0.03


def test_finetune_saved_model_settings_can_be_overridden(base_model_dir, lee_halves):
    model = Word2Vec.from_pretrained(base_model_dir, sg=True, min_count=4, workers=1, epochs=1, **CONTINUE)
    assert model.config.sg and model.config.min_count == 4 and model.config.vector_size == 16
    model.build_vocab(str(lee_halves[1]))
    n = model.finetune_plan.n_pretrained
    assert (model.vocab.counts[n:] >= 4).all()


# ---------------------------------------------------------------------------------------------------------
# saving and loading a fine-tuned model
# ---------------------------------------------------------------------------------------------------------

def assert_same_state(a: Word2Vec, b: Word2Vec) -> None:
    assert a.vocab.words == b.vocab.words
    np.testing.assert_array_equal(a.vocab.counts, b.vocab.counts)
    arrays_a, arrays_b = weight_arrays(a.weights), weight_arrays(b.weights)
    for name in arrays_a:
        np.testing.assert_array_equal(arrays_a[name], arrays_b[name], err_msg=name)


def test_finetuned_model_saves_and_loads_with_its_plan(pre, tmp_path):
    model = finetuned(pre["files"]["bin"], anchor=0.5, pretrained_lr=0.5, output_lr=0.8, freeze="none",
                      new_word_init="scaled", keep_pretrained=5000, epochs=1, sg=True)
    model.train(LEE)
    model.save(tmp_path / "ft")
    loaded = load(tmp_path / "ft")
    a, b = loaded.finetune_plan, model.finetune_plan
    assert (a.settings, a.n_pretrained, a.warmup_done) == (b.settings, b.n_pretrained, b.warmup_done)
    np.testing.assert_array_equal(a.corpus_counts, b.corpus_counts)
    s = loaded.finetune_plan.settings
    assert (s.anchor, s.pretrained_lr, s.output_lr, s.freeze, s.new_word_init, s.keep_pretrained) == \
        (0.5, 0.5, 0.8, "none", "scaled", 5000)
    assert loaded.finetune_plan.warmup_done
    assert loaded.anchor is not None and (loaded.anchor.strength == 0.5).all()
    np.testing.assert_array_equal(loaded.anchor.vectors, model.anchor.vectors)
    np.testing.assert_array_equal(loaded.anchor.index, model.anchor.index)
    assert_same_state(loaded, model)
    assert loaded.config == model.config
    # The loaded model can be fine-tuned further.
    loaded.train(LEE)
    assert np.isfinite(loaded.weights.w_in).all()


def test_saved_before_training_resumes_bit_identical(pre, tmp_path):
    """A model saved between build_vocab and train keeps its pending warm-up."""
    direct = finetuned(pre["files"]["bin"], epochs=2, freeze="pretrained", anchor=0.1, sg=True)
    direct.save(tmp_path / "pending")
    direct.train(LEE)
    loaded = load(tmp_path / "pending")
    assert not loaded.finetune_plan.warmup_done
    loaded.train(LEE)
    assert len(loaded.history) == len(direct.history) == 3
    assert_same_state(loaded, direct)


def test_finetune_errors_are_fastw2v_errors(pre, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n \n", encoding="utf-8")
    with pytest.raises(FastW2VError, match="empty"):
        finetuned(pre["files"]["bin"], corpus=empty)
    with pytest.raises(FastW2VError):
        Word2Vec.from_pretrained(tmp_path / "missing.bin")


def test_from_pretrained_takes_a_finetune_config(pre):
    """``finetune=FinetuneConfig(...)`` and the same fields as keywords build the same model."""
    recipe = FinetuneConfig(warmup_epochs=2, freeze="new", pretrained_lr=0.25, anchor=0.5, keep_pretrained="seen",
                            **CONTINUE)
    a = finetuned(pre["files"]["bin"], finetune=recipe, seed=3)
    b = finetuned(pre["files"]["bin"], seed=3, **recipe.to_dict())
    assert a.finetune_plan.settings == b.finetune_plan.settings == recipe
    assert a.vocab.words == b.vocab.words
    for name in ("w_in", "in_lr", "out_ns_lr"):
        np.testing.assert_array_equal(weight_arrays(a.weights)[name], weight_arrays(b.weights)[name])
    # Keywords override the given recipe's fields.
    c = Word2Vec.from_pretrained(pre["files"]["bin"], finetune=recipe, anchor=0.0, workers=1)
    assert c._pending_finetune[1] == recipe.replace(anchor=0.0)
    with pytest.raises(ConfigError, match="freeze"):
        Word2Vec.from_pretrained(pre["files"]["bin"], finetune=recipe, freeze="everything")


def test_next_phase_decides_warmup_main_and_resume(pre):
    """TrainingState.next_phase, the one resume decision, through a fine-tuning's life."""
    from fastw2v.state import AGAIN, MAIN, RESUME, START, WARMUP, Position

    model = finetuned(pre["files"]["bin"], warmup_epochs=2, epochs=3)
    state = model.state
    phase = state.next_phase()
    assert (phase.name, phase.kind, phase.schedule.total_epochs) == (WARMUP, START, 2)
    state.schedule, state.position = phase.schedule, Position(epoch=1, sentence=7)
    phase = state.next_phase(epochs=9)  # the user's epochs are the main phase's, not the warm-up's
    assert (phase.name, phase.kind, phase.start.sentence) == (WARMUP, RESUME, 7)
    state.position = Position(epoch=2)  # a checkpoint right at the end of the warm-up
    phase = state.next_phase()
    assert (phase.name, phase.kind, phase.schedule.total_epochs, phase.start) == (MAIN, START, 3, Position())
    state.finetune_plan.warmup_done = True
    state.schedule, state.position = phase.schedule, Position(epoch=1, sentence=3)
    assert state.next_phase().kind == RESUME
    with pytest.raises(ValueError, match="3-epoch run"):
        state.next_phase(epochs=4)
    state.position = Position(epoch=3)
    assert (state.next_phase(epochs=1).kind, state.next_phase(epochs=1).schedule.total_epochs) == (AGAIN, 1)


def test_finetune_help_shows_the_recipe_not_a_vector_size():
    """`fastw2v finetune --help`: options and defaults come from the dataclasses, the recipe's where it has its own."""
    import re

    from click.testing import CliRunner

    from fastw2v.cli import main

    text = " ".join(CliRunner().invoke(main, ["finetune", "--help"], terminal_width=200).stdout.split())
    vector_size = re.search(r"--vector-size INTEGER (.*?) --window", text).group(1)
    assert "default: 100" not in vector_size and "PRETRAINED" in vector_size
    # the recipe trains skip-gram, and both helps say why the two commands differ
    assert re.search(r"--sg / --cbow Skip-gram or CBOW\. `train` defaults to CBOW.*skip-gram learns rare words "
                     r"better\)\. \[default: sg\]", text)
    train = " ".join(CliRunner().invoke(main, ["train", "--help"], terminal_width=200).stdout.split())
    assert re.search(r"--sg / --cbow Skip-gram or CBOW\. `train` defaults to CBOW.*\[default: cbow\]", train)
    assert "--method aligned: more epochs of the domain-only model" in text
    for name in FinetuneConfig.field_names():
        assert f"--{name.replace('_', '-')} " in text, name
    assert "--keep-pretrained all|seen|N" in text and "--pretrained-lr auto|FLOAT" in text
    assert "[default: all]" in text and "[default: auto]" in text
