"""Recognising word-vector files and explaining what is wrong with them.

This module never parses a whole file (that is :mod:`fastw2v.vector_blocks`'s job) and
never imports gensim. It

* describes a format (:class:`Format`; the registry of them is
  :data:`fastw2v.vectors_io.FORMATS`) and gathers what the first bytes of a file say
  (:func:`sniff`): each format's ``sniff`` test reads the facts, and each format's
  ``mismatch`` says why a file cannot be read in it when it is asked for by name;
* refuses headers the file cannot satisfy before anything allocates an N x D matrix
  (:func:`check_plausible`);
* parses one text row exactly as gensim would, naming the line and the problem when it
  is malformed (:func:`parse_text_row`), and words the other problems a reader finds
  (:func:`truncated`, :func:`check_words`, :func:`check_rows`).

Every problem is a one-line :class:`~fastw2v.errors.VectorFileError` naming the file.
"""
from __future__ import annotations

import contextlib
import lzma
import os
import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import smart_open

from . import memory
from .errors import ConfigError, MissingFileError, VectorFileError, describe

# The first line of a text file is read with this cap, so a binary file without any
# newline cannot make the sniffer read gigabytes. 4 MiB holds a text row of ~200k dims.
_MAX_LINE = 4 * 1024 * 1024
# A word longer than this in a binary file means the header's dimension is wrong.
MAX_WORD_BYTES = 1024 * 1024
# Extensions smart_open decompresses transparently.
COMPRESSED_SUFFIXES = frozenset({".gz", ".bz2", ".xz", ".lz4", ".zst"})


def extension(path: Path) -> str:
    """The lower-case extension of ``path`` that names its format: ``.txt`` for ``v.txt`` and ``v.txt.gz``."""
    if path.suffix.lower() in COMPRESSED_SUFFIXES:
        path = path.with_suffix("")
    return path.suffix.lower()


# Deflate cannot expand data by more than ~1032x, so a .gz file of S bytes holds at most
# 1032*S bytes: enough to reject absurd headers without decompressing.
_GZIP_MAX_RATIO = 1032
# Raw magic numbers of compressed streams and of files that are often mistaken for
# word-vector files, for precise error messages.
_RAW_MAGICS = (
    (b"\x1f\x8b", ".gz", "gzip-compressed"),
    (b"\xfd7zXZ\x00", ".xz", "xz-compressed"),
    (b"\x28\xb5\x2f\xfd", ".zst", "zstd-compressed"),
)
_BZ2_MAGIC = re.compile(rb"BZh[1-9]1AY&SY")
_FASTTEXT_BIN_MAGIC = (793712314).to_bytes(4, "little")
_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK\x03\x04"
# Pickle protocols 2-5 (gensim writes 4) start with PROTO (0x80) and the protocol number;
# no text vector file can (0x80 is not valid UTF-8). Older protocols have no marker: they
# are read as text, which never unpickles, and refused as malformed.
_PICKLE_PROTO = re.compile(rb"\x80[\x02-\x05]")
# Bytes that never occur in a text vector file (C0 controls other than \t \n \r, and DEL).
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Errors raised by the decompressors behind smart_open on damaged or truncated data.
_STREAM_ERRORS: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error, lzma.LZMAError)


# ---------------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------------

def show(text: str | bytes, width: int = 60) -> str:
    """Quote a word or line for an error message: repr (so it stays on one line), shortened."""
    shown = repr(text if len(text) <= width else text[:width])
    return shown if len(text) <= width else shown + "..."


def vector_error(path: Path, problem: str) -> VectorFileError:
    """The error for ``problem`` in ``path``, on one line: the CLI prints it verbatim after "error: "."""
    return VectorFileError(f"{path}: {' '.join(problem.split())}")


def _is_float(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True

def check_input_path(path: str | os.PathLike) -> Path:
    """``path`` as a Path, refused when missing or a directory."""
    p = Path(path)
    if not p.exists():
        raise MissingFileError(f"{p}: no such file")
    if p.is_dir():
        raise vector_error(p, "is a directory, not a word-vector file")
    return p


def check_limit(limit: int | None) -> int | None:
    """A ``limit=`` argument validated: None or a positive int."""
    if limit is None:
        return None
    # bool is an int subclass; limit=True is certainly a mistake.
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1:
        raise ConfigError(f"limit must be a positive integer or None, got {limit!r}")
    return int(limit)


@contextlib.contextmanager
def open_stream(path: Path) -> Iterator[BinaryIO]:
    """Open ``path`` for reading with transparent decompression; damaged streams become VectorFileError."""
    try:
        with smart_open.open(str(path), "rb") as fin:
            yield fin
    except _STREAM_ERRORS as exc:
        if isinstance(exc, PermissionError):
            raise
        what = "compressed data is damaged or truncated" if path.suffix.lower() in COMPRESSED_SUFFIXES \
            else "read failed"
        raise vector_error(path, f"{what}: {describe(exc)}") from exc

# ---------------------------------------------------------------------------------------------
# format detection
# ---------------------------------------------------------------------------------------------

@dataclass
class Sniff:
    """What the first bytes of a file say about its format."""

    problem: str | None = None            # why the bytes are in no format (else None)
    pickle: bool = False                  # the file starts with a pickle header
    first_line: str = ""                  # decoded first line, without the line ending
    header: tuple[int, int] | None = None  # (N, D) when the first line is a valid word2vec header
    header_bytes: int = 0                 # length of the header line in (decompressed) bytes
    glove_dim: int | None = None          # number of values when the first line is a GloVe row
    row_is_text: bool = False             # the line after a header is a text row with D values
    has_binary_bytes: bool = False        # the bytes after a header cannot be text
    fmt: Format | None = None             # the format the file is read in, once resolved

    @property
    def dim(self) -> int | None:
        """The vectors' dimension the first line gives (None for a pickle: known once unpickled)."""
        return self.header[1] if self.header is not None else self.glove_dim


#: A reader: the first ``limit`` vectors (all when None) of a file sniffed and resolved to its format.
Reader = Callable[[Path, Sniff, int | None], tuple[list[str], np.ndarray]]
#: A writer: ``write(fout, path, words, vectors, order)`` writes the words and float32 rows (row ``order[i]``
#: as the ``i``-th, when given) to ``fout``, the open stream of the file ``path``.
Writer = Callable[[BinaryIO, Path, list[str], np.ndarray, np.ndarray | None], None]


@dataclass(frozen=True)
class Format:
    """One word-vector file format: how it is recognised, read and written.

    The registry of formats is :data:`fastw2v.vectors_io.FORMATS`; reading, writing and the
    CLI's ``--format`` options all go through it.

    Attributes
    ----------
    name : str
        What ``format=`` and ``--format`` call it.
    summary : str
        What such files are, for help texts and messages.
    pickle : bool
        Loading it runs code named in the file (the trust model): such a file is recognised by
        auto-detection but read only when this format is asked for by name.
    sniff : callable(Sniff) -> bool
        Whether a file whose first bytes gave this :class:`Sniff` is in this format; for any
        file, at most one format's test holds.
    mismatch : callable(Sniff, Format or None) -> str or None
        Why a file so sniffed (and auto-detected as that format, or as none) cannot be read
        in this format when it is asked for by name; None when it can.
    read : Reader
        Reads a file of this format.
    write : Writer or None
        Writes this format; None: fastw2v only reads it.
    extensions : tuple of str
        The usual extensions of its file names (before a compression suffix); a writable
        format is what a file with one of them is written in when no format is asked for.
    first_line : int or None
        Text formats: the line of the first vector, so errors name lines; None: vectors are
        counted (``vector #3``), and a row is the word, a space and ``4 * D`` bytes.
    """

    name: str
    summary: str
    pickle: bool
    sniff: Callable[[Sniff], bool]
    mismatch: Callable[[Sniff, Format | None], str | None]
    read: Reader
    write: Writer | None = None
    extensions: tuple[str, ...] = ()
    first_line: int | None = None


def _looks_binary(sample: bytes, cut: bool) -> bool:
    """True when ``sample`` contains bytes a UTF-8 text vector file cannot contain."""
    if _CONTROL_BYTES.search(sample):
        return True
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character split by the end of a cut sample is not evidence of binary data.
        return not (cut and exc.end == len(sample) and "unexpected end" in exc.reason)
    return False


def _text_row_values(line: bytes) -> list[str] | None:
    """Split a text row the way gensim does (bytes rstrip, UTF-8, single spaces); None if undecodable."""
    try:
        text = line.rstrip().decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text.split(" ")


def _is_text_row(line: bytes, dim: int) -> bool:
    parts = _text_row_values(line)
    return parts is not None and len(parts) == dim + 1 and all(_is_float(x) for x in parts[1:])


def is_pickle(head: bytes) -> bool:
    """True when ``head`` (the first bytes of a decompressed file) starts a pickle."""
    return _PICKLE_PROTO.match(head) is not None


def _sniff_raw(path: Path) -> None:
    """Reject empty files and compressed files whose name hides the compression."""
    with open(path, "rb") as raw:
        head = raw.read(16)
    if not head:
        raise vector_error(path, "file is empty")
    suffix = path.suffix.lower()
    if suffix in COMPRESSED_SUFFIXES:
        return
    for magic, ext, what in _RAW_MAGICS:
        if head.startswith(magic):
            raise vector_error(path, f"is {what} but its name does not end in '{ext}': rename it so it is decompressed")
    if _BZ2_MAGIC.match(head):
        raise vector_error(path, "is bzip2-compressed but its name does not end in '.bz2': "
                                 "rename it so it is decompressed")


def sniff(path: Path) -> Sniff:
    """Look at the first line (and, after a header, the first row): the facts each format's test reads."""
    _sniff_raw(path)
    with open_stream(path) as fin:
        line = fin.readline(_MAX_LINE)
        if not line:
            raise vector_error(path, "file is empty after decompression")
        if is_pickle(line):
            return Sniff(pickle=True)
        if line.startswith((_NPY_MAGIC, _ZIP_MAGIC)):
            return Sniff("is a NumPy .npy/.npz (or zip) file, not a word-vector file; fastw2v never "
                         "loads these (an object array inside one is a pickle, which runs code)")
        if line.startswith(_FASTTEXT_BIN_MAGIC):
            return Sniff("looks like a fastText .bin model, which is not word2vec binary; "
                         "use the .vec file that fastText writes next to it")
        if len(line) >= _MAX_LINE and not line.endswith(b"\n"):
            return Sniff(f"the first line is longer than {_MAX_LINE} bytes: not a word-vector file")
        try:
            first = line.rstrip(b"\r\n").decode("utf-8")
        except UnicodeDecodeError:
            return Sniff("binary data without a word2vec 'N D' header line: not a word-vector file")
        tokens = first.split()
        valid_header = (len(tokens) == 2 and all(t.isascii() and t.isdigit() for t in tokens)
                        and all(int(t) > 0 for t in tokens))
        if valid_header:
            n, dim = int(tokens[0]), int(tokens[1])
            # Enough for one text row of D numbers, or a few binary vectors.
            cut_at = min(4096 + 32 * dim, _MAX_LINE)
            after = fin.read(cut_at)
            cut = len(after) == cut_at
            row = after.split(b"\n", 1)[0]
            return Sniff(first_line=first, header=(n, dim), header_bytes=len(line),
                         row_is_text=_is_text_row(row, dim) and (b"\n" in after or not cut),
                         has_binary_bytes=_looks_binary(after, cut))
        parts = _text_row_values(line) or []
        glove_dim = len(parts) - 1 if len(parts) >= 2 and all(_is_float(x) for x in parts[1:]) else None
        header_like = 1 <= len(tokens) <= 3 and all(_is_float(t) for t in tokens)
        if header_like:
            # Numbers only, like a header, but not two positive integers. It is still a GloVe
            # row (a numeric word, 1-2 values) if the next line has as many fields.
            second = _text_row_values(fin.readline(_MAX_LINE)) or []
            if glove_dim is None or len(second) != len(parts):
                return Sniff(f"the header line {show(first)} is not two positive integers 'N D' "
                             f"(number of vectors and their dimension)", first_line=first, glove_dim=glove_dim)
        if glove_dim is not None:
            return Sniff(first_line=first, glove_dim=glove_dim)
        if _CONTROL_BYTES.search(line):
            return Sniff("binary data without a word2vec 'N D' header line: not a word-vector file")
        return Sniff(f"the first line {show(first)} is neither a word2vec header 'N D' nor a "
                     f"GloVe row 'word x1 x2 ...' (fields separated by single spaces)", first_line=first)


# ---------------------------------------------------------------------------------------------
# each format's test of the first bytes, and why a file cannot be read in a format asked for
# ---------------------------------------------------------------------------------------------

def is_word2vec_bin(s: Sniff) -> bool:
    """A header, then bytes that cannot be text.

    Content decides, not the extension: text wins when the first row parses as text, because a
    binary row would need 4*D random bytes that happen to spell D numbers.
    """
    return s.header is not None and s.has_binary_bytes and not s.row_is_text


def is_word2vec_text(s: Sniff) -> bool:
    """A header, then text."""
    return s.header is not None and not is_word2vec_bin(s)


def is_glove(s: Sniff) -> bool:
    """A first line that is a GloVe row (:func:`sniff` reads one only where no header is), not a bad header."""
    return s.glove_dim is not None and s.problem is None


def is_keyedvectors(s: Sniff) -> bool:
    """A pickle: gensim's ``KeyedVectors.save`` writes one (as does a whole model's ``.save``)."""
    return s.pickle


def _no_header(s: Sniff, found: Format | None) -> str | None:
    """Why a word2vec format cannot read a file without a header line."""
    if s.header is not None:
        return None
    if found is not None and is_glove(s):
        return (f"looks like GloVe text without a header line; use format '{found.name}' "
                f"(first line: {show(s.first_line, 40)})")
    return s.problem or "no word2vec header line 'N D'"


def not_word2vec_bin(s: Sniff, found: Format | None) -> str | None:
    """Why a file cannot be read as word2vec binary."""
    if s.row_is_text and found is not None:
        return f"looks like word2vec text (the line after the header is a text row); use format '{found.name}'"
    return _no_header(s, found)


def not_word2vec_text(s: Sniff, found: Format | None) -> str | None:
    """Why a file cannot be read as word2vec text."""
    if is_word2vec_bin(s) and found is not None:
        return f"looks like word2vec binary (binary data after the header line); use format '{found.name}'"
    return _no_header(s, found)


def not_glove(s: Sniff, found: Format | None) -> str | None:
    """Why a file cannot be read as GloVe text."""
    if s.header is not None and found is not None:
        return (f"looks like word2vec with a header line ({show(s.first_line)}), not GloVe text; "
                f"use format '{found.name}'")
    return None if s.glove_dim is not None else s.problem or "not GloVe text"


def not_keyedvectors(s: Sniff, found: Format | None) -> str | None:
    """Why a file cannot be read as a gensim KeyedVectors pickle."""
    if s.pickle:
        return None
    return ("is not a gensim KeyedVectors.save file (it does not start with a pickle header)"
            + (f"; it looks like {found.name}, use format '{found.name}'" if found else ""))


# ---------------------------------------------------------------------------------------------
# plausibility checks and diagnostics of damaged files
# ---------------------------------------------------------------------------------------------

def row_position(fmt: Format | None, row: int) -> str:
    """Human position of 0-based vector ``row``: a line for text formats, an ordinal otherwise
    (and for rows that are not in a file yet, ``fmt`` None)."""
    if fmt is not None and fmt.first_line is not None:
        return f"line {row + fmt.first_line}"
    return f"vector #{row + 1}"


def check_plausible(path: Path, s: Sniff, n: int) -> None:
    """Refuse headers that the file cannot satisfy before the reader allocates an N x D matrix."""
    assert s.header is not None and s.fmt is not None
    n_header, dim = s.header
    if s.fmt.first_line is None:
        min_bytes = s.header_bytes + n * (4 * dim + 1)  # word may be empty: " " + 4*D bytes
    else:
        min_bytes = s.header_bytes + n * 2 * dim - 1    # "w 0 0 ... 0" per line, last without "\n"
    size = path.stat().st_size
    suffix = path.suffix.lower()
    bound = size if suffix not in COMPRESSED_SUFFIXES else size * _GZIP_MAX_RATIO if suffix == ".gz" else None
    if bound is not None and min_bytes > bound:
        raise vector_error(path, f"header promises {n_header} vectors of dimension {dim}, which needs at least "
                           f"{min_bytes} bytes, but the file is only {size} bytes "
                           f"(truncated file, or wrong counts in the header)")
    need = n * dim * 4 + n * 64  # matrix plus, roughly, each word's str, list slot and dict entry
    phys = memory.physical_memory()
    if phys is not None and need > phys:
        raise vector_error(path, f"header promises {n} vectors of dimension {dim}, needing {need / 2**30:.1f} GiB, "
                           f"more than this machine's {phys / 2**30:.1f} GiB of memory (wrong header? "
                           f"or pass a limit)")


def truncated(path: Path, s: Sniff, rows: int) -> VectorFileError:
    """The error for a file that ends after ``rows`` complete vectors, before the header's count."""
    if s.header is None:  # GloVe: its rows were counted just before
        return vector_error(path, f"the file has only {rows} rows now; did it change while being read?")
    assert s.fmt is not None
    if s.fmt.first_line is None:
        return vector_error(path, f"header promises {s.header[0]} vectors of dimension {s.header[1]} but the file "
                            f"ends after {rows} complete ones (truncated file, or wrong counts in the header)")
    return vector_error(path, f"header promises {s.header[0]} vectors but the file has only {rows} "
                        f"(truncated file, or wrong counts in the header)")


def parse_text_row(path: Path, fmt: Format, row: int, raw: bytes, dim: int, out: np.ndarray) -> str:
    """Parse one text row exactly as gensim does, into ``out`` (float32[dim]); return its word.

    gensim strips the line's trailing whitespace, decodes it as strict UTF-8, splits it on
    single spaces and converts each field with ``np.float32(field)``. Where gensim would fail,
    or silently broadcast a one-number row over all D columns, this raises a
    VectorFileError naming the line and the problem.
    """
    where = row_position(fmt, row)
    parts = _text_row_values(raw)
    if parts is None:
        raise vector_error(path, f"{where} is not valid UTF-8")
    if parts == [""]:
        raise vector_error(path, f"{where} is empty")
    word, values = parts[0], parts[1:]
    if "" in values:
        raise vector_error(path, f"{where} (word {show(word)}) has an empty field: two spaces in a row?")
    if len(values) != dim:
        plural = "" if len(values) == 1 else "s"
        raise vector_error(path, f"{where} (word {show(word)}) has {len(values)} number{plural}, expected {dim}")
    try:
        out[:] = [np.float32(x) for x in values]
    except ValueError:
        bad = next(x for x in values if not _is_float(x))
        raise vector_error(path, f"{where} (word {show(word)}): {show(bad)} is not a number") from None
    return word


def distinct(words: list) -> bool:
    """Whether ``words`` has no duplicate, from their sorted int64 hashes rather than a set of them.

    Sorting the hashes is ~3x faster than building a set of 3M words and far smaller; Python
    caches each str's hash, so a dictionary built next does not compute them again. Equal
    hashes fall back to comparing the words that have them.
    """
    hashes = np.sort(np.fromiter(map(hash, words), dtype=np.int64, count=len(words)))
    same = np.flatnonzero(hashes[1:] == hashes[:-1])
    if not same.shape[0]:
        return True
    suspects = set(hashes[same].tolist())
    candidates = [w for w in words if hash(w) in suspects]
    return len(set(candidates)) == len(candidates)


def check_words(path: Path, fmt: Format | None, words: list[str]) -> None:
    """Refuse empty and duplicated words (gensim keeps the first of duplicates silently)."""
    if not distinct(words):
        seen: dict[str, int] = {}
        for row, word in enumerate(words):
            if word in seen:
                raise vector_error(path, f"duplicate word {show(word)} at {row_position(fmt, row)} "
                                   f"(first at {row_position(fmt, seen[word])})")
            seen[word] = row
    if "" in words:
        raise vector_error(path, f"empty word at {row_position(fmt, words.index(''))}")


def check_rows(path: Path, fmt: Format | None, words: Sequence[str] | np.ndarray, vectors: np.ndarray, first: int = 0,
               stop: int | None = None) -> None:
    """Refuse NaN and infinite values in rows ``first:stop`` (all by default), naming the first such row's word."""
    # Checked in blocks so a 3 GB matrix never needs a 0.75 GB boolean temporary.
    step = max(1, (1 << 22) // max(1, vectors.shape[1]))
    end = vectors.shape[0] if stop is None else stop
    for start, block_end in memory.blocks(end, step, first):
        ok = np.isfinite(vectors[start:block_end]).all(axis=1)
        if not ok.all():
            row = start + int(np.argmin(ok))
            raise vector_error(path, f"word {show(str(words[row]))} at {row_position(fmt, row)} has a NaN or "
                               f"infinite value (or one too large for float32)")


