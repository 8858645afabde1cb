"""Analogies ("a is to b as c is to d"): accuracy with 3CosAdd or 3CosMul on ``questions-words.txt`` files.

Questions are answered in batches of matrix products against blocks of the (restricted)
vocabulary. With ``method="3cosadd"`` the result equals gensim's
``KeyedVectors.evaluate_word_analogies`` overall and per section (question words excluded
from the answers, unit-normalised vectors, a question skipped when any of its four words is
outside the first ``restrict_vocab`` words, gensim's top-5 rule for case variants).
"""
from __future__ import annotations

import logging
import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..memory import blocks
from .checks import EvaluationError, check_at_least, check_method
from .readers import PathLike, file_name, read_analogy_questions
from .results import AnalogyResult, SectionResult
from .vocab import Vocab, float_vectors, inverse_norms

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

logger = logging.getLogger(__package__)

#: Epsilon of 3CosMul (Levy & Goldberg 2014).
COSMUL_EPSILON = 1e-3
#: Vocabulary rows per block when scoring analogy candidates (bounds memory to
#: ``batch_size x _VOCAB_BLOCK`` scores at a time).
_VOCAB_BLOCK = 8192
#: How many candidates gensim's ``evaluate_word_analogies`` looks at (``topn=5``).
_GENSIM_TOPN = 5


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


def _answer_analogies(kv: KeyedVectors, vocab: Vocab, ia: np.ndarray, ib: np.ndarray, ic: np.ndarray,
                      method: str, batch_size: int) -> np.ndarray:
    """Predicted row for each question ``a:b :: c:?`` (-1 where no candidate exists).

    Candidates are the first ``vocab.size`` rows minus the question words and, when
    case-folding, their case variants. As in gensim (which takes the best word of its top
    5 that is no case variant of a question word), a question whose best candidate is
    outranked by five or more case variants gets the fifth of them as its answer.
    """
    size = vocab.size
    vectors = float_vectors(kv, slice(0, size))
    inv = inverse_norms(vectors)
    variants = vocab.variants
    has_variants = np.zeros(size, dtype=bool)
    if variants:
        has_variants[np.fromiter(variants.keys(), dtype=np.int64)] = True
    neg_inf = np.array(-np.inf, dtype=vectors.dtype)
    predicted = np.full(len(ia), -1, dtype=np.int64)
    for start, stop in blocks(len(ia), batch_size):
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
        for lo, hi in blocks(size, _VOCAB_BLOCK):
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


@dataclass
class QuestionSelection:
    """The questions of an analogy data set a lookup can answer, in file order, and what became of the others."""

    sections: list[str]        # the data set's section names, in file order
    questions: list[tuple[str, str, str, str]] = field(default_factory=list)  # the answerable ones, as written
    rows: list[tuple[int, int, int, int]] = field(default_factory=list)       # their words' rows
    section_of: list[int] = field(default_factory=list)                        # their sections' indices
    restricted: int = 0   # of the oov questions, those only the restriction of the lookup left out
    oov: np.ndarray = field(init=False)       # int64[n_sections]: questions with a word out of vocabulary
    excluded: np.ndarray = field(init=False)  # int64[n_sections]: questions not asked for

    def __post_init__(self) -> None:
        self.oov = np.zeros(len(self.sections), dtype=np.int64)
        self.excluded = np.zeros(len(self.sections), dtype=np.int64)

    def correct(self, kv: KeyedVectors, vocab: Vocab, method: str, batch_size: int) -> np.ndarray:
        """bool[n_questions]: whether each question's best answer is its fourth word (``method`` checked)."""
        idx = np.asarray(self.rows, dtype=np.int64).reshape(-1, 4)
        if not len(idx):
            return np.zeros(0, dtype=bool)
        predicted = _answer_analogies(kv, vocab, idx[:, 0], idx[:, 1], idx[:, 2], method, batch_size)
        return (predicted >= 0) & (vocab.canon[np.maximum(predicted, 0)] == idx[:, 3])


def select_questions(data: Sequence[tuple[str, str, str, str, str]], vocab: Vocab,
                     questions: Collection[Sequence[str]] | None) -> QuestionSelection:
    """The questions of ``data`` that :func:`evaluate_analogies` answers with ``vocab`` and ``questions``."""
    subset = None if questions is None else {tuple(vocab.fold(w) for w in q) for q in questions}
    out = QuestionSelection(list(dict.fromkeys(q[0] for q in data)))
    section_id = {s: i for i, s in enumerate(out.sections)}
    get = vocab.get
    for section, a, b, c, d in data:
        sid = section_id[section]
        if subset is not None and (vocab.fold(a), vocab.fold(b), vocab.fold(c), vocab.fold(d)) not in subset:
            out.excluded[sid] += 1
            continue
        ra, rb, rc, rd = get(a), get(b), get(c), get(d)
        if ra is None or rb is None or rc is None or rd is None:
            out.oov[sid] += 1
            out.restricted += vocab.beyond([a, b, c, d])
            continue
        out.questions.append((a, b, c, d))
        out.rows.append((ra, rb, rc, rd))
        out.section_of.append(sid)
    return out


def score_analogies(kv: KeyedVectors, data: Sequence[tuple[str, str, str, str, str]], name: str, vocab: Vocab,
                    method: str, questions: Collection[Sequence[str]] | None, batch_size: int) -> AnalogyResult:
    """Score parsed questions ``data`` (see :func:`evaluate_analogies`); ``method`` is already checked."""
    chosen = select_questions(data, vocab, questions)
    n_sections = len(chosen.sections)
    correct = chosen.correct(kv, vocab, method, batch_size)
    sec = np.asarray(chosen.section_of, dtype=np.int64)
    sec_questions = np.bincount(sec, minlength=n_sections)
    sec_correct = np.bincount(sec[correct], minlength=n_sections)
    sections = {}
    for i, s in enumerate(chosen.sections):
        nq, nc = int(sec_questions[i]), int(sec_correct[i])
        sections[s] = SectionResult(accuracy=nc / nq if nq else math.nan, correct=nc, questions=nq,
                                    oov_questions=int(chosen.oov[i]))
    n = len(chosen.rows)
    n_correct = int(correct.sum())
    total = len(data)
    excluded = int(chosen.excluded.sum())
    considered = total - excluded
    n_oov = int(chosen.oov.sum())
    if n == 0:
        logger.warning("%s: no question could be evaluated (%d out-of-vocabulary, %d excluded)", name, n_oov, excluded)
    return AnalogyResult(name=name, method=method, accuracy=n_correct / n if n else math.nan, correct=n_correct,
                         questions=n, oov_questions=n_oov, excluded_questions=excluded, total_questions=total,
                         coverage=n / considered if considered else math.nan, restrict_vocab=vocab.size,
                         sections=sections, restricted_questions=chosen.restricted)


def evaluate_analogies(kv: KeyedVectors, path: PathLike, restrict_vocab: int | None = 300000,
                       case_insensitive: bool = True, method: str = "3cosadd",
                       questions: Collection[Sequence[str]] | None = None, batch_size: int = 1024) -> AnalogyResult:
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
    AnalogyResult
        ``accuracy`` (NaN if no question could be answered), ``correct``, ``questions``
        (questions evaluated), ``oov_questions`` (``restricted_questions`` of them only because a
        word is past the first ``restrict_vocab``), ``excluded_questions``,
        ``total_questions`` (questions in the file), ``coverage``, ``method``,
        ``restrict_vocab`` (rows used), ``name`` and ``sections``: section name ->
        :class:`SectionResult` (``accuracy``, ``correct``, ``questions``, ``oov_questions``)
        in file order.
    """
    method = check_method(method)
    check_at_least(1, batch_size=batch_size)
    data = read_analogy_questions(path)
    vocab = Vocab(kv, restrict_vocab, case_insensitive)
    result = score_analogies(kv, data, file_name(path), vocab, method, questions, batch_size)
    log_analogies(result)
    return result


def log_analogies(result: AnalogyResult, prefix: str = "") -> None:
    logger.info("%s%s: %s accuracy %.4f (%d/%d correct, %d oov of %d, %d excluded)", prefix, result.name,
                result.method, result.accuracy, result.correct, result.questions, result.oov_questions,
                result.total_questions, result.excluded_questions)


def common_questions(kvs: Iterable[KeyedVectors], path: PathLike, restrict_vocab: int | None = 300000,
                     case_insensitive: bool = True) -> list[tuple[str, str, str, str]]:
    """The questions of an analogy data set that every model in ``kvs`` can answer.

    The analogy counterpart of :func:`~fastw2v.evaluation.common_pairs`: pass the result
    as ``questions=`` to :func:`evaluate_analogies` (with the same ``restrict_vocab`` and
    ``case_insensitive``), and compare ``len(result)`` with ``total_questions`` for the
    shared coverage.

    Returns
    -------
    list of (str, str, str, str)
        ``(a, b, c, d)`` as written in the file, in file order, without repeats.
    """
    data = read_analogy_questions(path)
    vocabs = [Vocab(kv, restrict_vocab, case_insensitive) for kv in kvs]
    if not vocabs:
        raise EvaluationError("common_questions needs at least one KeyedVectors")
    out: dict[tuple[str, str, str, str], None] = {}
    for _, a, b, c, d in data:
        if all(v.get(a) is not None and v.get(b) is not None and v.get(c) is not None and v.get(d) is not None
               for v in vocabs):
            out.setdefault((a, b, c, d))
    logger.info("%s: %d of %d questions covered by all %d models", file_name(path), len(out), len(data), len(vocabs))
    return list(out)

