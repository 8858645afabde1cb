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
    restricted_pairs: int = 0   # of the oov pairs, those skipped only because of ``restrict_vocab``
    restrict_vocab: int = 0     # words in vocabulary


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
    restricted_questions: int = 0  # of the oov questions, those skipped only because of ``restrict_vocab``


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
    moved_among: int      # the words moved_most was drawn from (every shared word unless words were given)
    changed_words: int    # how many of those have a vector that differs at all
    new_words_total: int
    removed_words_total: int
    new_words: list[NewWord]


@dataclass(frozen=True)
class EntityScores(_Result):
    """Exact-span precision, recall and F1 over ``gold`` entities and ``predicted`` ones."""

    precision: float
    recall: float
    f1: float
    gold: int
    predicted: int
    correct: int


@dataclass(frozen=True)
class TaggingResult(_Result):
    """A linear tagger on word-vector features, fitted on ``train`` and scored on ``name`` (see ``evaluate_tagging``).

    ``precision``/``recall``/``f1`` are micro-averaged over entity types (exact spans,
    conlleval rules), ``types`` gives them per type; ``oov_rate`` is the share of test
    tokens without a vector (punctuation included), ``train_oov_rate`` the same on the
    training file.
    """

    name: str
    train: str
    precision: float
    recall: float
    f1: float
    entities: int
    predicted: int
    correct: int
    token_accuracy: float
    tokens: int
    oov_rate: float
    train_tokens: int
    train_oov_rate: float
    types: dict[str, EntityScores]
    window: int
    l2: float
    max_iter: int
    iterations: int
    converged: bool
    lowercase: bool
    fit_seconds: float


@dataclass(frozen=True)
class EvaluationReport(_Result):
    """Results of several data sets, each keyed by its file's base name (see ``evaluate``)."""

    similarity: dict[str, SimilarityResult] = field(default_factory=dict)
    analogies: dict[str, AnalogyResult] = field(default_factory=dict)
    tagging: dict[str, TaggingResult] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """``{"similarity": {...}, "analogies": {...}}``, plus ``"tagging"`` when a tagger was evaluated.

        Leaving out an empty ``tagging`` keeps the schema of reports without one as it was.
        """
        out = super().to_dict()
        if not self.tagging:
            del out["tagging"]
        return out


@dataclass(frozen=True)
class EpochEvaluation(_Result):
    """One entry of ``EvaluationCallback.history``: the epoch, its training loss and the scores."""

    epoch: int
    loss: float
    report: EvaluationReport
