"""A corpus as chunks of int32 token ids under one growing dictionary, read once and kept when it fits.

Chunks are ``(ids int32[n_tokens], lengths int64[n_sentences], text)``, sentences
concatenated, empty sentences dropped: what the phrase counter and joiner work on. ``text``
is the block's bytes when they are already canonical (ASCII, one space between tokens, one
newline after each line), else None: then joining phrases only turns some spaces into the
delimiter, and the output is written by patching those bytes
(:meth:`fastw2v.phrases.output.LineWriter.write_patched`).

Text files are read in blocks of whole lines. A block that is pure ASCII is tokenised and
looked up by a jitted hash table (:meth:`WordIds.block_ids`); any other block goes line by line
exactly like :class:`fastw2v.corpus.TextCorpus` (invalid UTF-8 becomes U+FFFD). Both give
the tokens ``TextCorpus`` gives, since for ASCII text ``str.split`` and the byte classes
below agree on what whitespace is.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from itertools import pairwise
from typing import BinaryIO

import numpy as np

from ..corpus import TextCorpus, _open_binary
from ..errors import CorpusError
from ..kernels import text as text_kernels

logger = logging.getLogger(__name__)

Chunk = tuple[np.ndarray, np.ndarray, bytes | None]

# The ASCII characters str.split() treats as whitespace: \t \n \v \f \r, \x1c-\x1f and space.
_WHITESPACE = np.zeros(256, dtype=bool)
_WHITESPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True


class WordIds(dict):
    """Word -> id; an unseen word gets the next id and is appended to ``words``.

    ASCII text blocks are looked up without a Python dict access per token: a jitted hash
    table (:mod:`fastw2v.kernels.text`) holds the same words under the same ids, and words it
    adds are appended here (:meth:`block_ids`); words added here first are copied into it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self._table = np.full(1 << 17, -1, dtype=np.int32)
        self._hashes = np.zeros(1 << 16, dtype=np.uint64)
        self._offsets = np.zeros((1 << 16) + 1, dtype=np.int64)
        self._store = np.zeros(1 << 20, dtype=np.uint8)
        self._n_table = np.zeros(1, dtype=np.int64)  # words the table holds: a prefix of ``words``

    def __missing__(self, word: str) -> int:
        i = self[word] = len(self.words)
        self.words.append(word)
        return i

    def block_ids(self, data: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
        """The tokens of ASCII bytes ``data`` as ids, tokens per non-empty line, canonical text?"""
        if int(self._n_table[0]) < len(self.words):  # words added through the dict since the last block
            new_bytes = " ".join(self.words[int(self._n_table[0]):]).encode("utf-8")
            self._intern(np.frombuffer(new_bytes, dtype=np.uint8))
        before = int(self._n_table[0])
        ids, lengths, irregular = self._intern(data)
        after = int(self._n_table[0])
        if after > before:  # the new words' bytes are contiguous in the store
            ends = (self._offsets[before:after + 1] - self._offsets[before]).tolist()
            text = self._store[self._offsets[before]:self._offsets[after]].tobytes().decode("ascii")
            new = [text[a:b] for a, b in pairwise(ends)]
            self.update(zip(new, range(before, after)))
            self.words.extend(new)
        canonical = ids.size > 0 and irregular == 0 and data[-1] == 10
        return ids, lengths, bool(canonical)

    def _intern(self, data: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        ids = np.empty(data.size // 2 + 1, dtype=np.int32)
        lengths = np.empty(np.count_nonzero(data == 10) + 1, dtype=np.int64)
        state = np.zeros(5, dtype=np.int64)
        while not text_kernels.intern_tokens(data, _WHITESPACE, self._table, self._hashes, self._offsets,
                                             self._store, self._n_table, ids, lengths, state):
            self._grow(data.size - int(state[0]))
        return ids[:state[1]], lengths[:state[2]], int(state[4])

    def _grow(self, block_bytes: int) -> None:
        """Room for the rest of a block's new words (the kernel stopped when one of its arrays filled)."""
        n = int(self._n_table[0])
        used = int(self._offsets[n])
        if used + block_bytes > self._store.size:
            self._store = np.concatenate((self._store, np.zeros(max(self._store.size, block_bytes), np.uint8)))
        if n >= self._hashes.size - 1 or 2 * (n + 1) > self._table.size:
            size = 2 * self._hashes.size
            self._hashes = np.concatenate((self._hashes, np.zeros(size - self._hashes.size, np.uint64)))
            self._offsets = np.concatenate((self._offsets, np.zeros(size - self._offsets.size + 1, np.int64)))
            self._table = np.full(2 * size, -1, dtype=np.int32)
            text_kernels.rehash(self._hashes, n, self._table)


def id_chunks(sentences: Iterable[list[str]], words: WordIds, chunk_tokens: int) -> Iterator[Chunk]:
    """Sentences as id chunks of about ``chunk_tokens`` tokens (text files: blocks of about 6 bytes a token)."""
    lookup = words.__getitem__
    if isinstance(sentences, TextCorpus):
        bad_lines = 0
        for path in sentences.paths:
            with _open_binary(path) as fh:
                for block in _blocks(fh, max(chunk_tokens * 6, 1)):
                    ids, lengths, bad, canonical = _block_ids(block, words)
                    bad_lines += bad
                    if ids.size:
                        yield ids, lengths, block if canonical else None
        if bad_lines:
            logger.warning("%d lines had invalid UTF-8 bytes, replaced with U+FFFD", bad_lines)
        return
    buffer: list[int] = []
    lengths_: list[int] = []
    for sentence in sentences:
        if isinstance(sentence, str):
            raise CorpusError("each sentence must be a list of tokens, got a str; split it first")
        if sentence:
            buffer.extend(map(lookup, sentence))
            lengths_.append(len(sentence))
            if len(buffer) >= chunk_tokens:
                yield np.array(buffer, dtype=np.int32), np.array(lengths_, dtype=np.int64), None
                buffer, lengths_ = [], []
    if lengths_:
        yield np.array(buffer, dtype=np.int32), np.array(lengths_, dtype=np.int64), None


def _blocks(fh: BinaryIO, block_bytes: int) -> Iterator[bytes]:
    while block := fh.read(block_bytes):
        yield block + fh.readline()  # end the block at a line end


def token_starts(data: np.ndarray) -> np.ndarray:
    """Positions of the first byte of each token of ``data``."""
    space = _WHITESPACE[data]
    return np.flatnonzero(~space & np.concatenate(([True], space[:-1])))


def _block_ids(block: bytes, words: WordIds) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """A block of whole lines as TextCorpus reads it: ids, sentence lengths, invalid UTF-8 lines, canonical?"""
    if block.isascii():
        ids, lengths, canonical = words.block_ids(np.frombuffer(block, dtype=np.uint8))
        return ids, lengths, 0, canonical
    lookup = words.__getitem__
    sentences, bad_lines = [], 0
    for raw in block.split(b"\n"):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            bad_lines += 1
            line = raw.decode("utf-8", errors="replace")
        if tokens := line.split():
            sentences.append(tokens)
    ids = np.fromiter(map(lookup, (t for s in sentences for t in s)), dtype=np.int32,
                      count=sum(map(len, sentences)))
    return ids, np.array([len(s) for s in sentences], dtype=np.int64), bad_lines, False


class IdScan:
    """A corpus as id chunks under one growing dictionary (``words``), re-iterable.

    The first read is kept in memory while it is under ``memory_limit`` bytes, so later
    passes reuse it instead of reading and hashing the text again; a larger corpus is read
    again each time. Canonical text blocks are kept too when ``keep_text`` (for the output).
    """

    def __init__(self, sentences: Iterable[list[str]], chunk_tokens: int, memory_limit: int,
                 keep_text: bool = False) -> None:
        self.sentences = sentences
        self.keep_text = keep_text
        self.chunk_tokens = chunk_tokens
        self.memory_limit = memory_limit
        self.words = WordIds()
        self.kept: list[Chunk] | None = []
        self.read_once = False

    def __iter__(self) -> Iterator[Chunk]:
        if self.read_once and self.kept is not None:
            yield from self.kept
            return
        kept_bytes = 0
        self.kept = [] if not self.read_once and self.memory_limit > 0 else None
        for chunk in id_chunks(self.sentences, self.words, self.chunk_tokens):
            if self.kept is not None:
                ids, lengths, text = chunk
                text = text if self.keep_text else None
                self.kept.append((ids, lengths, text))
                kept_bytes += ids.nbytes + lengths.nbytes + (len(text) if text else 0)
                if kept_bytes > self.memory_limit:
                    self.kept = None
            yield chunk
        self.read_once = True
