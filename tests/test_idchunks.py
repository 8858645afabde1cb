"""Text to token-id chunks and back: the block reader gives TextCorpus's tokens; the writer gives its lines."""
from __future__ import annotations

import gzip

import numpy as np
import pytest

from fastw2v.corpus import TextCorpus
from fastw2v.phrases.id_chunks import IdScan
from fastw2v.phrases.key_table import KeyTable
from fastw2v.phrases.output import LineWriter
from fastw2v.token_ids import WordIds, id_chunks

# Every kind of whitespace str.split() knows, empty and blank lines, CRLF, no final newline,
# non-ASCII words and spaces (U+00A0, U+2003), and an invalid UTF-8 byte.
AWKWARD = (b"  the quick\tbrown  fox \r\n\n   \n\x0bjumps\x0cover\x1cthe\x1dlazy\x1e dog\x1f\n"
           b"caf\xc3\xa9 na\xc3\xafve\xc2\xa0word em\xe2\x80\x83space\n"
           b"bad \xff byte here\n"
           + b"".join(b"line %d has some words and more words\n" % i for i in range(200)) + b"last line no newline")


def decode(chunks, words) -> list[list[str]]:
    sentences = []
    for ids, lengths, _ in chunks:
        start = 0
        for n in lengths.tolist():
            sentences.append([words[i] for i in ids[start:start + n].tolist()])
            start += n
    return sentences


@pytest.mark.parametrize("chunk_tokens", [1, 7, 1 << 20])
@pytest.mark.parametrize("compress", [False, True])
def test_block_reader_gives_textcorpus_tokens(tmp_path, chunk_tokens, compress):
    path = tmp_path / ("awkward.txt.gz" if compress else "awkward.txt")
    path.write_bytes(gzip.compress(AWKWARD) if compress else AWKWARD)
    expected = list(TextCorpus(path))
    words = WordIds()
    chunks = list(id_chunks(TextCorpus(path), words, chunk_tokens))
    assert all(ids.dtype == np.int32 and lengths.dtype == np.int64 and lengths.min() > 0 for ids, lengths, _ in chunks)
    assert decode(chunks, words.words) == expected
    assert words.words == list(dict.fromkeys(t for s in expected for t in s))  # ids in order of first appearance


def test_lists_of_tokens_and_str_sentences():
    words = WordIds()
    chunks = list(id_chunks([["a", "b"], [], ["b", "c", "a"]], words, 2))
    assert decode(chunks, words.words) == [["a", "b"], ["b", "c", "a"]]
    with pytest.raises(ValueError, match="got a str"):
        list(id_chunks(["a b"], words, 2))


def test_scan_keeps_the_first_read_unless_too_large(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("a b c\nd e\n")
    scan = IdScan(TextCorpus(path), 1, memory_limit=1 << 20)
    first = decode(list(scan), scan.words.words)
    path.write_text("changed\n")  # a kept scan does not read the file again
    assert decode(list(scan), scan.words.words) == first == [["a", "b", "c"], ["d", "e"]]
    small = IdScan(TextCorpus(path), 1, memory_limit=1)
    list(small)
    assert small.kept is None
    path.write_text("read again\n")
    assert decode(list(small), small.words.words) == [["read", "again"]]


def test_line_writer_writes_space_joined_lines(tmp_path):
    words = WordIds()
    sentences = [["héllo", "new_york"], ["x"], ["a", "b", "c", "d"]]
    ids = np.array([words[w] for s in sentences for w in s], dtype=np.int32)
    with open(tmp_path / "o.txt", "wb") as fh:
        writer = LineWriter(fh, words.words)
        writer.write(ids, np.array([2, 1, 4]))
        words["später"]  # a word added between chunks
        writer.write(np.array([words["später"], 0], dtype=np.int32), np.array([2]))
    assert (tmp_path / "o.txt").read_text(encoding="utf-8") == "héllo new_york\nx\na b c d\nspäter héllo\n"


def test_key_table_finds_every_key_and_nothing_else():
    rng = np.random.default_rng(5)
    keys = np.unique(rng.integers(0, 1 << 40, 5000))
    table = KeyTable(keys)
    queries = np.concatenate((keys, rng.integers(0, 1 << 40, 5000), keys[::7]))
    expected = np.array([np.searchsorted(keys, q) if q in set(keys.tolist()) else -1 for q in queries.tolist()])
    np.testing.assert_array_equal(table.find(queries), expected)
    assert KeyTable(np.zeros(0, dtype=np.int64)).find(np.arange(3)).tolist() == [-1, -1, -1]


def test_jitted_lookup_grows_and_agrees_with_the_dict_across_ascii_and_other_blocks(tmp_path):
    """Past the table's first capacity (65,536 words, 1 MB of word bytes), words first seen in a
    UTF-8 block, and ASCII words met again in both kinds of block keep one id each."""
    rng = np.random.default_rng(7)
    vocab = [f"w{i}{'x' * int(rng.integers(0, 20))}" for i in range(120_000)] + ["über", "naïve"]
    lines = []
    for k in range(3000):
        line = [vocab[i] for i in rng.integers(0, len(vocab), 60)]
        if k % 7 == 0:
            line[3] = "über"  # this block goes the Python way and adds its new words to the dict
        lines.append("  ".join(line) if k % 11 == 0 else " ".join(line))
    path = tmp_path / "many.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    words = WordIds()
    chunks = list(id_chunks(TextCorpus(path), words, 2000))
    expected = list(TextCorpus(path))
    assert decode(chunks, words.words) == expected
    assert words.words == list(dict.fromkeys(t for s in expected for t in s))
    assert len(words.words) == len(set(words.words)) > 65_536
    assert all(words[w] == i for i, w in enumerate(words.words))
