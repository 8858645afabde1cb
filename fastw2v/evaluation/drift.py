"""Drift between two models: how far the vectors of shared words moved, and where the new words landed."""
from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Iterable

import numpy as np

from .checks import EvaluationError, check_at_least
from .results import DriftReport, NewWord
from .vocab import float_vectors, inverse_norms, rowwise_cosine, unit_rows

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

logger = logging.getLogger(__package__)


def _knn_within(unit: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` nearest rows (cosine, self excluded) of each row of ``unit``; unsorted."""
    n = len(unit)
    batch = max(1, (1 << 23) // max(n, 1))
    out = np.empty((n, k), dtype=np.int64)
    for lo in range(0, n, batch):
        hi = min(lo + batch, n)
        sims = unit[lo:hi] @ unit.T
        sims[np.arange(hi - lo), np.arange(lo, hi)] = -np.inf
        out[lo:hi] = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    return out


def _nearest(kv: "KeyedVectors", rows: np.ndarray, k: int, search: int) -> list[list[tuple[str, float]]]:
    """The ``k`` nearest words (cosine) of each row among the first ``search`` words of ``kv``, best first."""
    search = min(search, len(kv.index_to_key))
    cand = float_vectors(kv, slice(0, search))
    inv = inverse_norms(cand)
    queries = unit_rows(float_vectors(kv, rows))
    sims = (queries @ cand.T) * inv
    inside = rows < search
    sims[np.flatnonzero(inside), rows[inside]] = -np.inf
    k = min(k, search - 1 if search > 0 else 0)
    if k < 1:
        return [[] for _ in rows]
    top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    out = []
    for i in range(len(rows)):
        order = top[i][np.argsort(-sims[i, top[i]], kind="stable")]
        out.append([(kv.index_to_key[j], float(sims[i, j])) for j in order if np.isfinite(sims[i, j])])
    return out


def compare(kv_before: "KeyedVectors", kv_after: "KeyedVectors", words: Iterable[str] | None = None,
            top: int = 1000, k: int = 10, n_moved: int = 20, n_new: int = 20,
            search_vocab: int = 50000) -> DriftReport:
    """Measure how much the vectors of shared words changed between two models.

    Parameters
    ----------
    kv_before, kv_after : gensim.models.KeyedVectors
        The models (e.g. before and after further training or fine-tuning).
    words : iterable of str, optional
        Words to compare (those missing from either model are counted in
        ``missing_words``); default: the ``top`` most frequent words of ``kv_after`` that
        ``kv_before`` also has.
    top : int
        Number of shared words compared when ``words`` is None.
    k : int
        Neighbourhood size for the overlap (capped at the number of compared words - 1).
    n_moved : int
        How many of the most moved words to list.
    n_new : int
        How many words new in ``kv_after`` (absent from ``kv_before``) to list, most
        frequent first, with their ``k`` nearest neighbours in ``kv_after``.
    search_vocab : int
        Neighbours of new words are searched among the first ``search_vocab`` words of
        ``kv_after`` (bounds the cost on large vocabularies).

    Returns
    -------
    DriftReport
        ``words`` (number compared), ``missing_words``, ``k``, ``cosine_mean``,
        ``cosine_median``, ``cosine_min`` (cosine between each word's old and new vector;
        NaN when the dimensionalities differ), ``overlap_at_k`` (mean fraction of a
        word's ``k`` nearest neighbours -- searched within the compared words -- that are
        the same in both models), ``moved_most`` (list of ``(word, cosine)``, lowest
        cosine first), ``new_words_total``, ``removed_words_total`` and ``new_words``
        (list of :class:`NewWord`: ``word`` and ``neighbours``, ``[(word, cosine), ...]``).
    """
    check_at_least(1, top=top, k=k)
    check_at_least(0, n_moved=n_moved, n_new=n_new, search_vocab=search_vocab)
    before_index, after_index = kv_before.key_to_index, kv_after.key_to_index
    missing = 0
    if words is None:
        shared = []
        for w in kv_after.index_to_key:
            if w in before_index:
                shared.append(w)
                if len(shared) == top:
                    break
    else:
        shared = []
        for w in dict.fromkeys(words):
            if w in before_index and w in after_index:
                shared.append(w)
            else:
                missing += 1
    n = len(shared)
    if n == 0:
        raise EvaluationError("the two models share none of the words to compare")
    rows_before = np.fromiter((before_index[w] for w in shared), dtype=np.int64, count=n)
    rows_after = np.fromiter((after_index[w] for w in shared), dtype=np.int64, count=n)
    vb = float_vectors(kv_before, rows_before)
    va = float_vectors(kv_after, rows_after)
    if vb.shape[1] == va.shape[1]:
        cos = rowwise_cosine(vb, va)
        order = np.argsort(cos, kind="stable")[:n_moved]
        moved = [(shared[i], float(cos[i])) for i in order]
        cos_stats = (float(cos.mean()), float(np.median(cos)), float(cos.min()))
    else:
        logger.warning("compare: vector sizes differ (%d vs %d); no per-word cosine", vb.shape[1], va.shape[1])
        moved, cos_stats = [], (math.nan, math.nan, math.nan)
    k_eff = min(k, n - 1)
    if k_eff >= 1:
        nb = np.sort(_knn_within(unit_rows(vb), k_eff), axis=1)
        na = np.sort(_knn_within(unit_rows(va), k_eff), axis=1)
        chunk = max(1, (1 << 22) // (k_eff * k_eff))
        same = np.concatenate([(nb[i:i + chunk, :, None] == na[i:i + chunk, None, :]).sum(axis=(1, 2))
                               for i in range(0, n, chunk)])
        overlap = float(same.mean() / k_eff)
    else:
        overlap = math.nan
    new_rows = []
    new_total = 0
    for i, w in enumerate(kv_after.index_to_key):
        if w not in before_index:
            new_total += 1
            if len(new_rows) < n_new:
                new_rows.append(i)
    removed_total = sum(1 for w in kv_before.index_to_key if w not in after_index)
    new_words = []
    if new_rows:
        rows = np.asarray(new_rows, dtype=np.int64)
        for row, neighbours in zip(new_rows, _nearest(kv_after, rows, k, search_vocab)):
            new_words.append(NewWord(word=kv_after.index_to_key[row], neighbours=neighbours))
    result = DriftReport(words=n, missing_words=missing, k=k_eff, cosine_mean=cos_stats[0],
                         cosine_median=cos_stats[1], cosine_min=cos_stats[2], overlap_at_k=overlap,
                         moved_most=moved, new_words_total=new_total, removed_words_total=removed_total,
                         new_words=new_words)
    logger.info("compare: %d words, cosine mean %.4f median %.4f min %.4f, overlap@%d %.4f, %d new, %d removed",
                n, cos_stats[0], cos_stats[1], cos_stats[2], k_eff, overlap, new_total, removed_total)
    return result
