"""Corpus reading (plain, .gz, .bz2, directories), encoding errors, long lines, batching and spilling."""
from __future__ import annotations

import bz2
import gzip
import logging

import numpy as np
import pytest

import fastw2v
from fastw2v import corpus as corpus_module
from fastw2v.corpus import TextCorpus, as_sentences, expand_paths
from fastw2v.errors import CorpusError, FastW2VError, MissingFileError, UnreadableFileError
from fastw2v.token_ids import EncodedCorpus, ScannedCorpus, encode

LINES = ["the cat sat on the mat", "", "  the dog   sat\ton the log  ", "a cat and a dog"]
EXPECTED = [["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "sat", "on", "the", "log"],
            ["a", "cat", "and", "a", "dog"]]


def _write(path, lines=LINES, opener=open):
    data = ("\n".join(lines) + "\n").encode("utf-8")
    with opener(path, "wb") as fh:
        fh.write(data)
    return path


@pytest.mark.parametrize("name,opener", [("plain.txt", open), ("packed.txt.gz", gzip.open),
                                         ("packed.txt.bz2", bz2.open)])
def test_reads_plain_gz_and_bz2(tmp_path, name, opener):
    path = _write(tmp_path / name, opener=opener)
    corpus = TextCorpus(path)
    assert list(corpus) == EXPECTED
    assert list(corpus) == EXPECTED  # re-iterable
    # the same through the model API, by path
    model = fastw2v.Word2Vec(min_count=1, vector_size=4, negative=1, workers=1)
    model.build_vocab(str(path))
    assert set(model.vocab.words) == {w for s in EXPECTED for w in s}
    assert model.vocab.words[0] == "the"
    assert model.vocab.counts[0] == 4


def test_reads_directory_in_sorted_order_and_skips_hidden_files(tmp_path):
    d = tmp_path / "corpus"
    d.mkdir()
    _write(d / "b.txt.gz", ["second file"], opener=gzip.open)
    _write(d / "a.txt", ["first file", "more words"])
    _write(d / "c.bz2", ["third"], opener=bz2.open)
    _write(d / ".hidden", ["never read"])
    (d / "subdir").mkdir()
    assert [p.rsplit("/", 1)[-1] for p in expand_paths(d)] == ["a.txt", "b.txt.gz", "c.bz2"]
    assert list(TextCorpus(d)) == [["first", "file"], ["more", "words"], ["second", "file"], ["third"]]
    # a list mixing a directory and a file
    extra = _write(tmp_path / "extra.txt", ["extra line"])
    assert list(as_sentences([str(d), extra]))[-1] == ["extra", "line"]


def test_directory_corpus_reads_text_files_only_and_logs_what_it_read_and_skipped(tmp_path, caplog):
    # A working directory as a user has it: text next to vectors, code, JSON and logs.
    d = tmp_path / "work"
    d.mkdir()
    _write(d / "a.txt", ["first file"])
    _write(d / "README", ["no extension is text too"])
    _write(d / "c.txt.gz", ["compressed text"], opener=gzip.open)
    rng = np.random.default_rng(0)
    vectors = b"3 4\n" + b"".join(w + b" " + rng.random(4, dtype=np.float32).tobytes() for w in (b"x", b"y", b"z"))
    (d / "vectors.bin").write_bytes(vectors)
    with gzip.open(d / "vectors.bin.gz", "wb") as fh:  # a .gz name, binary inside
        fh.write(vectors)
    (d / "weights.txt").write_bytes(b"\x00\x01\x02" * 100)  # a text name, binary inside
    _write(d / "vectors.txt", ["3 4", "x 0.1 -0.2 3e-05 4", "y 1 2 3 4", "z 1 2 3 4"])  # exported word vectors
    _write(d / "numbers.txt", ["3 4", "1990 1991 1992", "2001 2002 2003 2004 2005"])  # but numbers are text
    for name in ("train.py", "config.json", "run.log"):
        (d / name).write_text("import this\n")
    (d / "model.fw2v").mkdir()
    with caplog.at_level(logging.INFO, logger="fastw2v"):
        corpus = TextCorpus(d)
        assert [p.rsplit("/", 1)[-1] for p in corpus.paths] == ["README", "a.txt", "c.txt.gz", "numbers.txt"]
        assert list(corpus)[:3] == [["no", "extension", "is", "text", "too"], ["first", "file"],
                                    ["compressed", "text"]]
    line, = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert line.startswith(f"{d}: reading 4 file(s) (README, a.txt, c.txt.gz and 1 more); skipped 8 that are not "
                           f"text files (config.json, model.fw2v/, run.log and 5 more)")
    for name in ("a.txt", "README", "c.txt.gz", "numbers.txt"):
        (d / name).unlink()
    with pytest.raises(CorpusError, match="holds no corpus text files .it holds config.json, model.fw2v/"):
        TextCorpus(d)


def test_invalid_utf8_warning_names_the_files(tmp_path, caplog):
    d = tmp_path / "corpus"
    d.mkdir()
    (d / "bad.txt").write_bytes(b"caf\xe9 au lait\nok\n\xff\xfe\n")
    _write(d / "good.txt", ["all fine"])
    corpus = TextCorpus(d)
    with caplog.at_level(logging.WARNING, logger="fastw2v"):
        assert len(list(corpus)) == 4
    assert corpus.bad_encoding_lines == 2 and corpus.bad_encoding_files == {str(d / "bad.txt"): 2}
    assert f"2 lines had invalid UTF-8 bytes, replaced with U+FFFD: {d / 'bad.txt'} (2 lines)" in caplog.text


def test_reads_lee_corpus_file(lee_path):
    corpus = TextCorpus(lee_path)
    sentences = list(corpus)
    assert len(sentences) == 300
    assert sum(map(len, sentences)) == 59_890
    assert corpus.bad_encoding_lines == 0
    with open(lee_path, encoding="utf-8") as fh:
        assert sentences[0] == fh.readline().split()


def test_empty_directory_is_a_corpus_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="empty"):
        TextCorpus(tmp_path / "empty")


def test_one_shot_generator_is_refused():
    gen = (s for s in EXPECTED)
    with pytest.raises(CorpusError, match="one-shot"):
        as_sentences(gen)
    model = fastw2v.Word2Vec(min_count=1, vector_size=4, workers=1)
    with pytest.raises(CorpusError):
        model.build_vocab(s for s in EXPECTED)
    with pytest.raises(CorpusError):
        model.build_vocab(iter(EXPECTED))


def test_sentence_given_as_string_is_refused():
    model = fastw2v.Word2Vec(min_count=1, vector_size=4, workers=1)
    with pytest.raises(CorpusError, match="str"):
        model.build_vocab([["ok", "tokens"], "not split"])


def test_missing_path_is_missing_file_error(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(MissingFileError, match="nope.txt") as info:
        TextCorpus(missing)
    assert isinstance(info.value, OSError) and isinstance(info.value, FileNotFoundError)
    assert isinstance(info.value, FastW2VError)
    model = fastw2v.Word2Vec(min_count=1, vector_size=4, workers=1)
    with pytest.raises(MissingFileError):
        model.build_vocab(str(missing))
    with pytest.raises(OSError):
        model.build_vocab([_write(tmp_path / "present.txt"), missing])


def test_empty_corpus_and_min_count_errors(tmp_path):
    model = fastw2v.Word2Vec(min_count=1, vector_size=4, workers=1)
    with pytest.raises(CorpusError, match="empty"):
        model.build_vocab([])
    with pytest.raises(CorpusError, match="empty"):
        model.build_vocab([[], []])
    blank = _write(tmp_path / "blank.txt", ["", "   ", "\t"])
    with pytest.raises(CorpusError, match="blank.txt"):
        model.build_vocab(blank)
    strict = fastw2v.Word2Vec(min_count=3, vector_size=4, workers=1)
    with pytest.raises(CorpusError, match="min_count=3"):
        strict.build_vocab(EXPECTED[2:])  # 'a' occurs twice at most
    assert strict.vocab is None


def test_invalid_utf8_replaced_and_counted(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good line here\nbad \xff\xfe token\nfine again\nalso \xc3( broken\n")
    corpus = TextCorpus(path)
    sentences = list(corpus)
    assert corpus.bad_encoding_lines == 2
    assert sentences[0] == ["good", "line", "here"]
    assert sentences[1] == ["bad", "\ufffd\ufffd", "token"]
    assert sentences[3][0] == "also" and "\ufffd" in sentences[3][1]
    # counted afresh on each pass
    list(corpus)
    assert corpus.bad_encoding_lines == 2


def test_strict_encoding_names_file_and_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good line\nsecond good\nbad \xff token\n")
    with pytest.raises(CorpusError, match=r"bad\.txt.*line 3"):
        list(TextCorpus(path, strict_encoding=True))
    model = fastw2v.Word2Vec(min_count=1, vector_size=4, workers=1, strict_encoding=True)
    with pytest.raises(CorpusError, match="line 3"):
        model.build_vocab(str(path))


def test_scan_of_a_file_keeps_the_line_numbers_and_counts_of_invalid_utf8(tmp_path, caplog):
    """The scan reads blocks of lines; a bad line deep in a later block is still named by its number."""
    path = tmp_path / "bad.txt"
    path.write_bytes(b"".join(b"line %d is plain ascii\n" % i for i in range(5000)) + b"bad \xff token\nok\n"
                     + b"\xc3( again\n")
    strict = TextCorpus(path, strict_encoding=True)
    with pytest.raises(CorpusError, match=r"bad\.txt: line 5001 is not valid UTF-8"):
        ScannedCorpus(strict, chunk_tokens=1000)  # about 6 KB blocks: the bad line is in the 18th
    corpus = TextCorpus(path)
    with caplog.at_level(logging.WARNING, logger="fastw2v"):
        scanned = ScannedCorpus(corpus, chunk_tokens=1000)
    assert corpus.bad_encoding_lines == 2 and corpus.bad_encoding_files == {str(path): 2}
    assert "2 lines had invalid UTF-8 bytes" in caplog.text and "bad.txt (2 lines)" in caplog.text
    assert scanned.word_counts()["\ufffd"] == 1 and scanned.word_counts()["\ufffd("] == 1


@pytest.mark.parametrize("chunk_tokens", [3, 1000, 1 << 20])
def test_scan_of_a_file_equals_the_scan_of_its_sentences(tmp_path, chunk_tokens):
    """ASCII blocks go through the jitted tokeniser, others line by line: the same ids, counts and order."""
    text = (b"  the quick\tbrown  fox \r\n\n   \n\x0bjumps\x0cover\x1cthe\x1dlazy\x1e dog\x1f\n"
            + b"".join(b"line %d has words w%d and w%d\n" % (i, i % 17, i % 5) for i in range(3000))
            + "caf\u00e9 na\u00efve\u00a0word em\u2003space the fox\n".encode() + b"last line, no newline")
    path = tmp_path / "c.txt.gz"
    path.write_bytes(gzip.compress(text))
    from_file = ScannedCorpus(TextCorpus(path), chunk_tokens=chunk_tokens)
    sentences = list(TextCorpus(path))
    from_sentences = ScannedCorpus(sentences, chunk_tokens=chunk_tokens)
    assert list(from_file.word_counts().items()) == list(from_sentences.word_counts().items())
    assert (from_file.n_tokens, from_file.n_sentences) == (sum(map(len, sentences)), len(sentences))
    index = {w: i for i, w in enumerate(sorted(from_sentences.word_counts()))}
    a, b = from_file.encode(index), from_sentences.encode(index)
    assert a.token_ids.tolist() == b.token_ids.tolist()
    assert a.sentence_offsets.tolist() == b.sentence_offsets.tolist()


def test_long_line_split_without_losing_tokens(tmp_path):
    words = [f"w{i}" for i in range(37)]
    long_line = [words[i % 37] for i in range(25_000)]
    path = _write(tmp_path / "long.txt", ["w1 w2 w3", " ".join(long_line), "w5 w6"])
    model = fastw2v.Word2Vec(min_count=1, vector_size=4, workers=1)
    assert model.config.max_sentence_length == 10_000
    model.build_vocab(str(path))
    encoded = model.encode(str(path))
    index = model.vocab.index
    expected_ids = [index[w] for w in ["w1", "w2", "w3", *long_line, "w5", "w6"]]
    assert encoded.token_ids.dtype == np.int32
    assert encoded.token_ids.tolist() == expected_ids
    assert encoded.sentence_offsets.tolist() == [0, 3, 10_003, 20_003, 25_003, 25_005]
    assert encoded.split_lines == 1
    assert encoded.raw_tokens == 25_005
    assert encoded.n_sentences == 5 and encoded.n_tokens == 25_005


def test_out_of_vocabulary_words_dropped_before_splitting():
    index = {"a": 0, "b": 1}
    sentence = ["a", "zz", "b", "zz", "zz", "a", "b", "zz", "a"]  # 5 known tokens
    encoded = encode([sentence, ["zz"], ["b"]], index, max_sentence_length=2)
    assert encoded.token_ids.tolist() == [0, 1, 0, 1, 0, 1]
    assert encoded.sentence_offsets.tolist() == [0, 2, 4, 5, 6]  # empty sentence skipped
    assert encoded.raw_tokens == 11
    assert encoded.split_lines == 1


@pytest.mark.parametrize("batch_words", [1, 7, 50, 333, 10_000])
def test_batches_cover_every_sentence_once(batch_words):
    rng = np.random.default_rng(batch_words)
    lengths = rng.integers(1, 120, size=200)
    lengths[17] = 900  # a sentence longer than most batches
    offsets = np.zeros(201, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    encoded = EncodedCorpus(token_ids=np.zeros(offsets[-1], dtype=np.int32), sentence_offsets=offsets,
                            raw_tokens=int(offsets[-1]))
    batches = encoded.batches(batch_words)
    covered = [s for a, b in batches for s in range(a, b)]
    assert covered == list(range(200))
    assert all(b > a for a, b in batches)
    assert batches[0][0] == 0 and batches[-1][1] == 200
    if batch_words >= offsets[-1]:
        assert batches == [(0, 200)]
    else:
        assert len(batches) > 1
    # batches are about batch_words tokens: none is longer than batch_words plus one sentence
    for a, b in batches:
        assert offsets[b] - offsets[a] <= batch_words + lengths[a:b].max()


def test_batches_of_empty_corpus():
    encoded = EncodedCorpus(token_ids=np.zeros(0, np.int32), sentence_offsets=np.zeros(1, np.int64), raw_tokens=0)
    assert encoded.batches(100) == []


def test_spilling_to_disk_gives_the_same_ids(lee_corpus):
    vocab_words = sorted({w for s in lee_corpus for w in s})
    index = {w: i for i, w in enumerate(vocab_words[::2])}  # half the words out of vocabulary
    in_memory = encode(lee_corpus, index, max_sentence_length=100)
    spilled = encode(lee_corpus, index, max_sentence_length=100, memory_limit=1000, chunk_tokens=500)
    assert isinstance(spilled.token_ids, np.memmap)
    assert not isinstance(in_memory.token_ids, np.memmap)
    assert np.array_equal(spilled.token_ids, in_memory.token_ids)
    assert np.array_equal(spilled.sentence_offsets, in_memory.sentence_offsets)
    assert (spilled.raw_tokens, spilled.split_lines) == (in_memory.raw_tokens, in_memory.split_lines)
    assert in_memory.split_lines > 0
    # the ids are those of a direct lookup
    direct = [index[w] for s in lee_corpus for w in s if w in index]
    assert in_memory.token_ids.tolist() == direct


def test_training_on_spilled_corpus_equals_in_memory(lee_corpus):
    settings = dict(vector_size=16, window=3, min_count=5, sg=True, negative=3, epochs=1, workers=1, seed=2)
    a = fastw2v.Word2Vec(**settings)
    a.build_vocab(lee_corpus)
    b = fastw2v.Word2Vec(**settings)
    b.build_vocab(lee_corpus)
    a.train(lee_corpus)
    spilled = encode(lee_corpus, b.vocab.index, b.config.max_sentence_length, memory_limit=4096)
    assert isinstance(spilled.token_ids, np.memmap)
    b.train(spilled)
    assert a.weights.w_in.tobytes() == b.weights.w_in.tobytes()


def test_scan_counts_equal_a_counter(lee_corpus):
    from collections import Counter

    scanned = ScannedCorpus(lee_corpus, chunk_tokens=1000)  # many chunks
    expected = Counter(w for s in lee_corpus for w in s)
    assert scanned.word_counts() == dict(expected)
    assert list(scanned.word_counts()) == list(expected)  # order of first appearance
    assert scanned.n_tokens == sum(len(s) for s in lee_corpus)
    assert scanned.n_sentences == sum(1 for s in lee_corpus if s)
    scanned.encode({"the": 0})
    with pytest.raises(RuntimeError, match="already encoded"):
        scanned.encode({"the": 0})


def test_train_reuses_the_vocabulary_scan_of_unchanged_files(tmp_path, monkeypatch):
    path = _write(tmp_path / "c.txt", ["a b c a b", "c a b"] * 20)
    passes = []
    original = corpus_module._open_binary

    def counting_open(p):
        passes.append(p)
        return original(p)

    monkeypatch.setattr(corpus_module, "_open_binary", counting_open)
    model = fastw2v.Word2Vec(min_count=1, vector_size=4, negative=1, workers=1, epochs=1)
    model.build_vocab(str(path))
    first = model.encode(str(path))
    assert len(passes) == 1  # encoding came from the vocabulary scan
    second = model.encode(str(path))  # the scan is used once: a second encoding reads again
    assert len(passes) == 2
    assert first.token_ids.tolist() == second.token_ids.tolist()
    model.build_vocab(str(path))
    _write(path, ["c c c", "a b"] * 20)  # changed on disk after the scan: read again
    changed = model.encode(str(path))
    assert len(passes) == 4
    assert changed.raw_tokens == 100


def _many_lines(n: int = 3000) -> bytes:
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(500)]
    return "".join(" ".join(rng.choice(words, 8)) + "\n" for _ in range(n)).encode()


DAMAGED = {
    # name: (file name, bytes, fragments of the message)
    "gz-truncated": ("c.txt.gz", lambda: gzip.compress(_many_lines())[:5000], ["ends early after line", "truncated"]),
    "gz-truncated-at-start": ("c.txt.gz", lambda: gzip.compress(_many_lines())[:12], ["ends early at the start"]),
    "gz-not-gzip": ("c.txt.gz", lambda: b"plain text\n", ["damaged or not what its name says", "BadGzipFile"]),
    "gz-corrupt-deflate": ("c.txt.gz", lambda: b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\xff" * 40,
                           ["zlib.error"]),
    "gz-bad-crc": ("c.txt.gz", lambda: gzip.compress(b"a b c\n")[:-8] + b"\0" * 8, ["CRC check failed"]),
    "bz2-truncated": ("c.txt.bz2", lambda: bz2.compress(_many_lines())[:3000], ["ends early"]),
    "bz2-not-bz2": ("c.txt.bz2", lambda: b"plain text\n", ["damaged or not what its name says"]),
    "xz-not-xz": ("c.txt.xz", lambda: b"plain text\n" * 10, ["damaged or not what its name says"]),
}


# The two ways a TextCorpus is read: sentence by sentence, and in blocks of lines (the scan's).
READERS = {"sentences": lambda corpus: list(corpus), "blocks": lambda corpus: list(corpus.blocks(1024))}


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("case", sorted(DAMAGED))
def test_damaged_compressed_corpus_is_a_corpus_error_naming_the_file(tmp_path, case, reader):
    name, make, fragments = DAMAGED[case]
    path = tmp_path / name
    path.write_bytes(make())
    with pytest.raises(CorpusError) as info:
        READERS[reader](TextCorpus(path))
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert isinstance(info.value, ValueError) and isinstance(info.value, FastW2VError)


def test_unreadable_file_is_an_os_error_naming_the_file(tmp_path, monkeypatch):
    path = _write(tmp_path / "c.txt")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("builtins.open", denied)
    with pytest.raises(UnreadableFileError, match=f"{path}: cannot read: Permission denied") as info:
        list(TextCorpus(path))
    assert isinstance(info.value, OSError) and isinstance(info.value, FastW2VError)
