"""Evaluation of word vectors: similarity, analogies, a downstream tagger and model drift.

Everything here works on a gensim ``KeyedVectors`` (``vectors`` plus ``index_to_key``,
ordered by descending frequency as in word2vec files), so it serves a fastw2v model
(``model.wv``) and any vectors gensim can load alike. Results are typed dataclasses
(:mod:`~fastw2v.evaluation.results`) with ``to_dict()`` for JSON.

==============  ==========================================================================
module          job
==============  ==========================================================================
``readers``     data-set files: similarity pairs, analogy questions, IOB tagging files
``similarity``  :func:`evaluate_similarity`, :func:`common_pairs` (gensim-equal correlations)
``analogies``   :func:`evaluate_analogies`, :func:`common_questions` (3CosAdd/3CosMul)
``tagging``     :func:`evaluate_tagging`: linear tagger on word-vector features, entity F1
``drift``       :func:`compare`: how far shared words moved between two models
``suite``       :func:`evaluate`: several files at once
``callback``    :class:`EvaluationCallback`: per-epoch evaluation during training
``report``      :func:`format_report`: a plain-text table for any result
``results``     the result dataclasses
``vocab``       word -> row lookup (case folding, ``restrict_vocab``) and vector helpers
``checks``      the errors and the option checks every entry point shares
==============  ==========================================================================
"""
from .analogies import common_questions, evaluate_analogies
from .callback import EvaluationCallback
from .checks import EvaluationError, EvaluationFileError
from .drift import compare
from .readers import read_analogy_questions, read_iob, read_similarity_pairs
from .report import format_report
from .results import (
                      AnalogyResult,
                      DriftReport,
                      EntityScores,
                      EpochEvaluation,
                      EvaluationReport,
                      NewWord,
                      SectionResult,
                      SimilarityResult,
                      TaggingResult,
)
from .similarity import common_pairs, evaluate_similarity
from .suite import evaluate
from .tagging import evaluate_tagging

__all__ = [
    "AnalogyResult",
    "DriftReport",
    "EntityScores",
    "EpochEvaluation",
    "EvaluationCallback",
    "EvaluationError",
    "EvaluationFileError",
    "EvaluationReport",
    "NewWord",
    "SectionResult",
    "SimilarityResult",
    "TaggingResult",
    "common_pairs",
    "common_questions",
    "compare",
    "evaluate",
    "evaluate_analogies",
    "evaluate_similarity",
    "evaluate_tagging",
    "format_report",
    "read_analogy_questions",
    "read_iob",
    "read_similarity_pairs",
]
