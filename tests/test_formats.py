"""Tests parametrised over the vector-format registry (``vectors_io.FORMATS``).

Every test takes its formats from the registry, so a format added to it is tested here without a
line of this file changing, except a sample of it when fastw2v cannot write it (``SAMPLES``) and,
for a pickle, a file whose loading would run code (``CRAFTED``).
"""
from __future__ import annotations

import json
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import smart_open
from gensim.models import KeyedVectors

from fastw2v.errors import ConfigError, UntrustedFileError, VectorFileError
from fastw2v.vector_formats import Format, sniff
from fastw2v.vectors_io import FORMATS, WRITE_DEFAULT, detect_format, read_vectors, vector_dimension, write_vectors

WORDS = ["the", "of", "héllo", "naïve_café", "x", "Z123"]
VECS = np.random.default_rng(42).standard_normal((len(WORDS), 5)).astype(np.float32)
WRITABLE = [name for name, f in FORMATS.items() if f.write is not None]
PICKLES = [name for name, f in FORMATS.items() if f.pickle]
COMPRESSIONS = ["", ".gz", ".bz2"]


def _glove(path: Path) -> None:
    # str(np.float32) round-trips exactly; written here, not by the code under test.
    rows = "".join(w + " " + " ".join(str(x) for x in v) + "\n" for w, v in zip(WORDS, VECS))
    with smart_open.open(str(path), "wb") as fh:
        fh.write(rows.encode("utf-8"))


def _keyedvectors(path: Path) -> None:
    kv = KeyedVectors(VECS.shape[1])
    kv.add_vectors(WORDS, VECS)
    kv.save(str(path))


#: How to make a file of each format fastw2v does not write (the others are written by their writer).
SAMPLES = {"glove": _glove, "keyedvectors": _keyedvectors}


class _OpensMarker:
    """Unpickles as ``open(path, "w")``: proof that a file was unpickled."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return open, (str(self.path), "w")


#: A file of each pickle format whose loading would run code (create ``marker``).
CRAFTED = {"keyedvectors": lambda path, marker: path.write_bytes(pickle.dumps(_OpensMarker(marker), protocol=4))}


def sample(name: str, directory: Path, compression: str = "") -> Path:
    """A file of format ``name`` holding ``WORDS`` and ``VECS``."""
    fmt = FORMATS[name]
    path = directory / f"sample{(fmt.extensions or ('',))[0]}{compression}"
    if fmt.write is not None:
        write_vectors(path, WORDS, VECS, format=name)
    else:
        SAMPLES[name](path)
    return path


def assert_exact(words: list[str], vectors: np.ndarray) -> None:
    assert words == WORDS
    assert vectors.dtype == np.float32 and vectors.flags.c_contiguous
    assert vectors.tobytes() == VECS.tobytes()


def test_the_registry_describes_each_format_once():
    assert WRITE_DEFAULT in WRITABLE
    for name, fmt in FORMATS.items():
        assert isinstance(fmt, Format) and fmt.name == name and fmt.summary
        assert all(e.startswith(".") and e == e.lower() for e in fmt.extensions)
    # A name's extension picks one writable format.
    extensions = [e for name in WRITABLE for e in FORMATS[name].extensions]
    assert len(extensions) == len(set(extensions))


def test_every_format_has_a_sample():
    assert set(FORMATS) - set(WRITABLE) == set(SAMPLES)
    assert set(PICKLES) == set(CRAFTED)


@pytest.mark.parametrize("compression", COMPRESSIONS)
@pytest.mark.parametrize("name", list(FORMATS))
def test_each_format_is_sniffed_as_itself(tmp_path, name, compression):
    path = sample(name, tmp_path, compression)
    assert detect_format(path) == name
    facts = sniff(path)
    assert [f.name for f in FORMATS.values() if f.sniff(facts)] == [name]


@pytest.mark.parametrize("compression", COMPRESSIONS)
@pytest.mark.parametrize("name", list(FORMATS))
def test_each_format_reads_back_exactly(tmp_path, name, compression):
    path = sample(name, tmp_path, compression)
    assert_exact(*read_vectors(path, format=name))
    if FORMATS[name].pickle:
        for call in (read_vectors, vector_dimension):
            with pytest.raises(UntrustedFileError) as info:
                call(path)
            assert f"--format {name}" in str(info.value) and f"format='{name}'" in str(info.value)
    else:
        assert_exact(*read_vectors(path))
        assert vector_dimension(path) == VECS.shape[1]


@pytest.mark.parametrize("requested, actual", [(r, a) for r in FORMATS for a in FORMATS if r != a])
def test_a_format_asked_for_refuses_a_file_in_another(tmp_path, requested, actual):
    path = sample(actual, tmp_path)
    with pytest.raises(VectorFileError) as info:
        read_vectors(path, format=requested)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and f"use format '{actual}'" in message


@pytest.mark.parametrize("requested", [None, *FORMATS])
@pytest.mark.parametrize("name", PICKLES)
def test_a_pickle_is_loaded_only_when_its_format_is_named(tmp_path, name, requested):
    marker = tmp_path / "marker"
    path = tmp_path / "crafted"
    CRAFTED[name](path, marker)
    assert detect_format(path) == name
    with pytest.raises(VectorFileError):
        read_vectors(path, format=requested)
    # Named, it is unpickled (and fails as damaged): the marker shows the refusals above ran no code.
    assert marker.exists() == (requested == name)


@pytest.mark.parametrize("compression", COMPRESSIONS)
@pytest.mark.parametrize("name", WRITABLE)
def test_each_writable_format_is_chosen_by_name_and_by_extension(tmp_path, name, compression):
    for extension in FORMATS[name].extensions:
        by_name = tmp_path / f"named{extension}{compression}"
        write_vectors(by_name, WORDS, VECS, format=name)
        by_extension = tmp_path / f"v{extension}{compression}"
        write_vectors(by_extension, WORDS, VECS)
        for path in (by_name, by_extension):
            assert detect_format(path) == name
            assert_exact(*read_vectors(path))


@pytest.mark.parametrize("name", WRITABLE)
def test_any_format_is_written_whatever_the_name(tmp_path, name):
    other = tmp_path / "v.unknown"
    write_vectors(other, WORDS, VECS)
    assert detect_format(other) == WRITE_DEFAULT
    write_vectors(other, WORDS, VECS, format=name)
    assert detect_format(other) == name


@pytest.mark.parametrize("name", [n for n in FORMATS if n not in WRITABLE] + ["no-such-format"])
def test_write_refuses_formats_it_cannot_write(tmp_path, name):
    with pytest.raises(ConfigError, match=f"format must be one of {', '.join(WRITABLE)}"):
        write_vectors(tmp_path / "v.bin", WORDS, VECS, format=name)
    assert list(tmp_path.iterdir()) == []


def test_binary_is_gensims_flag_for_the_word2vec_formats(tmp_path):
    for binary, name in ((True, "word2vec-bin"), (False, "word2vec-text")):
        write_vectors(tmp_path / "flag", WORDS, VECS, binary=binary)
        write_vectors(tmp_path / "named", WORDS, VECS, format=name)
        assert (tmp_path / "flag").read_bytes() == (tmp_path / "named").read_bytes()
        assert detect_format(tmp_path / "flag") == name
    with pytest.raises(ConfigError, match="not both"):
        write_vectors(tmp_path / "v", WORDS, VECS, binary=True, format="word2vec-bin")


def test_cli_format_options_come_from_the_registry():
    """A format added to the registry becomes a choice (and, if it has a writer, an export format)."""
    script = textwrap.dedent("""
        import dataclasses
        from fastw2v import vectors_io
        toy = dataclasses.replace(vectors_io.FORMATS["word2vec-text"], name="toy-text", extensions=(".toy",))
        vectors_io.FORMATS["toy-text"] = toy
        from fastw2v.cli import main
        similar = {p.name: p for p in main.commands["similar"].params}["fmt"]
        export = {p.name: p for p in main.commands["export"].params}
        print(json.dumps([list(similar.type.choices), list(export["out_fmt"].type.choices), export["out_fmt"].help]))
    """)
    out = subprocess.run([sys.executable, "-c", "import json" + script], capture_output=True, text=True, check=True)
    choices, written, help_text = json.loads(out.stdout)
    assert choices == ["auto", *FORMATS, "toy-text"]
    assert written == [*WRITABLE, "toy-text"]
    assert "toy-text for .toy" in help_text
