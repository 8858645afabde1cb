"""Trainable layers and the private copies of their hottest rows that each kernel call works on.

With several workers each call works on private copies of the hottest rows: the
Huffman nodes near the root and the most frequent words are touched by nearly
every example, and two cores writing the same cache lines stall each other.
"""
from __future__ import annotations

from collections import namedtuple

from numba import njit

from .codegen import FASTMATH, advance, row_pointer

#: A matrix trained by rows and its per-row learning-rate multipliers: ``w`` float32[n_rows, dim],
#: modified in place, and ``lr`` float32[n_rows] (0 freezes a row: it stays bit-identical).
Layer = namedtuple("Layer", "w lr")


@njit(cache=True, nogil=True)
def buffer_rows(matrix, first, n):
    """Give one kernel call a private copy of ``n`` rows of ``matrix`` from row ``first`` (clipped to the matrix).

    Returns
    -------
    rows : (pointer, pointer, int, int)
        What :func:`row` reads: the shared matrix, the private copy, its first row and row count.
    local, snapshot : float32[n, dim]
        The private copy (to update) and the rows as copied (for :func:`merge_rows`).
    """
    first = max(0, min(first, matrix.shape[0]))
    local = matrix[first:min(matrix.shape[0], first + n)].copy()
    rows = (row_pointer(matrix, 0), row_pointer(local, 0), first, local.shape[0])
    return rows, local, local.copy()


@njit(cache=True, nogil=True, inline="always")
def row(rows, r, dim):
    """Pointer to row ``r``: the private copy if ``r`` is buffered, else the shared matrix."""
    shared, local, first, n_local = rows
    k = r - first
    if k >= 0 and k < n_local:
        return advance(local, k * dim)
    return advance(shared, r * dim)


@njit(cache=True, nogil=True, fastmath=FASTMATH)
def merge_rows(layer, buffer):
    """Add what this call changed in a private copy (:func:`buffer_rows` of ``layer.w``) to the shared rows.

    Hogwild, like every update. Rows with a zero learning rate are skipped, so frozen
    rows stay bit-identical.
    """
    (_, _, first, _), local, snapshot = buffer
    for k in range(local.shape[0]):
        if layer.lr[first + k] != 0:
            for c in range(layer.w.shape[1]):
                layer.w[first + k, c] += local[k, c] - snapshot[k, c]
