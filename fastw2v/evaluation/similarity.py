"""Word similarity: Spearman/Pearson correlation of cosine similarity with human scores.

Equal to gensim's ``KeyedVectors.evaluate_word_pairs`` with the same settings (cosine,
``case_insensitive`` by upper-casing with the most frequent case variant winning,
``restrict_vocab``); in addition, pairs with a multi-word term can be scored with the mean
of the words' vectors, and a fixed pair subset (:func:`common_pairs`) compares models on
identical pairs.
"""
from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Collection, Iterable, Sequence

import numpy as np
from scipy import stats

from .checks import EvaluationError, check_multiword
from .readers import PathLike, _term, file_name, read_similarity_pairs
from .results import SimilarityResult
from .vocab import Vocab, float_vectors, rowwise_cosine

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

logger = logging.getLogger(__package__)


def _correlations(gold: np.ndarray, model: np.ndarray) -> tuple[float, float]:
    """Spearman and Pearson coefficients, NaN where undefined (fewer than 2 pairs or a constant side)."""
    if len(gold) < 2 or np.ptp(gold) == 0 or np.ptp(model) == 0:
        return math.nan, math.nan
    spearman = float(stats.spearmanr(gold, model).statistic)
    pearson = float(stats.pearsonr(gold, model).statistic)
    return spearman, pearson


def score_similarity(kv: "KeyedVectors", data: Sequence[tuple[str, str, float]], name: str, vocab: Vocab,
                     multiword: str, pairs: Collection[tuple[str, str]] | None) -> SimilarityResult:
    """Score parsed pairs ``data`` (see :func:`evaluate_similarity`); ``multiword`` is already checked."""
    subset = None if pairs is None else {(vocab.fold(_term(w1)), vocab.fold(_term(w2))) for w1, w2 in pairs}
    gold: list[float] = []
    rows: list[int] = []      # concatenated word rows of the first then second terms, per used pair
    lengths: list[int] = []   # number of words per term, alternating first/second
    oov = multi_skipped = multi_used = excluded = restricted = 0
    for w1, w2, score in data:
        if subset is not None and (vocab.fold(w1), vocab.fold(w2)) not in subset:
            excluded += 1
            continue
        is_multi = " " in w1 or " " in w2
        if is_multi and multiword == "skip":
            multi_skipped += 1
            continue
        if is_multi and multiword == "phrase":
            r1, r2 = vocab.phrase(w1), vocab.phrase(w2)
            if r1 is None or r2 is None:  # no phrase token: fall back to skipping the pair
                multi_skipped += 1
                continue
        else:
            r1, r2 = vocab.term(w1), vocab.term(w2)
        if r1 is None or r2 is None:
            oov += 1
            restricted += vocab.beyond([*w1.split(" "), *w2.split(" ")])
            logger.debug("%s: out-of-vocabulary pair %r %r", name, w1, w2)
            continue
        multi_used += is_multi
        gold.append(score)
        rows.extend(r1)
        rows.extend(r2)
        lengths.extend((len(r1), len(r2)))
    n = len(gold)
    if n:
        counts = np.asarray(lengths, dtype=np.int64)
        gathered = float_vectors(kv, np.asarray(rows, dtype=np.int64))
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        if np.all(counts == 1):
            terms = gathered
        else:  # sum of each term's word vectors; the mean has the same direction, hence the same cosine
            terms = np.add.reduceat(gathered.astype(np.float64), starts, axis=0)
        sims = rowwise_cosine(terms[0::2], terms[1::2])
    else:
        sims = np.zeros(0)
    spearman, pearson = _correlations(np.asarray(gold, dtype=np.float64), sims)
    total = len(data)
    considered = total - excluded
    if n == 0:
        logger.warning("%s: no pair could be evaluated (%d out-of-vocabulary, %d multi-word skipped, %d excluded)",
                       name, oov, multi_skipped, excluded)
    return SimilarityResult(name=name, spearman=spearman, pearson=pearson, pairs=n, oov_pairs=oov,
                            multiword_pairs=multi_skipped, multiword_used=multi_used, excluded_pairs=excluded,
                            total_pairs=total, coverage=n / considered if considered else math.nan,
                            restricted_pairs=restricted, restrict_vocab=vocab.size)


def log_similarity(result: SimilarityResult, prefix: str = "") -> None:
    logger.info("%s%s: spearman %.4f pearson %.4f on %d/%d pairs (%d oov, of which %d only past the first %d words; "
                "%d multi-word skipped, %d excluded)", prefix, result.name, result.spearman, result.pearson,
                result.pairs, result.total_pairs, result.oov_pairs, result.restricted_pairs, result.restrict_vocab,
                result.multiword_pairs, result.excluded_pairs)


def evaluate_similarity(kv: "KeyedVectors", path: PathLike, multiword: str = "skip",
                        restrict_vocab: int | None = None, case_insensitive: bool = True,
                        pairs: Collection[tuple[str, str]] | None = None,
                        phrase_delimiter: str = "_") -> SimilarityResult:
    """Correlate cosine similarities with human similarity scores.

    Parameters
    ----------
    kv : gensim.models.KeyedVectors
        The vectors.
    path : str or os.PathLike
        Data set file (see :func:`read_similarity_pairs`).
    multiword : {"skip", "mean", "phrase"}
        Pairs with a multi-word term are skipped and counted in ``multiword_pairs``
        (``"skip"``), or the term is represented by the mean of its words' vectors and is
        out of vocabulary if any of its words is (``"mean"``), or by its phrase token
        (words joined by ``phrase_delimiter``: ``heart_attack``), the pair being skipped as
        with ``"skip"`` when that token is absent (``"phrase"``).
    restrict_vocab : int, optional
        Only the first ``restrict_vocab`` words of ``kv`` count as in vocabulary (gensim's
        ``evaluate_word_pairs`` uses 300000 by default); None: all.
    case_insensitive : bool
        Compare words upper-cased; a word with several case variants in ``kv`` takes the
        vector of the most frequent (first) one, as gensim does.
    pairs : collection of (str, str), optional
        Evaluate only pairs ``(term1, term2)`` listed here (matched in file order of the
        terms, case-folded like the lookup), e.g. from :func:`common_pairs`; the others
        are counted in ``excluded_pairs``.

    Returns
    -------
    SimilarityResult
        ``spearman``, ``pearson`` (float, NaN when fewer than two pairs are usable),
        ``pairs`` (pairs used), ``oov_pairs`` (skipped: a word out of vocabulary),
        ``restricted_pairs`` (of those, the pairs whose words are all in ``kv`` but not all among the
        first ``restrict_vocab``: the restriction, not the vectors, skipped them), ``restrict_vocab``
        (words in vocabulary),
        ``multiword_pairs`` (skipped multi-word pairs), ``multiword_used`` (multi-word
        pairs scored with ``"mean"`` or ``"phrase"``), ``excluded_pairs`` (not in ``pairs``),
        ``total_pairs`` (pairs in the file), ``coverage`` (``pairs`` over the pairs not
        excluded) and ``name`` (the file's base name).

    Notes
    -----
    gensim counts multi-word pairs as out of vocabulary, so its OOV ratio (in percent)
    is ``100 * (oov_pairs + multiword_pairs) / total_pairs`` with ``multiword="skip"``.
    """
    check_multiword(multiword)
    data = read_similarity_pairs(path)
    vocab = Vocab(kv, restrict_vocab, case_insensitive, phrase_delimiter)
    result = score_similarity(kv, data, file_name(path), vocab, multiword, pairs)
    log_similarity(result)
    return result


def common_pairs(kvs: Iterable["KeyedVectors"], path: PathLike, multiword: str = "skip",
                 restrict_vocab: int | None = None, case_insensitive: bool = True) -> list[tuple[str, str]]:
    """The pairs of a similarity data set that every model in ``kvs`` can score.

    Pass the result as ``pairs=`` to :func:`evaluate_similarity` so that several models
    are compared on identical pairs; ``len(result)`` against the result's
    ``total_pairs`` is the shared coverage.

    Parameters
    ----------
    kvs : iterable of gensim.models.KeyedVectors
    path : str or os.PathLike
        Data set file (see :func:`read_similarity_pairs`).
    multiword, restrict_vocab, case_insensitive
        As in :func:`evaluate_similarity` (use the same values there).

    Returns
    -------
    list of (str, str)
        ``(term1, term2)`` as written in the file, in file order, without repeats.
    """
    check_multiword(multiword)
    data = read_similarity_pairs(path)
    vocabs = [Vocab(kv, restrict_vocab, case_insensitive) for kv in kvs]
    if not vocabs:
        raise EvaluationError("common_pairs needs at least one KeyedVectors")
    out: dict[tuple[str, str], None] = {}
    rows = 0  # lines of the file they make up (a pair listed twice is scored twice by evaluate_similarity)
    for w1, w2, _ in data:
        if multiword == "skip" and (" " in w1 or " " in w2):
            continue
        if all(v.term(w1) is not None and v.term(w2) is not None for v in vocabs):
            out.setdefault((w1, w2))
            rows += 1
    repeats = f" ({rows - len(out)} of them listed twice)" if rows > len(out) else ""
    logger.info("%s: %d of %d pairs covered by all %d models%s", file_name(path), rows, len(data), len(vocabs),
                repeats)
    return list(out)
