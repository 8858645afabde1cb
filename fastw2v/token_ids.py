"""A corpus as token ids: one scan that counts the words and keeps every token, and the encoded corpus.

One pass (:class:`ScannedCorpus`) counts the words and keeps every token as a
provisional id; encoding then maps those ids to the vocabulary in NumPy, giving
one flat int32 array of token ids plus int64 sentence offsets, in memory or, past
a size limit, in a temporary on-disk memmap. Training never touches a Python string.

Text files are read in blocks of whole lines (:meth:`fastw2v.corpus.TextCorpus.blocks`).
A block that is pure ASCII is tokenised and looked up by a jitted hash table
(:meth:`WordIds.block_ids`), about three times the speed of ``str.split`` and a dict per
token; any other block goes line by line exactly like :class:`~fastw2v.corpus.TextCorpus`
(invalid UTF-8 becomes U+FFFD). Both give the tokens ``TextCorpus`` gives, since for ASCII
text ``str.split`` and the byte classes below agree on what whitespace is.

Chunks are ``(ids int32[n_tokens], lengths int64[n_sentences], text)``, sentences
concatenated, empty sentences dropped. ``text`` is the block's bytes when they are already
canonical (ASCII, one space between tokens, one newline after each line), else None: the
phrase writer patches those bytes (:meth:`fastw2v.phrases.output.LineWriter.write_patched`).
"""
from __future__ import annotations

import itertools
import logging
import mmap
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import IO, Protocol

import numpy as np

from .corpus import TextBlock, TextCorpus
from .errors import CorpusError
from .kernels import text as text_kernels

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
    if isinstance(sentences, TextCorpus):
        for block in sentences.blocks(max(chunk_tokens * 6, 1)):
            ids, lengths, canonical = _block_ids(block, words)
            if ids.size:
                yield ids, lengths, block.data if canonical else None
        return
    lookup = words.__getitem__
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


def _block_ids(block: TextBlock, words: WordIds) -> tuple[np.ndarray, np.ndarray, bool]:
    """A block of whole lines as TextCorpus reads it: ids, sentence lengths, canonical text?"""
    if block.data.isascii():
        return words.block_ids(np.frombuffer(block.data, dtype=np.uint8))
    sentences = block.sentences()
    ids = np.fromiter(map(words.__getitem__, itertools.chain.from_iterable(sentences)), dtype=np.int32,
                      count=sum(map(len, sentences)))
    return ids, np.array([len(s) for s in sentences], dtype=np.int64), False


def token_starts(data: np.ndarray) -> np.ndarray:
    """Positions of the first byte of each token of ``data``."""
    space = _WHITESPACE[data]
    return np.flatnonzero(~space & np.concatenate(([True], space[:-1])))


IdTransform = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


class Joiner(Protocol):
    """A phrase model as :class:`ScannedCorpus` uses it (:class:`fastw2v.phrases.PhraseModel`)."""

    def bind(self, lookup: Callable[[str], int]) -> BoundJoiner: ...


class BoundJoiner(Protocol):
    def apply_ids(self, ids: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...

    @property
    def phrase_ids(self) -> np.ndarray: ...  # int32: ids of the phrase tokens it joins words into


class _TokenStore:
    """Append-only int32 token ids in sentence-aligned chunks.

    Chunks stay in memory up to ``memory_limit`` bytes; past it everything moves to
    a temporary file and later chunks are appended there.
    """

    def __init__(self, memory_limit: int, spill_dir: str | None) -> None:
        self.memory_limit = memory_limit
        self.spill_dir = spill_dir
        self.chunks: list[np.ndarray | None] = []
        self.sizes: list[int] = []
        self.nbytes = 0
        self.file: IO[bytes] | None = None

    def append(self, values: np.ndarray) -> None:
        self.sizes.append(values.size)
        if self.file is not None:
            self.file.write(values.tobytes())
            return
        # Each chunk in its own anonymous mapping, so that releasing it in compact() returns
        # the memory to the OS at once (a malloc'ed chunk may stay in the heap).
        stored = np.frombuffer(mmap.mmap(-1, max(values.nbytes, 1)), dtype=values.dtype, count=values.size)
        stored[:] = values
        self.chunks.append(stored)
        self.nbytes += values.nbytes
        if self.nbytes > self.memory_limit:
            # Corpus larger than the memory budget: move what we have to disk and continue there.
            # The store owns the spill file until it is consumed or closed, past any with block.
            self.file = tempfile.TemporaryFile(dir=self.spill_dir, prefix="fastw2v-corpus-")  # noqa: SIM115
            for chunk in self.chunks:
                assert chunk is not None  # only compact() empties a chunk, and it consumes the store
                self.file.write(chunk.tobytes())
            self.chunks = []
            logger.info("encoded corpus exceeds %d MB; spilling it to a temporary file", self.memory_limit >> 20)

    def compact(self, remap: np.ndarray, lengths: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Map every token through ``remap``, drop those mapped to -1, and count survivors per sentence.

        Consumes the store: each in-memory chunk is released once mapped, and a spilled
        file is rewritten in place, so the corpus never exists twice.

        Returns
        -------
        token_ids : int32[n_kept] (a memmap when spilled)
        kept_lengths : int64[n_sentences]
        """
        total = sum(self.sizes)
        if self.file is None:
            out = np.empty(total, dtype=np.int32)  # pages are committed only as they are written
        else:
            self.file.flush()
            # The memmap keeps the (already unlinked) temporary file alive until it is garbage collected.
            out = np.memmap(self.file, dtype=np.int32, mode="r+", shape=(total,))
        kept_lengths = []
        read = written = 0
        for k, size in enumerate(self.sizes):
            if self.file is None:
                chunk, self.chunks[k] = self.chunks[k], None
            else:
                chunk = out[read:read + size]
            mapped = remap[chunk]  # a copy, so writing survivors over the source below is safe
            keep = mapped >= 0
            starts = np.cumsum(lengths[k]) - lengths[k]  # sentences are never empty, so starts increase
            kept_lengths.append(np.add.reduceat(keep, starts, dtype=np.int64))
            survivors = mapped[keep]
            out[written:written + survivors.size] = survivors
            read += size
            written += survivors.size
        self.chunks, self.sizes = [], []
        lengths_all = np.concatenate(kept_lengths) if kept_lengths else np.zeros(0, dtype=np.int64)
        return out[:written], lengths_all


@dataclass
class EncodedCorpus:
    """A corpus as token ids.

    Attributes
    ----------
    token_ids : int32[n_tokens]
        In-vocabulary tokens of every sentence, concatenated.
    sentence_offsets : int64[n_sentences + 1]
        Sentence ``s`` is ``token_ids[sentence_offsets[s]:sentence_offsets[s+1]]``.
    raw_tokens : int
        Tokens in the corpus before dropping out-of-vocabulary words.
    split_lines : int
        Lines longer than ``max_sentence_length`` that were split into pieces.
    """

    token_ids: np.ndarray
    sentence_offsets: np.ndarray
    raw_tokens: int
    split_lines: int = 0

    @property
    def n_tokens(self) -> int:
        return int(self.token_ids.shape[0])

    @property
    def n_sentences(self) -> int:
        return int(self.sentence_offsets.shape[0]) - 1

    def batches(self, batch_words: int) -> list[tuple[int, int]]:
        """Split the sentences into consecutive ranges ``[first, last)`` of about ``batch_words`` tokens."""
        offsets = np.asarray(self.sentence_offsets)
        if self.n_sentences == 0:
            return []
        targets = np.arange(batch_words, self.n_tokens, batch_words, dtype=np.int64)
        cuts = np.searchsorted(offsets, targets, side="left")
        bounds = np.unique(np.concatenate(([0], cuts, [self.n_sentences])))
        return [(int(a), int(b)) for a, b in itertools.pairwise(bounds) if b > a]


class ScannedCorpus:
    """A corpus read once: its word counts and every token as a provisional id.

    Provisional ids number words in order of first appearance. Counting and
    encoding share this one pass: once the vocabulary is chosen, :meth:`encode`
    maps provisional ids to vocabulary ids in NumPy instead of reading and hashing
    the text a second time.

    Attributes
    ----------
    words : WordIds
        Word -> provisional id, in order of first appearance.
    counts : int64[n_words]
        Occurrences per provisional id.
    n_tokens, n_sentences : int
        Tokens and non-empty sentences read (after joining phrases).

    Parameters
    ----------
    phrases : sequence of PhraseModel (:class:`Joiner`)
        Applied in order to every chunk of ids before it is counted and stored, so the
        scan holds phrase tokens (``new_york``) exactly as if the text had been written
        phrased first. Their words get provisional ids when bound, with count 0 until seen.
    on_chunk : callable, optional
        Called with the counts so far (int64, by provisional id) after each chunk of
        ``chunk_tokens`` tokens: a check that can stop a long scan early.
    """

    def __init__(self, sentences: Iterable[list[str]], memory_limit: int = 2 << 30, spill_dir: str | None = None,
                 chunk_tokens: int = 1 << 20, phrases: Sequence[Joiner] = (),
                 on_chunk: Callable[[np.ndarray], None] | None = None) -> None:
        self.words = WordIds()
        self.counts = np.zeros(0, dtype=np.int64)
        self.n_tokens = 0
        self._tokens: _TokenStore | None = _TokenStore(memory_limit, spill_dir)  # None once encoded
        self._on_chunk = on_chunk
        self._lengths: list[np.ndarray] = []  # raw sentence lengths, one array per token chunk
        bound = [model.bind(self.words.__getitem__) for model in phrases]  # a new word gets the next id
        self._transforms: list[IdTransform] = [b.apply_ids for b in bound]
        self._phrase_ids = np.unique(np.concatenate([np.zeros(0, np.int32), *(b.phrase_ids for b in bound)]))
        #: Phrases joined while reading (phrase tokens made, not those already in the text).
        self.phrases_joined = 0
        # With phrases, ids are not in order of first appearance (binding numbers the phrase words
        # first), so the first position of each is kept: vocabulary ties are broken by it.
        self._first = np.zeros(0, dtype=np.int64)
        for ids, lengths, _ in id_chunks(sentences, self.words, chunk_tokens):
            self._add_chunk(ids, lengths)
        if self._transforms:
            distinct = int(np.count_nonzero(self.counts[self._phrase_ids[self._phrase_ids < self.counts.size]]))
            logger.info("phrases: joined %d phrase occurrences while reading (%d distinct phrase tokens of the %d "
                        "the phrase models know occur)", self.phrases_joined, distinct, self._phrase_ids.size)

    def _add_chunk(self, chunk: np.ndarray, chunk_lengths: np.ndarray) -> None:
        if self._transforms:
            is_phrase = np.zeros(len(self.words), dtype=bool)
            is_phrase[self._phrase_ids] = True
            self.phrases_joined -= int(np.count_nonzero(is_phrase[chunk]))
        for transform in self._transforms:
            chunk, chunk_lengths = transform(chunk, chunk_lengths)
        if self._transforms:
            self.phrases_joined += int(np.count_nonzero(is_phrase[chunk]))
        counts = np.bincount(chunk, minlength=len(self.words))
        counts[:self.counts.size] += self.counts
        self.counts = counts
        if self._transforms:
            first = np.full(len(self.words), -1, dtype=np.int64)
            first[:self._first.size] = self._first
            new = np.flatnonzero(first[chunk] < 0)
            new_ids, where = np.unique(chunk[new], return_index=True)
            first[new_ids] = self.n_tokens + new[where]
            self._first = first
        self.n_tokens += chunk.size
        assert self._tokens is not None  # chunks are added while scanning, in __init__, before encode()
        self._tokens.append(chunk)
        self._lengths.append(chunk_lengths)
        if self._on_chunk is not None:
            self._on_chunk(self.counts)

    @property
    def n_sentences(self) -> int:
        return sum(a.size for a in self._lengths)

    def word_counts(self) -> dict[str, int]:
        """Word -> count of the words seen, in order of first appearance."""
        if not self._transforms:
            return dict(zip(self.words, self.counts.tolist()))
        words = list(self.words)
        seen = np.flatnonzero(self.counts > 0)
        order = seen[np.argsort(self._first[seen], kind="stable")]
        return {words[i]: c for i, c in zip(order.tolist(), self.counts[order].tolist())}

    def encode(self, index: Mapping[str, int], max_sentence_length: int = 10_000) -> EncodedCorpus:
        """The corpus as ids of ``index``, dropping other words; consumes the scan.

        Sentences longer than ``max_sentence_length`` (after dropping unknown words)
        are split into consecutive pieces: no token is ever discarded for length.
        """
        if self._tokens is None:
            raise RuntimeError("this scanned corpus was already encoded")
        remap = np.full(len(self.words), -1, dtype=np.int32)
        for word, provisional in self.words.items():
            i = index.get(word)
            if i is not None:
                remap[provisional] = i
        token_ids, lengths = self._tokens.compact(remap, self._lengths)
        self._tokens = None
        lengths = lengths[lengths > 0]
        pieces = -(-lengths // max_sentence_length)
        split_lines = int(np.count_nonzero(pieces > 1))
        if split_lines:
            logger.info("split %d lines longer than %d tokens into pieces (no token dropped)",
                        split_lines, max_sentence_length)
            # Piece p of a sentence of length n holds min(max, n - p * max) tokens.
            first_piece = np.repeat(np.cumsum(pieces) - pieces, pieces)
            piece = np.arange(first_piece.size) - first_piece
            lengths = np.minimum(max_sentence_length, np.repeat(lengths, pieces) - piece * max_sentence_length)
        offsets = np.zeros(lengths.shape[0] + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return EncodedCorpus(token_ids=token_ids, sentence_offsets=offsets, raw_tokens=self.n_tokens,
                             split_lines=split_lines)


def encode(sentences: Iterable[list[str]], index: Mapping[str, int], max_sentence_length: int = 10_000,
           memory_limit: int = 2 << 30, spill_dir: str | None = None, chunk_tokens: int = 1 << 20) -> EncodedCorpus:
    """Encode sentences to token ids, dropping out-of-vocabulary words.

    Parameters
    ----------
    sentences : iterable of list of str
    index : dict
        Word -> id.
    max_sentence_length : int
        Longer sentences are split into pieces (see :meth:`ScannedCorpus.encode`).
    memory_limit : int
        Bytes of token ids kept in RAM before spilling to a temporary file.
    spill_dir : str, optional
        Where spilled files go (default: the system temp dir).
    """
    return ScannedCorpus(sentences, memory_limit, spill_dir, chunk_tokens).encode(index, max_sentence_length)
