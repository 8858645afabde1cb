"""Several data sets at once: files read (and checked) once, then scored for any number of models."""
from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from .analogies import log_analogies, score_analogies
from .checks import EvaluationError, check_method, check_multiword
from .readers import PathLike, file_name, read_analogy_questions, read_similarity_pairs
from .results import EvaluationReport
from .similarity import log_similarity, score_similarity
from .tagging import evaluate_tagging
from .vocab import Vocab

if TYPE_CHECKING:
    from gensim.models import KeyedVectors


def _as_paths(paths: PathLike | Iterable[PathLike]) -> list[PathLike]:
    if isinstance(paths, (str, os.PathLike)):
        return [paths]
    return list(paths)


def _unique_names(paths: Sequence[PathLike], kind: str) -> list[str]:
    names = [file_name(p) for p in paths]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise EvaluationError(f"two {kind} files are named {name!r}; results are keyed by file name")
        seen.add(name)
    return names


class Datasets:
    """Parsed similarity and analogy files, read once and evaluated many times."""

    def __init__(self, similarity: PathLike | Iterable[PathLike], analogies: PathLike | Iterable[PathLike]) -> None:
        sim_paths, ana_paths = _as_paths(similarity), _as_paths(analogies)
        self.similarity = dict(zip(_unique_names(sim_paths, "similarity"),
                                   (read_similarity_pairs(p) for p in sim_paths)))
        self.analogies = dict(zip(_unique_names(ana_paths, "analogy"),
                                  (read_analogy_questions(p) for p in ana_paths)))

    def run(self, kv: KeyedVectors, restrict_vocab: int | None, multiword: str, case_insensitive: bool,
            method: str, log_prefix: str = "", phrase_delimiter: str = "_") -> EvaluationReport:
        """Score ``kv`` on every file (options as in :func:`evaluate`)."""
        check_multiword(multiword)
        method = check_method(method)
        vocab = (Vocab(kv, restrict_vocab, case_insensitive, phrase_delimiter) if self.similarity or self.analogies
                 else None)
        report = EvaluationReport()
        for name, pairs in self.similarity.items():
            assert vocab is not None  # made whenever there is a file to score
            report.similarity[name] = similar = score_similarity(kv, pairs, name, vocab, multiword, None)
            log_similarity(similar, log_prefix)
        for name, questions in self.analogies.items():
            assert vocab is not None
            report.analogies[name] = solved = score_analogies(kv, questions, name, vocab, method, None, 1024)
            log_analogies(solved, log_prefix)
        return report


def evaluate(kv: KeyedVectors, similarity: PathLike | Iterable[PathLike] = (),
             analogies: PathLike | Iterable[PathLike] = (), restrict_vocab: int | None = 300000,
             multiword: str = "skip", case_insensitive: bool = True, method: str = "3cosadd",
             tagging: Iterable[tuple[PathLike, PathLike]] = (), phrase_delimiter: str = "_") -> EvaluationReport:
    """Evaluate ``kv`` on several similarity, analogy and tagging data sets.

    Parameters
    ----------
    kv : gensim.models.KeyedVectors
    similarity, analogies : path or iterable of paths
        Data set files; their base names must be distinct within each kind.
    restrict_vocab : int or None
        Vocabulary restriction for similarity and analogies (gensim's default, 300000);
        the tagger looks words up in the whole vocabulary.
    multiword : {"skip", "mean", "phrase"}
        See :func:`evaluate_similarity` (also for ``phrase_delimiter``).
    case_insensitive : bool
    method : {"3cosadd", "3cosmul"}
        See :func:`evaluate_analogies`.
    tagging : iterable of (train, test) paths
        IOB files: a linear tagger is fitted on ``train`` and scored on ``test`` with
        :func:`evaluate_tagging`'s defaults; test base names must be distinct.

    Returns
    -------
    EvaluationReport
        ``similarity``, ``analogies`` and ``tagging``: file base name (the test file's for
        tagging) -> :class:`SimilarityResult` / :class:`AnalogyResult` / :class:`TaggingResult`.
    """
    pairs = [tuple(pair) for pair in tagging]
    if any(len(pair) != 2 for pair in pairs):
        raise EvaluationError("tagging takes (train, test) pairs of IOB files")
    names = _unique_names([test for _, test in pairs], "tagging test")
    report = Datasets(similarity, analogies).run(kv, restrict_vocab, multiword, case_insensitive, method,
                                                 phrase_delimiter=phrase_delimiter)
    for name, (train, test) in zip(names, pairs):
        report.tagging[name] = evaluate_tagging(kv, train, test)
    return report
