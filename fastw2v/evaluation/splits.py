"""Fixed development / test halves of evaluation sets, so that settings chosen on one are reported on the other.

A default picked by looking at a data set is tuned to it; choosing on a *dev* half and
reporting on a disjoint *test* half is the least a claim of generalisation needs. The
halves here are fixed by the data alone, never by a random generator or a run:

* **similarity pairs**: a pair is in the dev half when the first byte of the SHA-256 of
  ``"word1<TAB>word2"`` (each term lower-cased, whitespace runs made one space, in file
  order) is even, else in the test half. The hash is stable across runs, machines and
  Python versions (unlike ``hash()``), and a pair's half does not depend on which other
  pairs the file holds.
* **analogy questions**: whole sections, by their 1-based position in the file: the odd
  ones (1, 3, 5...) are dev, the even ones test, so each half has both semantic and
  syntactic sections and no question's answer is learned from a sibling in the other half.
  A question an odd section also asks stays in the dev half only (the Google set's
  ``capital-world`` repeats 171 questions of ``capital-common-countries``), so the halves
  are disjoint.
"""
from __future__ import annotations

import hashlib
from typing import Literal

from .readers import PathLike, _term, read_analogy_questions, read_similarity_pairs

Half = Literal["dev", "test"]
HALVES: tuple[Half, ...] = ("dev", "test")


def _check(half: str) -> Half:
    if half not in HALVES:
        raise ValueError(f"half={half!r} is invalid: use 'dev' or 'test'")
    return half


def pair_half(word1: str, word2: str) -> Half:
    """The half (``"dev"`` or ``"test"``) a similarity pair belongs to; see the module docstring."""
    key = f"{_term(word1).lower()}\t{_term(word2).lower()}".encode()
    return "dev" if hashlib.sha256(key).digest()[0] % 2 == 0 else "test"


def similarity_half(path: PathLike, half: str) -> list[tuple[str, str]]:
    """The pairs of a similarity file in ``half``, in file order, as ``(word1, word2)``.

    Pass the result as ``pairs=`` to :func:`~fastw2v.evaluation.evaluate_similarity` (or
    intersect it with :func:`~fastw2v.evaluation.common_pairs`) to score that half only.
    """
    half = _check(half)
    return [(a, b) for a, b, _ in read_similarity_pairs(path) if pair_half(a, b) == half]


def analogy_half(path: PathLike, half: str) -> list[tuple[str, str, str, str]]:
    """The questions of an analogy file in ``half`` (odd sections: dev, even: test), in file order."""
    half = _check(half)
    sections: dict[str, int] = {}
    dev: list[tuple[str, str, str, str]] = []
    test: list[tuple[str, str, str, str]] = []
    for section, a, b, c, d in read_analogy_questions(path):
        number = sections.setdefault(section, len(sections) + 1)
        (dev if number % 2 == 1 else test).append((a, b, c, d))
    if half == "dev":
        return dev
    asked = set(dev)
    return [q for q in test if q not in asked]
