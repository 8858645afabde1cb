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
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

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


@dataclass
class PairSelection:
    """The pairs of a similarity data set a lookup can score, in file order, and what became of the others."""

    pairs: list[tuple[str, str]] = field(default_factory=list)  # the scored pairs' terms, as written
    gold: list[float] = field(default_factory=list)             # their human scores
    rows: list[int] = field(default_factory=list)     # word rows of the first then second term of each pair
    lengths: list[int] = field(default_factory=list)  # words per term, alternating first/second
    oov: int = 0
    multiword_skipped: int = 0
    multiword_used: int = 0
    excluded: int = 0
    restricted: int = 0   # of the oov pairs, those only the restriction of the lookup left out

    def cosines(self, kv: KeyedVectors) -> np.ndarray:
        """float64: the cosine of each pair's terms; a multi-word term is the mean of its words' vectors."""
        if not self.gold:
            return np.zeros(0)
        counts = np.asarray(self.lengths, dtype=np.int64)
        gathered = float_vectors(kv, np.asarray(self.rows, dtype=np.int64))
        if np.all(counts == 1):
            terms = gathered
        else:  # sum of each term's word vectors; the mean has the same direction, hence the same cosine
            starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
            terms = np.add.reduceat(gathered.astype(np.float64), starts, axis=0)
        return rowwise_cosine(terms[0::2], terms[1::2])


def select_pairs(data: Sequence[tuple[str, str, float]], vocab: Vocab, multiword: str,
                 pairs: Collection[tuple[str, str]] | None, name: str = "") -> PairSelection:
    """The pairs of ``data`` that :func:`evaluate_similarity` scores with ``vocab``, ``multiword`` and ``pairs``.

    ``multiword`` is already checked; ``name`` names the data set in the debug log.
    """
    subset = None if pairs is None else {(vocab.fold(_term(w1)), vocab.fold(_term(w2))) for w1, w2 in pairs}
    out = PairSelection()
    for w1, w2, score in data:
        if subset is not None and (vocab.fold(w1), vocab.fold(w2)) not in subset:
            out.excluded += 1
            continue
        is_multi = " " in w1 or " " in w2
        if is_multi and multiword == "skip":
            out.multiword_skipped += 1
            continue
        if is_multi and multiword == "phrase":
            r1, r2 = vocab.phrase(w1), vocab.phrase(w2)
            if r1 is None or r2 is None:  # no phrase token: fall back to skipping the pair
                out.multiword_skipped += 1
                continue
        else:
            r1, r2 = vocab.term(w1), vocab.term(w2)
        if r1 is None or r2 is None:
            out.oov += 1
            out.restricted += vocab.beyond([*w1.split(" "), *w2.split(" ")])
            logger.debug("%s: out-of-vocabulary pair %r %r", name, w1, w2)
            continue
        out.multiword_used += is_multi
        out.pairs.append((w1, w2))
        out.gold.append(score)
        out.rows.extend(r1)
        out.rows.extend(r2)
        out.lengths.extend((len(r1), len(r2)))
    return out


def score_similarity(kv: KeyedVectors, data: Sequence[tuple[str, str, float]], name: str, vocab: Vocab,
                     multiword: str, pairs: Collection[tuple[str, str]] | None) -> SimilarityResult:
    """Score parsed pairs ``data`` (see :func:`evaluate_similarity`); ``multiword`` is already checked."""
    chosen = select_pairs(data, vocab, multiword, pairs, name)
    n = len(chosen.gold)
    spearman, pearson = _correlations(np.asarray(chosen.gold, dtype=np.float64), chosen.cosines(kv))
    total = len(data)
    considered = total - chosen.excluded
    if n == 0:
        logger.warning("%s: no pair could be evaluated (%d out-of-vocabulary, %d multi-word skipped, %d excluded)",
                       name, chosen.oov, chosen.multiword_skipped, chosen.excluded)
    return SimilarityResult(name=name, spearman=spearman, pearson=pearson, pairs=n, oov_pairs=chosen.oov,
                            multiword_pairs=chosen.multiword_skipped, multiword_used=chosen.multiword_used,
                            excluded_pairs=chosen.excluded, total_pairs=total,
                            coverage=n / considered if considered else math.nan,
                            restricted_pairs=chosen.restricted, restrict_vocab=vocab.size)


def log_similarity(result: SimilarityResult, prefix: str = "") -> None:
    logger.info("%s%s: spearman %.4f pearson %.4f on %d/%d pairs (%d oov, of which %d only past the first %d words; "
                "%d multi-word skipped, %d excluded)", prefix, result.name, result.spearman, result.pearson,
                result.pairs, result.total_pairs, result.oov_pairs, result.restricted_pairs, result.restrict_vocab,
                result.multiword_pairs, result.excluded_pairs)


def evaluate_similarity(kv: KeyedVectors, path: PathLike, multiword: str = "skip",
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


def common_pairs(kvs: Iterable[KeyedVectors], path: PathLike, multiword: str = "skip",
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
    first, *others = (select_pairs(data, v, multiword, None, file_name(path)).pairs for v in vocabs)
    scorable = [set(pairs) for pairs in others]
    # The lines of the file they make up: a pair listed twice is scored twice by evaluate_similarity.
    lines = [pair for pair in first if all(pair in s for s in scorable)]
    unique = dict.fromkeys(lines)
    repeats = f" ({len(lines) - len(unique)} of them listed twice)" if len(lines) > len(unique) else ""
    logger.info("%s: %d of %d pairs covered by all %d models%s", file_name(path), len(lines), len(data), len(vocabs),
                repeats)
    return list(unique)
