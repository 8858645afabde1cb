"""Per-item scores behind the aggregate results, for bootstrap intervals over pairs, questions and sentences.

Each function scores the same items, with the same lookup rules, as its aggregate
counterpart (:func:`evaluate_similarity`, :func:`evaluate_analogies`,
:func:`evaluate_tagging`), and returns one entry per item so that a statistic can be
recomputed on resampled items.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Collection, NamedTuple, Sequence

import numpy as np

from .analogies import _answer_analogies
from .checks import check_method
from .readers import PathLike, _term, read_analogy_questions, read_iob, read_similarity_pairs
from .tagging import L2, MAX_ITER, decode_spans, fit_tagger, token_features
from .vocab import Vocab, float_vectors, rowwise_cosine

if TYPE_CHECKING:
    from gensim.models import KeyedVectors


class PairScores(NamedTuple):
    """Every single-word pair scored, in file order: its terms, human score and model cosine."""

    pairs: list[tuple[str, str]]
    gold: np.ndarray    # float64[n_pairs]
    cosine: np.ndarray  # float64[n_pairs]


def similarity_items(kv: "KeyedVectors", path: PathLike, pairs: Collection[tuple[str, str]] | None = None,
                     restrict_vocab: int | None = None, case_insensitive: bool = True,
                     vocab: Vocab | None = None) -> PairScores:
    """Gold scores and cosines of the pairs :func:`evaluate_similarity` (``multiword="skip"``) correlates.

    ``vocab``: the lookup of ``kv`` built once for several files (``Vocab(kv, restrict_vocab,
    case_insensitive)``; building it is most of the cost for a large vocabulary).
    """
    vocab = Vocab(kv, restrict_vocab, case_insensitive) if vocab is None else vocab
    subset = None if pairs is None else {(vocab.fold(_term(a)), vocab.fold(_term(b))) for a, b in pairs}
    used, gold, rows = [], [], []
    for w1, w2, score in read_similarity_pairs(path):
        if (subset is not None and (vocab.fold(w1), vocab.fold(w2)) not in subset) or " " in w1 or " " in w2:
            continue
        r1, r2 = vocab.get(w1), vocab.get(w2)
        if r1 is not None and r2 is not None:
            used.append((w1, w2))
            gold.append(score)
            rows.append((r1, r2))
    idx = np.asarray(rows, dtype=np.int64).reshape(-1, 2)
    vectors = float_vectors(kv, idx.ravel())
    return PairScores(used, np.asarray(gold, dtype=np.float64), rowwise_cosine(vectors[0::2], vectors[1::2]))


class QuestionScores(NamedTuple):
    """Every analogy question answered, in file order, and whether the answer was right."""

    questions: list[tuple[str, str, str, str]]
    correct: np.ndarray  # bool[n_questions]


def analogy_items(kv: "KeyedVectors", path: PathLike, questions: Collection[Sequence[str]] | None = None,
                  restrict_vocab: int | None = 300000, case_insensitive: bool = True, method: str = "3cosadd",
                  batch_size: int = 1024) -> QuestionScores:
    """The questions :func:`evaluate_analogies` answers and whether each answer is right."""
    method = check_method(method)
    vocab = Vocab(kv, restrict_vocab, case_insensitive)
    subset = None if questions is None else {tuple(vocab.fold(w) for w in q) for q in questions}
    used, rows = [], []
    for _, a, b, c, d in read_analogy_questions(path):
        if subset is not None and (vocab.fold(a), vocab.fold(b), vocab.fold(c), vocab.fold(d)) not in subset:
            continue
        found = [vocab.get(w) for w in (a, b, c, d)]
        if None not in found:
            used.append((a, b, c, d))
            rows.append(found)
    idx = np.asarray(rows, dtype=np.int64).reshape(-1, 4)
    if not len(idx):
        return QuestionScores(used, np.zeros(0, dtype=bool))
    predicted = _answer_analogies(kv, vocab, idx[:, 0], idx[:, 1], idx[:, 2], method, batch_size)
    return QuestionScores(used, (predicted >= 0) & (vocab.canon[np.maximum(predicted, 0)] == idx[:, 3]))


def sentence_entity_counts(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> np.ndarray:
    """``int64[n_sentences, 3]``: exact-span (correct, gold, predicted) entities per sentence (conlleval rules).

    Summed over sentences these give :func:`~fastw2v.evaluation.tagging.entity_scores`'s micro counts.
    """
    out = np.zeros((len(gold), 3), dtype=np.int64)
    for s, (g, p) in enumerate(zip(gold, predicted, strict=True)):
        gs, ps = set(decode_spans(g)), set(decode_spans(p))
        out[s] = (len(gs & ps), len(gs), len(ps))
    return out


def tagging_items(kv: "KeyedVectors", train_path: PathLike, test_path: PathLike, *more_test_paths: PathLike,
                  window: int = 2, l2: float = L2, max_iter: int = MAX_ITER,
                  lowercase: bool = True) -> np.ndarray | list[np.ndarray]:
    """Per test sentence entity counts (:func:`sentence_entity_counts`) of the tagger :func:`evaluate_tagging` fits.

    With ``more_test_paths`` (a development and a test file, say) the one tagger fitted on
    ``train_path`` is scored on each, and the counts come as a list in the same order.
    """
    train = read_iob(train_path)
    tagger = fit_tagger(token_features(kv, [s.tokens for s in train], window, lowercase),
                        [t for s in train for t in s.tags], window, l2, max_iter)
    out = []
    for path in (test_path, *more_test_paths):
        test = read_iob(path)
        flat = tagger.predict(token_features(kv, [s.tokens for s in test], window, lowercase))
        bounds = np.cumsum([0] + [len(s.tags) for s in test])
        out.append(sentence_entity_counts([s.tags for s in test],
                                          [flat[a:b] for a, b in zip(bounds[:-1], bounds[1:])]))
    return out if more_test_paths else out[0]
