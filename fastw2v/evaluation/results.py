"""Typed results of every evaluation; ``to_dict()`` gives the JSON schema the CLI prints.

Each result is a frozen dataclass, so :func:`~fastw2v.evaluation.format_report` picks its
table by type and a misspelt field is an ``AttributeError`` rather than a silent
``KeyError`` later. ``to_dict()`` keeps the field names and order of the dictionaries
earlier versions returned, so ``fastw2v evaluate --json`` output is unchanged.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class _Result:
    def to_dict(self) -> dict[str, Any]:
        """Plain nested dicts, lists and numbers (NaN where a score is undefined)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class SimilarityResult(_Result):
    """Correlation of cosine similarity with human scores on one data set (see ``evaluate_similarity``).

    ``spearman``/``pearson`` are NaN when fewer than two pairs are usable; ``coverage`` is
    ``pairs`` over the pairs not excluded.
    """

    name: str
    spearman: float
    pearson: float
    pairs: int
    oov_pairs: int
    multiword_pairs: int
    multiword_used: int
    excluded_pairs: int
    total_pairs: int
    coverage: float


@dataclass(frozen=True)
class SectionResult(_Result):
    """Analogy accuracy of one section of a data set."""

    accuracy: float
    correct: int
    questions: int
    oov_questions: int


@dataclass(frozen=True)
class AnalogyResult(_Result):
    """Analogy accuracy on one data set (see ``evaluate_analogies``); ``sections`` in file order."""

    name: str
    method: str
    accuracy: float
    correct: int
    questions: int
    oov_questions: int
    excluded_questions: int
    total_questions: int
    coverage: float
    restrict_vocab: int
    sections: dict[str, SectionResult]


@dataclass(frozen=True)
class NewWord(_Result):
    """A word new in the later model and its nearest neighbours there, best first."""

    word: str
    neighbours: list[tuple[str, float]]


@dataclass(frozen=True)
class DriftReport(_Result):
    """How far shared words moved between two models (see ``compare``)."""

    words: int
    missing_words: int
    k: int
    cosine_mean: float
    cosine_median: float
    cosine_min: float
    overlap_at_k: float
    moved_most: list[tuple[str, float]]
    new_words_total: int
    removed_words_total: int
    new_words: list[NewWord]


@dataclass(frozen=True)
class EvaluationReport(_Result):
    """Results of several data sets, each keyed by its file's base name (see ``evaluate``)."""

    similarity: dict[str, SimilarityResult] = field(default_factory=dict)
    analogies: dict[str, AnalogyResult] = field(default_factory=dict)


@dataclass(frozen=True)
class EpochEvaluation(_Result):
    """One entry of ``EvaluationCallback.history``: the epoch, its training loss and the scores."""

    epoch: int
    loss: float
    report: EvaluationReport
