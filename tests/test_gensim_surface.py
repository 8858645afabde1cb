"""What a gensim user meets: one ``wv`` object that follows training, ``help(Word2Vec)`` listing every
setting, and typed errors (also the builtins gensim raises)."""
from __future__ import annotations

import dataclasses
import pydoc

import numpy as np
import pytest

from conftest import CONTINUE
from fastw2v import Word2Vec, load
from fastw2v.config import FinetuneConfig, Word2VecConfig
from fastw2v.errors import FastW2VError, ModelStateError
from fastw2v.state import Weights

SETTINGS = dict(vector_size=8, min_count=5, epochs=1, workers=1, seed=3, sg=True, batch_words=5000)


@pytest.fixture(scope="module")
def halves(lee_corpus) -> tuple[list[list[str]], list[list[str]]]:
    return lee_corpus[:150], lee_corpus[150:]


@pytest.fixture(scope="module")
def base_file(halves, tmp_path_factory):
    """A word2vec binary trained on the first half: the second half leaves some of its words unused."""
    path = tmp_path_factory.mktemp("base") / "base.bin"
    Word2Vec(halves[0], **SETTINGS).export(path)
    return path


def _finetuned(base_file, corpus) -> Word2Vec:
    model = Word2Vec.from_pretrained(base_file, **SETTINGS, **CONTINUE)
    model.build_vocab(corpus)
    return model


def assert_shows_the_weights(model: Word2Vec) -> None:
    """``wv`` holds the model's current input vectors, each under its word, with norms of those vectors."""
    model.check_finite()  # brings weights.w_in up to date with a fine-tuning's trained part
    kv = model.wv
    rows = [model.vocab.index[w] for w in kv.index_to_key]
    np.testing.assert_array_equal(kv.vectors, model.weights.w_in[rows])
    unit = model.weights.w_in[rows] / np.linalg.norm(model.weights.w_in[rows], axis=1, keepdims=True)
    np.testing.assert_allclose(kv.get_normed_vectors(), unit, rtol=1e-5)


# ---------------------------------------------------------------------------------------------------------
# wv: one object, refreshed when the vectors change
# ---------------------------------------------------------------------------------------------------------

def test_wv_is_one_object_until_training_changes_the_vectors(halves):
    model = Word2Vec(halves[0], **SETTINGS)
    first = model.wv
    first.fill_norms()  # what most_similar caches
    assert model.wv is first and model.wv.norms is first.norms
    before = model.weights.w_in.copy()
    model.train(halves[0])
    assert not np.array_equal(model.weights.w_in, before)
    assert model.wv is not first
    assert model.wv is model.wv
    assert_shows_the_weights(model)


def test_wv_of_a_finetuned_model_is_refreshed_after_training(base_file, halves):
    """A fine-tuned model's ``wv`` is a copy in frequency order: only a refresh shows the trained vectors."""
    model = _finetuned(base_file, halves[1])
    untrained = model.wv
    assert model.wv is untrained
    assert_shows_the_weights(model)
    model.train(halves[1])
    assert model.wv is not untrained
    assert not np.array_equal(model.wv.vectors, untrained.vectors)
    assert_shows_the_weights(model)
    trained = model.wv
    model.train(halves[1])  # a second run of the fine-tuned model
    assert model.wv is not trained
    assert_shows_the_weights(model)


@pytest.mark.parametrize("finetuned", [False, True], ids=["trained", "finetuned"])
def test_wv_read_while_training_shows_the_vectors_of_that_moment(base_file, halves, finetuned):
    """Callbacks and batch hooks read ``wv`` mid-run: each sees the vectors trained so far."""
    if finetuned:
        model = _finetuned(base_file, halves[1])
    else:
        model = Word2Vec(**SETTINGS)
        model.build_vocab(halves[1])
    seen = []

    def at_epoch_end(m, epoch, loss):
        assert m.wv is m.wv
        assert_shows_the_weights(m)
        seen.append(m.wv)

    def at_batch_end(position):
        assert_shows_the_weights(model)

    model.train(halves[1], epochs=2, callbacks=[at_epoch_end], on_batch_end=at_batch_end)
    assert len(seen) == 2 + finetuned and len({id(kv) for kv in seen}) == len(seen)  # (a warm-up,) two epochs
    assert_shows_the_weights(model)


@pytest.mark.parametrize("method", ["aligned", "blend"])
def test_wv_shows_the_vectors_a_finetuning_combines_after_its_last_epoch(base_file, halves, method):
    model = Word2Vec.from_pretrained(base_file, method=method, preserve="balanced", **SETTINGS)
    model.build_vocab(halves[1])
    seen = []
    model.train(halves[1], callbacks=[lambda m, epoch, loss: seen.append(m.wv)])
    assert seen and model.wv is not seen[-1]
    assert_shows_the_weights(model)


def test_wv_follows_a_new_vocabulary_state_or_weights(halves, tmp_path):
    model = Word2Vec(halves[0], **SETTINGS)
    old = model.wv
    model.build_vocab(halves[1])
    assert model.wv is not old and model.wv.index_to_key == model.vocab.words
    old = model.wv
    model.weights = dataclasses.replace(model.weights, w_in=model.weights.w_in * 2)
    assert model.wv is not old
    assert_shows_the_weights(model)
    old = model.wv
    other = Word2Vec(halves[0], **SETTINGS)
    model.state = other.state
    assert model.wv is not old and model.wv.index_to_key == other.vocab.words
    model.save(tmp_path / "m")
    assert load(tmp_path / "m").wv.index_to_key == model.wv.index_to_key


# ---------------------------------------------------------------------------------------------------------
# help(Word2Vec): every setting, with the CLI's text
# ---------------------------------------------------------------------------------------------------------

def _described(doc: str, f: dataclasses.Field) -> bool:
    """Whether ``doc`` has the numpydoc entry of field ``f`` with its whole help text."""
    flat = " ".join(doc.split())
    text = " ".join((f.metadata.get("help") or f.metadata["doc"]).split())
    return f"{f.name} : " in flat and text in flat[flat.index(f"{f.name} : "):]


@pytest.mark.parametrize("config, doc", [(Word2VecConfig, lambda: Word2Vec.__doc__),
                                         (FinetuneConfig, lambda: Word2Vec.from_pretrained.__doc__)],
                         ids=["Word2Vec", "from_pretrained"])
def test_every_setting_is_documented_with_its_help_text(config, doc):
    for f in dataclasses.fields(config):
        assert _described(doc(), f), f.name
    assert "{settings}" not in doc() and "{recipe}" not in doc()


def test_help_lists_every_parameter():
    text = pydoc.render_doc(Word2Vec, renderer=pydoc.plaintext)
    assert "vector_size : int, default 100" in text
    assert "workers : int, default: number of CPU cores this process may use" in text
    for f in [*dataclasses.fields(Word2VecConfig), *dataclasses.fields(FinetuneConfig)]:
        assert f"{f.name} : " in text, f.name


# ---------------------------------------------------------------------------------------------------------
# typed errors
# ---------------------------------------------------------------------------------------------------------

def test_a_model_without_vocabulary_says_so(halves):
    model = Word2Vec(**SETTINGS)
    for call in (lambda: model.wv, lambda: model.train(halves[0]), lambda: model.export("v.bin"),
                 lambda: model.save("m")):
        with pytest.raises(ModelStateError, match=r"call build_vocab\(\) first") as info:
            call()
        # gensim raises a RuntimeError here; errors.py promises a ValueError
        assert all(isinstance(info.value, t) for t in (FastW2VError, RuntimeError, ValueError))


def test_a_read_only_model_refuses_to_train(halves, tmp_path):
    Word2Vec(halves[0], **SETTINGS).save(tmp_path / "m")
    mapped = load(tmp_path / "m", mmap=True)
    with pytest.raises(ModelStateError, match="mmap=True") as info:
        mapped.train(halves[0])
    assert isinstance(info.value, ValueError)
    assert isinstance(mapped.weights, Weights) and not mapped.weights.w_in.flags.writeable
