"""Downstream check: a linear tagger whose only features are the word vectors, scored by entity F1.

It answers "do these vectors help a real task?" on any IOB data set (named entities,
chunks), the way the fine-tuning study uses BC5CDR chemicals and diseases:

* **Features** of token ``i``: for every position ``i - window .. i + window`` the unit
  vector of that token (the zero vector when it is out of vocabulary or beyond the
  sentence) and one OOV flag (1 for an out-of-vocabulary token, 0 for a known token or
  padding), plus a bias: ``(2 * window + 1) * (dim + 1) + 1`` features, no word identity,
  no spelling, so every difference in score comes from the vectors.
* **Model**: multinomial logistic regression (softmax over the tags of the training file)
  with an L2 penalty ``l2 / 2 * ||W||^2`` on the weights (not the bias) added to the mean
  cross-entropy, fitted with SciPy's L-BFGS-B from all-zero weights, so the fit is
  deterministic. SciPy is already a hard dependency of fastw2v (it computes the similarity
  correlations), so the tagger needs no optional extra; scikit-learn's
  ``LogisticRegression`` fits the same model but would add a dependency for one function.
  The window design matrix is never built: the logits are a sum over window positions of
  each position's token features times that position's weight block, which keeps memory
  at one row per token instead of ``2 * window + 1``.
* **Token matching** (how a token of the IOB file finds its vector): the token is
  lower-cased (``lowercase=True``) and cut into its runs of ``[a-z0-9]`` -- the
  tokenisation of corpora such as ``biomed.txt`` (``"5-FU"`` -> ``"5"``, ``"fu"``). A token
  with one run looks that word up; a token with several runs takes the mean of the unit
  vectors of those of its runs that are in vocabulary (renormalised to unit length); a
  token none of whose runs is in vocabulary is out of vocabulary. A token with no run at
  all (punctuation: ``(``, ``-``, ``.``) is looked up as written (lower-cased), so vectors
  that have punctuation entries (GloVe) use them and vectors trained on ``[a-z0-9]`` text
  flag it OOV; words are always matched by their runs, whatever the vectors' own
  tokenisation. (On BC5CDR devel with GloVe, using the punctuation vectors raised entity F1
  from 0.535 to 0.568: brackets and hyphens mark abbreviations and compound names.) With
  ``lowercase=False`` runs are ``[A-Za-z0-9]`` and keep their case.
* **Score**: entity-level precision, recall and F1 on exact spans, conlleval rules (an
  ``I-X`` that follows ``O`` or another type starts a new entity), micro-averaged over
  entity types and per type; token accuracy; the OOV rate of the test tokens.
"""
from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from scipy.optimize import minimize

from .checks import EvaluationError, check_at_least
from .readers import PathLike, file_name, read_iob
from .results import EntityScores, TaggingResult
from .vocab import float_vectors, unit_rows

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

logger = logging.getLogger(__package__)

#: L2 strength on the weights, against the mean cross-entropy per token: keeps the weights finite on
#: separable data. Chosen once on BC5CDR *devel* with GloVe 6B 50d, never on a test set: entity F1
#: 0.525 / 0.535 / 0.538 for 1e-4 / 1e-5 / 1e-6 (punctuation then still OOV; 1e-6 not converged in 300
#: iterations, 1e-4 underfits).
L2 = 1e-5
#: L-BFGS-B iterations at most; BC5CDR train (115k tokens) converges in under 200.
MAX_ITER = 300

_RUNS = {True: re.compile(r"[a-z0-9]+"), False: re.compile(r"[A-Za-z0-9]+")}


class TokenFeatures(NamedTuple):
    """Per-token features of a tagged corpus, laid out for the window sum.

    ``table`` holds one row per token and ``window`` zero rows before, between and after
    the sentences, so the neighbour at offset ``o`` of token ``i`` is row
    ``positions[i] + o`` and never crosses a sentence boundary.
    """

    table: np.ndarray      # float64[n_rows, dim + 1]: unit vector, OOV flag
    positions: np.ndarray  # int64[n_tokens]: row of each token in ``table``
    oov: np.ndarray        # bool[n_tokens]: the token has no vector


def token_runs(token: str, lowercase: bool = True) -> list[str]:
    """The runs of ``[a-z0-9]`` of the lower-cased token (``[A-Za-z0-9]`` of the token as is if not ``lowercase``)."""
    return _RUNS[lowercase].findall(token.lower() if lowercase else token)


def _rows_of(token: str, index: Mapping[str, int], lowercase: bool) -> list[int]:
    """Rows of the token's runs in vocabulary; for a token without runs, of the token as written."""
    runs = token_runs(token, lowercase)
    if not runs:
        runs = [token.lower() if lowercase else token]
    return [index[r] for r in runs if r in index]


def token_features(kv: KeyedVectors, sentences: Sequence[Sequence[str]], window: int,
                   lowercase: bool = True) -> TokenFeatures:
    """Features of every token of ``sentences`` (see the module docstring for the matching rule)."""
    index = kv.key_to_index
    unique: dict[str, int] = {}
    unique_rows: list[list[int]] = []
    lengths = np.fromiter((len(s) for s in sentences), dtype=np.int64, count=len(sentences))
    ids = np.empty(int(lengths.sum()), dtype=np.int64)
    k = 0
    for sentence in sentences:
        for token in sentence:
            j = unique.get(token)
            if j is None:
                j = unique[token] = len(unique_rows)
                unique_rows.append(_rows_of(token, index, lowercase))
            ids[k] = j
            k += 1
    dim = kv.vector_size
    known = [j for j, rows in enumerate(unique_rows) if rows]
    vectors = np.zeros((len(unique_rows) + 1, dim + 1))  # the extra last row is the padding row
    if known:
        counts = np.array([len(unique_rows[j]) for j in known], dtype=np.int64)
        flat = np.concatenate([unique_rows[j] for j in known])
        unit = unit_rows(float_vectors(kv, flat), np.float64)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        vectors[known, :dim] = unit_rows(np.add.reduceat(unit, starts, axis=0), np.float64)
    # zero vectors in the file (or runs whose unit vectors cancel) give no direction: out of vocabulary too
    no_vector = ~np.any(vectors[:-1, :dim] != 0, axis=1)
    vectors[:-1, dim] = no_vector
    sentence_of = np.repeat(np.arange(len(sentences), dtype=np.int64), lengths)
    positions = np.arange(len(ids), dtype=np.int64) + window * (sentence_of + 1)
    rows = np.full(len(ids) + window * (len(sentences) + 1), len(unique_rows), dtype=np.int64)
    rows[positions] = ids
    return TokenFeatures(vectors[rows], positions, no_vector[ids])


def _unpack(theta: np.ndarray, n_features: int, width: int, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    split = n_features * width * n_classes
    return theta[:split].reshape(n_features, width * n_classes), theta[split:]


def _window_sum(weights: np.ndarray, features: TokenFeatures, window: int) -> np.ndarray:
    """Logits without bias on every row of the padded grid: ``sum_o table[r + o] @ W_o``.

    Each position's weight block is applied to every row once (one matrix product), then
    the blocks are summed over shifted slices; padding rows are zero, so a sentence never
    sees its neighbours. Slices instead of per-token gathers keep one evaluation cheap.
    """
    n_rows, width = len(features.table), 2 * window + 1
    per_row = (features.table @ weights).reshape(n_rows, width, -1)
    out = np.zeros((n_rows, per_row.shape[2]))
    inner = slice(window, n_rows - window)
    for j in range(width):
        out[inner] += per_row[j:n_rows - 2 * window + j, j]
    return out


def window_loss(theta: np.ndarray, features: TokenFeatures, labels: np.ndarray, n_classes: int, window: int,
                l2: float) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy plus ``l2 / 2 * ||W||^2``, and its gradient.

    Parameters
    ----------
    theta : float64[(dim + 1) * (2 * window + 1) * n_classes + n_classes]
        Weights ``W[dim + 1, (2 * window + 1) * n_classes]`` (row-major) then the bias.
    features : TokenFeatures
    labels : int64[n_tokens]
        Tag index of each token.
    n_classes, window, l2
        Number of tags, window half-width, L2 strength.

    Returns
    -------
    (float, float64[theta.size])
    """
    n_rows, width = len(features.table), 2 * window + 1
    weights, bias = _unpack(theta, features.table.shape[1], width, n_classes)
    logits = _window_sum(weights, features, window)[features.positions] + bias
    logits -= logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    total = probs.sum(axis=1)
    n = len(labels)
    rows = np.arange(n)
    loss = float(np.log(total).sum() - logits[rows, labels].sum()) / n + 0.5 * l2 * float(np.sum(weights * weights))
    probs /= total[:, None]
    probs[rows, labels] -= 1.0
    probs /= n  # d loss / d logits
    on_grid = np.zeros((n_rows, n_classes))
    on_grid[features.positions] = probs
    # d loss / d (table @ W) at row r, block j: the logit gradient of the token r - o sees row r through block j
    per_row = np.zeros((n_rows, width, n_classes))
    for j in range(width):
        per_row[j:n_rows - 2 * window + j, j] = on_grid[window:n_rows - window]
    grad_w = features.table.T @ per_row.reshape(n_rows, -1) + l2 * weights
    return loss, np.concatenate((grad_w.ravel(), probs.sum(axis=0)))


class LinearTagger(NamedTuple):
    """A fitted tagger: weights, bias, the tags in class order and how the fit ended."""

    weights: np.ndarray  # float64[dim + 1, (2 * window + 1) * n_tags]
    bias: np.ndarray     # float64[n_tags]
    tags: list[str]
    window: int
    iterations: int
    converged: bool

    def predict(self, features: TokenFeatures) -> list[str]:
        """The most probable tag of every token."""
        logits = _window_sum(self.weights, features, self.window)[features.positions] + self.bias
        best = logits.argmax(axis=1)
        return [self.tags[i] for i in best.tolist()]


def fit_tagger(features: TokenFeatures, tags: Sequence[str], window: int, l2: float = L2,
               max_iter: int = MAX_ITER) -> LinearTagger:
    """Fit the softmax tagger with L-BFGS-B from zero weights (see :func:`window_loss` for the objective)."""
    classes = sorted(set(tags), key=lambda t: (t != "O", t[2:], t))
    if len(classes) < 2:
        raise EvaluationError(f"a tagger needs at least two different tags in the training data, got {classes}")
    code = {t: i for i, t in enumerate(classes)}
    labels = np.fromiter((code[t] for t in tags), dtype=np.int64, count=len(tags))
    n_features, width, k = features.table.shape[1], 2 * window + 1, len(classes)
    theta = np.zeros(n_features * width * k + k)
    fit = minimize(window_loss, theta, args=(features, labels, k, window, l2), jac=True, method="L-BFGS-B",
                   options={"maxiter": max_iter})
    weights, bias = _unpack(fit.x, n_features, width, k)
    return LinearTagger(weights, bias, classes, window, int(fit.nit), bool(fit.success))


def decode_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """Entities of one sentence as ``(start, end, type)`` with ``end`` exclusive, by conlleval's rules.

    ``B-X`` always starts an entity; ``I-X`` continues one of type X and starts a new one
    after ``O`` or an entity of another type; anything but a continuing ``I-X`` ends the
    current entity.
    """
    spans = []
    start, kind = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        prefix, this = (tag[0], tag[2:]) if tag != "O" else ("O", "")
        if start >= 0 and (prefix != "I" or this != kind):
            spans.append((start, i, kind))
            start = -1
        if prefix == "B" or (prefix == "I" and start < 0):
            start, kind = i, this
    return spans


def _scores(correct: int, gold: int, predicted: int) -> EntityScores:
    precision = correct / predicted if predicted else 0.0  # conlleval reports 0 for an empty side
    recall = correct / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return EntityScores(precision=precision, recall=recall, f1=f1, gold=gold, predicted=predicted, correct=correct)


def entity_scores(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]
                  ) -> tuple[EntityScores, dict[str, EntityScores]]:
    """Exact-span scores over all sentences: micro-averaged, and per entity type (sorted by name)."""
    gold_spans = {(s, *span) for s, tags in enumerate(gold) for span in decode_spans(tags)}
    pred_spans = {(s, *span) for s, tags in enumerate(predicted) for span in decode_spans(tags)}
    hits = gold_spans & pred_spans
    per_type = {}
    for kind in sorted({span[3] for span in gold_spans | pred_spans}):
        per_type[kind] = _scores(sum(1 for x in hits if x[3] == kind), sum(1 for x in gold_spans if x[3] == kind),
                                 sum(1 for x in pred_spans if x[3] == kind))
    return _scores(len(hits), len(gold_spans), len(pred_spans)), per_type


def _check_l2(l2: float) -> float:
    if isinstance(l2, bool) or not isinstance(l2, (int, float, np.floating)) or not math.isfinite(l2) or l2 < 0:
        raise EvaluationError(f"l2 must be a finite number >= 0, got {l2!r}")
    return float(l2)


def evaluate_tagging(kv: KeyedVectors, train_path: PathLike, test_path: PathLike, window: int = 2,
                     l2: float = L2, max_iter: int = MAX_ITER, lowercase: bool = True) -> TaggingResult:
    """Fit a linear tagger on word-vector features of ``train_path`` and score it on ``test_path``.

    See the module docstring for the features, the model, how tokens are matched to
    words and how entities are scored.

    Parameters
    ----------
    kv : gensim.models.KeyedVectors
        The vectors; every word counts as in vocabulary (no ``restrict_vocab``).
    train_path, test_path : str or os.PathLike
        IOB files (see :func:`read_iob`): one ``token<TAB>tag`` per line, a blank line
        between sentences.
    window : int
        Tokens on each side whose vectors are features (2: a 5-token window).
    l2 : float
        L2 strength on the weights, against the mean cross-entropy per token.
    max_iter : int
        L-BFGS-B iterations at most.
    lowercase : bool
        Lower-case tokens before cutting them into ``[a-z0-9]`` runs (for vectors trained
        on lower-cased text); False keeps the case (runs of ``[A-Za-z0-9]``).

    Returns
    -------
    TaggingResult
        Entity ``precision``, ``recall``, ``f1`` (micro-averaged), ``types`` (per entity
        type), ``token_accuracy``, ``oov_rate``, the settings and the fit's
        ``iterations``, ``converged`` and ``fit_seconds``.

    Raises
    ------
    EvaluationFileError
        A file cannot be read or is not IOB (the message names the file and line).
    EvaluationError
        An option is out of range, or the training file has fewer than two tags.
    """
    check_at_least(0, window=window)
    check_at_least(1, max_iter=max_iter)
    l2 = _check_l2(l2)
    train, test = read_iob(train_path), read_iob(test_path)
    train_features = token_features(kv, [s.tokens for s in train], window, lowercase)
    started = time.perf_counter()
    tagger = fit_tagger(train_features, [t for s in train for t in s.tags], window, l2, max_iter)
    seconds = time.perf_counter() - started
    test_features = token_features(kv, [s.tokens for s in test], window, lowercase)
    flat = tagger.predict(test_features)
    predicted, start = [], 0
    for sentence in test:
        predicted.append(flat[start:start + len(sentence.tags)])
        start += len(sentence.tags)
    overall, per_type = entity_scores([s.tags for s in test], predicted)
    gold_flat = [t for s in test for t in s.tags]
    result = TaggingResult(
        name=file_name(test_path), train=file_name(train_path), precision=overall.precision, recall=overall.recall,
        f1=overall.f1, entities=overall.gold, predicted=overall.predicted, correct=overall.correct,
        token_accuracy=sum(p == g for p, g in zip(flat, gold_flat)) / len(gold_flat), tokens=len(gold_flat),
        oov_rate=float(test_features.oov.mean()), train_tokens=len(train_features.oov),
        train_oov_rate=float(train_features.oov.mean()), types=per_type, window=window, l2=l2, max_iter=max_iter,
        iterations=tagger.iterations, converged=tagger.converged, lowercase=lowercase, fit_seconds=seconds)
    logger.info("%s: tagger entity F1 %.4f (P %.4f R %.4f, %d entities), token accuracy %.4f, oov %.1f%%; "
                "trained on %s in %d iterations, %.1f s", result.name, result.f1, result.precision, result.recall,
                result.entities, result.token_accuracy, 100 * result.oov_rate, result.train, result.iterations,
                seconds)
    return result

