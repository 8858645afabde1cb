"""Plain-text tables of evaluation results; :func:`format_report` picks the table by the result's type."""
from __future__ import annotations

import math
from functools import singledispatch
from typing import Mapping

from .results import AnalogyResult, DriftReport, EvaluationReport, SimilarityResult


def _fmt(value: float | None, width: int = 8, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a".rjust(width)
    return f"{value:{width}.{digits}f}"


def _table(title: str, header: str, rows: list[tuple[str, str]]) -> list[str]:
    """``(label, cells)`` rows under ``title`` and ``header``, the label column as wide as its longest entry."""
    width = max([len(title)] + [len(label) for label, _ in rows])
    return [f"{title:<{width}}  {header}"] + [f"{label:<{width}}  {cells}" for label, cells in rows]


def _similarity_table(results: Mapping[str, SimilarityResult]) -> list[str]:
    header = (f"{'spearman':>8}  {'pearson':>8}  {'pairs':>6}  {'oov':>5}  {'multi':>5}  {'excl':>5}  {'total':>6}  "
              f"{'coverage':>8}")
    rows = [(name, f"{_fmt(r.spearman)}  {_fmt(r.pearson)}  {r.pairs:>6d}  {r.oov_pairs:>5d}  "
                   f"{r.multiword_pairs:>5d}  {r.excluded_pairs:>5d}  {r.total_pairs:>6d}  "
                   f"{_fmt(100 * r.coverage, 7, 1)}%") for name, r in results.items()]
    return _table("similarity", header, rows)


def _analogy_table(results: Mapping[str, AnalogyResult], sections: bool) -> list[str]:
    header = f"{'accuracy':>8}  {'correct':>7}  {'questions':>9}  {'oov':>6}  {'total':>6}  {'coverage':>8}"
    rows = []
    for name, r in results.items():
        rows.append((name, f"{_fmt(r.accuracy)}  {r.correct:>7d}  {r.questions:>9d}  {r.oov_questions:>6d}  "
                           f"{r.total_questions:>6d}  {_fmt(100 * r.coverage, 7, 1)}%  "
                           f"({r.method}, top {r.restrict_vocab} words)"))
        if sections:
            rows.extend(("  " + s, f"{_fmt(sr.accuracy)}  {sr.correct:>7d}  {sr.questions:>9d}  {sr.oov_questions:>6d}")
                        for s, sr in r.sections.items())
    return _table("analogies", header, rows)


def _drift_table(r: DriftReport) -> list[str]:
    lines = [
        f"drift over {r.words} shared words ({r.missing_words} requested words missing)",
        f"  cosine old/new   mean {_fmt(r.cosine_mean, 0)}  median {_fmt(r.cosine_median, 0)}  "
        f"min {_fmt(r.cosine_min, 0)}",
        f"  neighbour overlap@{r.k}  {_fmt(r.overlap_at_k, 0)}",
        f"  new words {r.new_words_total}, removed words {r.removed_words_total}",
    ]
    if r.moved_most:
        lines.append("  moved most: " + ", ".join(f"{w} ({c:.3f})" for w, c in r.moved_most))
    for entry in r.new_words:
        lines.append(f"  new {entry.word}: " + ", ".join(f"{w} ({c:.3f})" for w, c in entry.neighbours))
    return lines


@singledispatch
def format_report(results: object, sections: bool = True) -> str:
    """Format evaluation results as a plain-text table.

    Parameters
    ----------
    results : EvaluationReport, SimilarityResult, AnalogyResult or DriftReport
        The output of :func:`evaluate`, :func:`evaluate_similarity`,
        :func:`evaluate_analogies` or :func:`compare`.
    sections : bool
        List the analogy sections under each analogy file.

    Returns
    -------
    str
        Lines separated by newlines, no trailing newline.
    """
    raise TypeError(f"format_report takes an evaluation result, not {type(results).__name__}")


@format_report.register
def _(results: EvaluationReport, sections: bool = True) -> str:
    blocks = []
    if results.similarity:
        blocks.append(_similarity_table(results.similarity))
    if results.analogies:
        blocks.append(_analogy_table(results.analogies, sections))
    return "\n\n".join("\n".join(b) for b in blocks) if blocks else "(no evaluation results)"


@format_report.register
def _(results: SimilarityResult, sections: bool = True) -> str:
    return "\n".join(_similarity_table({results.name: results}))


@format_report.register
def _(results: AnalogyResult, sections: bool = True) -> str:
    return "\n".join(_analogy_table({results.name: results}, sections))


@format_report.register
def _(results: DriftReport, sections: bool = True) -> str:
    return "\n".join(_drift_table(results))
