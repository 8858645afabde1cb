"""Reading and writing word-vector files; the only module of fastw2v that imports gensim.

The formats are the registry :data:`FORMATS` (one :class:`~fastw2v.vector_formats.Format`
each: how it is sniffed, read, written and named):

``word2vec-bin``
    The original C tool's binary format: an ASCII header ``"N D\\n"``, then for each
    vector the word, one space and ``D`` little-endian float32 values.
``word2vec-text``
    The same header followed by one text row ``word x1 ... xD`` per vector. fastText's
    ``.vec`` files are exactly this.
``glove``
    Text rows like word2vec text but without the header line.
``keyedvectors``
    A pickle written by gensim's ``KeyedVectors.save`` (or a whole gensim model's
    ``.save``). Loading a pickle runs code named in it, so it is read only when asked
    for by name (``format="keyedvectors"``), never by auto-detection.

Any of them may be compressed (``.gz``, ``.bz2``, ...: smart_open picks the codec from
the file name). :func:`resolve_format` sniffs the format (:mod:`fastw2v.vector_formats`), applies
the trust model and reconciles it with a format asked for by name;
:mod:`fastw2v.vector_blocks` parses and writes the word2vec and GloVe formats block by block,
with gensim's semantics (same words, same float32 values, same bytes written) but without a
Python object per value; gensim reads and writes only KeyedVectors pickles and provides
:func:`to_keyedvectors`. Every problem is a one-line :class:`~fastw2v.errors.VectorFileError`
naming the file and the problem, including what gensim lets through silently (duplicate
words, NaN/inf values, one-number rows).
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np
import smart_open

from .atomic import atomic_file
from .errors import ConfigError, MissingFileError, UntrustedFileError, describe
from .memory import blocks
from .vector_blocks import count_lines, read_binary, read_text, write_rows
from .vector_formats import (
    COMPRESSED_SUFFIXES,
    Format,
    Sniff,
    check_input_path,
    check_limit,
    check_plausible,
    check_rows,
    check_words,
    distinct,
    extension,
    is_glove,
    is_keyedvectors,
    is_word2vec_bin,
    is_word2vec_text,
    not_glove,
    not_keyedvectors,
    not_word2vec_bin,
    not_word2vec_text,
    open_stream,
    show,
    sniff,
    vector_error,
)

if TYPE_CHECKING:
    import os

    from gensim.models import KeyedVectors
    from numpy.typing import ArrayLike

__all__ = [
    "FORMATS",
    "check_writable_words",
    "detect_format",
    "read_vectors",
    "to_keyedvectors",
    "vector_dimension",
    "write_vectors",
]

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------

def _gensim_keyed_vectors() -> type[KeyedVectors]:
    """gensim's KeyedVectors, imported on first use: gensim takes a second or two to import,
    which the CLI's --help and a training run that never touches a vector file should not pay."""
    from gensim.models import KeyedVectors

    return KeyedVectors


def _as_float32(array: np.ndarray) -> np.ndarray:
    """``array`` itself when already native float32 C-contiguous, else a converted copy.

    ``np.ascontiguousarray`` would return a *view* when the dtype object differs from
    numpy's canonical one (arrays unpickled by ``KeyedVectors.load``): no data is copied,
    but callers could not rely on getting the very array they (or gensim) allocated.
    """
    if array.dtype == np.float32 and array.dtype.isnative and array.flags.c_contiguous:
        return array
    return np.ascontiguousarray(array, dtype=np.float32)


def _rows_to_read(path: Path, s: Sniff, limit: int | None) -> int:
    """The header's count (checked against the file's size), or GloVe's rows counted first, as gensim
    does, so the matrix is allocated once; at most ``limit``."""
    if s.header is None:
        return count_lines(path, limit)
    n = s.header[0] if limit is None else min(s.header[0], limit)
    check_plausible(path, s, n)
    return n


def _read_binary(path: Path, s: Sniff, limit: int | None) -> tuple[list[str], np.ndarray]:
    words, vectors = read_binary(path, s, _rows_to_read(path, s, limit))
    check_words(path, s.fmt, words)
    return words, vectors


def _read_text(path: Path, s: Sniff, limit: int | None) -> tuple[list[str], np.ndarray]:
    assert s.dim is not None
    words, vectors = read_text(path, s, _rows_to_read(path, s, limit), s.dim)
    check_words(path, s.fmt, words)
    return words, vectors


def _read_keyedvectors(path: Path, s: Sniff, limit: int | None) -> tuple[list[str], np.ndarray]:
    assert s.fmt is not None
    # With a limit, memory-map separately stored arrays so only the rows kept are read
    # (gensim cannot mmap compressed files).
    mmap = "r" if limit is not None and path.suffix.lower() not in COMPRESSED_SUFFIXES else None
    logger.warning("%s: loading a pickle (format '%s') runs code from the file: do this only for files "
                   "from a source you trust", path, s.fmt.name)
    try:
        obj = _gensim_keyed_vectors().load(str(path), mmap=mmap)
    except FileNotFoundError as exc:
        # Large arrays are saved next to the pickle as <name>.vectors.npy.
        raise MissingFileError(f"{path}: a file saved alongside it is missing: {exc.filename or exc}") from exc
    except Exception as exc:  # unpickling damaged data can raise almost anything
        raise vector_error(path, f"cannot load as a gensim KeyedVectors file (damaged?): {describe(exc)}") \
            from exc
    # A full gensim Word2Vec/FastText model saved with .save() carries its vectors in .wv.
    kv_class = _gensim_keyed_vectors()
    kv = obj if isinstance(obj, kv_class) else getattr(obj, "wv", None)
    if not isinstance(kv, kv_class):
        raise vector_error(path, f"holds a {type(obj).__name__} object, not gensim KeyedVectors")
    words, vectors = kv.index_to_key, kv.vectors
    if not isinstance(words, list) or not isinstance(vectors, np.ndarray) or vectors.ndim != 2 \
            or len(words) != vectors.shape[0]:
        raise vector_error(path, "KeyedVectors object is inconsistent (keys and vectors differ in number)")
    for key in words:
        if type(key) is not str:
            # Doc2Vec document vectors, for instance, are keyed by int.
            raise vector_error(path, f"KeyedVectors keys are not all strings (e.g. {key!r}); not a set of word vectors")
    if len(kv.key_to_index) != len(words) or len(set(words)) != len(words):
        raise vector_error(path, "KeyedVectors object has duplicate keys")
    if "" in kv.key_to_index:
        raise vector_error(path, f"empty word at vector #{kv.key_to_index[''] + 1}")
    if not words:
        raise vector_error(path, "KeyedVectors object holds no vectors")
    if limit is not None and limit < len(words):
        words = words[:limit]
        vectors = np.array(vectors[:limit], dtype=np.float32, order="C")
    else:
        # No copy when it is already float32 C-contiguous (the usual case).
        vectors = _as_float32(vectors)
    check_rows(path, s.fmt, words, vectors)
    return words, vectors


def _write_binary(fout: BinaryIO, path: Path, words: list[str], vectors: np.ndarray, order: np.ndarray | None) -> None:
    write_rows(fout, path, words, vectors, True, order)


def _write_text(fout: BinaryIO, path: Path, words: list[str], vectors: np.ndarray, order: np.ndarray | None) -> None:
    write_rows(fout, path, words, vectors, False, order)


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("word2vec-bin", "word2vec binary (the C tool's format: compact and exact)", pickle=False,
           sniff=is_word2vec_bin, mismatch=not_word2vec_bin, read=_read_binary,
           write=_write_binary, extensions=(".bin",)),
    Format("word2vec-text", "word2vec text (fastText's .vec files too)", pickle=False,
           sniff=is_word2vec_text, mismatch=not_word2vec_text, read=_read_text,
           write=_write_text, extensions=(".txt", ".vec"), first_line=2),
    Format("glove", "GloVe text (word2vec text without the header line)", pickle=False,
           sniff=is_glove, mismatch=not_glove, read=_read_text, extensions=(".txt",), first_line=1),
    Format("keyedvectors", "a gensim KeyedVectors.save or .model file", pickle=True,
           sniff=is_keyedvectors, mismatch=not_keyedvectors, read=_read_keyedvectors, extensions=(".kv", ".model")),
)}
"""The vector formats by name: what ``format=`` (and the CLI's ``--format``) accepts, in this order."""

#: The format a file is written in when neither a format nor its name's extension asks for another.
WRITE_DEFAULT = "word2vec-bin"


def _sniffed_as(s: Sniff) -> Format | None:
    """The format whose test of the first bytes holds (at most one does), or None."""
    return next((f for f in FORMATS.values() if f.sniff(s)), None)


def _detected(path: Path, s: Sniff) -> Format:
    """The format the first bytes are in; the sniffer's explanation when none."""
    found = _sniffed_as(s)
    if found is None:
        raise vector_error(path, s.problem or "not a recognised word-vector file")
    return found


def resolve_format(path: Path, requested: str | None) -> Sniff:
    """Sniff the file and settle its format (``s.fmt``): the one detected, or ``requested`` if the content allows.

    Raises
    ------
    ConfigError
        ``requested`` is not a format name.
    UntrustedFileError
        ``requested`` is None and the file is a pickle: auto-detection never loads one.
    VectorFileError
        The content is in no format, or not in ``requested`` (the message says which it is in).
    """
    if requested is not None and requested not in FORMATS:
        raise ConfigError(f"format must be one of {', '.join(FORMATS)}, got {requested!r}")
    s = sniff(path)
    if requested is None:
        found = _detected(path, s)
        if found.pickle:
            raise UntrustedFileError(
                f"{path}: is a pickle ({found.summary}); loading it runs code from the file, so it is never "
                f"loaded by auto-detection: if you trust its source, ask for it by name with --format {found.name} "
                f"(API: format='{found.name}')")
        s.fmt = found
        return s
    wanted, sniffed = FORMATS[requested], _sniffed_as(s)
    problem = (f"looks like {sniffed.summary} (a pickle), not {requested}; use format '{sniffed.name}'"
               if sniffed is not None and sniffed.pickle and sniffed is not wanted else wanted.mismatch(s, sniffed))
    if problem is not None:
        raise vector_error(path, problem)
    s.fmt = wanted
    return s


def detect_format(path: str | os.PathLike) -> str:
    """Guess the format of a word-vector file from its content.

    Parameters
    ----------
    path : str or os.PathLike
        The file; ``.gz``/``.bz2`` (and other smart_open extensions) are decompressed.

    Returns
    -------
    str
        One of :data:`FORMATS`, a pickle's included (which :func:`read_vectors` then loads only
        when it is named).

    Raises
    ------
    MissingFileError
        ``path`` does not exist.
    VectorFileError
        The file is empty, a directory, damaged, or in no supported format.
    """
    p = check_input_path(path)
    return _detected(p, sniff(p)).name


def read_vocab_counts(path: str | os.PathLike) -> dict[str, int]:
    """Word counts of a vocabulary file: one ``word count`` per line (compressed or not).

    The file gensim's ``save_word2vec_format(fvocab=...)``, word2vec.c's ``-save-vocab`` and
    GloVe's ``vocab_count`` write beside the vectors: the counts a vector file lacks.

    Raises
    ------
    VectorFileError
        A line is not a word and a count >= 0, a word is listed twice, or there is no line.
    """
    p = check_input_path(path)
    counts: dict[str, int] = {}
    with open_stream(p) as fin:
        for number, raw in enumerate(fin, 1):
            try:
                fields = raw.decode("utf-8").split()
            except UnicodeDecodeError as exc:
                raise vector_error(p, f"line {number} is not valid UTF-8 ({exc.reason})") from None
            if not fields:
                continue
            if len(fields) != 2 or not fields[1].isdigit():
                raise vector_error(p, f"line {number} is not 'word count': {raw[:80]!r}")
            if fields[0] in counts:
                raise vector_error(p, f"line {number}: {show(fields[0])} is listed twice")
            counts[fields[0]] = int(fields[1])
    if not counts:
        raise vector_error(p, "holds no 'word count' line")
    return counts


def read_vectors(path: str | os.PathLike, format: str | None = None,
                 limit: int | None = None) -> tuple[list[str], np.ndarray]:
    """Read a word-vector file.

    Parameters
    ----------
    path : str or os.PathLike
        The file; compressed files are decompressed according to their extension.
    format : str, optional
        One of :data:`FORMATS`; ``None`` detects it (:func:`detect_format`) but never
        loads a pickle. A format that contradicts the content (GloVe read as word2vec,
        ...) is refused.
    limit : int, optional
        Read only the first ``limit`` vectors.

    Returns
    -------
    words : list of str
        In file order.
    vectors : numpy.ndarray
        float32, C-contiguous, shape ``(len(words), dim)``; allocated once and filled
        as the file is read (for ``keyedvectors``: the array gensim loaded, not a copy).

    Raises
    ------
    MissingFileError
        ``path`` does not exist.
    UntrustedFileError
        ``format`` is None and the file is a pickle (``KeyedVectors.save``): loading it
        would run code from the file, so it needs ``format="keyedvectors"``.
    VectorFileError
        The file is malformed; the message names the file, the problem and, where it
        applies, the line or vector and the word.
    ConfigError
        ``format`` or ``limit`` is invalid.
    """
    limit = check_limit(limit)
    p = check_input_path(path)
    s = resolve_format(p, format)
    assert s.fmt is not None
    words, vectors = s.fmt.read(p, s, limit)
    logger.info("read %d vectors of dimension %d from %s (%s)", len(words), vectors.shape[1], p, s.fmt.name)
    return words, vectors


def vector_dimension(path: str | os.PathLike, format: str | None = None) -> int | None:
    """The dimension of a word-vector file from its header (GloVe: its first row), reading no vectors;
    None for a KeyedVectors pickle (nothing is known before it is unpickled).

    Raises what :func:`read_vectors` raises for a missing file or an unrecognised format.
    """
    return resolve_format(check_input_path(path), format).dim


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
                    counts: ArrayLike | None = None) -> KeyedVectors:
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
        for dup in words:
            if dup in seen:
                raise ValueError(f"duplicate word {show(dup)}")
            seen.add(dup)
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


def _no_separators(words: list[str]) -> bool:
    """Whether no word holds a space or a newline (joined a block at a time)."""
    step = 1 << 16
    for start, stop in blocks(len(words), step):
        block = words[start:stop]
        joined = "\n".join(block)
        if " " in joined or joined.count("\n") != len(block) - 1:
            return False
    return True


def check_writable_words(path: str | os.PathLike, words: Sequence[str]) -> None:
    """Refuse words that no vector format can write and read back, naming ``path`` and the first such word.

    What :func:`write_vectors` checks, for a caller that must know before it writes anything else
    (the CLI saves a model and then its vectors: a refusal after the first would leave it behind).

    Raises
    ------
    VectorFileError
        A word is not a string, is empty, duplicated, holds a space or newline, or is not valid Unicode.
    """
    p = Path(path)
    _check_writable_words(p, list(words))
    try:
        "\n".join(words).encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate in a word
        raise vector_error(p, f"cannot write: a word is not valid Unicode ({describe(exc)})") from None


def _check_writable_words(path: Path, words: list) -> None:
    """Refuse words that would not read back as written, naming the first one."""
    # C-level checks first (3M words in about a second); the loop below only finds the culprit.
    # Blocks of words and hashes rather than one joined string and a set of every word: at
    # GoogleNews scale those would cost ~0.4 GB on top of the matrix being written.
    if all(isinstance(w, str) for w in words) and "" not in words and _no_separators(words) and distinct(words):
        return
    seen: set[str] = set()
    for w in words:
        # The formats separate words by a space and rows by "\n", and gensim strips a
        # leading "\n" from binary words: such words would not read back as written.
        if not isinstance(w, str) or not w or " " in w or "\n" in w or w in seen:
            problem = ("is not a string" if not isinstance(w, str) else "is empty" if not w
                       else "is duplicated" if w in seen else "contains a space or newline")
            raise vector_error(path, f"cannot write: word {show(w) if isinstance(w, str) else repr(w)} {problem}")
        seen.add(w)


def _format_to_write(path: Path, format: str | None, binary: bool | None) -> Format:
    """The format asked for, else the writable one whose extensions include the name's, else :data:`WRITE_DEFAULT`."""
    if binary is not None:
        if format is not None:
            raise ConfigError("pass format or binary, not both")
        format = "word2vec-bin" if binary else "word2vec-text"  # gensim's flag
    if format is None:
        return next((f for f in FORMATS.values() if f.write is not None and extension(path) in f.extensions),
                    FORMATS[WRITE_DEFAULT])
    fmt = FORMATS.get(format)
    if fmt is None or fmt.write is None:
        writable = ", ".join(name for name, f in FORMATS.items() if f.write is not None)
        raise ConfigError(f"format must be one of {writable} (the formats fastw2v writes), got {format!r}")
    return fmt


def write_vectors(path: str | os.PathLike, words: Sequence[str], vectors: ArrayLike,
                  binary: bool | None = None, order: np.ndarray | None = None, *, format: str | None = None) -> None:
    """Write vectors in a writable format of :data:`FORMATS` (word2vec binary or text), atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Target file; a ``.gz``/``.bz2`` name is compressed. A previous file there is
        replaced only once the new one is complete.
    words : sequence of str
        Distinct, non-empty words without spaces or newlines, in the order to write.
    vectors : array_like
        Finite values, shape ``(len(words), dim)``.
    binary : bool, optional
        gensim's flag: ``format="word2vec-bin"`` (True) or ``"word2vec-text"`` (False).
    order : int64[len(words)], optional
        Write row ``order[i]`` of ``vectors`` as the ``i``-th vector (of word ``words[i]``), a
        block at a time: a permuted export of a large matrix without a permuted copy of it.
    format : str, optional
        A format of :data:`FORMATS` that has a writer. Default: the one whose ``extensions`` hold the
        name's (``.txt``/``.vec``, compressed or not: word2vec text), else :data:`WRITE_DEFAULT`.

    Raises
    ------
    ConfigError
        ``format`` is not a writable format, or both ``format`` and ``binary`` are given.
    VectorFileError
        The words or vectors cannot be written as a file that reads back correctly;
        the message names the target and the problem.
    """
    p = Path(path)
    fmt = _format_to_write(p, format, binary)
    assert fmt.write is not None
    if p.is_dir():
        raise vector_error(p, "is a directory; cannot write vectors there")
    try:
        words, vectors = _as_matrix(words, vectors)
    except ValueError as exc:
        raise vector_error(p, f"cannot write: {exc}") from None
    if not words or vectors.shape[1] == 0:
        raise vector_error(p, f"cannot write an empty set of vectors (shape {vectors.shape})")
    _check_writable_words(p, words)
    row_words: np.ndarray | list[str]
    if order is not None:
        order = np.asarray(order, dtype=np.int64)
        if order.shape != (len(words),) or not np.array_equal(np.sort(order), np.arange(len(words))):
            raise vector_error(p, f"cannot write: order must be a permutation of the {len(words)} rows")
        row_words = np.empty(len(words), dtype=object)
        row_words[order] = words  # the word of each row, so that a bad row is named by its own word
    else:
        row_words = words
    check_rows(p, None, row_words, vectors)  # NaN/inf would make a file read_vectors refuses
    try:
        # tmp ends with the target's name, so smart_open compresses a .gz/.bz2 target too.
        with atomic_file(p) as tmp, smart_open.open(str(tmp), "wb") as fout:
            fmt.write(fout, p, words, vectors, order)
    except UnicodeEncodeError as exc:  # a lone surrogate in a word
        raise vector_error(p, f"cannot write: a word is not valid Unicode ({describe(exc)})") from None
    compressed = f", {p.suffix[1:]}-compressed" if p.suffix.lower() in COMPRESSED_SUFFIXES else ""
    logger.info("wrote %d vectors of dimension %d to %s (%s%s)", len(words), vectors.shape[1], p, fmt.name, compressed)
