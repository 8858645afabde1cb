"""Anchoring: the proximal step that pulls fine-tuned input rows toward their original vectors."""
from __future__ import annotations

import numpy as np
from numba import njit

from .codegen import FASTMATH


@njit(cache=True, nogil=True, fastmath=FASTMATH)
def anchor_pull(w_in, anchor, anchor_index, token_ids, start, end, lr, strength):
    """Proximal L2 step toward original vectors for every anchored token in ``token_ids[start:end]``.

    Each occurrence of an anchored word applies the exact proximal step of the
    penalty ``strength[a] / 2 * ||w - w0||^2``: ``w <- w0 + (w - w0) / (1 + lr * strength[a])``.
    Unlike a plain gradient step it is stable for any strength, and a huge one
    pins the row to ``w0``.

    Parameters
    ----------
    w_in : float32[n_words, dim], modified in place
    anchor : float32[n_anchored, dim]
        Original vectors.
    anchor_index : int32[n_words]
        Row of ``anchor`` for each word, -1 for words not anchored.
    strength : float64[n_anchored]
        Strength per anchored row (float64, so a uniform strength gives the step a
        scalar strength gave: ``lr * strength`` is rounded to float32 once).
    """
    dim = w_in.shape[1]
    for k in range(start, end):
        word = token_ids[k]
        a = anchor_index[word]
        if a < 0:
            continue
        shrink = np.float32(1.0) / (np.float32(1.0) + np.float32(lr * strength[a]))
        for c in range(dim):
            w_in[word, c] = anchor[a, c] + (w_in[word, c] - anchor[a, c]) * shrink

