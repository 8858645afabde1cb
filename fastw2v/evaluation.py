"""Intrinsic evaluation of word vectors: word similarity, analogies and model drift.

Everything here works on a gensim ``KeyedVectors`` (``vectors`` plus ``index_to_key``,
ordered by descending frequency as in word2vec files), so it serves a fastw2v model
(``model.wv``) and any vectors gensim can load alike.

* :func:`evaluate_similarity` -- Spearman/Pearson correlation of cosine similarity with
  human scores (WordSim-353, SimLex-999, UMNSRS, ...). Pairs with an out-of-vocabulary
  word are counted in ``oov_pairs``, never dropped silently; pairs with multi-word terms
  are skipped and counted (``multiword="skip"``) or scored with the mean of the words'
  vectors (``multiword="mean"``).
* :func:`evaluate_analogies` -- accuracy on ``: section``-structured analogy files
  (Google ``questions-words.txt``) with 3CosAdd or 3CosMul, answered in batches of
  matrix products against the (restricted) vocabulary.
* :func:`common_pairs` / :func:`common_questions` -- the fixed subset every one of several
  models covers, to pass as ``pairs=`` / ``questions=`` so models are compared on
  identical items (with ``total_pairs`` / ``total_questions`` for the coverage).
* :func:`compare` -- drift between two models (vector cosine, nearest-neighbour overlap,
  words that moved most, neighbours of new words).
* :func:`evaluate`, :func:`format_report`, :class:`EvaluationCallback` -- several files at
  once, a printable table, and per-epoch evaluation during training.

With the same settings the numbers equal gensim's: ``evaluate_similarity`` matches
``KeyedVectors.evaluate_word_pairs`` (cosine, ``case_insensitive`` by upper-casing with the
most frequent case variant winning, ``restrict_vocab``) and ``evaluate_analogies`` with
``method="3cosadd"`` matches ``KeyedVectors.evaluate_word_analogies`` overall and per
section (question words excluded from the answers, unit-normalised vectors, a question
skipped when any of its four words is outside the first ``restrict_vocab`` words).
"""
from __future__ import annotations

import gzip
import logging
import math
import os
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Collection, Iterable, Iterator, Mapping, Sequence

import numpy as np
from scipy import stats

from .errors import FastW2VError, MissingFileError

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

logger = logging.getLogger(__name__)

__all__ = [
    "EvaluationError",
    "EvaluationFileError",
    "read_similarity_pairs",
    "read_analogy_questions",
    "evaluate_similarity",
    "evaluate_analogies",
    "common_pairs",
    "common_questions",
    "evaluate",
    "compare",
    "format_report",
    "EvaluationCallback",
]

PathLike = str | os.PathLike

#: Epsilon of 3CosMul (Levy & Goldberg 2014).
COSMUL_EPSILON = 1e-3
#: Vocabulary rows per block when scoring analogy candidates (bounds memory to
#: ``batch_size x _VOCAB_BLOCK`` scores at a time).
_VOCAB_BLOCK = 8192
#: How many candidates gensim's ``evaluate_word_analogies`` looks at (``topn=5``).
_GENSIM_TOPN = 5


class EvaluationError(FastW2VError, ValueError):
    """An evaluation cannot be carried out as asked (bad option, nothing to compare)."""


class EvaluationFileError(EvaluationError):
    """An evaluation data set file is malformed; the message names the file and line."""


# ---------------------------------------------------------------------------------------------------------
# reading data sets
# ---------------------------------------------------------------------------------------------------------
def _lines(path: PathLike) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` of a UTF-8 (optionally gzipped) file, numbering from 1."""
    p = Path(path)
    if not p.exists():
        raise MissingFileError(f"{p}: no such file")
    if p.is_dir():
        raise EvaluationFileError(f"{p}: is a directory, not an evaluation file")
    opener = gzip.open if p.suffix == ".gz" else open
    line_no = 0
    try:
        with opener(p, "rb") as fh:
            for line_no, raw in enumerate(fh, 1):
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise EvaluationFileError(f"{p}, line {line_no}: not valid UTF-8 ({exc.reason})") from None
                if line_no == 1 and text.startswith("\ufeff"):
                    text = text[1:]
                yield line_no, text
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise EvaluationFileError(f"{p}, line {line_no + 1}: damaged gzip data ({exc})") from None


def _term(field: str) -> str:
    """A term with surrounding whitespace removed and inner runs of whitespace made one space."""
    return " ".join(field.split())


def read_similarity_pairs(path: PathLike) -> list[tuple[str, str, float]]:
    """Read a word-similarity data set.

    One pair per line: ``term1 term2 score``. Blank lines and lines starting with ``#``
    are skipped. A line with exactly three tab-separated fields is read as
    ``term1<TAB>term2<TAB>score`` and its terms may contain spaces (multi-word terms such
    as UMNSRS's ``ipecac syrup``); any other line is split on whitespace and must have
    exactly three fields.

    Parameters
    ----------
    path : str or os.PathLike
        The file (UTF-8; ``.gz`` is decompressed).

    Returns
    -------
    list of (str, str, float)
        ``(term1, term2, score)`` in file order; a multi-word term has its words joined
        by single spaces.

    Raises
    ------
    MissingFileError
        ``path`` does not exist.
    EvaluationFileError
        A line is malformed (the message names the file and line number), or the file
        holds no pair.
    """
    pairs: list[tuple[str, str, float]] = []
    for line_no, line in _lines(path):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        fields = text.split("\t")
        if len(fields) != 3:
            fields = text.split()
            if len(fields) != 3:
                raise EvaluationFileError(
                    f"{path}, line {line_no}: expected 3 fields (term1 term2 score), got {len(fields)}: {text[:80]!r}")
        w1, w2 = _term(fields[0]), _term(fields[1])
        if not w1 or not w2:
            raise EvaluationFileError(f"{path}, line {line_no}: empty term in {text[:80]!r}")
        try:
            score = float(fields[2])
        except ValueError:
            raise EvaluationFileError(
                f"{path}, line {line_no}: score {fields[2].strip()[:40]!r} is not a number") from None
        if not math.isfinite(score):
            raise EvaluationFileError(f"{path}, line {line_no}: score {fields[2].strip()!r} is not finite")
        pairs.append((w1, w2, score))
    if not pairs:
        raise EvaluationFileError(f"{path}: no similarity pairs in the file")
    return pairs


def read_analogy_questions(path: PathLike) -> list[tuple[str, str, str, str, str]]:
    """Read an analogy data set in the ``questions-words.txt`` format.

    Lines ``: name`` start a section; every other non-blank line that does not start
    with ``#`` is a question of four whitespace-separated words ``a b c d`` ("a is to b
    as c is to d").

    Parameters
    ----------
    path : str or os.PathLike
        The file (UTF-8; ``.gz`` is decompressed).

    Returns
    -------
    list of (str, str, str, str, str)
        ``(section, a, b, c, d)`` in file order.

    Raises
    ------
    MissingFileError
        ``path`` does not exist.
    EvaluationFileError
        A question precedes the first section line, a line does not have four words, a
        section line has no name (the message names the file and line number), or the
        file holds no question.
    """
    questions: list[tuple[str, str, str, str, str]] = []
    section: str | None = None
    for line_no, line in _lines(path):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith(":"):
            section = text[1:].strip()
            if not section:
                raise EvaluationFileError(f"{path}, line {line_no}: section line without a name")
            continue
        if section is None:
            raise EvaluationFileError(f"{path}, line {line_no}: question before the first ': section' line")
        words = text.split()
        if len(words) != 4:
            raise EvaluationFileError(
                f"{path}, line {line_no}: expected 4 words (a b c d), got {len(words)}: {text[:80]!r}")
        questions.append((section, words[0], words[1], words[2], words[3]))
    if not questions:
        raise EvaluationFileError(f"{path}: no analogy questions in the file")
    return questions


def _section_order(questions: Sequence[tuple[str, str, str, str, str]]) -> list[str]:
    return list(dict.fromkeys(q[0] for q in questions))


# ---------------------------------------------------------------------------------------------------------
# vocabulary lookup
# ---------------------------------------------------------------------------------------------------------
class _Vocab:
    """Word -> row lookup over the first ``size`` rows of a ``KeyedVectors``.

    With ``case_insensitive`` words are compared upper-cased and a folded key maps to
    its most frequent (first) case variant, exactly as gensim's evaluation does.
    """

    def __init__(self, kv: "KeyedVectors", restrict_vocab: int | None, case_insensitive: bool) -> None:
        keys = kv.index_to_key
        if restrict_vocab is not None:
            if isinstance(restrict_vocab, bool) or not isinstance(restrict_vocab, (int, np.integer)) \
                    or restrict_vocab < 1:
                raise EvaluationError(f"restrict_vocab must be a positive integer or None, got {restrict_vocab!r}")
        self.kv = kv
        self.size = len(keys) if restrict_vocab is None else min(len(keys), int(restrict_vocab))
        self.case_insensitive = case_insensitive
        if case_insensitive:
            self.index: Mapping[str, int] = {k.upper(): i for i, k in reversed(list(enumerate(keys[:self.size])))}
        elif self.size == len(keys):
            self.index = kv.key_to_index
        else:
            self.index = {k: i for i, k in enumerate(keys[:self.size])}
        self._canon: np.ndarray | None = None
        self._variants: dict[int, np.ndarray] | None = None

    def fold(self, word: str) -> str:
        return word.upper() if self.case_insensitive else word

    def get(self, word: str) -> int | None:
        return self.index.get(word.upper() if self.case_insensitive else word)

    def term(self, term: str) -> list[int] | None:
        """Rows of the words of a (possibly multi-word) term, or None if any is missing."""
        rows = []
        for word in term.split(" "):
            row = self.get(word)
            if row is None:
                return None
            rows.append(row)
        return rows

    @property
    def canon(self) -> np.ndarray:
        """``canon[i]``: the row that the folded key of row ``i`` resolves to."""
        if self._canon is None:
            if self.case_insensitive:
                index = self.index
                keys = self.kv.index_to_key
                self._canon = np.fromiter((index[keys[i].upper()] for i in range(self.size)),
                                          dtype=np.int64, count=self.size)
            else:
                self._canon = np.arange(self.size, dtype=np.int64)
        return self._canon

    @property
    def variants(self) -> dict[int, np.ndarray]:
        """Representative row -> the other rows folding to the same key (only where there are some)."""
        if self._variants is None:
            canon = self.canon
            others = np.flatnonzero(canon != np.arange(self.size))
            variants: dict[int, list[int]] = {}
            for row in others.tolist():
                variants.setdefault(int(canon[row]), []).append(row)
            self._variants = {rep: np.array(rows, dtype=np.int64) for rep, rows in variants.items()}
        return self._variants


def _float_vectors(kv: "KeyedVectors", rows: slice | np.ndarray | None = None) -> np.ndarray:
    vectors = kv.vectors if rows is None else kv.vectors[rows]
    if vectors.dtype not in (np.float32, np.float64):
        vectors = vectors.astype(np.float32)
    return vectors


def _inverse_norms(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1)
    inv = np.zeros_like(norms)
    np.divide(1.0, norms, out=inv, where=norms > 0)
    return inv


def _rowwise_cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine of matching rows in float64; 0 where a row is the zero vector (as gensim's ``unitvec``)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    denom = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    dots = np.einsum("ij,ij->i", a, b)
    out = np.zeros(len(dots))
    np.divide(dots, denom, out=out, where=denom > 0)
    return out


def _name(path: PathLike) -> str:
    return os.path.basename(os.fspath(path))


# ---------------------------------------------------------------------------------------------------------
# similarity
# ---------------------------------------------------------------------------------------------------------
def _check_multiword(multiword: str) -> None:
    if multiword not in ("skip", "mean"):
        raise EvaluationError(f"multiword must be 'skip' or 'mean', got {multiword!r}")


def _pair_key(fold: Callable[[str], str], w1: str, w2: str) -> tuple[str, str]:
    return fold(_term(w1)), fold(_term(w2))


def _correlations(gold: np.ndarray, model: np.ndarray) -> tuple[float, float]:
    """Spearman and Pearson coefficients, NaN where undefined (fewer than 2 pairs or a constant side)."""
    if len(gold) < 2 or np.ptp(gold) == 0 or np.ptp(model) == 0:
        return math.nan, math.nan
    spearman = float(stats.spearmanr(gold, model).statistic)
    pearson = float(stats.pearsonr(gold, model).statistic)
    return spearman, pearson


def _score_similarity(kv: "KeyedVectors", data: Sequence[tuple[str, str, float]], name: str, vocab: _Vocab,
                      multiword: str, pairs: Collection[tuple[str, str]] | None) -> dict[str, Any]:
    _check_multiword(multiword)
    subset = None if pairs is None else {_pair_key(vocab.fold, w1, w2) for w1, w2 in pairs}
    gold: list[float] = []
    rows: list[int] = []      # concatenated word rows of the first then second terms, per used pair
    lengths: list[int] = []   # number of words per term, alternating first/second
    oov = multi_skipped = multi_used = excluded = 0
    for w1, w2, score in data:
        if subset is not None and (vocab.fold(w1), vocab.fold(w2)) not in subset:
            excluded += 1
            continue
        is_multi = " " in w1 or " " in w2
        if is_multi and multiword == "skip":
            multi_skipped += 1
            continue
        r1, r2 = vocab.term(w1), vocab.term(w2)
        if r1 is None or r2 is None:
            oov += 1
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
        gathered = _float_vectors(kv, np.asarray(rows, dtype=np.int64))
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        if np.all(counts == 1):
            terms = gathered
        else:  # sum of each term's word vectors; the mean has the same direction, hence the same cosine
            terms = np.add.reduceat(gathered.astype(np.float64), starts, axis=0)
        sims = _rowwise_cosine(terms[0::2], terms[1::2])
    else:
        sims = np.zeros(0)
    spearman, pearson = _correlations(np.asarray(gold, dtype=np.float64), sims)
    total = len(data)
    considered = total - excluded
    result = {
        "name": name,
        "spearman": spearman,
        "pearson": pearson,
        "pairs": n,
        "oov_pairs": oov,
        "multiword_pairs": multi_skipped,
        "multiword_used": multi_used,
        "excluded_pairs": excluded,
        "total_pairs": total,
        "coverage": n / considered if considered else math.nan,
    }
    if n == 0:
        logger.warning("%s: no pair could be evaluated (%d out-of-vocabulary, %d multi-word skipped, %d excluded)",
                       name, oov, multi_skipped, excluded)
    return result


def evaluate_similarity(kv: "KeyedVectors", path: PathLike, multiword: str = "skip",
                        restrict_vocab: int | None = None, case_insensitive: bool = True,
                        pairs: Collection[tuple[str, str]] | None = None) -> dict[str, Any]:
    """Correlate cosine similarities with human similarity scores.

    Parameters
    ----------
    kv : gensim.models.KeyedVectors
        The vectors.
    path : str or os.PathLike
        Data set file (see :func:`read_similarity_pairs`).
    multiword : {"skip", "mean"}
        Pairs with a multi-word term are skipped and counted in ``multiword_pairs``
        (``"skip"``), or the term is represented by the mean of its words' vectors and is
        out of vocabulary if any of its words is (``"mean"``).
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
    dict
        ``spearman``, ``pearson`` (float, NaN when fewer than two pairs are usable),
        ``pairs`` (pairs used), ``oov_pairs`` (skipped: a word out of vocabulary),
        ``multiword_pairs`` (skipped multi-word pairs), ``multiword_used`` (multi-word
        pairs scored with ``"mean"``), ``excluded_pairs`` (not in ``pairs``),
        ``total_pairs`` (pairs in the file), ``coverage`` (``pairs`` over the pairs not
        excluded) and ``name`` (the file's base name).

    Notes
    -----
    gensim counts multi-word pairs as out of vocabulary, so its OOV ratio (in percent)
    is ``100 * (oov_pairs + multiword_pairs) / total_pairs`` with ``multiword="skip"``.
    """
    data = read_similarity_pairs(path)
    vocab = _Vocab(kv, restrict_vocab, case_insensitive)
    result = _score_similarity(kv, data, _name(path), vocab, multiword, pairs)
    _log_similarity(result)
    return result


def _log_similarity(result: Mapping[str, Any], prefix: str = "") -> None:
    logger.info("%s%s: spearman %.4f pearson %.4f on %d/%d pairs (%d oov, %d multi-word skipped, %d excluded)",
                prefix, result["name"], result["spearman"], result["pearson"], result["pairs"],
                result["total_pairs"], result["oov_pairs"], result["multiword_pairs"], result["excluded_pairs"])


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
    _check_multiword(multiword)
    data = read_similarity_pairs(path)
    vocabs = [_Vocab(kv, restrict_vocab, case_insensitive) for kv in kvs]
    if not vocabs:
        raise EvaluationError("common_pairs needs at least one KeyedVectors")
    out: dict[tuple[str, str], None] = {}
    for w1, w2, _ in data:
        if multiword == "skip" and (" " in w1 or " " in w2):
            continue
        if all(v.term(w1) is not None and v.term(w2) is not None for v in vocabs):
            out.setdefault((w1, w2))
    logger.info("%s: %d of %d pairs covered by all %d models", _name(path), len(out), len(data), len(vocabs))
    return list(out)


# ---------------------------------------------------------------------------------------------------------
# analogies
# ---------------------------------------------------------------------------------------------------------
def _candidate_scores(method: str, q: np.ndarray, block: np.ndarray, inv: np.ndarray) -> np.ndarray:
    """Scores of ``block`` rows (raw vectors, ``inv`` their inverse norms) for a batch of queries.

    For 3CosAdd ``q`` is the unit ``b - a + c`` direction per question; for 3CosMul it
    stacks the unit vectors of a, b and c (``3 * m`` rows).
    """
    sims = q @ block.T
    sims *= inv
    if method == "3cosadd":
        return sims
    m = len(q) // 3
    sims += 1.0
    sims *= 0.5
    ca, cb, cc = sims[:m], sims[m:2 * m], sims[2 * m:]
    cb *= cc
    ca += COSMUL_EPSILON
    cb /= ca
    return cb


def _pair_scores(method: str, q: np.ndarray, rows: np.ndarray, cols: np.ndarray, vectors: np.ndarray,
                 inv: np.ndarray) -> np.ndarray:
    """Scores of candidate ``cols[i]`` for question ``rows[i]`` of the batch (same formula, per pair)."""
    cand = vectors[cols] * inv[cols, None]
    if method == "3cosadd":
        return np.einsum("ij,ij->i", q[rows], cand)
    m = len(q) // 3
    ca = (np.einsum("ij,ij->i", q[rows], cand) + 1.0) * 0.5
    cb = (np.einsum("ij,ij->i", q[m + rows], cand) + 1.0) * 0.5
    cc = (np.einsum("ij,ij->i", q[2 * m + rows], cand) + 1.0) * 0.5
    return cb * cc / (ca + COSMUL_EPSILON)


def _answer_analogies(kv: "KeyedVectors", vocab: _Vocab, ia: np.ndarray, ib: np.ndarray, ic: np.ndarray,
                      method: str, batch_size: int) -> np.ndarray:
    """Predicted row for each question ``a:b :: c:?`` (-1 where no candidate exists).

    Candidates are the first ``vocab.size`` rows minus the question words and, when
    case-folding, their case variants. As in gensim (which takes the best word of its top
    5 that is no case variant of a question word), a question whose best candidate is
    outranked by five or more case variants gets the fifth of them as its answer.
    """
    size = vocab.size
    vectors = _float_vectors(kv, slice(0, size))
    inv = _inverse_norms(vectors)
    variants = vocab.variants
    has_variants = np.zeros(size, dtype=bool)
    if variants:
        has_variants[np.fromiter(variants.keys(), dtype=np.int64)] = True
    neg_inf = np.array(-np.inf, dtype=vectors.dtype)
    predicted = np.full(len(ia), -1, dtype=np.int64)
    for start in range(0, len(ia), batch_size):
        stop = min(start + batch_size, len(ia))
        a, b, c = ia[start:stop], ib[start:stop], ic[start:stop]
        m = stop - start
        ua, ub, uc = (vectors[r] * inv[r, None] for r in (a, b, c))
        if method == "3cosadd":
            q = ub + uc
            q -= ua
            qn = np.linalg.norm(q, axis=1)
            np.divide(q, qn[:, None], out=q, where=qn[:, None] > 0)
        else:
            q = np.concatenate((ua, ub, uc))
        # (row, col) pairs that are not candidates: the question words and their case variants
        ex_rows = np.repeat(np.arange(m), 3)
        ex_cols = np.stack((a, b, c), axis=1).ravel()
        var_rows: list[np.ndarray] = []
        var_cols: list[np.ndarray] = []
        if variants:
            for r in np.flatnonzero(has_variants[a] | has_variants[b] | has_variants[c]).tolist():
                cols = np.unique(np.concatenate([variants[w] for w in {int(a[r]), int(b[r]), int(c[r])}
                                                 if w in variants]))
                var_rows.append(np.full(len(cols), r, dtype=np.int64))
                var_cols.append(cols)
        v_rows = np.concatenate(var_rows) if var_rows else np.zeros(0, dtype=np.int64)
        v_cols = np.concatenate(var_cols) if var_cols else np.zeros(0, dtype=np.int64)
        mask_rows = np.concatenate((ex_rows, v_rows))
        mask_cols = np.concatenate((ex_cols, v_cols))
        best = np.full(m, -1, dtype=np.int64)
        best_score = np.full(m, -np.inf, dtype=vectors.dtype)
        for lo in range(0, size, _VOCAB_BLOCK):
            hi = min(lo + _VOCAB_BLOCK, size)
            scores = _candidate_scores(method, q, vectors[lo:hi], inv[lo:hi])
            inside = (mask_cols >= lo) & (mask_cols < hi)
            scores[mask_rows[inside], mask_cols[inside] - lo] = neg_inf
            arg = scores.argmax(axis=1)
            top = scores[np.arange(m), arg]
            better = top > best_score
            best[better] = arg[better] + lo
            best_score[better] = top[better]
        best[~np.isfinite(best_score)] = -1
        predicted[start:stop] = best
        if len(v_rows):
            _gensim_top5_fixup(method, q, v_rows, v_cols, vectors, inv, best, best_score, predicted[start:stop])
    return predicted


def _gensim_top5_fixup(method: str, q: np.ndarray, v_rows: np.ndarray, v_cols: np.ndarray, vectors: np.ndarray,
                       inv: np.ndarray, best: np.ndarray, best_score: np.ndarray, out: np.ndarray) -> None:
    """Apply gensim's top-5 rule where case variants of the question words outrank the answer."""
    v_scores = _pair_scores(method, q, v_rows, v_cols, vectors, inv)
    above = v_scores > best_score[v_rows]
    n_above = np.bincount(v_rows[above], minlength=len(best))
    for r in np.flatnonzero((n_above >= _GENSIM_TOPN) | ((best < 0) & (np.bincount(v_rows, minlength=len(best)) > 0))):
        sel = v_rows == r
        order = np.argsort(-v_scores[sel], kind="stable")
        ranked = v_cols[sel][order]
        out[r] = ranked[min(_GENSIM_TOPN, len(ranked)) - 1]


def _check_method(method: str) -> str:
    key = method.lower()
    if key not in ("3cosadd", "3cosmul"):
        raise EvaluationError(f"method must be '3cosadd' or '3cosmul', got {method!r}")
    return key


def _score_analogies(kv: "KeyedVectors", data: Sequence[tuple[str, str, str, str, str]], name: str, vocab: _Vocab,
                     method: str, questions: Collection[Sequence[str]] | None, batch_size: int) -> dict[str, Any]:
    method = _check_method(method)
    if batch_size < 1:
        raise EvaluationError(f"batch_size must be >= 1, got {batch_size}")
    subset = None if questions is None else {tuple(vocab.fold(w) for w in q) for q in questions}
    section_names = _section_order(data)
    section_id = {s: i for i, s in enumerate(section_names)}
    n_sections = len(section_names)
    sec_oov = np.zeros(n_sections, dtype=np.int64)
    sec_excluded = np.zeros(n_sections, dtype=np.int64)
    rows: list[tuple[int, int, int, int]] = []
    sec_of_row: list[int] = []
    get = vocab.get
    for section, a, b, c, d in data:
        sid = section_id[section]
        if subset is not None and (vocab.fold(a), vocab.fold(b), vocab.fold(c), vocab.fold(d)) not in subset:
            sec_excluded[sid] += 1
            continue
        ra, rb, rc, rd = get(a), get(b), get(c), get(d)
        if ra is None or rb is None or rc is None or rd is None:
            sec_oov[sid] += 1
            continue
        rows.append((ra, rb, rc, rd))
        sec_of_row.append(sid)
    idx = np.asarray(rows, dtype=np.int64).reshape(-1, 4)
    sec = np.asarray(sec_of_row, dtype=np.int64)
    if len(idx):
        predicted = _answer_analogies(kv, vocab, idx[:, 0], idx[:, 1], idx[:, 2], method, batch_size)
        canon = vocab.canon
        correct = (predicted >= 0) & (canon[np.maximum(predicted, 0)] == idx[:, 3])
    else:
        correct = np.zeros(0, dtype=bool)
    sec_questions = np.bincount(sec, minlength=n_sections)
    sec_correct = np.bincount(sec[correct], minlength=n_sections)
    sections = {}
    for i, s in enumerate(section_names):
        nq = int(sec_questions[i])
        sections[s] = {
            "accuracy": int(sec_correct[i]) / nq if nq else math.nan,
            "correct": int(sec_correct[i]),
            "questions": nq,
            "oov_questions": int(sec_oov[i]),
        }
    n = len(idx)
    n_correct = int(correct.sum())
    total = len(data)
    excluded = int(sec_excluded.sum())
    considered = total - excluded
    result = {
        "name": name,
        "method": method,
        "accuracy": n_correct / n if n else math.nan,
        "correct": n_correct,
        "questions": n,
        "oov_questions": int(sec_oov.sum()),
        "excluded_questions": excluded,
        "total_questions": total,
        "coverage": n / considered if considered else math.nan,
        "restrict_vocab": vocab.size,
        "sections": sections,
    }
    if n == 0:
        logger.warning("%s: no question could be evaluated (%d out-of-vocabulary, %d excluded)",
                       name, result["oov_questions"], excluded)
    return result


def evaluate_analogies(kv: "KeyedVectors", path: PathLike, restrict_vocab: int | None = 300000,
                       case_insensitive: bool = True, method: str = "3cosadd",
                       questions: Collection[Sequence[str]] | None = None, batch_size: int = 1024) -> dict[str, Any]:
    """Accuracy on an analogy data set ("a is to b as c is to d").

    The answer is the word (among the first ``restrict_vocab`` words, the three question
    words and their case variants excluded) maximising 3CosAdd ``cos(x, b - a + c)`` on
    unit vectors, or 3CosMul ``cos'(x, b) cos'(x, c) / (cos'(x, a) + 1e-3)`` with
    ``cos' = (cos + 1) / 2`` (Levy & Goldberg 2014); of exactly tied candidates the more
    frequent wins. An answer counts as right when it is the expected word or (with
    ``case_insensitive``) a case variant of it. Questions are answered ``batch_size`` at a
    time with matrix products against blocks of the vocabulary, so memory stays at
    ``batch_size x 8192`` scores.

    Parameters
    ----------
    kv : gensim.models.KeyedVectors
        The vectors, most frequent first.
    path : str or os.PathLike
        Data set file (see :func:`read_analogy_questions`).
    restrict_vocab : int or None
        Use only the first ``restrict_vocab`` words, both as candidates and for the
        questions: a question with any word outside them is counted in
        ``oov_questions`` and skipped (as gensim does); None: all words.
    case_insensitive : bool
        Compare words upper-cased, the most frequent case variant standing for a word.
    method : {"3cosadd", "3cosmul"}
    questions : collection of (a, b, c, d), optional
        Evaluate only these questions (case-folded like the lookup), e.g. from
        :func:`common_questions`; the others are counted in ``excluded_questions``.
    batch_size : int
        Questions per matrix product.

    Returns
    -------
    dict
        ``accuracy`` (NaN if no question could be answered), ``correct``, ``questions``
        (questions evaluated), ``oov_questions``, ``excluded_questions``,
        ``total_questions`` (questions in the file), ``coverage``, ``method``,
        ``restrict_vocab`` (rows used), ``name`` and ``sections``: section name ->
        ``{"accuracy", "correct", "questions", "oov_questions"}`` in file order.
    """
    data = read_analogy_questions(path)
    vocab = _Vocab(kv, restrict_vocab, case_insensitive)
    result = _score_analogies(kv, data, _name(path), vocab, method, questions, batch_size)
    _log_analogies(result)
    return result


def _log_analogies(result: Mapping[str, Any], prefix: str = "") -> None:
    logger.info("%s%s: %s accuracy %.4f (%d/%d correct, %d oov of %d, %d excluded)", prefix, result["name"],
                result["method"], result["accuracy"], result["correct"], result["questions"],
                result["oov_questions"], result["total_questions"], result["excluded_questions"])


def common_questions(kvs: Iterable["KeyedVectors"], path: PathLike, restrict_vocab: int | None = 300000,
                     case_insensitive: bool = True) -> list[tuple[str, str, str, str]]:
    """The questions of an analogy data set that every model in ``kvs`` can answer.

    Pass the result as ``questions=`` to :func:`evaluate_analogies` so that several
    models are compared on identical questions; ``len(result)`` against the result's
    ``total_questions`` is the shared coverage.

    Parameters
    ----------
    kvs : iterable of gensim.models.KeyedVectors
    path : str or os.PathLike
        Data set file (see :func:`read_analogy_questions`).
    restrict_vocab, case_insensitive
        As in :func:`evaluate_analogies` (use the same values there).

    Returns
    -------
    list of (str, str, str, str)
        ``(a, b, c, d)`` as written in the file, in file order, without repeats.
    """
    data = read_analogy_questions(path)
    vocabs = [_Vocab(kv, restrict_vocab, case_insensitive) for kv in kvs]
    if not vocabs:
        raise EvaluationError("common_questions needs at least one KeyedVectors")
    out: dict[tuple[str, str, str, str], None] = {}
    for _, a, b, c, d in data:
        if all(v.get(a) is not None and v.get(b) is not None and v.get(c) is not None and v.get(d) is not None
               for v in vocabs):
            out.setdefault((a, b, c, d))
    logger.info("%s: %d of %d questions covered by all %d models", _name(path), len(out), len(data), len(vocabs))
    return list(out)


# ---------------------------------------------------------------------------------------------------------
# several files
# ---------------------------------------------------------------------------------------------------------
def _as_paths(paths: PathLike | Iterable[PathLike]) -> list[PathLike]:
    if isinstance(paths, (str, os.PathLike)):
        return [paths]
    return list(paths)


def _unique_names(paths: Sequence[PathLike], kind: str) -> list[str]:
    names = [_name(p) for p in paths]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise EvaluationError(f"two {kind} files are named {name!r}; results are keyed by file name")
        seen.add(name)
    return names


class _Datasets:
    """Parsed similarity and analogy files, read once and evaluated many times."""

    def __init__(self, similarity: PathLike | Iterable[PathLike], analogies: PathLike | Iterable[PathLike]) -> None:
        sim_paths, ana_paths = _as_paths(similarity), _as_paths(analogies)
        self.similarity = dict(zip(_unique_names(sim_paths, "similarity"),
                                   (read_similarity_pairs(p) for p in sim_paths)))
        self.analogies = dict(zip(_unique_names(ana_paths, "analogy"),
                                  (read_analogy_questions(p) for p in ana_paths)))

    def run(self, kv: "KeyedVectors", restrict_vocab: int | None, multiword: str, case_insensitive: bool,
            method: str, log_prefix: str = "") -> dict[str, dict[str, dict[str, Any]]]:
        _check_multiword(multiword)
        method = _check_method(method)
        vocab = _Vocab(kv, restrict_vocab, case_insensitive) if (self.similarity or self.analogies) else None
        out: dict[str, dict[str, dict[str, Any]]] = {"similarity": {}, "analogies": {}}
        for name, data in self.similarity.items():
            out["similarity"][name] = res = _score_similarity(kv, data, name, vocab, multiword, None)
            _log_similarity(res, log_prefix)
        for name, data in self.analogies.items():
            out["analogies"][name] = res = _score_analogies(kv, data, name, vocab, method, None, 1024)
            _log_analogies(res, log_prefix)
        return out


def evaluate(kv: "KeyedVectors", similarity: PathLike | Iterable[PathLike] = (),
             analogies: PathLike | Iterable[PathLike] = (), restrict_vocab: int | None = 300000,
             multiword: str = "skip", case_insensitive: bool = True,
             method: str = "3cosadd") -> dict[str, dict[str, dict[str, Any]]]:
    """Evaluate ``kv`` on several similarity and analogy files.

    Parameters
    ----------
    kv : gensim.models.KeyedVectors
    similarity, analogies : path or iterable of paths
        Data set files; their base names must be distinct within each kind.
    restrict_vocab : int or None
        Vocabulary restriction for both kinds (gensim's default, 300000).
    multiword : {"skip", "mean"}
        See :func:`evaluate_similarity`.
    case_insensitive : bool
    method : {"3cosadd", "3cosmul"}
        See :func:`evaluate_analogies`.

    Returns
    -------
    dict
        ``{"similarity": {NAME: <evaluate_similarity result>}, "analogies": {NAME:
        <evaluate_analogies result>}}`` with NAME the file's base name.
    """
    return _Datasets(similarity, analogies).run(kv, restrict_vocab, multiword, case_insensitive, method)


# ---------------------------------------------------------------------------------------------------------
# drift between two models
# ---------------------------------------------------------------------------------------------------------
def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    out = np.asarray(vectors, dtype=np.float32).copy()
    out *= _inverse_norms(out)[:, None]
    return out


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
    cand = _float_vectors(kv, slice(0, search))
    inv = _inverse_norms(cand)
    queries = _unit_rows(_float_vectors(kv, rows))
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
            search_vocab: int = 50000) -> dict[str, Any]:
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
    dict
        ``words`` (number compared), ``missing_words``, ``k``, ``cosine_mean``,
        ``cosine_median``, ``cosine_min`` (cosine between each word's old and new vector;
        NaN when the dimensionalities differ), ``overlap_at_k`` (mean fraction of a
        word's ``k`` nearest neighbours -- searched within the compared words -- that are
        the same in both models), ``moved_most`` (list of ``(word, cosine)``, lowest
        cosine first), ``new_words_total``, ``removed_words_total`` and ``new_words``
        (list of ``{"word", "neighbours": [(word, cosine), ...]}``).
    """
    if top < 1 or k < 1:
        raise EvaluationError(f"top and k must be >= 1, got top={top}, k={k}")
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
    vb = _float_vectors(kv_before, rows_before)
    va = _float_vectors(kv_after, rows_after)
    if vb.shape[1] == va.shape[1]:
        cos = _rowwise_cosine(vb, va)
        order = np.argsort(cos, kind="stable")[:n_moved]
        moved = [(shared[i], float(cos[i])) for i in order]
        cos_stats = (float(cos.mean()), float(np.median(cos)), float(cos.min()))
    else:
        logger.warning("compare: vector sizes differ (%d vs %d); no per-word cosine", vb.shape[1], va.shape[1])
        moved, cos_stats = [], (math.nan, math.nan, math.nan)
    k_eff = min(k, n - 1)
    if k_eff >= 1:
        nb = np.sort(_knn_within(_unit_rows(vb), k_eff), axis=1)
        na = np.sort(_knn_within(_unit_rows(va), k_eff), axis=1)
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
            new_words.append({"word": kv_after.index_to_key[row], "neighbours": neighbours})
    result = {
        "words": n,
        "missing_words": missing,
        "k": k_eff,
        "cosine_mean": cos_stats[0],
        "cosine_median": cos_stats[1],
        "cosine_min": cos_stats[2],
        "overlap_at_k": overlap,
        "moved_most": moved,
        "new_words_total": new_total,
        "removed_words_total": removed_total,
        "new_words": new_words,
    }
    logger.info("compare: %d words, cosine mean %.4f median %.4f min %.4f, overlap@%d %.4f, %d new, %d removed",
                n, cos_stats[0], cos_stats[1], cos_stats[2], k_eff, overlap, new_total, removed_total)
    return result


# ---------------------------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------------------------
def _fmt(value: float, width: int = 8, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a".rjust(width)
    return f"{value:{width}.{digits}f}"


def _similarity_table(results: Mapping[str, Mapping[str, Any]]) -> list[str]:
    width = max([len("similarity")] + [len(n) for n in results])
    lines = [f"{'similarity':<{width}}  {'spearman':>8}  {'pearson':>8}  {'pairs':>6}  {'oov':>5}  "
             f"{'multi':>5}  {'excl':>5}  {'total':>6}  {'coverage':>8}"]
    for name, r in results.items():
        lines.append(f"{name:<{width}}  {_fmt(r['spearman'])}  {_fmt(r['pearson'])}  {r['pairs']:>6d}  "
                     f"{r['oov_pairs']:>5d}  {r.get('multiword_pairs', 0):>5d}  {r.get('excluded_pairs', 0):>5d}  "
                     f"{r['total_pairs']:>6d}  {_fmt(100 * r['coverage'], 7, 1)}%")
    return lines


def _analogy_table(results: Mapping[str, Mapping[str, Any]], sections: bool) -> list[str]:
    names = list(results)
    if sections:
        for r in results.values():
            names.extend("  " + s for s in r.get("sections", {}))
    width = max([len("analogies")] + [len(n) for n in names])
    lines = [f"{'analogies':<{width}}  {'accuracy':>8}  {'correct':>7}  {'questions':>9}  {'oov':>6}  "
             f"{'total':>6}  {'coverage':>8}"]
    for name, r in results.items():
        lines.append(f"{name:<{width}}  {_fmt(r['accuracy'])}  {r['correct']:>7d}  {r['questions']:>9d}  "
                     f"{r['oov_questions']:>6d}  {r['total_questions']:>6d}  {_fmt(100 * r['coverage'], 7, 1)}%"
                     f"  ({r.get('method', '3cosadd')}, top {r.get('restrict_vocab', '?')} words)")
        if sections:
            for s, sr in r.get("sections", {}).items():
                lines.append(f"{'  ' + s:<{width}}  {_fmt(sr['accuracy'])}  {sr['correct']:>7d}  "
                             f"{sr['questions']:>9d}  {sr['oov_questions']:>6d}")
    return lines


def _compare_table(r: Mapping[str, Any]) -> list[str]:
    lines = [
        f"drift over {r['words']} shared words ({r['missing_words']} requested words missing)",
        f"  cosine old/new   mean {_fmt(r['cosine_mean'], 0)}  median {_fmt(r['cosine_median'], 0)}  "
        f"min {_fmt(r['cosine_min'], 0)}",
        f"  neighbour overlap@{r['k']}  {_fmt(r['overlap_at_k'], 0)}",
        f"  new words {r['new_words_total']}, removed words {r['removed_words_total']}",
    ]
    if r.get("moved_most"):
        lines.append("  moved most: " + ", ".join(f"{w} ({c:.3f})" for w, c in r["moved_most"]))
    for entry in r.get("new_words", []):
        lines.append(f"  new {entry['word']}: " + ", ".join(f"{w} ({c:.3f})" for w, c in entry["neighbours"]))
    return lines


def format_report(results: Mapping[str, Any], sections: bool = True) -> str:
    """Format evaluation results as a plain-text table.

    Parameters
    ----------
    results : dict
        The output of :func:`evaluate` (optionally with a ``"compare"`` entry holding
        :func:`compare`'s output), or a single result of :func:`evaluate_similarity`,
        :func:`evaluate_analogies` or :func:`compare`.
    sections : bool
        List the analogy sections under each analogy file.

    Returns
    -------
    str
        Lines separated by newlines, no trailing newline.
    """
    if "overlap_at_k" in results:
        return "\n".join(_compare_table(results))
    if "spearman" in results:
        return "\n".join(_similarity_table({results.get("name", "similarity"): results}))
    if "accuracy" in results and "sections" in results:
        return "\n".join(_analogy_table({results.get("name", "analogies"): results}, sections))
    blocks = []
    if results.get("similarity"):
        blocks.append("\n".join(_similarity_table(results["similarity"])))
    if results.get("analogies"):
        blocks.append("\n".join(_analogy_table(results["analogies"], sections)))
    if results.get("compare"):
        blocks.append("\n".join(_compare_table(results["compare"])))
    return "\n\n".join(blocks) if blocks else "(no evaluation results)"


# ---------------------------------------------------------------------------------------------------------
# training callback
# ---------------------------------------------------------------------------------------------------------
class EvaluationCallback:
    """Evaluate the model at the end of every epoch, log the scores and keep a history.

    The data set files are read (and checked) when the callback is created, so a bad
    file fails before training starts.

    Parameters
    ----------
    similarity, analogies : path or iterable of paths
        Data set files (see :func:`evaluate`).
    restrict_vocab : int or None
        Vocabulary restriction for both kinds (the 30000 most frequent words by default,
        which keeps analogies fast).
    multiword : {"skip", "mean"}
    case_insensitive : bool
    method : {"3cosadd", "3cosmul"}

    Attributes
    ----------
    history : list of dict
        One entry per call: ``{"epoch", "loss", "similarity", "analogies"}`` with the last
        two as returned by :func:`evaluate`.

    Examples
    --------
    >>> cb = EvaluationCallback(similarity=["wordsim353.tsv"], analogies=["questions-words.txt"])
    >>> model = Word2Vec(corpus, callbacks=[cb])
    >>> [h["similarity"]["wordsim353.tsv"]["spearman"] for h in cb.history]
    """

    def __init__(self, similarity: PathLike | Iterable[PathLike] = (), analogies: PathLike | Iterable[PathLike] = (),
                 restrict_vocab: int | None = 30000, multiword: str = "skip", case_insensitive: bool = True,
                 method: str = "3cosadd") -> None:
        _check_multiword(multiword)
        self.method = _check_method(method)
        self.datasets = _Datasets(similarity, analogies)
        self.restrict_vocab = restrict_vocab
        self.multiword = multiword
        self.case_insensitive = case_insensitive
        self.history: list[dict[str, Any]] = []

    def __call__(self, model: Any, epoch: int, loss: float) -> None:
        """Evaluate ``model.wv`` and append ``{"epoch", "loss", "similarity", "analogies"}`` to the history."""
        scores = self.datasets.run(model.wv, self.restrict_vocab, self.multiword, self.case_insensitive,
                                   self.method, log_prefix=f"epoch {epoch}: ")
        self.history.append({"epoch": epoch, "loss": loss, **scores})
