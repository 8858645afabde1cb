"""Saving and loading complete models."""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from click.testing import CliRunner

import fastw2v
from fastw2v.cli import main
from fastw2v.errors import MissingFileError, ModelFormatError
from fastw2v.state import Weights
from fastw2v.storage import FORMAT_VERSION

SETTINGS = dict(vector_size=16, window=3, min_count=3, sg=True, hs=True, negative=3, epochs=2, workers=1, seed=9,
                batch_words=5000)


@pytest.fixture(scope="module")
def trained_model(lee_corpus):
    model = fastw2v.Word2Vec(**SETTINGS)
    model.build_vocab(lee_corpus)
    model.weights.in_lr[[1, 2]] = 0.0  # non-default multipliers are part of the state
    model.weights.out_ns_lr[3] = 0.5
    model.train(lee_corpus)
    return model


def _assert_same_model(a, b):
    assert a.config == b.config
    assert a.vocab.words == b.vocab.words
    assert a.vocab.index == b.vocab.index
    assert np.array_equal(a.vocab.counts, b.vocab.counts) and b.vocab.counts.dtype == np.int64
    for name in Weights.ARRAYS:
        x, y = getattr(a.weights, name), getattr(b.weights, name)
        assert x.dtype == y.dtype and x.shape == y.shape, name
        assert np.asarray(x).tobytes() == np.asarray(y).tobytes(), name
    assert a.history == b.history
    assert a.position == b.position
    assert a.schedule == b.schedule
    assert a.corpus_shape == b.corpus_shape


def test_round_trip(trained_model, tmp_path):
    path = tmp_path / "model"
    trained_model.save(path)
    loaded = fastw2v.load(path)
    _assert_same_model(trained_model, loaded)
    assert len(loaded.history) == 2 and loaded.position.epoch == 2
    assert isinstance(loaded.weights.w_in, np.ndarray) and not isinstance(loaded.weights.w_in, np.memmap)
    assert loaded.weights.w_in.flags.writeable
    # the derived tables are rebuilt identically from the counts
    for field in dataclasses.fields(trained_model.tables):
        assert np.array_equal(getattr(trained_model.tables, field.name), getattr(loaded.tables, field.name)), field.name
    # Word2Vec.load is the same as fastw2v.load
    _assert_same_model(trained_model, fastw2v.Word2Vec.load(path))


def test_history_epochs_and_checkpoint_interval_are_saved(trained_model, tmp_path):
    trained_model.checkpoint_every = "30m"
    try:
        trained_model.save(tmp_path / "m")
    finally:
        trained_model.checkpoint_every = None
    loaded = fastw2v.load(tmp_path / "m")
    assert [r.epoch for r in loaded.history] == [1, 2] and loaded.checkpoint_every == "30m"
    # A model saved when history epochs counted from 0 (no "history_epochs_from") reads as if counted from 1.
    header_path = tmp_path / "m" / "header.json"
    header = json.loads(header_path.read_text())
    del header["history_epochs_from"], header["checkpoint"]
    for entry in header["history"]:
        entry["epoch"] -= 1
    header_path.write_text(json.dumps(header))
    old = fastw2v.load(tmp_path / "m")
    assert old.history == loaded.history and old.checkpoint_every is None


def test_round_trip_unicode_words_and_untrained_model(tmp_path):
    corpus = [["naïve", "café", "東京", "naïve"], ["café", "東京", "ü"]] * 3
    model = fastw2v.Word2Vec(vector_size=4, min_count=1, negative=2, workers=1)
    model.build_vocab(corpus)
    model.save(tmp_path / "m")
    loaded = fastw2v.load(tmp_path / "m")
    _assert_same_model(model, loaded)
    assert loaded.history == [] and loaded.position.epoch == 0


def test_loaded_model_continues_training(trained_model, lee_corpus, tmp_path):
    trained_model.save(tmp_path / "m")
    loaded = fastw2v.load(tmp_path / "m")
    before = loaded.weights.w_in.copy()
    loaded.train(lee_corpus, epochs=1)
    assert not np.array_equal(loaded.weights.w_in, before)
    assert loaded.weights.w_in[[1, 2]].tobytes() == before[[1, 2]].tobytes()  # frozen rows stay frozen


def test_mmap_load_is_read_only(trained_model, tmp_path):
    trained_model.save(tmp_path / "m")
    loaded = fastw2v.load(tmp_path / "m", mmap=True)
    _assert_same_model(trained_model, loaded)
    for name in ("w_in", "w_out_ns", "w_out_hs"):
        array = getattr(loaded.weights, name)
        assert isinstance(array, np.memmap), name
        assert not array.flags.writeable
        with pytest.raises(ValueError):
            array[0, 0] = 1.0
    # the saved files are untouched
    assert np.array_equal(np.load(tmp_path / "m" / "w_in.npy"), trained_model.weights.w_in)


def _edit_header(path, **changes):
    header_path = path / "header.json"
    header = json.loads(header_path.read_text())
    header.update(changes)
    header_path.write_text(json.dumps(header))


def test_newer_format_version_is_refused(trained_model, tmp_path):
    path = tmp_path / "m"
    trained_model.save(path)
    header = json.loads((path / "header.json").read_text())
    # Every word has an output row: written as format 1, which older fastw2v reads too.
    assert header["format"] == "fastw2v-model" and header["format_version"] == 1
    _edit_header(path, format_version=FORMAT_VERSION + 1)
    with pytest.raises(ModelFormatError, match=rf"version {FORMAT_VERSION + 1} is newer.*\({FORMAT_VERSION}\).*upgrade") as info:
        fastw2v.load(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)
    result = CliRunner().invoke(main, ["export", str(path), str(tmp_path / "v.bin")])
    assert result.exit_code == 2 and result.stderr.startswith("error: ") and "newer" in result.stderr


@pytest.mark.parametrize("change", [dict(format="something-else"), dict(format_version="1")])
def test_foreign_or_damaged_header_is_refused(trained_model, tmp_path, change):
    path = tmp_path / "m"
    trained_model.save(path)
    _edit_header(path, **change)
    with pytest.raises(ModelFormatError):
        fastw2v.load(path)


def test_unparseable_header_is_refused(trained_model, tmp_path):
    path = tmp_path / "m"
    trained_model.save(path)
    (path / "header.json").write_text("{not json")
    with pytest.raises(ModelFormatError, match="damaged header"):
        fastw2v.load(path)


@pytest.mark.parametrize("name", ["w_out_ns", "w_in", "counts"])
def test_missing_array_file_is_model_format_error(trained_model, tmp_path, name):
    path = tmp_path / "m"
    trained_model.save(path)
    (path / f"{name}.npy").unlink()
    with pytest.raises(ModelFormatError, match=f"missing {name}.npy"):
        fastw2v.load(path)


def test_array_with_wrong_shape_is_model_format_error(trained_model, tmp_path):
    path = tmp_path / "m"
    trained_model.save(path)
    np.save(path / "w_in.npy", np.zeros((3, 3), dtype=np.float32))
    with pytest.raises(ModelFormatError, match="w_in.npy"):
        fastw2v.load(path)


def test_truncated_array_file_is_model_format_error(trained_model, tmp_path):
    path = tmp_path / "m"
    trained_model.save(path)
    data = (path / "w_in.npy").read_bytes()
    (path / "w_in.npy").write_bytes(data[: len(data) // 2])
    for mmap in (False, True):
        with pytest.raises(ModelFormatError, match="w_in"):
            fastw2v.load(path, mmap=mmap)


def test_missing_vocab_file_is_model_format_error(trained_model, tmp_path):
    path = tmp_path / "m"
    trained_model.save(path)
    (path / "vocab.json").unlink()
    with pytest.raises(ModelFormatError, match="vocab.json"):
        fastw2v.load(path)


def test_path_that_does_not_exist(tmp_path):
    with pytest.raises(MissingFileError, match="nowhere") as info:
        fastw2v.load(tmp_path / "nowhere")
    assert isinstance(info.value, OSError)


def test_directory_without_header_is_not_a_model(tmp_path):
    (tmp_path / "plain").mkdir()
    with pytest.raises(ModelFormatError, match="header.json"):
        fastw2v.load(tmp_path / "plain")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ModelFormatError):
        fastw2v.load(tmp_path / "file")


def test_save_over_existing_model_replaces_it_without_leftovers(trained_model, lee_corpus, tmp_path):
    path = tmp_path / "model"
    trained_model.save(path)
    (path / "stray-file.txt").write_text("left by someone")  # must not survive a replacement
    other = fastw2v.Word2Vec(vector_size=5, min_count=10, negative=1, workers=1, seed=1)
    other.build_vocab(lee_corpus)
    other.save(path)
    loaded = fastw2v.load(path)
    _assert_same_model(other, loaded)
    assert loaded.weights.w_in.shape == (len(other.vocab), 5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no temporary or '.old' directories
    assert not (path / "stray-file.txt").exists()
    assert {p.name for p in path.iterdir()} == {"header.json", "vocab.json", "counts.npy", "w_in.npy",
                                                 "w_out_ns.npy", "w_out_hs.npy", "in_lr.npy", "out_ns_lr.npy",
                                                 "out_hs_lr.npy"}
    # and once more, replacing the replacement
    trained_model.save(path)
    _assert_same_model(trained_model, fastw2v.load(path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_failed_save_leaves_previous_model_intact(trained_model, lee_corpus, tmp_path, monkeypatch):
    path = tmp_path / "model"
    trained_model.save(path)
    other = fastw2v.Word2Vec(vector_size=5, min_count=10, negative=1, workers=1, seed=1)
    other.build_vocab(lee_corpus)

    def broken_dump(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(json, "dump", broken_dump)
    with pytest.raises(OSError, match="simulated"):
        other.save(path)
    monkeypatch.undo()
    _assert_same_model(trained_model, fastw2v.load(path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_save_onto_a_regular_file_is_refused(trained_model, tmp_path):
    target = tmp_path / "occupied"
    target.write_text("not a model")
    with pytest.raises(FileExistsError):
        trained_model.save(target)
    assert target.read_text() == "not a model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["occupied"]


@pytest.mark.parametrize("content", ["[1, 2]", "null", '"fastw2v-model"'])
def test_header_that_is_not_a_json_object_is_model_format_error(trained_model, tmp_path, content):
    path = tmp_path / "m"
    trained_model.save(path)
    (path / "header.json").write_text(content)
    with pytest.raises(ModelFormatError, match="header"):
        fastw2v.load(path)


@pytest.mark.parametrize("damage", ["no-schedule", "no-position", "unknown-position-field"])
def test_header_missing_or_bad_training_state_is_model_format_error(trained_model, tmp_path, damage):
    path = tmp_path / "m"
    trained_model.save(path)
    header = json.loads((path / "header.json").read_text())
    if damage == "no-schedule":
        del header["schedule"]
    elif damage == "no-position":
        del header["position"]
    else:
        header["position"]["bogus"] = 1
    (path / "header.json").write_text(json.dumps(header))
    with pytest.raises(ModelFormatError):
        fastw2v.load(path)
