"""Drift between two models: how far the vectors of shared words moved, and where the new words landed."""
from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from ..memory import blocks
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
    for lo, hi in blocks(n, batch):
        sims = unit[lo:hi] @ unit.T
        sims[np.arange(hi - lo), np.arange(lo, hi)] = -np.inf
        out[lo:hi] = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    return out


def _nearest(kv: KeyedVectors, rows: np.ndarray, k: int, search: int | None) -> list[list[tuple[str, float]]]:
    """The ``k`` nearest words (cosine) of each row among the first ``search`` words of ``kv`` (None: all),
    best first.

    Candidates are scored a block of rows at a time, keeping the best ``k`` so far, so a 3M-word
    model is searched without a float copy of its whole matrix.
    """
    search = len(kv.index_to_key) if search is None else min(search, len(kv.index_to_key))
    k = min(k, search - 1 if search > 0 else 0)
    if k < 1:
        return [[] for _ in rows]
    queries = unit_rows(float_vectors(kv, rows))
    best_sims = np.full((len(rows), 0), -np.inf)
    best_rows = np.zeros((len(rows), 0), dtype=np.int64)
    step = max(k + 1, (64 << 20) // (4 * (queries.shape[1] + len(rows))))  # ~64 MB of candidates and scores
    for lo, hi in blocks(search, step):
        cand = float_vectors(kv, slice(lo, hi))
        sims = (queries @ cand.T) * inverse_norms(cand)
        inside = (rows >= lo) & (rows < hi)
        sims[np.flatnonzero(inside), rows[inside] - lo] = -np.inf  # a word is not its own neighbour
        sims = np.concatenate([best_sims, sims], axis=1)
        ids = np.concatenate([best_rows, np.broadcast_to(np.arange(lo, hi), (len(rows), hi - lo))], axis=1)
        keep = np.argpartition(-sims, k - 1, axis=1)[:, :k] if sims.shape[1] > k else np.argsort(-sims, axis=1)
        best_sims = np.take_along_axis(sims, keep, axis=1)
        best_rows = np.take_along_axis(ids, keep, axis=1)
    out = []
    for sims, ids in zip(best_sims, best_rows):
        order = np.lexsort((ids, -sims))  # best first; ties by row, as a single sorted pass would give
        out.append([(kv.index_to_key[j], float(s)) for j, s in zip(ids[order], sims[order]) if np.isfinite(s)])
    return out


def _moved(kv_before: KeyedVectors, kv_after: KeyedVectors, words: list[str],
           n_moved: int) -> tuple[list[tuple[str, float]], int]:
    """The ``n_moved`` of ``words`` whose vectors turned furthest (lowest cosine old/new first), and how many
    changed at all.

    Rows that are bit-identical in both models did not move and are never listed, so a model that
    kept most words exactly as they were shows the few it did change. Blocks of rows bound memory.
    """
    before, after = kv_before.key_to_index, kv_after.key_to_index
    cosines, changed = [], []
    step = 65536
    for lo, hi in blocks(len(words), step):
        block = words[lo:hi]
        vb = float_vectors(kv_before, np.fromiter((before[w] for w in block), dtype=np.int64, count=len(block)))
        va = float_vectors(kv_after, np.fromiter((after[w] for w in block), dtype=np.int64, count=len(block)))
        moved = np.flatnonzero((vb != va).any(axis=1))
        cosines.append(rowwise_cosine(vb[moved], va[moved]))
        changed.append(moved + lo)
    cos, rows = np.concatenate(cosines), np.concatenate(changed)
    order = np.argsort(cos, kind="stable")[:n_moved]
    return [(words[rows[i]], float(cos[i])) for i in order], int(rows.size)


def _shared_words(kv_before: KeyedVectors, kv_after: KeyedVectors, words: Iterable[str] | None,
                  top: int) -> tuple[list[str], list[str], int]:
    """The words to compare, those the most moved are drawn from, and how many given words either model lacks.

    Given ``words``: those both models have (in their order, once each), drawn from themselves; else the
    ``top`` most frequent of ``kv_after`` that ``kv_before`` has, drawn from every word both have.
    """
    before_index, after_index = kv_before.key_to_index, kv_after.key_to_index
    if words is None:
        candidates = [w for w in kv_after.index_to_key if w in before_index]
        shared, missing = candidates[:top], 0
    else:
        unique = list(dict.fromkeys(words))
        shared = [w for w in unique if w in before_index and w in after_index]
        candidates, missing = shared, len(unique) - len(shared)
    if not shared:
        raise EvaluationError("the two models share none of the words to compare")
    return shared, candidates, missing


def _neighbour_overlap(vb: np.ndarray, va: np.ndarray, k: int) -> float:
    """Mean fraction of each row's ``k`` nearest rows (among the rows given) that are the same before and after."""
    nb = np.sort(_knn_within(unit_rows(vb), k), axis=1)
    na = np.sort(_knn_within(unit_rows(va), k), axis=1)
    chunk = max(1, (1 << 22) // (k * k))
    same = np.concatenate([(nb[lo:hi, :, None] == na[lo:hi, None, :]).sum(axis=(1, 2))
                           for lo, hi in blocks(len(vb), chunk)])
    return float(same.mean() / k)


def _new_words(kv_before: KeyedVectors, kv_after: KeyedVectors, n_new: int, k: int,
               search_vocab: int | None) -> tuple[list[NewWord], int]:
    """The first ``n_new`` words of ``kv_after`` absent from ``kv_before`` with their ``k`` nearest neighbours in
    ``kv_after``, and how many such words there are."""
    before_index = kv_before.key_to_index
    new_rows: list[int] = []
    new_total = 0
    for i, w in enumerate(kv_after.index_to_key):
        if w not in before_index:
            new_total += 1
            if len(new_rows) < n_new:
                new_rows.append(i)
    if not new_rows:
        return [], new_total
    neighbours = _nearest(kv_after, np.asarray(new_rows, dtype=np.int64), k, search_vocab)
    return [NewWord(word=kv_after.index_to_key[row], neighbours=found)
            for row, found in zip(new_rows, neighbours)], new_total


def compare(kv_before: KeyedVectors, kv_after: KeyedVectors, words: Iterable[str] | None = None,
            top: int = 1000, k: int = 10, n_moved: int = 20, n_new: int = 20,
            search_vocab: int | None = None) -> DriftReport:
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
        How many of the most moved words to list: among ``words`` when given, else among every
        word both models have (a fine-tuning moves the domain's words, rarely the most frequent).
    n_new : int
        How many words new in ``kv_after`` (absent from ``kv_before``) to list, in ``kv_after``'s
        order (most frequent first), with their ``k`` nearest neighbours in ``kv_after``.
    search_vocab : int, optional
        Search the neighbours of new words among the first ``search_vocab`` words of ``kv_after``
        only (default: all of them, as ``kv_after.most_similar`` does).

    Returns
    -------
    DriftReport
        ``words`` (number compared), ``missing_words``, ``k``, ``cosine_mean``,
        ``cosine_median``, ``cosine_min`` (cosine between each word's old and new vector;
        NaN when the dimensionalities differ), ``overlap_at_k`` (mean fraction of a
        word's ``k`` nearest neighbours -- searched within the compared words -- that are
        the same in both models), ``moved_most`` (list of ``(word, cosine old/new)``, lowest
        first, only words whose vector changed), ``moved_among`` and ``changed_words`` (how many
        words that list was drawn from, and how many of them changed at all),
        ``new_words_total``, ``removed_words_total`` and ``new_words`` (list of
        :class:`NewWord`: ``word`` and ``neighbours``, ``[(word, cosine), ...]``).
    """
    check_at_least(1, top=top, k=k)
    check_at_least(0, n_moved=n_moved, n_new=n_new)
    if search_vocab is not None:
        check_at_least(1, search_vocab=search_vocab)
    before_index, after_index = kv_before.key_to_index, kv_after.key_to_index
    shared, candidates, missing = _shared_words(kv_before, kv_after, words, top)
    n = len(shared)
    rows_before = np.fromiter((before_index[w] for w in shared), dtype=np.int64, count=n)
    rows_after = np.fromiter((after_index[w] for w in shared), dtype=np.int64, count=n)
    vb = float_vectors(kv_before, rows_before)
    va = float_vectors(kv_after, rows_after)
    if vb.shape[1] == va.shape[1]:
        cos = rowwise_cosine(vb, va)
        moved, changed = _moved(kv_before, kv_after, candidates, n_moved)
        cos_stats = (float(cos.mean()), float(np.median(cos)), float(cos.min()))
    else:
        logger.warning("compare: vector sizes differ (%d vs %d); no per-word cosine", vb.shape[1], va.shape[1])
        moved, changed, cos_stats = [], 0, (math.nan, math.nan, math.nan)
    k_eff = min(k, n - 1)
    overlap = _neighbour_overlap(vb, va, k_eff) if k_eff >= 1 else math.nan
    new_words, new_total = _new_words(kv_before, kv_after, n_new, k, search_vocab)
    removed_total = sum(1 for w in kv_before.index_to_key if w not in after_index)
    result = DriftReport(words=n, missing_words=missing, k=k_eff, cosine_mean=cos_stats[0],
                         cosine_median=cos_stats[1], cosine_min=cos_stats[2], overlap_at_k=overlap,
                         moved_most=moved, moved_among=len(candidates), changed_words=changed,
                         new_words_total=new_total, removed_words_total=removed_total, new_words=new_words)
    logger.info("compare: %d words, cosine mean %.4f median %.4f min %.4f, overlap@%d %.4f, %d new, %d removed",
                n, cos_stats[0], cos_stats[1], cos_stats[2], k_eff, overlap, new_total, removed_total)
    return result
