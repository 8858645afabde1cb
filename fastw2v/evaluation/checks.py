"""Errors and option checks shared by every evaluation entry point (each check is written once here)."""
from __future__ import annotations

import numpy as np

from ..errors import FastW2VError

MULTIWORD_MODES = ("skip", "mean", "phrase")
ANALOGY_METHODS = ("3cosadd", "3cosmul")


class EvaluationError(FastW2VError, ValueError):
    """An evaluation cannot be carried out as asked (bad option, nothing to compare)."""


class EvaluationFileError(EvaluationError):
    """An evaluation data set file cannot be read or is malformed; the message names the file and problem."""


def check_multiword(multiword: str) -> str:
    """``multiword`` if it is ``"skip"``, ``"mean"`` or ``"phrase"``, else :class:`EvaluationError`."""
    if multiword not in MULTIWORD_MODES:
        raise EvaluationError(f"multiword must be 'skip', 'mean' or 'phrase', got {multiword!r}")
    return multiword


def check_method(method: str) -> str:
    """The analogy method lower-cased if it is 3CosAdd or 3CosMul, else :class:`EvaluationError`."""
    key = method.lower() if isinstance(method, str) else method
    if key not in ANALOGY_METHODS:
        raise EvaluationError(f"method must be '3cosadd' or '3cosmul', got {method!r}")
    return key


def is_integer(value: object) -> bool:
    """True for Python and NumPy integers, False for bools (which Python counts as integers)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_restrict_vocab(restrict_vocab: int | None) -> int | None:
    """``restrict_vocab`` as an int (None stays None); :class:`EvaluationError` unless a positive integer."""
    if restrict_vocab is None:
        return None
    if not is_integer(restrict_vocab) or restrict_vocab < 1:
        raise EvaluationError(f"restrict_vocab must be a positive integer or None, got {restrict_vocab!r}")
    return int(restrict_vocab)


def check_at_least(minimum: int, **values: int) -> None:
    """Every keyword value must be an integer ``>= minimum``; the error names the option and value."""
    for name, value in values.items():
        if not is_integer(value) or value < minimum:
            raise EvaluationError(f"{name} must be an integer >= {minimum}, got {value!r}")
