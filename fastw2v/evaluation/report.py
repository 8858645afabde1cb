"""Plain-text tables of evaluation results; :func:`format_report` picks the table by the result's type."""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from functools import singledispatch
from typing import Any

from .results import (
    AnalogyResult,
    DriftReport,
    EvaluationReport,
    SimilarityResult,
    TaggingResult,
)


def _fmt(value: float | None, width: int = 8, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a".rjust(width)
    return f"{value:{width}.{digits}f}"


def _cosine(c: float) -> str:
    """A cosine close to 1 as ``1-2.3e-05``: rounded to digits it would read 1.000 for every slightly moved word."""
    return f"1-{1 - c:.1e}" if 0.9995 <= c < 1 else f"{c:.4f}"


def _table(title: str, header: str, results: Mapping[str, Any], cells: Callable[[Any], str],
           parts: Callable[[Any], Iterable[tuple[str, str]]] = lambda r: ()) -> list[str]:
    """One row per result (``cells(result)``), each followed by its indented ``parts`` rows.

    The label column is as wide as its longest entry.
    """
    rows = []
    for name, r in results.items():
        rows.append((name, cells(r)))
        rows.extend(("  " + label, text) for label, text in parts(r))
    width = max([len(title)] + [len(label) for label, _ in rows])
    return [f"{title:<{width}}  {header}"] + [f"{label:<{width}}  {text}" for label, text in rows]


def _similarity_table(results: Mapping[str, SimilarityResult]) -> list[str]:
    header = (f"{'spearman':>8}  {'pearson':>8}  {'pairs':>6}  {'oov':>5}  {'multi':>5}  {'excl':>5}  {'total':>6}  "
              f"{'coverage':>8}")
    return _table("similarity", header, results, lambda r: (
        f"{_fmt(r.spearman)}  {_fmt(r.pearson)}  {r.pairs:>6d}  {r.oov_pairs:>5d}  {r.multiword_pairs:>5d}  "
        f"{r.excluded_pairs:>5d}  {r.total_pairs:>6d}  {_fmt(100 * r.coverage, 7, 1)}%  "
        f"({r.restricted_pairs} oov only past the first {r.restrict_vocab} words)"))


def _analogy_table(results: Mapping[str, AnalogyResult], sections: bool) -> list[str]:
    header = f"{'accuracy':>8}  {'correct':>7}  {'questions':>9}  {'oov':>6}  {'total':>6}  {'coverage':>8}"

    def cells(r: AnalogyResult) -> str:
        return (f"{_fmt(r.accuracy)}  {r.correct:>7d}  {r.questions:>9d}  {r.oov_questions:>6d}  "
                f"{r.total_questions:>6d}  {_fmt(100 * r.coverage, 7, 1)}%  ({r.method}, top {r.restrict_vocab} words; "
                f"{r.restricted_questions} oov only past them)")

    def parts(r: AnalogyResult) -> Iterable[tuple[str, str]]:
        if sections:
            for name, s in r.sections.items():
                yield name, f"{_fmt(s.accuracy)}  {s.correct:>7d}  {s.questions:>9d}  {s.oov_questions:>6d}"

    return _table("analogies", header, results, cells, parts)


def _tagging_table(results: Mapping[str, TaggingResult]) -> list[str]:
    header = f"{'f1':>8}  {'precision':>9}  {'recall':>8}  {'entities':>8}  {'token acc':>9}  {'oov':>6}"
    return _table("tagging", header, results, lambda r: (
        f"{_fmt(r.f1)}  {_fmt(r.precision, 9)}  {_fmt(r.recall)}  {r.entities:>8d}  {_fmt(r.token_accuracy, 9)}  "
        f"{_fmt(100 * r.oov_rate, 5, 1)}%  (trained on {r.train}: window {r.window}, {r.iterations} iterations, "
        f"{r.fit_seconds:.1f} s)"), lambda r: (
        (kind, f"{_fmt(s.f1)}  {_fmt(s.precision, 9)}  {_fmt(s.recall)}  {s.gold:>8d}") for kind, s in r.types.items()))


def _drift_table(r: DriftReport) -> list[str]:
    lines = [
        f"drift over {r.words} shared words ({r.missing_words} requested words missing)",
        (f"  cosine old/new   mean {_fmt(r.cosine_mean, 0)}  median {_fmt(r.cosine_median, 0)}  "
         f"min {_fmt(r.cosine_min, 0)}"),
        f"  neighbour overlap@{r.k}  {_fmt(r.overlap_at_k, 0)}",
        f"  new words {r.new_words_total}, removed words {r.removed_words_total}",
    ]
    if r.moved_most:
        lines.append(f"  moved most (lowest cosine old/new; {r.changed_words} of {r.moved_among} shared words "
                     f"changed): " + ", ".join(f"{w} ({_cosine(c)})" for w, c in r.moved_most))
    elif not math.isnan(r.cosine_mean):
        lines.append(f"  moved most: none (all {r.moved_among} shared words have the same vectors)")
    for entry in r.new_words:
        lines.append(f"  new {entry.word}: " + ", ".join(f"{w} ({c:.3f})" for w, c in entry.neighbours))
    return lines


@singledispatch
def format_report(results: object, sections: bool = True) -> str:
    """Format evaluation results as a plain-text table.

    Parameters
    ----------
    results : EvaluationReport, SimilarityResult, AnalogyResult, TaggingResult or DriftReport
        The output of :func:`evaluate`, :func:`evaluate_similarity`,
        :func:`evaluate_analogies`, :func:`evaluate_tagging` or :func:`compare`.
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
    if results.tagging:
        blocks.append(_tagging_table(results.tagging))
    return "\n\n".join("\n".join(b) for b in blocks) if blocks else "(no evaluation results)"


@format_report.register
def _(results: SimilarityResult, sections: bool = True) -> str:
    return "\n".join(_similarity_table({results.name: results}))


@format_report.register
def _(results: AnalogyResult, sections: bool = True) -> str:
    return "\n".join(_analogy_table({results.name: results}, sections))


@format_report.register
def _(results: TaggingResult, sections: bool = True) -> str:
    return "\n".join(_tagging_table({results.name: results}))


@format_report.register
def _(results: DriftReport, sections: bool = True) -> str:
    return "\n".join(_drift_table(results))
