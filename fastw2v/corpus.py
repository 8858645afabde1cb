"""Corpus reading and encoding to token-id batches.

A corpus is either an iterable of token lists (re-iterable: it is read twice, once
to count and once to encode), or one or more paths — files or directories of
files — with one sentence per line and whitespace-separated tokens. ``.gz``,
``.bz2`` and any smart_open URL are read transparently.

Encoding turns the corpus into one flat int32 array of token ids plus int64
sentence offsets, held in memory or, past a size limit, in a temporary on-disk
memmap, so training never touches a Python string and memory stays bounded by
the vocabulary plus one batch.
"""
from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterable, Iterator, Sequence

import numpy as np
import smart_open

from .errors import CorpusError, MissingFileError

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike
CorpusLike = PathLike | Sequence[PathLike] | Iterable[list[str]]


def _is_url(text: str) -> bool:
    return "://" in text


def expand_paths(paths: PathLike | Sequence[PathLike]) -> list[str]:
    """Files named by ``paths``; a directory stands for its files in sorted order.

    Raises
    ------
    MissingFileError
        A path does not exist.
    CorpusError
        A directory holds no files, or no paths were given.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files: list[str] = []
    for p in paths:
        text = os.fspath(p)
        if _is_url(text):
            files.append(text)
            continue
        path = Path(text)
        if path.is_dir():
            inside = sorted(str(f) for f in path.iterdir() if f.is_file() and not f.name.startswith("."))
            if not inside:
                raise CorpusError(f"{text}: directory holds no corpus files")
            files.extend(inside)
        elif path.exists():
            files.append(text)
        else:
            raise MissingFileError(f"{text}: no such file or directory")
    if not files:
        raise CorpusError("no corpus files given")
    return files


class TextCorpus:
    """Sentences from text files: one per line, whitespace-separated tokens.

    Parameters
    ----------
    paths : path or sequence of paths
        Files, directories (all their files, sorted) or smart_open URLs.
    strict_encoding : bool
        Raise :class:`CorpusError` on the first line that is not valid UTF-8.
        By default invalid bytes become U+FFFD and the lines are counted in
        ``bad_encoding_lines`` (and logged once per pass).
    """

    def __init__(self, paths: PathLike | Sequence[PathLike], strict_encoding: bool = False) -> None:
        self.paths = expand_paths(paths)
        self.strict_encoding = strict_encoding
        self.bad_encoding_lines = 0

    def __repr__(self) -> str:
        return f"TextCorpus({self.paths!r})"

    def _lines(self, path: str) -> Iterator[str]:
        with smart_open.open(path, "rb") as fh:
            for lineno, raw in enumerate(fh, 1):
                try:
                    yield raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    if self.strict_encoding:
                        raise CorpusError(f"{path}: line {lineno} is not valid UTF-8 ({exc.reason} at byte "
                                          f"{exc.start})") from None
                    self.bad_encoding_lines += 1
                    yield raw.decode("utf-8", errors="replace")

    def __iter__(self) -> Iterator[list[str]]:
        self.bad_encoding_lines = 0
        for path in self.paths:
            for line in self._lines(path):
                tokens = line.split()
                if tokens:
                    yield tokens
        if self.bad_encoding_lines:
            logger.warning("%d lines had invalid UTF-8 bytes, replaced with U+FFFD", self.bad_encoding_lines)


def as_sentences(corpus: CorpusLike, strict_encoding: bool = False) -> Iterable[list[str]]:
    """Normalise what a user passes as a corpus into a re-iterable of token lists."""
    if isinstance(corpus, TextCorpus):
        return corpus
    if isinstance(corpus, (str, os.PathLike)):
        return TextCorpus(corpus, strict_encoding)
    if isinstance(corpus, (list, tuple)) and corpus and all(isinstance(p, (str, os.PathLike)) for p in corpus):
        return TextCorpus(corpus, strict_encoding)
    if iter(corpus) is corpus:
        raise CorpusError("the corpus is a one-shot iterator (e.g. a generator) but it must be read twice "
                          "(vocabulary scan, then encoding): pass a list, a re-iterable object or file paths")
    return _CheckedIterable(corpus)


class _CheckedIterable:
    """Wraps a user iterable so that a sentence given as a plain string is caught early."""

    def __init__(self, inner: Iterable[list[str]]) -> None:
        self.inner = inner

    def __iter__(self) -> Iterator[list[str]]:
        for sentence in self.inner:
            if isinstance(sentence, str):
                raise CorpusError("each sentence must be a list of tokens, got a str; split it first")
            yield sentence


class _GrowingArray:
    """Append-only 1-D array kept in memory up to ``memory_limit`` bytes, then spilled to a temp file."""

    def __init__(self, dtype: np.dtype, memory_limit: int, spill_dir: str | None) -> None:
        self.dtype = np.dtype(dtype)
        self.memory_limit = memory_limit
        self.spill_dir = spill_dir
        self.chunks: list[np.ndarray] = []
        self.nbytes = 0
        self.file: IO[bytes] | None = None
        self.size = 0

    def append(self, values: np.ndarray) -> None:
        values = np.ascontiguousarray(values, dtype=self.dtype)
        self.size += values.size
        if self.file is not None:
            self.file.write(values.tobytes())
            return
        self.chunks.append(values)
        self.nbytes += values.nbytes
        if self.nbytes > self.memory_limit:
            # Corpus larger than the memory budget: move what we have to disk and continue there.
            self.file = tempfile.TemporaryFile(dir=self.spill_dir, prefix="fastw2v-corpus-")
            for chunk in self.chunks:
                self.file.write(chunk.tobytes())
            self.chunks = []
            logger.info("encoded corpus exceeds %d MB; spilling it to a temporary file", self.memory_limit >> 20)

    def finish(self) -> np.ndarray:
        if self.file is None:
            return np.concatenate(self.chunks) if self.chunks else np.empty(0, dtype=self.dtype)
        self.file.flush()
        if self.size == 0:
            return np.empty(0, dtype=self.dtype)
        # The memmap keeps the (already unlinked) temporary file alive until it is garbage collected.
        return np.memmap(self.file, dtype=self.dtype, mode="r", shape=(self.size,))


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
        return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def encode(sentences: Iterable[list[str]], index: dict[str, int], max_sentence_length: int = 10_000,
           memory_limit: int = 2 << 30, spill_dir: str | None = None, chunk_tokens: int = 1 << 20) -> EncodedCorpus:
    """Encode sentences to token ids, dropping out-of-vocabulary words.

    Sentences longer than ``max_sentence_length`` (after dropping unknown words)
    are split into consecutive pieces: no token is ever discarded for length.

    Parameters
    ----------
    sentences : iterable of list of str
    index : dict
        Word -> id.
    max_sentence_length : int
    memory_limit : int
        Bytes of encoded ids kept in RAM before spilling to a temporary file.
    spill_dir : str, optional
        Where spilled files go (default: the system temp dir).
    """
    ids_out = _GrowingArray(np.int32, memory_limit, spill_dir)
    lengths_out = _GrowingArray(np.int64, memory_limit, spill_dir)
    get = index.get
    buffer: list[int] = []
    lengths: list[int] = []
    raw_tokens = 0
    split_lines = 0
    for sentence in sentences:
        raw_tokens += len(sentence)
        ids = [i for i in map(get, sentence) if i is not None]
        n = len(ids)
        if n == 0:
            continue
        if n > max_sentence_length:
            split_lines += 1
            for start in range(0, n, max_sentence_length):
                lengths.append(min(max_sentence_length, n - start))
        else:
            lengths.append(n)
        buffer.extend(ids)
        if len(buffer) >= chunk_tokens:
            ids_out.append(np.array(buffer, dtype=np.int32))
            lengths_out.append(np.array(lengths, dtype=np.int64))
            buffer, lengths = [], []
    if buffer:
        ids_out.append(np.array(buffer, dtype=np.int32))
        lengths_out.append(np.array(lengths, dtype=np.int64))
    token_ids = ids_out.finish()
    sentence_lengths = lengths_out.finish()
    offsets = np.zeros(sentence_lengths.shape[0] + 1, dtype=np.int64)
    np.cumsum(sentence_lengths, out=offsets[1:])
    if split_lines:
        logger.info("split %d lines longer than %d tokens into pieces (no token dropped)",
                    split_lines, max_sentence_length)
    return EncodedCorpus(token_ids=token_ids, sentence_offsets=offsets, raw_tokens=raw_tokens,
                         split_lines=split_lines)
