"""Tests of fastw2v.vectors_io: formats, detection, limits, round trips, bad input, atomicity, fuzzing."""
from __future__ import annotations

import bz2
import gzip
import logging
import pickle
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastw2v import vector_blocks, vectors_io
from fastw2v.errors import ConfigError, FastW2VError, MissingFileError, UntrustedFileError, VectorFileError
from fastw2v.vectors_io import FORMATS, detect_format, read_vectors, to_keyedvectors, write_vectors

WORDS = ["the", "of", "héllo", "naïve_café", "x", "Z123"]
VECS = np.random.default_rng(42).standard_normal((len(WORDS), 5)).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# independent writers (not using the code under test) for the input files
# ---------------------------------------------------------------------------------------------

def _fmt_row(word: str, vec: np.ndarray, trailing_space: bool = False) -> str:
    # str(np.float32) is the shortest repr that round-trips exactly.
    return word + " " + " ".join(str(v) for v in vec) + (" " if trailing_space else "") + "\n"


def text_bytes(words=WORDS, vecs=VECS, header=True, trailing_space=False, count=None) -> bytes:
    head = f"{len(words) if count is None else count} {vecs.shape[1]}\n" if header else ""
    return (head + "".join(_fmt_row(w, v, trailing_space) for w, v in zip(words, vecs))).encode("utf-8")


def bin_bytes(words=WORDS, vecs=VECS, newline=False, count=None, dim=None) -> bytes:
    out = [f"{len(words) if count is None else count} {vecs.shape[1] if dim is None else dim}\n".encode()]
    for w, v in zip(words, vecs):
        out.append(w.encode("utf-8") + b" " + np.asarray(v, dtype="<f4").tobytes() + (b"\n" if newline else b""))
    return b"".join(out)


def put(path: Path, data: bytes) -> Path:
    if path.suffix == ".gz":
        data = gzip.compress(data)
    elif path.suffix == ".bz2":
        data = bz2.compress(data)
    path.write_bytes(data)
    return path


def save_kv(path: Path, words=WORDS, vecs=VECS) -> Path:
    kv = KeyedVectors(vecs.shape[1])  # count=n would pre-fill n None keys that add_vectors appends after
    kv.add_vectors(list(words), vecs)
    kv.save(str(path))
    return path


def assert_exact(words, vectors, exp_words=WORDS, exp_vecs=VECS):
    assert words == list(exp_words)
    assert isinstance(vectors, np.ndarray)
    assert vectors.dtype == np.float32
    assert vectors.flags.c_contiguous
    assert vectors.shape == exp_vecs.shape
    np.testing.assert_array_equal(vectors, exp_vecs)


# ---------------------------------------------------------------------------------------------
# every format loads, with and without auto-detection
# ---------------------------------------------------------------------------------------------

FORMAT_CASES = {
    "bin": ("v.bin", lambda p: put(p, bin_bytes()), "word2vec-bin"),
    "bin-c-tool-newlines": ("v.bin", lambda p: put(p, bin_bytes(newline=True)), "word2vec-bin"),
    "bin.gz": ("v.bin.gz", lambda p: put(p, bin_bytes()), "word2vec-bin"),
    "text": ("v.txt", lambda p: put(p, text_bytes()), "word2vec-text"),
    "text.gz": ("v.txt.gz", lambda p: put(p, text_bytes()), "word2vec-text"),
    "text.bz2": ("v.txt.bz2", lambda p: put(p, text_bytes()), "word2vec-text"),
    "fasttext.vec": ("wiki.en.vec", lambda p: put(p, text_bytes(trailing_space=True)), "word2vec-text"),
    "glove": ("glove.6B.5d.txt", lambda p: put(p, text_bytes(header=False)), "glove"),
    "glove.gz": ("glove.txt.gz", lambda p: put(p, text_bytes(header=False)), "glove"),
    "keyedvectors": ("v.kv", save_kv, "keyedvectors"),
    "keyedvectors.gz": ("v.kv.gz", save_kv, "keyedvectors"),
    # content decides, not the extension
    "bin-named-txt": ("v.txt", lambda p: put(p, bin_bytes()), "word2vec-bin"),
    "text-named-bin": ("v.bin", lambda p: put(p, text_bytes()), "word2vec-text"),
}


@pytest.fixture(params=sorted(FORMAT_CASES))
def format_case(request, tmp_path):
    name, make, fmt = FORMAT_CASES[request.param]
    path = tmp_path / name
    make(path)
    return path, fmt


def test_format_names():
    assert tuple(FORMATS) == ("word2vec-bin", "word2vec-text", "glove", "keyedvectors")


def test_detect_format(format_case):
    path, fmt = format_case
    assert detect_format(path) == fmt
    assert detect_format(str(path)) == fmt


def test_read_auto_detected(format_case):
    path, fmt = format_case
    if fmt == "keyedvectors":  # a pickle runs code when loaded: never by auto-detection
        with pytest.raises(UntrustedFileError, match="--format keyedvectors"):
            read_vectors(path)
    else:
        assert_exact(*read_vectors(path))


def test_read_explicit_format(format_case):
    path, fmt = format_case
    assert_exact(*read_vectors(str(path), format=fmt))


# The text files of every text format (those whose errors name lines), ending without "\n".
UNTERMINATED_TEXT = {
    "text": ("word2vec-text", text_bytes()[:-1]),
    "fasttext.vec": ("word2vec-text", text_bytes(trailing_space=True)[:-1]),
    "glove": ("glove", text_bytes(header=False)[:-1]),
}


def test_every_text_format_has_an_unterminated_sample():
    assert {fmt for fmt, _ in UNTERMINATED_TEXT.values()} == {n for n, f in FORMATS.items() if f.first_line is not None}


@pytest.mark.parametrize("block", [None, 16])  # 16 bytes: the last row arrives in reads of its own
@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("case", sorted(UNTERMINATED_TEXT))
def test_a_last_row_without_a_newline_is_read(tmp_path, monkeypatch, case, suffix, block):
    if block is not None:
        monkeypatch.setattr(vector_blocks, "TEXT_BLOCK", block)
    fmt, data = UNTERMINATED_TEXT[case]
    path = put(tmp_path / f"v.txt{suffix}", data)
    assert detect_format(path) == fmt
    assert_exact(*read_vectors(path))
    assert_exact(*read_vectors(path, format=fmt))
    assert_exact(*read_vectors(path, limit=len(WORDS) + 1))
    assert_exact(*read_vectors(path, limit=len(WORDS) - 1), WORDS[:-1], VECS[:-1])


@pytest.mark.parametrize("limit", [1, 3, len(WORDS), len(WORDS) + 10])
def test_limit(format_case, limit):
    path, fmt = format_case
    words, vectors = read_vectors(path, format=fmt if fmt == "keyedvectors" else None, limit=limit)
    n = min(limit, len(WORDS))
    assert_exact(words, vectors, WORDS[:n], VECS[:n])


def _spy_loaded_vectors(monkeypatch, loader: str) -> list:
    """Record the ``vectors`` matrix of every object gensim's ``KeyedVectors.<loader>`` returns."""
    loaded = []
    original = getattr(KeyedVectors, loader).__func__

    def spy(cls, *args, **kwargs):
        obj = original(cls, *args, **kwargs)
        loaded.append(obj.vectors)
        return obj

    monkeypatch.setattr(KeyedVectors, loader, classmethod(spy))
    return loaded


def test_keyedvectors_read_without_copy(tmp_path, monkeypatch):
    loaded = _spy_loaded_vectors(monkeypatch, "load")
    words, vectors = read_vectors(save_kv(tmp_path / "v.kv"), format="keyedvectors")
    assert vectors is loaded[0]
    assert_exact(words, vectors)


@pytest.mark.parametrize("limit", [0, -1, 1.5, True])
def test_bad_limit(tmp_path, limit):
    path = put(tmp_path / "v.txt", text_bytes())
    with pytest.raises(ConfigError, match="limit"):
        read_vectors(path, limit=limit)


def test_unknown_format_name(tmp_path):
    path = put(tmp_path / "v.txt", text_bytes())
    with pytest.raises(ConfigError, match="format must be one of"):
        read_vectors(path, format="fasttext")


def test_constant_rows_are_legitimate(tmp_path):
    # All-zero / constant vectors exist in real files; they must not be mistaken for
    # gensim's broadcast of a one-number row.
    vecs = VECS.copy()
    vecs[1] = 0.0
    vecs[4] = 2.5
    for header, name in [(True, "v.txt"), (False, "g.txt")]:
        path = put(tmp_path / name, text_bytes(vecs=vecs, header=header))
        assert_exact(*read_vectors(path), WORDS, vecs)


def test_limit_skips_damage_beyond_it(tmp_path):
    # Only the first N vectors are read: a broken row after them is not reached.
    lines = text_bytes().split(b"\n")
    lines[-2] = b"broken 1 2"
    path = put(tmp_path / "v.txt", b"\n".join(lines))
    with pytest.raises(VectorFileError):
        read_vectors(path)
    assert_exact(*read_vectors(path, limit=3), WORDS[:3], VECS[:3])


def test_full_gensim_model_save_is_read_through_wv(tmp_path):
    from gensim.models import Word2Vec

    model = Word2Vec(sentences=[["a", "b", "c"], ["b", "c", "a"]], vector_size=4, min_count=1, epochs=1, workers=1)
    model.save(str(tmp_path / "full.model"))
    words, vectors = read_vectors(tmp_path / "full.model", format="keyedvectors")
    assert words == model.wv.index_to_key
    np.testing.assert_array_equal(vectors, model.wv.vectors)


# ---------------------------------------------------------------------------------------------
# writing: round trips, gensim compatibility, no-copy KeyedVectors
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("name", ["out.w2v", "out.w2v.gz", "out.w2v.bz2"])
def test_round_trip(tmp_path, binary, name):
    path = tmp_path / name
    write_vectors(path, WORDS, VECS, binary=binary)
    assert detect_format(path) == ("word2vec-bin" if binary else "word2vec-text")
    assert_exact(*read_vectors(path))
    # gensim reads what we write, in our order (not re-sorted by a count attribute)
    kv = KeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert kv.index_to_key == WORDS
    np.testing.assert_array_equal(kv.vectors, VECS)
    if name.endswith(".gz"):
        assert path.read_bytes()[:2] == b"\x1f\x8b"  # really compressed
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temporary left behind


def test_write_binary_layout(tmp_path):
    path = tmp_path / "v.bin"
    write_vectors(path, WORDS, VECS)
    assert path.read_bytes() == bin_bytes()


def test_write_converts_float64_and_lists(tmp_path):
    path = tmp_path / "v.txt"
    write_vectors(path, tuple(WORDS), VECS.astype(np.float64), binary=False)
    assert_exact(*read_vectors(path))
    write_vectors(path, WORDS, VECS.tolist(), binary=True)
    assert_exact(*read_vectors(path))


def test_write_overwrites_previous_file(tmp_path):
    path = tmp_path / "v.bin"
    write_vectors(path, WORDS, VECS)
    write_vectors(path, WORDS[:2], VECS[:2] * 2)
    assert_exact(*read_vectors(path), WORDS[:2], VECS[:2] * 2)


@pytest.mark.parametrize("words, vectors, fragment", [
    (["a b", "c"], np.ones((2, 3), np.float32), "contains a space or newline"),
    (["a\nb", "c"], np.ones((2, 3), np.float32), "contains a space or newline"),
    (["a", ""], np.ones((2, 3), np.float32), "is empty"),
    (["a", "a"], np.ones((2, 3), np.float32), "'a' is duplicated"),
    (["a", 7], np.ones((2, 3), np.float32), "7 is not a string"),
    (["a", "b"], np.array([[1, 2], [np.nan, 1]], np.float32), "'b'"),
    (["a", "b"], np.ones((3, 2), np.float32), "2 words but 3 vectors"),
    (["a"], np.ones(3, np.float32), "2-d"),
    ([], np.ones((0, 3), np.float32), "empty set"),
])
def test_write_refuses_unreadable_content(tmp_path, words, vectors, fragment):
    path = tmp_path / "v.bin"
    path.write_bytes(b"previous")
    with pytest.raises(VectorFileError) as info:
        write_vectors(path, words, vectors)
    assert str(path) in str(info.value) and fragment in str(info.value)
    assert path.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["v.bin"]


def test_distinct_compares_words_whose_hashes_collide():
    # CPython's hash(-1) == hash(-2): equal hashes must fall back to comparing the items.
    from fastw2v.vector_formats import distinct as _distinct

    assert hash(-1) == hash(-2)
    assert _distinct([-1, -2, 3]) and not _distinct([-1, -2, -1])
    words = [f"w{i}" for i in range(70_000)]  # more than one block of the separator check
    assert _distinct(words) and not _distinct(words + ["w5"])


def test_write_refuses_a_bad_word_past_the_first_block(tmp_path):
    words = [f"w{i}" for i in range(70_000)] + ["a b"]
    with pytest.raises(VectorFileError, match="'a b' contains a space"):
        write_vectors(tmp_path / "v.bin", words, np.ones((len(words), 2), np.float32))


def test_write_to_directory_refused(tmp_path):
    with pytest.raises(VectorFileError, match="directory"):
        write_vectors(tmp_path, WORDS, VECS)


def test_atomic_write_failure_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "vectors.bin"
    write_vectors(path, WORDS, VECS)
    before = path.read_bytes()
    seen_targets = []

    def failing_save(fout, *args, **kwargs):
        # Write part of a file, as a crash mid-way would, then fail.
        seen_targets.append(fout.name)
        fout.write(b"6 5\nthe \x00\x00")
        fout.flush()
        raise OSError("disk full")

    monkeypatch.setattr(vectors_io, "write_rows", failing_save)
    with pytest.raises(OSError, match="disk full"):
        write_vectors(path, WORDS[:2], VECS[:2] + 1)
    assert seen_targets and Path(seen_targets[0]) != path  # it wrote to a temporary name
    assert seen_targets[0].endswith("vectors.bin")         # ... keeping the extension
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["vectors.bin"]
    monkeypatch.undo()
    assert_exact(*read_vectors(path))


def test_to_keyedvectors_shares_memory_and_counts(tmp_path):
    vecs = VECS.copy()
    counts = np.arange(len(WORDS), 0, -1, dtype=np.int64) * 10
    kv = to_keyedvectors(WORDS, vecs, counts)
    assert isinstance(kv, KeyedVectors)
    assert kv.vectors is vecs  # no copy
    assert kv.index_to_key == WORDS and kv.key_to_index["héllo"] == 2
    assert len(kv) == len(WORDS) and kv.vector_size == 5
    assert kv.get_vecattr("of", "count") == 50
    np.testing.assert_array_equal(kv["x"], VECS[4])
    assert kv.most_similar("the", topn=2)[0][0] in WORDS
    vecs[0, 0] = 123.0  # shared: the KeyedVectors sees the change
    assert kv["the"][0] == 123.0
    # the counts are real gensim attributes: its own writer orders rows by descending count
    kv2 = to_keyedvectors(WORDS, VECS, counts[::-1].copy())
    assert kv2.expandos["count"].dtype == np.int64
    kv2.save_word2vec_format(str(tmp_path / "sorted.txt"))
    words, vectors = read_vectors(tmp_path / "sorted.txt")
    assert words == WORDS[::-1]
    np.testing.assert_array_equal(vectors, VECS[::-1])


def test_to_keyedvectors_converts_other_dtypes():
    kv = to_keyedvectors(WORDS, VECS.astype(np.float64))
    assert kv.vectors.dtype == np.float32 and kv.vectors.flags.c_contiguous
    np.testing.assert_array_equal(kv.vectors, VECS)


@pytest.mark.parametrize("words, vectors, counts, fragment", [
    (["a", "a"], np.ones((2, 2)), None, "duplicate word 'a'"),
    (["a"], np.ones((2, 2)), None, "1 words but 2 vectors"),
    (["a", "b"], np.ones((2, 2)), [1], "counts has shape"),
    (["a", "b"], np.ones((2, 2)), [1.5, 2.0], "integers"),
])
def test_to_keyedvectors_rejects_bad_input(words, vectors, counts, fragment):
    with pytest.raises(ValueError, match=fragment):
        to_keyedvectors(words, vectors, counts)


# ---------------------------------------------------------------------------------------------
# bad input: right class, file named, problem described, one line
# ---------------------------------------------------------------------------------------------

def _v(*vals):
    return np.asarray(vals, dtype="<f4").tobytes()


BAD_FILES = {
    # name: (file name, content, fragments expected in the message)
    "empty": ("v.txt", b"", ["empty"]),
    "empty.gz": ("v.txt.gz", b"", ["empty"]),
    "bin-truncated": ("v.bin", b"2 3\na " + _v(1, 2, 3) + b"b " + _v(1, 2, 3)[:5], ["promises 2 vectors"]),
    "bin-truncated-long-words": (
        "v.bin", b"2 3\n" + b"a" * 40 + b" " + _v(1, 2, 3) + b"b" * 40 + b" " + _v(1, 2, 3)[:5],
        ["promises 2 vectors", "ends after 1"]),
    "bin-truncated.gz": ("v.bin.gz", b"2 3\na " + _v(1, 2, 3) + b"b " + _v(1, 2, 3)[:5], ["promises 2 vectors"]),
    "bin-header-promises-more": ("v.bin", bin_bytes(count=10), ["promises 10 vectors"]),
    "text-header-promises-more": ("v.txt", text_bytes(count=10), ["promises 10 vectors"]),
    "text-header-promises-more-long": (
        "v.txt", b"4 2\n" + b"a" * 50 + b" 1 2\n" + b"b" * 50 + b" 1 2\n", ["promises 4 vectors", "only 2"]),
    "text-header-promises-more.gz": ("v.txt.gz", text_bytes(count=10), ["promises 10 vectors"]),
    "too-few-numbers": ("v.txt", b"2 3\na 1 2 3\nb 1 2\n", ["line 3", "'b'", "2 numbers, expected 3"]),
    # gensim broadcasts a single number over the whole row instead of failing
    "one-number": ("v.txt", b"2 3\na 1 2 3\nb 1\n", ["line 3", "(word 'b') has 1 number, expected 3"]),
    "one-number-glove": ("v.txt", b"a 0 0 0\nb 1 2 3\nc 0 0 0\nd 5\ne 1 1 1\n",
                         ["line 4", "(word 'd') has 1 number, expected 3"]),
    "one-number-nan": ("v.txt", b"2 3\na 1 2 3\nb nan\n", ["line 3", "has 1 number, expected 3"]),
    "too-many-numbers": ("v.txt", b"2 3\na 1 2 3\nb 1 2 3 4\n", ["line 3", "4 numbers, expected 3"]),
    "glove-row-mismatch": ("v.txt", b"a 1 2 3\nb 1 2 3\nc 1 2\n", ["line 3", "'c'", "2 numbers, expected 3"]),
    "double-space": ("v.txt", b"1 3\na 1  2 3\n", ["line 2", "empty field"]),
    "non-numeric": ("v.txt", b"2 3\na 1 2 3\nb 1 x 3\n", ["line 3", "'x' is not a number"]),
    "non-numeric-glove": ("v.txt", b"a 1 2 3\nb 1 2 3e\n", ["line 2", "'3e' is not a number"]),
    "empty-line": ("v.txt", b"a 1 2 3\n\nb 1 2 3\n", ["line 2 is empty"]),
    "bad-utf8-text": ("v.txt", b"2 3\na 1 2 3\n\xff\xfe 1 2 3\n", ["line 3", "UTF-8"]),
    "bad-utf8-bin": ("v.bin", b"2 3\n\xff\xfe " + _v(1, 2, 3) + b"b " + _v(1, 2, 3), ["vector #1", "UTF-8"]),
    "header-zero-count": ("v.txt", b"0 3\n", ["'0 3'", "two positive integers"]),
    "header-zero-dim": ("v.txt", b"3 0\na\nb\nc\n", ["two positive integers"]),
    "header-negative": ("v.txt", b"-1 3\na 1 2 3\n", ["'-1 3'", "two positive integers"]),
    "header-one-number": ("v.txt", b"3\na 1 2 3\n", ["two positive integers"]),
    "header-three-numbers": ("v.txt", b"1 3 4\na 1 2 3\n", ["two positive integers"]),
    "header-float": ("v.txt", b"1.5 3\na 1 2 3\n", ["'1.5 3'", "two positive integers"]),
    "header-words": ("v.txt", b"x y\na 1 2 3\n", ["'x y'", "neither a word2vec header"]),
    "header-absurd": ("v.txt", b"99999999999 99999\na 1 2 3\n", ["promises 99999999999 vectors"]),
    "header-absurd.gz": ("v.txt.gz", b"99999999999 99999\na 1 2 3\n", ["promises 99999999999 vectors"]),
    "dup-text": ("v.txt", b"3 2\na 1 2\nb 1 2\na 3 4\n", ["duplicate word 'a'", "line 4"]),
    "dup-glove": ("v.txt", b"a 1 2\nb 1 2\nb 3 4\n", ["duplicate word 'b'", "line 3"]),
    "dup-bin": ("v.bin", b"2 2\nzz " + _v(1, 2) + b"zz " + _v(3, 4), ["duplicate word 'zz'", "vector #2"]),
    "dup-text.gz": ("v.txt.gz", b"3 2\na 1 2\nb 1 2\na 3 4\n", ["duplicate word 'a'"]),
    "nan-text": ("v.txt", b"2 3\na 1 2 3\nbad 1 nan 3\n", ["'bad'", "NaN or infinite", "line 3"]),
    "inf-glove": ("v.txt", b"a 1 2 3\nbad -inf 2 3\n", ["'bad'", "NaN or infinite", "line 2"]),
    "overflow-text": ("v.txt", b"1 2\nbad 1e50 3\n", ["'bad'", "NaN or infinite"]),
    "nan-bin": ("v.bin", b"2 3\na " + _v(1, 2, 3) + b"bad " + _v(1, np.inf, 3), ["'bad'", "vector #2"]),
    "empty-word": ("v.txt", b"2 2\na 1 2\n 3 4\n", ["empty word", "line 3"]),
    "gzip-without-gz-name": ("v.txt", None, ["gzip-compressed", "'.gz'"]),
    "bz2-without-bz2-name": ("v.bin", None, ["bzip2-compressed"]),
    "not-gzip-named-gz": ("v.txt.gz", None, ["compressed data is damaged"]),
    "gzip-truncated": ("v.txt.gz", None, ["compressed data is damaged or truncated"]),
    "random-binary": ("v.bin", bytes(range(256)) * 4, ["not a word-vector file"]),
    "fasttext-bin-model": ("cc.en.300.bin", (793712314).to_bytes(4, "little") + b"\x0c\x00\x00\x00" * 20,
                           ["fastText .bin model"]),
    "pickle-garbage": ("v.kv", b"\x80\x04\x95garbage", ["KeyedVectors"]),
    "pickle-of-dict": ("v.kv", pickle.dumps({"a": np.ones(3)}, protocol=4), ["KeyedVectors"]),
    "pickle-int-keys": ("v.kv", None, ["not all strings"]),
}


def _make_bad(path: Path, case: str, content: bytes | None) -> None:
    if content is not None:
        put(path, content)
    elif case == "gzip-without-gz-name":
        path.write_bytes(gzip.compress(text_bytes()))
    elif case == "bz2-without-bz2-name":
        path.write_bytes(bz2.compress(bin_bytes()))
    elif case == "not-gzip-named-gz":
        path.write_bytes(text_bytes())
    elif case == "gzip-truncated":
        path.write_bytes(gzip.compress(text_bytes() * 20)[:-30])
    elif case == "pickle-int-keys":
        kv = KeyedVectors(2)
        kv.add_vectors([0, 1], np.ones((2, 2), np.float32))
        kv.save(str(path))
    else:  # pragma: no cover
        raise AssertionError(case)


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_input(tmp_path, case):
    name, content, fragments = BAD_FILES[case]
    path = tmp_path / name
    _make_bad(path, case, content)
    with pytest.raises(VectorFileError) as info:
        read_vectors(path, format="keyedvectors" if case.startswith("pickle") else None)
    message = str(info.value)
    assert message.startswith(str(path) + ": ")
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert "\n" not in message
    assert isinstance(info.value, ValueError) and isinstance(info.value, FastW2VError)


def test_missing_file(tmp_path):
    path = tmp_path / "nope.bin"
    for call in (read_vectors, detect_format):
        with pytest.raises(MissingFileError) as info:
            call(path)
        assert str(path) in str(info.value)
        assert isinstance(info.value, FileNotFoundError)


def test_directory(tmp_path):
    for call in (read_vectors, detect_format):
        with pytest.raises(VectorFileError, match="is a directory"):
            call(tmp_path)


def test_detect_format_rejects_unrecognised(tmp_path):
    path = put(tmp_path / "v.txt", b"hello world\nsecond line\n")
    with pytest.raises(VectorFileError, match=r"v\.txt: the first line 'hello world' is neither"):
        detect_format(path)


def test_keyedvectors_missing_companion_file(tmp_path):
    # Large arrays are stored next to the pickle; force that with sep_limit=0.
    kv = to_keyedvectors(WORDS, VECS)
    path = tmp_path / "v.kv"
    kv.save(str(path), sep_limit=0)
    companions = [p for p in tmp_path.iterdir() if p.name != "v.kv"]
    assert companions
    assert_exact(*read_vectors(path, format="keyedvectors", limit=len(WORDS)))  # mmap path
    for p in companions:
        p.unlink()
    with pytest.raises(MissingFileError, match="missing"):
        read_vectors(path, format="keyedvectors")


# ---------------------------------------------------------------------------------------------
# an explicit format that contradicts the file is refused, with the right suggestion
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("content, name, requested, fragments", [
    (text_bytes(header=False), "glove.txt", "word2vec-text",
     ["looks like GloVe text without a header line; use format 'glove'"]),
    (text_bytes(header=False), "glove.txt", "word2vec-bin", ["GloVe", "use format 'glove'"]),
    (text_bytes(), "w2v.txt", "glove", ["looks like word2vec with a header line ('6 5'), not GloVe",
                                        "use format 'word2vec-text'"]),
    (bin_bytes(), "w2v.bin", "glove", ["word2vec with a header line", "use format 'word2vec-bin'"]),
    (bin_bytes(), "w2v.bin", "word2vec-text", ["looks like word2vec binary", "use format 'word2vec-bin'"]),
    (text_bytes(), "w2v.txt", "word2vec-bin", ["looks like word2vec text", "use format 'word2vec-text'"]),
    (text_bytes(), "w2v.txt", "keyedvectors", ["not a gensim KeyedVectors.save file", "'word2vec-text'"]),
    (None, "v.kv", "word2vec-text", ["KeyedVectors.save or .model file (a pickle)", "use format 'keyedvectors'"]),
    (None, "v.kv", "glove", ["use format 'keyedvectors'"]),
])
def test_contradicting_format_refused(tmp_path, content, name, requested, fragments):
    path = tmp_path / name
    if content is None:
        save_kv(path)
    else:
        put(path, content)
    with pytest.raises(VectorFileError) as info:
        read_vectors(path, format=requested)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_glove_message_exact(tmp_path):
    path = put(tmp_path / "glove.txt", b"cat 0.5 1\ndog 1 2\n")
    with pytest.raises(VectorFileError) as info:
        read_vectors(path, format="word2vec-text")
    assert str(info.value) == (f"{path}: looks like GloVe text without a header line; use format 'glove' "
                               f"(first line: 'cat 0.5 1')")


def test_glove_with_numeric_first_word_can_be_forced(tmp_path):
    # "3 -5" looks like a (bad) header; as GloVe it is the word "3" with one value.
    path = put(tmp_path / "g.txt", b"3 -5\n4 6\n")
    words, vectors = read_vectors(path, format="glove")
    assert words == ["3", "4"]
    np.testing.assert_array_equal(vectors, np.array([[-5], [6]], np.float32))


# ---------------------------------------------------------------------------------------------
# fuzzing: any damage gives consistent data or a VectorFileError, never anything else
# ---------------------------------------------------------------------------------------------

def _valid_samples() -> dict[str, bytes]:
    import tempfile

    small_w, small_v = WORDS[:3], VECS[:3, :3]
    out = {
        ".bin": bin_bytes(small_w, small_v),
        ".txt": text_bytes(small_w, small_v),
        ".vec": text_bytes(small_w, small_v, trailing_space=True),
        ".glove": text_bytes(small_w, small_v, header=False),
        ".bin.gz": gzip.compress(bin_bytes(small_w, small_v)),
        ".txt.gz": gzip.compress(text_bytes(small_w, small_v)),
    }
    with tempfile.TemporaryDirectory() as d:
        out[".kv"] = save_kv(Path(d) / "s.kv", small_w, small_v).read_bytes()
    return out


VALID_SAMPLES = _valid_samples()


@st.composite
def damaged_files(draw):
    if draw(st.booleans()):
        suffix = draw(st.sampled_from([".bin", ".txt", ".vec", ".kv", ".gz"]))
        return suffix, draw(st.binary(max_size=200))
    suffix = draw(st.sampled_from(sorted(VALID_SAMPLES)))
    data = bytearray(VALID_SAMPLES[suffix])
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "set", "delete", "insert", "truncate", "duplicate"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "set":
            data[i] = draw(st.sampled_from([0x20, 0x0A, 0x00, 0x30, 0x2D, 0x6E, 0xFF, 0x80]))
        elif op == "delete":
            del data[i]
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif op == "truncate":
            del data[i:]
        else:
            j = draw(st.integers(i, min(len(data), i + 40)))
            data[j:j] = data[i:j]
    return suffix, bytes(data)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sample=damaged_files(), use_limit=st.booleans(), fmt=st.sampled_from([None, None, None, *FORMATS]))
def test_fuzz_read_vectors(tmp_path_factory, sample, use_limit, fmt):
    suffix, data = sample
    path = tmp_path_factory.mktemp("fuzz") / ("f" + suffix)
    path.write_bytes(data)
    try:
        words, vectors = read_vectors(path, format=fmt, limit=2 if use_limit else None)
    except (VectorFileError, MissingFileError) as exc:
        assert str(path) in str(exc)
        assert "\n" not in str(exc)
        return
    assert isinstance(words, list) and all(isinstance(w, str) and w for w in words)
    assert len(set(words)) == len(words)
    assert isinstance(vectors, np.ndarray) and vectors.dtype == np.float32 and vectors.ndim == 2
    assert vectors.flags.c_contiguous
    assert len(words) == vectors.shape[0] >= 1 and vectors.shape[1] >= 1
    assert np.isfinite(vectors).all()
    if use_limit:
        assert len(words) <= 2


def test_public_api():
    # FORMATS is what the CLI offers as --format choices
    assert set(vectors_io.__all__) == {"FORMATS", "check_writable_words", "detect_format", "read_vectors",
                                       "vector_dimension", "write_vectors", "to_keyedvectors"}


@pytest.mark.parametrize("word, problem", [("a b", "space"), ("x\udcff", "not valid Unicode"), ("", "empty")])
def test_check_writable_words_names_the_file_and_the_word(tmp_path, word, problem):
    """What write_vectors would refuse, known before anything is written (the CLI checks it before saving)."""
    target = tmp_path / "out.bin"
    with pytest.raises(VectorFileError, match=problem) as info:
        vectors_io.check_writable_words(target, ["the", word])
    assert str(target) in str(info.value) and not target.exists()
    vectors_io.check_writable_words(target, ["the", "of"])


@pytest.mark.parametrize("name,binary", [("v.bin", True), ("v.txt.gz", False), ("v.glove", None)])
def test_vector_dimension_comes_from_the_header_without_reading_vectors(tmp_path, monkeypatch, name, binary):
    path = tmp_path / name
    words, vectors = [f"w{i}" for i in range(5)], np.ones((5, 7), dtype=np.float32)
    if binary is None:
        path.write_text("".join(f"{w} " + " ".join(["1"] * 7) + "\n" for w in words))
    else:
        write_vectors(path, words, vectors, binary=binary)
    monkeypatch.setattr(vectors_io, "read_binary", lambda *a: pytest.fail("read the vectors"))
    monkeypatch.setattr(vectors_io, "read_text", lambda *a: pytest.fail("read the vectors"))
    assert vectors_io.vector_dimension(path) == 7


# ---------------------------------------------------------------------------------------------
# the block reader and writer against gensim's reader and writer (the reference)
# ---------------------------------------------------------------------------------------------

def _reference_set(n: int = 300, dim: int = 7) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(n)]
    words[:6] = WORDS  # multi-byte UTF-8 words
    words[10] = "tab\tinside"  # only spaces and newlines separate fields
    vecs = (rng.standard_normal((n, dim)) * 10.0 ** rng.integers(-8, 8, (n, dim))).astype(np.float32)
    vecs[3] = 0.0
    vecs[4, 0] = -0.0
    return words, vecs


REF_WORDS, REF_VECS = _reference_set()


def _text_many_digits(words, vecs, header: bool) -> bytes:
    # float64 reprs of float32 values (17 digits) and some C-style formatting, as other tools write them.
    rows = [f"{w} " + " ".join(repr(float(x)) if j % 2 else f"{x:.9e}" for j, x in enumerate(v)) + "\n"
            for w, v in zip(words, vecs)]
    return ((f"{len(words)} {vecs.shape[1]}\n" if header else "") + "".join(rows)).encode("utf-8")


READER_CASES = {
    "bin": (lambda: bin_bytes(REF_WORDS, REF_VECS), "word2vec-bin"),
    "bin-c-tool-newlines": (lambda: bin_bytes(REF_WORDS, REF_VECS, newline=True), "word2vec-bin"),
    "text": (lambda: text_bytes(REF_WORDS, REF_VECS), "word2vec-text"),
    "text-many-digits": (lambda: _text_many_digits(REF_WORDS, REF_VECS, True), "word2vec-text"),
    "fasttext-vec": (lambda: text_bytes(REF_WORDS, REF_VECS, trailing_space=True), "word2vec-text"),
    "text-crlf": (lambda: text_bytes(REF_WORDS, REF_VECS).replace(b"\n", b"\r\n"), "word2vec-text"),
    "glove": (lambda: text_bytes(REF_WORDS, REF_VECS, header=False), "glove"),
    "glove-many-digits": (lambda: _text_many_digits(REF_WORDS, REF_VECS, False), "glove"),
}


def _gensim_read(path: Path, fmt: str, limit: int | None) -> tuple[list[str], np.ndarray]:
    kv = KeyedVectors.load_word2vec_format(str(path), binary=fmt == "word2vec-bin", no_header=fmt == "glove",
                                           limit=limit)
    return kv.index_to_key, kv.vectors


@pytest.mark.parametrize("block", [None, 97])
@pytest.mark.parametrize("limit", [None, 1, 150, len(REF_WORDS), len(REF_WORDS) + 50])
@pytest.mark.parametrize("suffix", ["", ".gz", ".bz2"])
@pytest.mark.parametrize("case", sorted(READER_CASES))
def test_reader_matches_gensim(tmp_path, monkeypatch, case, suffix, limit, block):
    make, fmt = READER_CASES[case]
    if block is not None:  # rows straddle blocks: 97 bytes hold less than one binary row (4 * 7 + word)
        monkeypatch.setattr(vector_blocks, "BINARY_BLOCK", block)
        monkeypatch.setattr(vector_blocks, "MAPPED_WINDOW", block)
        monkeypatch.setattr(vector_blocks, "TEXT_BLOCK", block)
    path = put(tmp_path / f"v{suffix}", make())
    words, vectors = read_vectors(path, limit=limit)
    exp_words, exp_vecs = _gensim_read(path, fmt, limit)
    assert_exact(words, vectors, exp_words, exp_vecs)
    assert vectors.tobytes() == exp_vecs.tobytes()  # -0.0 stays -0.0


def test_reader_matches_gensim_on_fields_only_pythons_float_accepts(tmp_path):
    # "1_0" and a trailing NBSP parse as Python floats; the fast cast path hands such rows to the exact one.
    path = put(tmp_path / "v.txt", "2 3\na 1_0 2 3\nb 4 5\u00a0 6\n".encode("utf-8"))
    exp_words, exp_vecs = _gensim_read(path, "word2vec-text", None)
    assert_exact(*read_vectors(path), exp_words, exp_vecs)


def test_reader_allocates_the_matrix_once(tmp_path, monkeypatch):
    import tracemalloc

    rng = np.random.default_rng(3)
    vecs = rng.standard_normal((40_000, 100)).astype(np.float32)
    words = [f"word{i}" for i in range(len(vecs))]
    monkeypatch.setattr(vector_blocks, "BINARY_BLOCK", 1 << 20)
    monkeypatch.setattr(vector_blocks, "MAX_WORD_BYTES", 1 << 12)  # each binary buffer has room for one such word
    # A text block's fields are short-lived Python objects, ~10x the block's size.
    monkeypatch.setattr(vector_blocks, "TEXT_BLOCK", 1 << 18)
    for binary in (True, False):
        path = tmp_path / f"v{binary}"
        write_vectors(path, words, vecs, binary=binary)
        tracemalloc.start()
        try:
            got_words, got = read_vectors(path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert_exact(got_words, got, words, vecs)
        # A second matrix would be 2x; one block's buffers and 40k words are a fraction of 16 MB.
        assert peak < 1.5 * vecs.nbytes, (binary, peak / vecs.nbytes)


@pytest.mark.parametrize("block", [None, 50])
@pytest.mark.parametrize("binary", [True, False])
def test_writer_bytes_identical_to_gensim(tmp_path, monkeypatch, binary, block):
    if block is not None:
        monkeypatch.setattr(vector_blocks, "WRITE_BLOCK", block)
    ours, theirs = tmp_path / "ours.w2v", tmp_path / "gensim.w2v"
    write_vectors(ours, REF_WORDS, REF_VECS, binary=binary)
    kv = KeyedVectors(REF_VECS.shape[1])
    kv.add_vectors(REF_WORDS, REF_VECS)
    kv.save_word2vec_format(str(theirs), binary=binary)
    assert ours.read_bytes() == theirs.read_bytes()
    write_vectors(tmp_path / "ours.w2v.gz", REF_WORDS, REF_VECS, binary=binary)
    assert gzip.decompress((tmp_path / "ours.w2v.gz").read_bytes()) == theirs.read_bytes()


def test_writer_refuses_unencodable_word(tmp_path):
    with pytest.raises(VectorFileError, match="not valid Unicode"):
        write_vectors(tmp_path / "v.bin", ["ok", "bad\ud800"], np.ones((2, 3), np.float32))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("binary", [True, False])
def test_progress_lines(tmp_path, monkeypatch, caplog, binary):
    path = tmp_path / "v.w2v"
    monkeypatch.setattr(vector_blocks, "WRITE_BLOCK", 1000)
    monkeypatch.setattr(vector_blocks, "BINARY_BLOCK", 1000)
    monkeypatch.setattr(vector_blocks, "MAPPED_WINDOW", 1000)
    monkeypatch.setattr(vector_blocks, "TEXT_BLOCK", 1000)
    with caplog.at_level(logging.INFO, logger="fastw2v"):
        write_vectors(path, REF_WORDS, REF_VECS, binary=binary)
        read_vectors(path)
    assert not [r for r in caplog.records if "vectors (" in r.getMessage()]  # small and fast: no progress lines
    caplog.clear()
    monkeypatch.setattr(vector_blocks.Progress, "interval", 0.0)
    with caplog.at_level(logging.INFO, logger="fastw2v"):
        write_vectors(path, REF_WORDS, REF_VECS, binary=binary)
        read_vectors(path)
    lines = [r.getMessage() for r in caplog.records if "vectors (" in r.getMessage()]
    writing = [m for m in lines if m.startswith(f"writing {path}: ")]
    reading = [m for m in lines if m.startswith(f"reading {path}: ")]
    assert len(writing) >= 3 and len(reading) >= 3, lines
    assert writing[-1].startswith(f"writing {path}: {len(REF_WORDS)}/{len(REF_WORDS)} vectors (100%), ")
    assert reading[-1].startswith(f"reading {path}: {len(REF_WORDS)}/{len(REF_WORDS)} vectors (100%), ")
    assert all(" vectors/s, ETA " in m and m.endswith(" MB") for m in lines)


@pytest.mark.slow  # writes and reads 5.6 MB three times
@pytest.mark.parametrize("name", ["v.bin.gz", "v.bin.bz2", "v.txt.gz"])
def test_a_limit_inside_a_later_block_of_a_compressed_file(tmp_path, monkeypatch, name):
    """A compressed file is read block by block; a limit reached in the middle of a block stops there
    (the rest of the block, here more than the 1 MB carry room before each block, is dropped)."""
    monkeypatch.setattr(vector_blocks, "BINARY_BLOCK", 2 << 20)
    monkeypatch.setattr(vector_blocks, "TEXT_BLOCK", 2 << 20)
    n = 80_000  # ~5.6 MB of binary rows: three blocks
    words = [f"w{i}" for i in range(n)]
    vectors = np.random.default_rng(6).normal(size=(n, 16)).astype(np.float32)
    write_vectors(tmp_path / name, words, vectors)
    for limit in (1, 1000, 32_000, n):  # the first block, early in the second, all
        got, vecs = read_vectors(tmp_path / name, limit=limit)
        assert got == words[:limit]
        np.testing.assert_array_equal(vecs, vectors[:limit])
