"""Per-item scores behind the aggregate results, for bootstrap intervals over pairs, questions and sentences.

Each function scores the same items, with the same lookup rules, as its aggregate
counterpart (:func:`evaluate_similarity`, :func:`evaluate_analogies`,
:func:`evaluate_tagging`), and returns one entry per item so that a statistic can be
recomputed on resampled items.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .analogies import select_questions
from .checks import check_method
from .readers import PathLike, read_analogy_questions, read_iob, read_similarity_pairs
from .similarity import select_pairs
from .tagging import L2, MAX_ITER, decode_spans, fit_tagger, token_features
from .vocab import Vocab

if TYPE_CHECKING:
    from gensim.models import KeyedVectors


class PairScores(NamedTuple):
    """Every single-word pair scored, in file order: its terms, human score and model cosine."""

    pairs: list[tuple[str, str]]
    gold: np.ndarray    # float64[n_pairs]
    cosine: np.ndarray  # float64[n_pairs]


def similarity_items(kv: KeyedVectors, path: PathLike, pairs: Collection[tuple[str, str]] | None = None,
                     restrict_vocab: int | None = None, case_insensitive: bool = True,
                     vocab: Vocab | None = None) -> PairScores:
    """Gold scores and cosines of the pairs :func:`evaluate_similarity` (``multiword="skip"``) correlates.

    ``vocab``: the lookup of ``kv`` built once for several files (``Vocab(kv, restrict_vocab,
    case_insensitive)``; building it is most of the cost for a large vocabulary).
    """
    vocab = Vocab(kv, restrict_vocab, case_insensitive) if vocab is None else vocab
    chosen = select_pairs(read_similarity_pairs(path), vocab, "skip", pairs)
    return PairScores(chosen.pairs, np.asarray(chosen.gold, dtype=np.float64), chosen.cosines(kv))


class QuestionScores(NamedTuple):
    """Every analogy question answered, in file order, and whether the answer was right."""

    questions: list[tuple[str, str, str, str]]
    correct: np.ndarray  # bool[n_questions]


def analogy_items(kv: KeyedVectors, path: PathLike, questions: Collection[Sequence[str]] | None = None,
                  restrict_vocab: int | None = 300000, case_insensitive: bool = True, method: str = "3cosadd",
                  batch_size: int = 1024) -> QuestionScores:
    """The questions :func:`evaluate_analogies` answers and whether each answer is right."""
    method = check_method(method)
    vocab = Vocab(kv, restrict_vocab, case_insensitive)
    chosen = select_questions(read_analogy_questions(path), vocab, questions)
    return QuestionScores(chosen.questions, chosen.correct(kv, vocab, method, batch_size))


def sentence_entity_counts(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> np.ndarray:
    """``int64[n_sentences, 3]``: exact-span (correct, gold, predicted) entities per sentence (conlleval rules).

    Summed over sentences these give :func:`~fastw2v.evaluation.tagging.entity_scores`'s micro counts.
    """
    out = np.zeros((len(gold), 3), dtype=np.int64)
    for s, (g, p) in enumerate(zip(gold, predicted, strict=True)):
        gs, ps = set(decode_spans(g)), set(decode_spans(p))
        out[s] = (len(gs & ps), len(gs), len(ps))
    return out


def tagging_items(kv: KeyedVectors, train_path: PathLike, test_path: PathLike, *more_test_paths: PathLike,
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
                                          [flat[a:b] for a, b in pairwise(bounds)]))
    return out if more_test_paths else out[0]
