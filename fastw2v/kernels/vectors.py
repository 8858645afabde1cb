"""Vector-file kernels: parsing word2vec binary rows out of a block, packing rows for writing.

Called by :mod:`fastw2v.vector_blocks` once per block (16-64 MB), so the per-row work of
reading or writing millions of rows runs in compiled loops rather than in Python.
"""
from __future__ import annotations

from numba import njit


@njit(cache=True, nogil=True)
def _next_row(buf, pos, end, vec_bytes, max_word):
    """The word2vec binary row starting at ``buf[pos]``: ``(word start, word end, status)``.

    The word is ``buf[start:end]`` and its vector the ``vec_bytes`` after the space at
    ``end``. The C tool writes ``"\\n"`` after each vector, so leading ``"\\n"`` bytes of a
    word are dropped, as gensim's reader does. Status 0: a complete row; 1: no space within
    ``max_word`` bytes (malformed); 2: the row is not complete before ``end``.
    """
    stop = min(end, pos + max_word + 1)
    i = pos
    while i < stop and buf[i] != 32:
        i += 1
    if i == stop:
        return pos, pos, 1 if stop - pos > max_word else 2
    if i + 1 + vec_bytes > end:
        return pos, pos, 2
    s = pos
    while s < i and buf[s] == 10:
        s += 1
    return s, i, 0


@njit(cache=True, nogil=True)
def scan_word2vec_binary(buf, end, out, row, words, max_word):
    """Parse the complete word2vec binary rows ``word b" " <4*dim bytes>`` at the start of ``buf[:end]``.

    Parameters
    ----------
    buf : uint8[capacity]
        Block of the file, starting at a row boundary; ``buf[:end]`` holds data.
    out : uint8[n_rows, 4*dim], modified in place
        The float32 matrix viewed as bytes; rows ``row``, ``row + 1``, ... receive the vectors.
    words : uint8[capacity], modified in place
        Receives each parsed word's bytes followed by one ``b" "`` (a space never occurs in a word).
    max_word : int
        A row whose word has no space within this many bytes is malformed.

    Returns
    -------
    (rows parsed, bytes consumed, bytes written to ``words``, status): status 1 when the next
    row's word is longer than ``max_word``, else 0 (stopped at an incomplete row or after the
    last row of ``out``).
    """
    vec_bytes = out.shape[1]
    pos = 0
    w = 0
    done = 0
    while row + done < out.shape[0]:
        s, i, status = _next_row(buf, pos, end, vec_bytes, max_word)
        if status:
            return done, pos, w, 1 if status == 1 else 0
        for k in range(s, i):
            words[w] = buf[k]
            w += 1
        words[w] = 32
        w += 1
        out[row + done, :] = buf[i + 1:i + 1 + vec_bytes]
        done += 1
        pos = i + 1 + vec_bytes
    return done, pos, w, 0


@njit(cache=True, nogil=True)
def index_word2vec_binary(data, pos, vec_bytes, max_word, word_start, word_end):
    """Locate up to ``len(word_start)`` rows of a word2vec binary file mapped as ``data``, from ``data[pos]``.

    Row ``r``'s word is ``data[word_start[r]:word_end[r]]`` and its vector starts at
    ``word_end[r] + 1``. Returns ``(rows found, position after them, status)``, status as
    :func:`scan_word2vec_binary`'s.
    """
    end = data.shape[0]
    for done in range(word_start.shape[0]):
        s, i, status = _next_row(data, pos, end, vec_bytes, max_word)
        if status:
            return done, pos, 1 if status == 1 else 0
        word_start[done] = s
        word_end[done] = i
        pos = i + 1 + vec_bytes
    return word_start.shape[0], pos, 0


@njit(cache=True, nogil=True)
def gather_rows(data, word_end, out, row):
    """Copy the vectors located by :func:`index_word2vec_binary` into ``out[row:]`` (uint8 view)."""
    vec_bytes = out.shape[1]
    for r in range(word_end.shape[0]):
        at = word_end[r] + 1
        out[row + r, :] = data[at:at + vec_bytes]


@njit(cache=True, nogil=True)
def gather_words(data, word_start, word_end, words):
    """The located words into ``words``, each followed by one ``b" "``; bytes written."""
    w = 0
    for r in range(word_start.shape[0]):
        for k in range(word_start[r], word_end[r]):
            words[w] = data[k]
            w += 1
        words[w] = 32
        w += 1
    return w


@njit(cache=True, nogil=True)
def pack_rows(word_bytes, row_bytes, row_ends, out):
    """Write ``word b" " row`` for each row into ``out``; the inverse of :func:`scan_word2vec_binary`.

    Parameters
    ----------
    word_bytes : uint8[:]
        The encoded words separated by single spaces (words contain none).
    row_bytes : uint8[:]
        The rows' payloads back to back (float32 bytes, or the text of the numbers).
    row_ends : int64[n_rows]
        End offset of each row's payload in ``row_bytes``.
    out : uint8[len(word_bytes) + 1 + len(row_bytes)], modified in place

    Returns
    -------
    Number of bytes written.
    """
    pos = 0
    w = 0
    start = 0
    for r in range(row_ends.shape[0]):
        while w < word_bytes.shape[0] and word_bytes[w] != 32:
            out[pos] = word_bytes[w]
            pos += 1
            w += 1
        w += 1
        out[pos] = 32
        pos += 1
        n = row_ends[r] - start
        out[pos:pos + n] = row_bytes[start:row_ends[r]]
        pos += n
        start = row_ends[r]
    return pos
