"""Reading a corpus: text files (and directories of them) as sentences, or as blocks of lines.

A corpus is either an iterable of token lists, or one or more paths — files or
directories of files — with one sentence per line and whitespace-separated
tokens. ``.gz`` and ``.bz2`` are read with the standard library, URLs and other
compressions with smart_open. Turning sentences into token ids is
:mod:`fastw2v.token_ids`' job.
"""
from __future__ import annotations

import bz2
import gzip
import logging
import lzma
import os
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from .errors import CorpusError, FastW2VError, MissingFileError, UnreadableFileError, describe

logger = logging.getLogger(__name__)

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

    def _decode(self, raw: bytes, path: str, lineno: int) -> str:
        """Line ``lineno`` of ``path`` as text: invalid UTF-8 raises when strict, else becomes U+FFFD (counted)."""
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if self.strict_encoding:
                raise CorpusError(f"{path}: line {lineno} is not valid UTF-8 ({exc.reason} at byte "
                                  f"{exc.start})") from None
            self.bad_encoding_lines += 1
            self.bad_encoding_files[path] = self.bad_encoding_files.get(path, 0) + 1
            return raw.decode("utf-8", errors="replace")

    def _lines(self, path: str) -> Iterator[str]:
        lineno = 0
        try:
            with _open_binary(path) as fh:
                for lineno, raw in enumerate(fh, 1):
                    yield self._decode(raw, path, lineno)
        except _READ_ERRORS as exc:
            raise _read_error(path, lineno, exc) from exc

    def _begin_pass(self) -> None:
        self.bad_encoding_lines = 0
        self.bad_encoding_files = {}
        for directory in self.directories:
            logger.info("%s", directory.describe())

    def _end_pass(self) -> None:
        if self.bad_encoding_lines:
            files = [f"{path} ({n} line{'s' if n > 1 else ''})" for path, n in self.bad_encoding_files.items()]
            logger.warning("%d lines had invalid UTF-8 bytes, replaced with U+FFFD: %s (--strict-encoding stops at "
                           "the first)", self.bad_encoding_lines, name_some(files))

    def __iter__(self) -> Iterator[list[str]]:
        self._begin_pass()
        for path in self.paths:
            for line in self._lines(path):
                tokens = line.split()
                if tokens:
                    yield tokens
        self._end_pass()

    def blocks(self, block_bytes: int) -> Iterator[TextBlock]:
        """One pass over the files as blocks of whole lines of about ``block_bytes`` bytes each.

        What a pass of :meth:`__iter__` reads, unparsed, for readers that tokenise bytes
        themselves (:mod:`fastw2v.token_ids`): they turn a block into sentences with
        :meth:`TextBlock.sentences` unless it is ASCII. Read errors, directory logs and the
        invalid-UTF-8 policy are those of a pass of :meth:`__iter__`.
        """
        self._begin_pass()
        for path in self.paths:
            lineno = 0
            try:
                with _open_binary(path) as fh:
                    while data := fh.read(block_bytes):
                        data += fh.readline()  # end the block at a line end
                        yield TextBlock(self, path, lineno, data)
                        lineno += data.count(b"\n")
            except _READ_ERRORS as exc:
                raise _read_error(path, lineno, exc) from exc
        self._end_pass()


@dataclass(frozen=True)
class TextBlock:
    """Whole lines of one file of a :class:`TextCorpus`: ``data`` starts after line ``lineno``."""

    corpus: TextCorpus
    path: str
    lineno: int
    data: bytes

    def sentences(self) -> list[list[str]]:
        """The block's non-empty lines as token lists, decoded as :meth:`TextCorpus.__iter__` decodes them."""
        decode = self.corpus._decode
        lines = (decode(raw, self.path, self.lineno + k) for k, raw in enumerate(self.data.split(b"\n"), 1))
        return [tokens for line in lines if (tokens := line.split())]


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
