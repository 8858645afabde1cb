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
    A pickle written by gensim's ``KeyedVectors.save`` (or a whole gensim model's
    ``.save``). Loading a pickle runs code named in it, so it is read only when asked
    for by name (``format="keyedvectors"``), never by auto-detection.

Any of them may be compressed (``.gz``, ``.bz2``, ...: smart_open picks the codec from
the file name). :mod:`fastw2v.vector_formats` sniffs the format and checks the header
beforehand; :mod:`fastw2v.vector_blocks` parses and writes the word2vec and GloVe
formats block by block, with gensim's semantics (same words, same float32 values, same
bytes written) but without a Python object per value; gensim reads and writes only
KeyedVectors pickles and provides :func:`to_keyedvectors`. Every problem is a one-line
:class:`~fastw2v.errors.VectorFileError` naming the file and the problem, including
what gensim lets through silently (duplicate words, NaN/inf values, one-number rows).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np
import smart_open

from .atomic import atomic_file
from .errors import MissingFileError, describe
from .vector_blocks import count_lines, read_binary, read_text, write_rows
from .vector_formats import (COMPRESSED_SUFFIXES, FORMATS, Sniff, check_input_path, check_limit, check_plausible,
                             check_rows, check_words, detect_format, distinct, open_stream, resolve_format, show,
                             vector_error, written_format)

if TYPE_CHECKING:
    import os

    from gensim.models import KeyedVectors
    from numpy.typing import ArrayLike

__all__ = ["FORMATS", "detect_format", "read_vectors", "vector_dimension", "write_vectors", "to_keyedvectors"]

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------

def _gensim_keyed_vectors() -> type:
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


def _read_word2vec(path: Path, s: Sniff, limit: int | None) -> tuple[list[str], np.ndarray]:
    fmt = s.fmt
    assert fmt is not None
    if s.header is not None:
        n, dim = s.header[0] if limit is None else min(s.header[0], limit), s.header[1]
        check_plausible(path, s, n)
    else:
        assert s.glove_dim is not None
        # GloVe has no header: count the rows first (gensim does too), so the matrix is allocated once.
        n, dim = count_lines(path, limit), s.glove_dim
    if fmt == "word2vec-bin":
        words, vectors = read_binary(path, s, n)
    else:
        words, vectors = read_text(path, s, n, dim)
    check_words(path, fmt, words)
    return words, vectors


def _read_keyedvectors(path: Path, limit: int | None) -> tuple[list[str], np.ndarray]:
    # With a limit, memory-map separately stored arrays so only the rows kept are read
    # (gensim cannot mmap compressed files).
    mmap = "r" if limit is not None and path.suffix.lower() not in COMPRESSED_SUFFIXES else None
    logger.warning("%s: loading a pickle (format 'keyedvectors') runs code from the file: do this only for files "
                   "from a source you trust", path)
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
    check_rows(path, "keyedvectors", words, vectors)
    return words, vectors


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
    if s.fmt == "keyedvectors":
        words, vectors = _read_keyedvectors(p, limit)
    else:
        words, vectors = _read_word2vec(p, s, limit)
    logger.info("read %d vectors of dimension %d from %s (%s)", len(words), vectors.shape[1], p, s.fmt)
    return words, vectors


def vector_dimension(path: str | os.PathLike, format: str | None = None) -> int | None:
    """The dimension of a word-vector file from its header (GloVe: its first row), reading no vectors;
    None for a KeyedVectors pickle (nothing is known before it is unpickled).

    Raises what :func:`read_vectors` raises for a missing file or an unrecognised format.
    """
    s = resolve_format(check_input_path(path), format)
    if s.fmt == "keyedvectors":
        return None
    return s.header[1] if s.header is not None else s.glove_dim


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
        raise ValueError(f"duplicate word {show(dup)}")
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
    for start in range(0, len(words), step):
        block = words[start:start + step]
        joined = "\n".join(block)
        if " " in joined or joined.count("\n") != len(block) - 1:
            return False
    return True


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


def write_vectors(path: str | os.PathLike, words: Sequence[str], vectors: ArrayLike,
                  binary: bool | None = None, order: np.ndarray | None = None) -> None:
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
    binary : bool, optional
        Binary (compact, exact) or text format; default: from the name (``.txt``/``.vec``, compressed or
        not, are text; anything else binary).
    order : int64[len(words)], optional
        Write row ``order[i]`` of ``vectors`` as the ``i``-th vector (of word ``words[i]``), a
        block at a time: a permuted export of a large matrix without a permuted copy of it.

    Raises
    ------
    VectorFileError
        The words or vectors cannot be written as a file that reads back correctly;
        the message names the target and the problem.
    """
    p = Path(path)
    if binary is None:
        binary = written_format(p) == "word2vec-bin"
    if p.is_dir():
        raise vector_error(p, "is a directory; cannot write vectors there")
    try:
        words, vectors = _as_matrix(words, vectors)
    except ValueError as exc:
        raise vector_error(p, f"cannot write: {exc}") from None
    if not words or vectors.shape[1] == 0:
        raise vector_error(p, f"cannot write an empty set of vectors (shape {vectors.shape})")
    _check_writable_words(p, words)
    if order is not None:
        order = np.asarray(order, dtype=np.int64)
        if order.shape != (len(words),) or not np.array_equal(np.sort(order), np.arange(len(words))):
            raise vector_error(p, f"cannot write: order must be a permutation of the {len(words)} rows")
        row_words = np.empty(len(words), dtype=object)
        row_words[order] = words  # the word of each row, so that a bad row is named by its own word
    else:
        row_words = words
    check_rows(p, "keyedvectors", row_words, vectors)  # NaN/inf would make a file read_vectors refuses
    try:
        with atomic_file(p) as tmp:
            # tmp ends with the target's name, so smart_open compresses a .gz/.bz2 target too.
            with smart_open.open(str(tmp), "wb") as fout:
                write_rows(fout, p, words, vectors, binary, order)
    except UnicodeEncodeError as exc:  # a lone surrogate in a word
        raise vector_error(p, f"cannot write: a word is not valid Unicode ({describe(exc)})") from None
    compressed = f", {p.suffix[1:]}-compressed" if p.suffix.lower() in COMPRESSED_SUFFIXES else ""
    logger.info("wrote %d vectors of dimension %d to %s (%s%s)", len(words), vectors.shape[1], p,
                "word2vec-bin" if binary else "word2vec-text", compressed)
