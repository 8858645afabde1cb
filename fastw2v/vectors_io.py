"""Reading and writing word-vector files; the only module of fastw2v that imports gensim.

Supported formats (see :data:`FORMATS`):

``word2vec-bin``
    The original C tool's binary format: an ASCII header ``"N D\\n"``, then for each
    vector the word, one space and ``D`` little-endian float32 values.
``word2vec-text``
    The same header followed by one text row ``word x1 ... xD`` per vector. fastText's
    ``.vec`` files are exactly this.
``glove``
    Text rows like word2vec text but without the header line.
``keyedvectors``
    A pickle written by gensim's ``KeyedVectors.save`` (loading a pickle runs code
    named in it: only load files from sources you trust).

Any of them may be compressed (``.gz``, ``.bz2``, ...: smart_open picks the codec from
the file name). gensim does the actual parsing; this module sniffs the format, checks
the header cheaply beforehand, turns gensim's terse exceptions into one-line
:class:`~fastw2v.errors.VectorFileError` messages that name the file and the problem,
and catches what gensim lets through silently (duplicate words, NaN/inf values).
"""
from __future__ import annotations

import contextlib
import logging
import lzma
import os
import re
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Iterator, Sequence

import numpy as np
import smart_open

from .atomic import atomic_file
from .errors import ConfigError, MissingFileError, VectorFileError

if TYPE_CHECKING:
    from gensim.models import KeyedVectors
    from numpy.typing import ArrayLike

__all__ = ["FORMATS", "detect_format", "read_vectors", "write_vectors", "to_keyedvectors"]

logger = logging.getLogger(__name__)

FORMATS: tuple[str, ...] = ("word2vec-bin", "word2vec-text", "glove", "keyedvectors")
"""Names accepted by ``format=`` (and the CLI's ``--format``)."""

# The first line of a text file is read with this cap, so a binary file without any
# newline cannot make the sniffer read gigabytes. 4 MiB holds a text row of ~200k dims.
_MAX_LINE = 4 * 1024 * 1024
# A word longer than this in a binary file means the header's dimension is wrong.
_MAX_WORD_BYTES = 1024 * 1024
# Extensions smart_open decompresses transparently.
_COMPRESSED_SUFFIXES = frozenset({".gz", ".bz2", ".xz", ".lz4", ".zst"})
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
# Bytes that never occur in a text vector file (C0 controls other than \t \n \r, and DEL).
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Errors raised by the decompressors behind smart_open on damaged or truncated data.
_STREAM_ERRORS: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error, lzma.LZMAError)


# ---------------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------------

def _gensim_keyed_vectors() -> type:
    """gensim's KeyedVectors, imported on first use: gensim takes a second or two to import,
    which the CLI's --help and a training run that never touches a vector file should not pay."""
    from gensim.models import KeyedVectors

    return KeyedVectors


def _show(text: str | bytes, width: int = 60) -> str:
    """Quote a word or line for an error message: repr (so it stays on one line), shortened."""
    shown = repr(text if len(text) <= width else text[:width])
    return shown if len(text) <= width else shown + "..."


def _error(path: Path, problem: str) -> VectorFileError:
    # Messages are one line: the CLI prints them verbatim after "error: ".
    return VectorFileError(f"{path}: {' '.join(problem.split())}")


def _is_float(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _as_float32(array: np.ndarray) -> np.ndarray:
    """``array`` itself when already native float32 C-contiguous, else a converted copy.

    ``np.ascontiguousarray`` would return a *view* when the dtype object differs from
    numpy's canonical one (arrays unpickled by ``KeyedVectors.load``): no data is copied,
    but callers could not rely on getting the very array they (or gensim) allocated.
    """
    if array.dtype == np.float32 and array.dtype.isnative and array.flags.c_contiguous:
        return array
    return np.ascontiguousarray(array, dtype=np.float32)


def _check_input_path(path: str | os.PathLike) -> Path:
    p = Path(path)
    if not p.exists():
        raise MissingFileError(f"{p}: no such file")
    if p.is_dir():
        raise _error(p, "is a directory, not a word-vector file")
    return p


def _check_limit(limit: int | None) -> int | None:
    if limit is None:
        return None
    # bool is an int subclass; limit=True is certainly a mistake.
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1:
        raise ConfigError(f"limit must be a positive integer or None, got {limit!r}")
    return int(limit)


@contextlib.contextmanager
def _open_stream(path: Path) -> Iterator[BinaryIO]:
    """Open ``path`` for reading with transparent decompression; damaged streams become VectorFileError."""
    try:
        with smart_open.open(str(path), "rb") as fin:
            yield fin
    except _STREAM_ERRORS as exc:
        if isinstance(exc, PermissionError):
            raise
        what = "compressed data is damaged or truncated" if path.suffix.lower() in _COMPRESSED_SUFFIXES \
            else "read failed"
        raise _error(path, f"{what}: {type(exc).__name__}: {exc}") from exc


# ---------------------------------------------------------------------------------------------
# format detection
# ---------------------------------------------------------------------------------------------

@dataclass
class _Sniff:
    """What the first bytes of a file say about its format."""

    fmt: str | None                       # best guess, or None when the file is not recognised
    problem: str | None = None            # why fmt is None
    first_line: str = ""                  # decoded first line, without the line ending
    header: tuple[int, int] | None = None  # (N, D) when the first line is a valid word2vec header
    header_bytes: int = 0                 # length of the header line in (decompressed) bytes
    glove_dim: int | None = None          # number of values when the first line is a GloVe row
    row_is_text: bool = False             # the line after a header is a text row with D values
    has_binary_bytes: bool = False        # the bytes after a header cannot be text


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


def _sniff_raw(path: Path) -> None:
    """Reject empty files and compressed files whose name hides the compression."""
    with open(path, "rb") as raw:
        head = raw.read(16)
    if not head:
        raise _error(path, "file is empty")
    suffix = path.suffix.lower()
    if suffix in _COMPRESSED_SUFFIXES:
        return
    for magic, ext, what in _RAW_MAGICS:
        if head.startswith(magic):
            raise _error(path, f"is {what} but its name does not end in '{ext}': rename it so it is decompressed")
    if _BZ2_MAGIC.match(head):
        raise _error(path, "is bzip2-compressed but its name does not end in '.bz2': rename it so it is decompressed")


def _sniff(path: Path) -> _Sniff:
    """Look at the first line (and, after a header, the first row) to guess the format."""
    _sniff_raw(path)
    with _open_stream(path) as fin:
        line = fin.readline(_MAX_LINE)
        if not line:
            raise _error(path, "file is empty after decompression")
        # Pickle protocols 2-5 start with PROTO (0x80) and the protocol number; no text
        # vector file can start with 0x80 (not valid UTF-8), and a header starts with a digit.
        if len(line) >= 2 and line[0] == 0x80 and 2 <= line[1] <= 5:
            return _Sniff("keyedvectors")
        if line.startswith(_FASTTEXT_BIN_MAGIC):
            return _Sniff(None, "looks like a fastText .bin model, which is not word2vec binary; "
                                "use the .vec file that fastText writes next to it")
        if len(line) >= _MAX_LINE and not line.endswith(b"\n"):
            return _Sniff(None, f"the first line is longer than {_MAX_LINE} bytes: not a word-vector file")
        try:
            first = line.rstrip(b"\r\n").decode("utf-8")
        except UnicodeDecodeError:
            return _Sniff(None, "binary data without a word2vec 'N D' header line: not a word-vector file")
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
            s = _Sniff("word2vec-text", first_line=first, header=(n, dim), header_bytes=len(line))
            s.row_is_text = _is_text_row(row, dim) and (b"\n" in after or not cut)
            s.has_binary_bytes = _looks_binary(after, cut)
            # Decide by content, not extension: text wins when the first row parses as text,
            # because a binary row would need 4*D random bytes that happen to spell D numbers.
            if s.has_binary_bytes and not s.row_is_text:
                s.fmt = "word2vec-bin"
            return s
        parts = _text_row_values(line) or []
        glove_dim = len(parts) - 1 if len(parts) >= 2 and all(_is_float(x) for x in parts[1:]) else None
        header_like = 1 <= len(tokens) <= 3 and all(_is_float(t) for t in tokens)
        if header_like:
            # Numbers only, like a header, but not two positive integers. It is still a GloVe
            # row (a numeric word, 1-2 values) if the next line has as many fields.
            second = _text_row_values(fin.readline(_MAX_LINE)) or []
            if glove_dim is None or len(second) != len(parts):
                return _Sniff(None, f"the header line {_show(first)} is not two positive integers 'N D' "
                                    f"(number of vectors and their dimension)",
                              first_line=first, glove_dim=glove_dim)
        if glove_dim is not None:
            return _Sniff("glove", first_line=first, glove_dim=glove_dim)
        if _CONTROL_BYTES.search(line):
            return _Sniff(None, "binary data without a word2vec 'N D' header line: not a word-vector file")
        return _Sniff(None, f"the first line {_show(first)} is neither a word2vec header 'N D' nor a "
                            f"GloVe row 'word x1 x2 ...' (fields separated by single spaces)",
                      first_line=first)


def detect_format(path: str | os.PathLike) -> str:
    """Guess the format of a word-vector file from its content.

    Parameters
    ----------
    path : str or os.PathLike
        The file; ``.gz``/``.bz2`` (and other smart_open extensions) are decompressed.

    Returns
    -------
    str
        One of :data:`FORMATS`.

    Raises
    ------
    MissingFileError
        ``path`` does not exist.
    VectorFileError
        The file is empty, a directory, damaged, or in no supported format.
    """
    p = _check_input_path(path)
    s = _sniff(p)
    if s.fmt is None:
        raise _error(p, s.problem or "not a recognised word-vector file")
    return s.fmt


def _resolve_format(path: Path, requested: str | None) -> _Sniff:
    """Sniff the file and reconcile the result with an explicitly requested format."""
    if requested is not None and requested not in FORMATS:
        raise ConfigError(f"format must be one of {', '.join(FORMATS)}, got {requested!r}")
    s = _sniff(path)
    if requested is None:
        if s.fmt is None:
            raise _error(path, s.problem or "not a recognised word-vector file")
        return s
    if requested == "keyedvectors" or s.fmt == "keyedvectors":
        if requested != s.fmt:
            if s.fmt == "keyedvectors":
                raise _error(path, f"looks like a gensim KeyedVectors.save file (a pickle), not {requested}; "
                                   f"use format 'keyedvectors'")
            raise _error(path, "is not a gensim KeyedVectors.save file (it does not start with a pickle header)"
                               + (f"; it looks like {s.fmt}, use format '{s.fmt}'" if s.fmt else ""))
        return s
    if requested == "glove":
        if s.header is not None:
            raise _error(path, f"looks like word2vec with a header line ({_show(s.first_line)}), not GloVe "
                               f"text; use format '{s.fmt}'")
        if s.glove_dim is None:
            raise _error(path, s.problem or "not GloVe text")
        s.fmt = "glove"
        return s
    # requested is word2vec-text or word2vec-bin
    if s.header is None:
        if s.fmt == "glove":
            raise _error(path, f"looks like GloVe text without a header line; use format 'glove' "
                               f"(first line: {_show(s.first_line, 40)})")
        raise _error(path, s.problem or "no word2vec header line 'N D'")
    if requested == "word2vec-bin" and s.row_is_text:
        raise _error(path, "looks like word2vec text (the line after the header is a text row); "
                           "use format 'word2vec-text'")
    if requested == "word2vec-text" and s.fmt == "word2vec-bin":
        raise _error(path, "looks like word2vec binary (binary data after the header line); "
                           "use format 'word2vec-bin'")
    s.fmt = requested
    return s


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------

def _where(fmt: str, row: int) -> str:
    """Human position of 0-based vector ``row``: a line for text formats, an ordinal otherwise."""
    if fmt == "word2vec-text":
        return f"line {row + 2}"
    if fmt == "glove":
        return f"line {row + 1}"
    return f"vector #{row + 1}"


def _check_plausible(path: Path, s: _Sniff, n: int) -> None:
    """Refuse headers that the file cannot satisfy before gensim pre-allocates an N x D matrix."""
    assert s.header is not None
    n_header, dim = s.header
    if s.fmt == "word2vec-bin":
        min_bytes = s.header_bytes + n * (4 * dim + 1)  # word may be empty: " " + 4*D bytes
    else:
        min_bytes = s.header_bytes + n * 2 * dim - 1    # "w 0 0 ... 0" per line, last without "\n"
    size = path.stat().st_size
    suffix = path.suffix.lower()
    bound = size if suffix not in _COMPRESSED_SUFFIXES else size * _GZIP_MAX_RATIO if suffix == ".gz" else None
    if bound is not None and min_bytes > bound:
        raise _error(path, f"header promises {n_header} vectors of dimension {dim}, which needs at least "
                           f"{min_bytes} bytes, but the file is only {size} bytes "
                           f"(truncated file, or wrong counts in the header)")
    need = n * dim * 4 + n * 64  # matrix plus, roughly, gensim's per-word bookkeeping
    try:
        phys = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return
    if need > phys:
        raise _error(path, f"header promises {n} vectors of dimension {dim}, needing {need / 2**30:.1f} GiB, "
                           f"more than this machine's {phys / 2**30:.1f} GiB of memory (wrong header? "
                           f"or pass a limit)")


class _ByteReader:
    """Minimal buffered reader for scanning a binary word2vec stream (diagnostics only)."""

    def __init__(self, fin: BinaryIO, chunk: int = 1 << 16) -> None:
        self._fin, self._chunk = fin, chunk
        self._buf, self._pos = b"", 0

    def _fill(self) -> bool:
        data = self._fin.read(self._chunk)
        if not data:
            return False
        self._buf, self._pos = self._buf[self._pos:] + data, 0
        return True

    def read_word(self) -> bytes | None:
        """Bytes up to the next space (consumed); None at EOF; raises OverflowError if too long."""
        while True:
            i = self._buf.find(b" ", self._pos)
            if i != -1:
                out, self._pos = self._buf[self._pos:i], i + 1
                return out
            if len(self._buf) - self._pos > _MAX_WORD_BYTES:
                raise OverflowError
            if not self._fill():
                return None

    def read_exact(self, n: int) -> bytes | None:
        while len(self._buf) - self._pos < n:
            if not self._fill():
                return None
        out, self._pos = self._buf[self._pos:self._pos + n], self._pos + n
        return out


def _count_problem(where: str, word: str, n: int, dim: int) -> str:
    return f"{where} (word {_show(word)}) has {n} number{'' if n == 1 else 's'}, expected {dim}"


def _iter_rows(path: Path, s: _Sniff, limit: int | None) -> Iterator[tuple[str, np.ndarray]]:
    """Yield (word, vector) in file order, raising VectorFileError at the first malformed row.

    This is a slow, pure-Python re-reading of the file, used only after gensim has failed
    or found duplicates, to say exactly where and what the problem is.
    """
    fmt = s.fmt
    assert fmt is not None
    if fmt == "glove":
        n_rows, dim = limit, s.glove_dim
    else:
        assert s.header is not None
        n_rows, dim = s.header
        if limit is not None:
            n_rows = min(n_rows, limit)
    assert dim is not None
    with _open_stream(path) as fin:
        if fmt != "glove":
            fin.readline()
        if fmt == "word2vec-bin":
            reader = _ByteReader(fin)
            for row in range(n_rows):
                try:
                    raw_word = reader.read_word()
                except OverflowError:
                    raise _error(path, f"vector #{row + 1}: no space-terminated word within {_MAX_WORD_BYTES} "
                                       f"bytes; is the dimension {dim} in the header right?") from None
                raw_vec = reader.read_exact(4 * dim) if raw_word is not None else None
                if raw_vec is None:
                    raise _error(path, f"header promises {s.header[0]} vectors of dimension {dim} but the file "
                                       f"ends after {row} complete ones (truncated file, or wrong counts in the "
                                       f"header)")
                try:
                    word = raw_word.decode("utf-8").lstrip("\n")  # as gensim: C tool writes "\n" after vectors
                except UnicodeDecodeError:
                    raise _error(path, f"vector #{row + 1}: the word {_show(raw_word)} is not valid UTF-8; "
                                       f"is the dimension {dim} in the header right?") from None
                yield word, np.frombuffer(raw_vec, dtype="<f4")
            return
        row = 0
        while n_rows is None or row < n_rows:
            raw = fin.readline()
            if not raw:
                break
            where = _where(fmt, row)
            parts = _text_row_values(raw)
            if parts is None:
                raise _error(path, f"{where} is not valid UTF-8")
            if parts == [""]:
                raise _error(path, f"{where} is empty")
            word, values = parts[0], parts[1:]
            if "" in values:
                raise _error(path, f"{where} (word {_show(word)}) has an empty field: two spaces in a row?")
            if len(values) != dim:
                raise _error(path, _count_problem(where, word, len(values), dim))
            try:
                vec = np.array([np.float32(x) for x in values], dtype=np.float32)
            except ValueError:
                bad = next(x for x in values if not _is_float(x))
                raise _error(path, f"{where} (word {_show(word)}): {_show(bad)} is not a number") from None
            yield word, vec
            row += 1
        if n_rows is not None and row < n_rows:
            raise _error(path, f"header promises {s.header[0] if s.header else n_rows} vectors but the file "
                               f"has only {row} (truncated file, or wrong counts in the header)")


def _diagnose(path: Path, s: _Sniff, limit: int | None) -> None:
    """Re-scan the file and raise a precise VectorFileError for its first problem, if one is found."""
    seen: dict[str, int] = {}
    with np.errstate(over="ignore"):  # "1e50" -> inf is reported below as non-finite, not warned about
        for row, (word, vec) in enumerate(_iter_rows(path, s, limit)):
            where = _where(s.fmt or "", row)
            if word in seen:
                raise _error(path, f"duplicate word {_show(word)} at {where} (first at {_where(s.fmt or '', seen[word])})")
            if not word:
                raise _error(path, f"empty word at {where}")
            if not np.isfinite(vec).all():
                raise _error(path, f"word {_show(word)} at {where} has a NaN or infinite value")
            seen[word] = row


def _check_rows(path: Path, fmt: str, words: list, vectors: np.ndarray) -> None:
    """Checks on a loaded set that need no re-reading: empty words and non-finite values."""
    # Checked in blocks so a 3 GB matrix never needs a 0.75 GB boolean temporary.
    step = max(1, (1 << 22) // max(1, vectors.shape[1]))
    for start in range(0, vectors.shape[0], step):
        ok = np.isfinite(vectors[start:start + step]).all(axis=1)
        if not ok.all():
            row = start + int(np.argmin(ok))
            raise _error(path, f"word {_show(str(words[row]))} at {_where(fmt, row)} has a NaN or infinite value "
                               f"(or one too large for float32)")


def _close_leaked_handles(exc: BaseException) -> None:
    """Close the file gensim's no_header path leaves open when it fails.

    The traceback (kept alive by exception chaining) holds gensim's frame and with it the
    re-opened handle, which would otherwise stay open until the exception is dropped.
    """
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "_load_word2vec_format":
            fin = tb.tb_frame.f_locals.get("fin")
            if fin is not None and hasattr(fin, "close"):
                with contextlib.suppress(Exception):
                    fin.close()
        tb = tb.tb_next


def _constant_rows(vectors: np.ndarray) -> np.ndarray:
    """Indices of rows whose values are all equal (NaN counting as equal to NaN)."""
    if vectors.shape[1] < 2:
        return np.empty(0, dtype=np.int64)
    found = []
    step = max(1, (1 << 22) // vectors.shape[1])
    for start in range(0, vectors.shape[0], step):
        block = vectors[start:start + step]
        first = block[:, :1]
        same = (block == first) | (np.isnan(block) & np.isnan(first))
        found.append(np.flatnonzero(same.all(axis=1)) + start)
    return np.concatenate(found) if found else np.empty(0, dtype=np.int64)


def _check_broadcast_rows(path: Path, s: _Sniff, vectors: np.ndarray) -> None:
    """Catch text rows with a single number, which gensim silently accepts.

    gensim assigns each parsed row with ``vectors[i] = values``, and numpy broadcasts a
    one-element row over all D columns. Such a row loads as a constant vector, so only
    constant rows (rare: all-zero padding vectors, say) need their field count checked,
    by re-reading the file up to the last of them.
    """
    rows = _constant_rows(vectors)
    if rows.size == 0:
        return
    dim = vectors.shape[1]
    targets, last = set(rows.tolist()), int(rows[-1])
    logger.debug("%s: checking the field count of %d constant rows", path, len(targets))
    with _open_stream(path) as fin:
        if s.fmt != "glove":
            fin.readline()
        for row in range(last + 1):
            raw = fin.readline()
            if row in targets:
                parts = _text_row_values(raw) or [""]
                if len(parts) - 1 != dim:
                    raise _error(path, _count_problem(_where(s.fmt or "", row), parts[0], len(parts) - 1, dim))


def _read_word2vec(path: Path, s: _Sniff, limit: int | None) -> tuple[list[str], np.ndarray]:
    fmt = s.fmt
    assert fmt is not None
    if s.header is not None:
        n_expected = s.header[0] if limit is None else min(s.header[0], limit)
        _check_plausible(path, s, n_expected)
    try:
        # float32 overflow ("1e50") becomes inf, reported below by _check_rows instead of warned about.
        with np.errstate(over="ignore"), warnings.catch_warnings():
            # gensim 4.4's no_header (GloVe) path re-opens the file inside a `with` that only
            # closes the first handle; refcounting closes the second as gensim returns, with a
            # ResourceWarning that is gensim's, not the caller's.
            warnings.simplefilter("ignore", ResourceWarning)
            kv = _gensim_keyed_vectors().load_word2vec_format(
                str(path), binary=fmt == "word2vec-bin", no_header=fmt == "glove",
                limit=limit, unicode_errors="strict")
    except Exception as exc:  # gensim raises ValueError/EOFError/UnicodeDecodeError/... with no position
        _close_leaked_handles(exc)
        _diagnose(path, s, limit)
        raise _error(path, f"cannot read as {fmt}: {type(exc).__name__}: {exc}") from exc
    words, vectors = kv.index_to_key, kv.vectors
    # gensim keeps the first of duplicated words, only logs a warning, and leaves None
    # placeholders (and zero rows) at the end: a distinct-key count shows it.
    if len(kv.key_to_index) != len(words):
        del kv, words, vectors  # drop the matrix before re-scanning a possibly large file
        _diagnose(path, s, limit)
        raise _error(path, "contains duplicate words")
    if "" in kv.key_to_index:
        raise _error(path, f"empty word at {_where(fmt, kv.key_to_index[''])}")
    if fmt != "word2vec-bin":
        _check_broadcast_rows(path, s, vectors)
    _check_rows(path, fmt, words, vectors)
    return words, vectors


def _read_keyedvectors(path: Path, limit: int | None) -> tuple[list[str], np.ndarray]:
    # With a limit, memory-map separately stored arrays so only the rows kept are read
    # (gensim cannot mmap compressed files).
    mmap = "r" if limit is not None and path.suffix.lower() not in _COMPRESSED_SUFFIXES else None
    try:
        obj = _gensim_keyed_vectors().load(str(path), mmap=mmap)
    except FileNotFoundError as exc:
        # Large arrays are saved next to the pickle as <name>.vectors.npy.
        raise MissingFileError(f"{path}: a file saved alongside it is missing: {exc.filename or exc}") from exc
    except Exception as exc:  # unpickling damaged data can raise almost anything
        raise _error(path, f"cannot load as a gensim KeyedVectors file (damaged?): {type(exc).__name__}: {exc}") \
            from exc
    # A full gensim Word2Vec/FastText model saved with .save() carries its vectors in .wv.
    kv_class = _gensim_keyed_vectors()
    kv = obj if isinstance(obj, kv_class) else getattr(obj, "wv", None)
    if not isinstance(kv, kv_class):
        raise _error(path, f"holds a {type(obj).__name__} object, not gensim KeyedVectors")
    words, vectors = kv.index_to_key, kv.vectors
    if not isinstance(words, list) or not isinstance(vectors, np.ndarray) or vectors.ndim != 2 \
            or len(words) != vectors.shape[0]:
        raise _error(path, "KeyedVectors object is inconsistent (keys and vectors differ in number)")
    for key in words:
        if type(key) is not str:
            # Doc2Vec document vectors, for instance, are keyed by int.
            raise _error(path, f"KeyedVectors keys are not all strings (e.g. {key!r}); not a set of word vectors")
    if len(kv.key_to_index) != len(words) or len(set(words)) != len(words):
        raise _error(path, "KeyedVectors object has duplicate keys")
    if "" in kv.key_to_index:
        raise _error(path, f"empty word at vector #{kv.key_to_index[''] + 1}")
    if not words:
        raise _error(path, "KeyedVectors object holds no vectors")
    if limit is not None and limit < len(words):
        words = words[:limit]
        vectors = np.array(vectors[:limit], dtype=np.float32, order="C")
    else:
        # No copy when it is already float32 C-contiguous (the usual case).
        vectors = _as_float32(vectors)
    _check_rows(path, "keyedvectors", words, vectors)
    return words, vectors


def read_vectors(path: str | os.PathLike, format: str | None = None,
                 limit: int | None = None) -> tuple[list[str], np.ndarray]:
    """Read a word-vector file.

    Parameters
    ----------
    path : str or os.PathLike
        The file; compressed files are decompressed according to their extension.
    format : str, optional
        One of :data:`FORMATS`; ``None`` detects it (:func:`detect_format`). A format
        that contradicts the content (GloVe read as word2vec, ...) is refused.
    limit : int, optional
        Read only the first ``limit`` vectors.

    Returns
    -------
    words : list of str
        In file order.
    vectors : numpy.ndarray
        float32, C-contiguous, shape ``(len(words), dim)``; the array gensim filled,
        not a copy.

    Raises
    ------
    MissingFileError
        ``path`` does not exist.
    VectorFileError
        The file is malformed; the message names the file, the problem and, where it
        applies, the line or vector and the word.
    ConfigError
        ``format`` or ``limit`` is invalid.
    """
    limit = _check_limit(limit)
    p = _check_input_path(path)
    s = _resolve_format(p, format)
    if s.fmt == "keyedvectors":
        words, vectors = _read_keyedvectors(p, limit)
    else:
        words, vectors = _read_word2vec(p, s, limit)
    logger.info("read %d vectors of dimension %d from %s (%s)", len(words), vectors.shape[1], p, s.fmt)
    return words, vectors


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------

def _as_matrix(words: Sequence[str], vectors: ArrayLike) -> tuple[list[str], np.ndarray]:
    """Validate shapes and return (list of words, float32 C-contiguous matrix), copying only if needed."""
    words = words if isinstance(words, list) else list(words)
    if not isinstance(vectors, np.ndarray):
        vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ValueError(f"vectors must be a 2-d array, got shape {vectors.shape}")
    if vectors.shape[0] != len(words):
        raise ValueError(f"{len(words)} words but {vectors.shape[0]} vectors")
    # Already float32 C-contiguous (a trained model's matrix): returned as is, shared.
    return words, _as_float32(vectors)


def to_keyedvectors(words: Sequence[str], vectors: ArrayLike,
                    counts: ArrayLike | None = None) -> "KeyedVectors":
    """Wrap words and vectors in a gensim ``KeyedVectors`` without copying the matrix.

    Parameters
    ----------
    words : sequence of str
        Distinct words, in row order.
    vectors : array_like
        Shape ``(len(words), dim)``. A float32 C-contiguous array is shared, not copied,
        so the result sees later changes to it (and vice versa).
    counts : array_like, optional
        Integer word frequencies, stored as gensim's per-word ``"count"`` attribute
        (``kv.get_vecattr(word, "count")``; gensim's ``save_word2vec_format`` orders rows by it).

    Returns
    -------
    gensim.models.KeyedVectors
    """
    words, vectors = _as_matrix(words, vectors)
    key_to_index = {w: i for i, w in enumerate(words)}
    if len(key_to_index) != len(words):
        seen: set[str] = set()
        dup = next(w for w in words if w in seen or seen.add(w))
        raise ValueError(f"duplicate word {_show(dup)}")
    kv = _gensim_keyed_vectors()(vectors.shape[1], count=0, dtype=np.float32)
    kv.vectors = vectors
    # A shallow copy: list of the same str objects, so the caller's list can change freely.
    kv.index_to_key = list(words)
    kv.key_to_index = key_to_index
    kv.next_index = len(words)
    if counts is not None:
        counts = np.asarray(counts)
        if counts.shape != (len(words),):
            raise ValueError(f"counts has shape {counts.shape}, expected ({len(words)},)")
        if not np.issubdtype(counts.dtype, np.integer):
            raise ValueError(f"counts must be integers, got dtype {counts.dtype}")
        # set_vecattr() per word re-checks the array each call (seconds for 400k words);
        # gensim stores the attribute as one int64 array in expandos, which is what we assign.
        kv.expandos["count"] = counts.astype(np.int64, copy=False)
    return kv


class _DropGensimOrderWarning(logging.Filter):
    # save_word2vec_format warns "attribute count not present ... will store in internal
    # index_to_key order" when there are no counts; that order is exactly what we want.
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("attribute %s not present")


def write_vectors(path: str | os.PathLike, words: Sequence[str], vectors: ArrayLike,
                  binary: bool = True) -> None:
    """Write vectors in word2vec binary or text format (header ``"N D"``), atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Target file; a ``.gz``/``.bz2`` name is compressed. A previous file there is
        replaced only once the new one is complete.
    words : sequence of str
        Distinct, non-empty words without spaces or newlines, in the order to write.
    vectors : array_like
        Finite values, shape ``(len(words), dim)``.
    binary : bool
        Binary (default, compact, exact) or text format.

    Raises
    ------
    VectorFileError
        The words or vectors cannot be written as a file that reads back correctly;
        the message names the target and the problem.
    """
    p = Path(path)
    if p.is_dir():
        raise _error(p, "is a directory; cannot write vectors there")
    try:
        words, vectors = _as_matrix(words, vectors)
    except ValueError as exc:
        raise _error(p, f"cannot write: {exc}") from None
    if not words or vectors.shape[1] == 0:
        raise _error(p, f"cannot write an empty set of vectors (shape {vectors.shape})")
    seen: set[str] = set()
    for w in words:
        # The formats separate words by a space and rows by "\n", and gensim strips a
        # leading "\n" from binary words: such words would not read back as written.
        if not isinstance(w, str) or not w or " " in w or "\n" in w or w in seen:
            problem = ("is not a string" if not isinstance(w, str) else "is empty" if not w
                       else "is duplicated" if w in seen else "contains a space or newline")
            raise _error(p, f"cannot write: word {_show(w) if isinstance(w, str) else repr(w)} {problem}")
        seen.add(w)
    del seen
    _check_rows(p, "keyedvectors", words, vectors)  # NaN/inf would make a file read_vectors refuses
    kv = to_keyedvectors(words, vectors)
    gensim_logger = logging.getLogger("gensim.models.keyedvectors")
    order_filter = _DropGensimOrderWarning()
    gensim_logger.addFilter(order_filter)
    try:
        with atomic_file(p) as tmp:
            # tmp ends with the target's name, so gensim/smart_open compress a .gz target too.
            kv.save_word2vec_format(str(tmp), binary=binary)
    finally:
        gensim_logger.removeFilter(order_filter)
    logger.info("wrote %d vectors of dimension %d to %s (%s)", len(words), vectors.shape[1], p,
                "word2vec-bin" if binary else "word2vec-text")
