"""Corpus reading and encoding to token-id batches.

A corpus is either an iterable of token lists, or one or more paths — files or
directories of files — with one sentence per line and whitespace-separated
tokens. ``.gz`` and ``.bz2`` are read with the standard library, URLs and other
compressions with smart_open.

One pass (:class:`ScannedCorpus`) counts the words and keeps every token as a
provisional id; encoding then maps those ids to the vocabulary in NumPy, giving
one flat int32 array of token ids plus int64 sentence offsets, in memory or, past
a size limit, in a temporary on-disk memmap. Training never touches a Python string.
"""
from __future__ import annotations

import bz2
import gzip
import itertools
import logging
import lzma
import mmap
import os
import re
import tempfile
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import (
    IO,
    Any,
    BinaryIO,
    Protocol,
    cast,
)

import numpy as np

from .errors import (
    CorpusError,
    FastW2VError,
    MissingFileError,
    UnreadableFileError,
    describe,
)

logger = logging.getLogger(__name__)

IdTransform = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


class Joiner(Protocol):
    """A phrase model as :class:`ScannedCorpus` uses it (:class:`fastw2v.phrases.PhraseModel`)."""

    def bind(self, lookup: Callable[[str], int]) -> BoundJoiner: ...


class BoundJoiner(Protocol):
    def apply_ids(self, ids: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...

    @property
    def phrase_ids(self) -> np.ndarray: ...  # int32: ids of the phrase tokens it joins words into

PathLike = str | os.PathLike
CorpusLike = PathLike | Sequence[PathLike] | Iterable[list[str]]


def _is_url(text: str) -> bool:
    return "://" in text


def name_some(names: Sequence[str], shown: int = 3) -> str:
    """``a, b, c`` or, for more names, ``a, b, c and 5 more``: a list short enough for one log line."""
    head = ", ".join(names[:shown])
    return head if len(names) <= shown else f"{head} and {len(names) - shown} more"


#: Extensions of the files a corpus directory is read for (compressed text included); names without
#: one are read too. Everything else in a directory (vectors, code, JSON, logs) is skipped.
TEXT_EXTENSIONS = (".txt", ".gz", ".bz2", ".xz")
# Bytes plain text is made of: whitespace, printable ASCII and every byte of a UTF-8 sequence.
_TEXT_BYTES = bytes([9, 10, 11, 12, 13, *range(32, 127), *range(128, 256)])
# A word2vec text file (vectors exported as .txt/.vec): an "N D" header, then "word x1 ... xD" rows.
_VECTOR_HEADER = re.compile(rb"\d+ (\d+)[ \t\r]*\n\S+((?: +[-+.\deEinfa]+)+)[ \t\r]*\n")


def is_text_corpus_file(path: str) -> bool:
    """Whether the first 64 KiB of ``path`` (decompressed) read as corpus text: no NUL byte, at most 1%
    control bytes, and not the header and first row of a word2vec text file.

    A file that cannot be read counts as text, so that reading it reports the problem by name.
    """
    try:
        with _open_binary(path) as fh:
            head = fh.read(65536)
    except _READ_ERRORS:
        return True
    if b"\0" in head or len(head.translate(None, _TEXT_BYTES)) > len(head) // 100:
        return False
    vectors = _VECTOR_HEADER.match(head)
    return vectors is None or len(vectors.group(2).split()) != int(vectors.group(1))


@dataclass(frozen=True)
class DirectoryFiles:
    """What a corpus directory contributed: the text files read, and what was skipped (subdirectories
    with a trailing ``/``)."""

    directory: str
    read: list[str]
    skipped: list[str]

    def describe(self) -> str:
        text = f"{self.directory}: reading {len(self.read)} file(s) ({name_some([Path(f).name for f in self.read])})"
        if self.skipped:
            text += f"; skipped {len(self.skipped)} that are not text files ({name_some(self.skipped)})"
        return text


def directory_files(directory: str) -> DirectoryFiles:
    """The corpus files of ``directory``, sorted: text files by extension (:data:`TEXT_EXTENSIONS` or none)
    whose content is corpus text (:func:`is_text_corpus_file`); hidden names are ignored.

    Raises
    ------
    CorpusError
        The directory holds no text file.
    """
    read, skipped = [], []
    for entry in sorted(Path(directory).iterdir()):
        if entry.name.startswith("."):
            continue
        if not entry.is_file():
            skipped.append(entry.name + "/")
        elif (entry.suffix.lower() in TEXT_EXTENSIONS or not entry.suffix) and is_text_corpus_file(str(entry)):
            read.append(str(entry))
        else:
            skipped.append(entry.name)
    if not read:
        held = f" (it holds {name_some(skipped)})" if skipped else ""
        raise CorpusError(f"{directory}: directory holds no corpus text files{held}; a corpus file is named "
                          f"*.txt, *.gz, *.bz2, *.xz or has no extension, and holds text")
    return DirectoryFiles(directory, read, skipped)


def expand_paths(paths: PathLike | Sequence[PathLike]) -> list[str]:
    """Files named by ``paths``; a directory stands for its text files in sorted order (:func:`directory_files`).

    Raises
    ------
    MissingFileError
        A path does not exist.
    CorpusError
        A directory holds no text files, or no paths were given.
    """
    return _expand(paths)[0]


def _expand(paths: PathLike | Sequence[PathLike]) -> tuple[list[str], list[DirectoryFiles]]:
    """:func:`expand_paths`, and what each directory contributed."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files: list[str] = []
    directories: list[DirectoryFiles] = []
    for p in paths:
        text = os.fspath(p)
        if _is_url(text):
            files.append(text)
            continue
        path = Path(text)
        if path.is_dir():
            directories.append(directory_files(text))
            files.extend(directories[-1].read)
        elif path.exists():
            files.append(text)
        else:
            raise MissingFileError(f"{text}: no such file or directory")
    if not files:
        raise CorpusError("no corpus files given")
    return files, directories


def _open_binary(path: str) -> BinaryIO:
    """Open a local file (plain, .gz, .bz2) with the standard library, anything else with smart_open."""
    if not _is_url(path):
        # GzipFile and BZ2File are binary streams, which typeshed does not derive from BinaryIO.
        if path.endswith(".gz"):
            return cast(BinaryIO, gzip.open(path, "rb"))
        if path.endswith(".bz2"):
            return cast(BinaryIO, bz2.open(path, "rb"))
        if not path.endswith((".xz", ".zst")):
            return open(path, "rb")
    # smart_open (URLs, other compressions) is imported only here: it pulls in boto3 and requests.
    import smart_open

    return smart_open.open(path, "rb")


# What reading a damaged or unreadable file raises: gzip.BadGzipFile, bz2's "Invalid data
# stream" and PermissionError are OSErrors, a truncated .gz/.bz2/.xz stream is an EOFError,
# damaged deflate data a zlib.error; MemoryError is a "line" of gigabytes without a newline.
_READ_ERRORS: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error, lzma.LZMAError, MemoryError)


def _read_error(path: str, lineno: int, exc: BaseException) -> FastW2VError:
    """The one-line error for ``exc`` raised while reading line ``lineno + 1`` of ``path``."""
    where = f"after line {lineno}" if lineno else "at the start"
    if isinstance(exc, MemoryError):
        return CorpusError(f"{path}: out of memory reading the line {where}: a line of this size (no line breaks?) "
                           f"is not a sentence")
    if isinstance(exc, (PermissionError, IsADirectoryError, FileNotFoundError)):
        return UnreadableFileError(f"{path}: cannot read: {exc.strerror or exc}")
    if isinstance(exc, EOFError) or "end-of-stream" in str(exc) or "Compressed file ended" in str(exc):
        return CorpusError(f"{path}: compressed data ends early {where} (truncated file?)")
    return CorpusError(f"{path}: cannot read {where}: damaged or not what its name says ({describe(exc)})")


class TextCorpus:
    """Sentences from text files: one per line, whitespace-separated tokens.

    Parameters
    ----------
    paths : path or sequence of paths
        Files, directories (all their files, sorted) or smart_open URLs.
    strict_encoding : bool
        Raise :class:`CorpusError` on the first line that is not valid UTF-8.
        By default invalid bytes become U+FFFD and the lines are counted in
        ``bad_encoding_lines``, per file in ``bad_encoding_files`` (and logged, naming
        the files, once per pass).

    Each pass logs, for every directory, the files it reads and those it skipped.
    """

    def __init__(self, paths: PathLike | Sequence[PathLike], strict_encoding: bool = False) -> None:
        self.paths, self.directories = _expand(paths)
        self.strict_encoding = strict_encoding
        self.bad_encoding_lines = 0
        self.bad_encoding_files: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"TextCorpus({self.paths!r})"

    def fingerprint(self) -> tuple | None:
        """Identifies the files' current contents (path, size, mtime); None when a URL is involved."""
        if any(_is_url(p) for p in self.paths):
            return None
        stats = [os.stat(p) for p in self.paths]
        return (self.strict_encoding, *((p, st.st_size, st.st_mtime_ns) for p, st in zip(self.paths, stats)))

    def _lines(self, path: str) -> Iterator[str]:
        lineno = 0
        try:
            with _open_binary(path) as fh:
                for lineno, raw in enumerate(fh, 1):
                    try:
                        line = raw.decode("utf-8")
                    except UnicodeDecodeError as exc:
                        if self.strict_encoding:
                            raise CorpusError(f"{path}: line {lineno} is not valid UTF-8 ({exc.reason} at byte "
                                              f"{exc.start})") from None
                        self.bad_encoding_lines += 1
                        self.bad_encoding_files[path] = self.bad_encoding_files.get(path, 0) + 1
                        line = raw.decode("utf-8", errors="replace")
                    yield line
        except _READ_ERRORS as exc:
            raise _read_error(path, lineno, exc) from exc

    def __iter__(self) -> Iterator[list[str]]:
        self.bad_encoding_lines = 0
        self.bad_encoding_files = {}
        for directory in self.directories:
            logger.info("%s", directory.describe())
        for path in self.paths:
            for line in self._lines(path):
                tokens = line.split()
                if tokens:
                    yield tokens
        if self.bad_encoding_lines:
            files = [f"{path} ({n} line{'s' if n > 1 else ''})" for path, n in self.bad_encoding_files.items()]
            logger.warning("%d lines had invalid UTF-8 bytes, replaced with U+FFFD: %s (--strict-encoding stops at "
                           "the first)", self.bad_encoding_lines, name_some(files))


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

    def __init__(self, inner: Iterable[Any]) -> None:  # any iterable: __iter__ checks what it yields
        self.inner = inner

    def __iter__(self) -> Iterator[list[str]]:
        for sentence in self.inner:
            if isinstance(sentence, str):
                raise CorpusError("each sentence must be a list of tokens, got a str; split it first")
            yield sentence


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
    words : dict
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
        self.words: defaultdict[str, int] = defaultdict(itertools.count().__next__)
        self.counts = np.zeros(0, dtype=np.int64)
        self.n_tokens = 0
        self._tokens: _TokenStore | None = _TokenStore(memory_limit, spill_dir)  # None once encoded
        self._on_chunk = on_chunk
        self._lengths: list[np.ndarray] = []  # raw sentence lengths, one array per token chunk
        lookup = self.words.__getitem__  # a new word gets the next provisional id
        bound = [model.bind(lookup) for model in phrases]
        self._transforms: list[IdTransform] = [b.apply_ids for b in bound]
        self._phrase_ids = np.unique(np.concatenate([np.zeros(0, np.int32), *(b.phrase_ids for b in bound)]))
        #: Phrases joined while reading (phrase tokens made, not those already in the text).
        self.phrases_joined = 0
        # With phrases, ids are not in order of first appearance (binding numbers the phrase words
        # first), so the first position of each is kept: vocabulary ties are broken by it.
        self._first = np.zeros(0, dtype=np.int64)
        buffer: list[int] = []
        lengths: list[int] = []
        for sentence in sentences:
            n = len(sentence)
            if n == 0:
                continue
            buffer.extend(map(lookup, sentence))
            lengths.append(n)
            if len(buffer) >= chunk_tokens:
                self._add_chunk(buffer, lengths)
                buffer, lengths = [], []
        if lengths:
            self._add_chunk(buffer, lengths)
        if self._transforms:
            distinct = int(np.count_nonzero(self.counts[self._phrase_ids[self._phrase_ids < self.counts.size]]))
            logger.info("phrases: joined %d phrase occurrences while reading (%d distinct phrase tokens of the %d "
                        "the phrase models know occur)", self.phrases_joined, distinct, self._phrase_ids.size)

    def _add_chunk(self, ids: list[int], lengths: list[int]) -> None:
        chunk, chunk_lengths = np.array(ids, dtype=np.int32), np.array(lengths, dtype=np.int64)
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
