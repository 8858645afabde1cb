"""Bootstrap statistics of the fine-tuning study: intervals over items, pooled over seeds, and paired differences.

Every score of a row is a **statistic of items** (similarity pairs, analogy questions, test
sentences) averaged over the row's seeds. Its bootstrap resamples the items with
replacement and recomputes the statistic for every seed on the same resampled items, then
averages over seeds; the 95% interval is the 2.5 and 97.5 percentiles of those values.

The resampled items depend only on the data set (its size and a fixed seed), never on the
row, so resample ``b`` of any two rows uses identical items: the difference (or ratio) of
two rows' bootstrap values at equal ``b`` is the **paired bootstrap** of the difference.

Statistics (``items`` has one leading axis per seed):

* ``similarity``: Spearman correlation of ``gold[n]`` with ``cosine[seed, n]``;
* ``accuracy``: mean of ``correct[seed, n]``;
* ``f1``: entity F1 from per-sentence ``(correct, gold, predicted)`` counts ``[seed, n, 3]``
  (resampling sentences, the unit the tagger's errors come in).
"""
from __future__ import annotations

from typing import Callable, Iterator

import numpy as np
from scipy import stats

#: Bootstrap resamples and the interval's coverage.
N_BOOT = 1000
LEVEL = 0.95
#: Resamples drawn at a time (bounds memory to ``CHUNK x n_items`` indices).
CHUNK = 100


def resamples(n_items: int, seed: int, n_boot: int = N_BOOT, chunk: int = CHUNK) -> Iterator[np.ndarray]:
    """Blocks of ``int64[<= chunk, n_items]`` item indices drawn with replacement; the same for the same arguments."""
    rng = np.random.default_rng([seed, n_items])
    for start in range(0, n_boot, chunk):
        yield rng.integers(0, n_items, size=(min(chunk, n_boot - start), n_items))


def spearman_rows(gold: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Spearman correlation of each row of ``gold`` with the same row of ``scores`` (average ranks for ties)."""
    rg = stats.rankdata(gold, axis=-1)
    rs = stats.rankdata(scores, axis=-1)
    rg -= rg.mean(axis=-1, keepdims=True)
    rs -= rs.mean(axis=-1, keepdims=True)
    denom = np.sqrt((rg * rg).sum(axis=-1) * (rs * rs).sum(axis=-1))
    out = np.full(denom.shape, np.nan)
    np.divide((rg * rs).sum(axis=-1), denom, out=out, where=denom > 0)
    return out


def similarity_stat(items: tuple[np.ndarray, np.ndarray], idx: np.ndarray) -> np.ndarray:
    """Mean over seeds of Spearman(gold, cosine) on the items ``idx[b]`` of each resample ``b``."""
    gold, cosine = items
    g = gold[idx]
    return np.mean([spearman_rows(g, c[idx]) for c in cosine], axis=0)


def accuracy_stat(items: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Mean over seeds of the share of correct items."""
    return np.mean([c[idx].mean(axis=-1) for c in items], axis=0)


def f1_stat(items: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Mean over seeds of entity F1 from summed (correct, gold, predicted) counts."""
    out = []
    for counts in items:
        correct, gold, predicted = (counts[idx, k].sum(axis=-1).astype(np.float64) for k in range(3))
        denom = gold + predicted
        out.append(np.divide(2 * correct, denom, out=np.zeros_like(denom), where=denom > 0))
    return np.mean(out, axis=0)


STATISTICS: dict[str, Callable[..., np.ndarray]] = {"similarity": similarity_stat, "accuracy": accuracy_stat,
                                                     "f1": f1_stat}


def point(kind: str, items, n_items: int) -> float:
    """The pooled statistic ``kind`` on all ``n_items`` items."""
    return float(STATISTICS[kind](items, np.arange(n_items)[None, :])[0])


def score(kind: str, items, n_items: int, seed: int, n_boot: int = N_BOOT) -> tuple[float, np.ndarray]:
    """The pooled statistic on all items and its ``n_boot`` bootstrap values (float64[n_boot])."""
    stat = STATISTICS[kind]
    boot = np.concatenate([stat(items, idx) for idx in resamples(n_items, seed, n_boot)])
    return point(kind, items, n_items), boot


def interval(boot: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """Percentile interval of bootstrap values (NaN values, e.g. constant resamples, ignored)."""
    tail = 100 * (1 - level) / 2
    lo, hi = np.nanpercentile(boot, [tail, 100 - tail])
    return float(lo), float(hi)
