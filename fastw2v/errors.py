"""Exception types.

Every error fastw2v raises on bad input derives from :class:`FastW2VError` *and*
from a builtin (``ValueError`` or ``OSError``), so callers can catch either the
project's base class or the builtin they already expect. The CLI turns any
``FastW2VError`` or ``OSError`` into one line on stderr and exit code 2.
"""
from __future__ import annotations


def describe(exc: BaseException) -> str:
    """``"Type: message"`` of a low-level exception, for the end of a one-line error message.

    Module-level names such as ``zlib.error`` keep their module, so "error: ..." never reads
    like the CLI's own prefix.
    """
    name = type(exc).__name__
    if name.islower():
        name = f"{type(exc).__module__}.{name}"
    text = " ".join(str(exc).split())
    return f"{name}: {text}" if text else name


class FastW2VError(Exception):
    """Base class of every error fastw2v raises deliberately."""


class ConfigError(FastW2VError, ValueError):
    """An option has an invalid value; the message names the option."""


class CorpusError(FastW2VError, ValueError):
    """A corpus cannot be used for training; the message names the file when there is one."""


class VectorFileError(FastW2VError, ValueError):
    """A word-vector file is malformed; the message names the file and the problem."""


class UntrustedFileError(VectorFileError):
    """A file that would run code when loaded (a pickle) was not asked for by format name."""


class ModelFormatError(FastW2VError, ValueError):
    """A saved fastw2v model is missing, damaged or written by a newer format version."""


class ModelStateError(FastW2VError, ValueError, RuntimeError):
    """The model cannot do what was asked in its state (no vocabulary yet, loaded read-only, weights
    that do not fit its vocabulary); the message says what to do. Also a ``RuntimeError``, which
    gensim raises for a model without a vocabulary."""


class TrainingDivergedError(FastW2VError, ArithmeticError):
    """Loss or weights became NaN/inf during training."""


class MissingFileError(FastW2VError, FileNotFoundError):
    """An input path does not exist."""


class UnreadableFileError(FastW2VError, OSError):
    """An input file exists but cannot be read (permissions, a device error); the message names it."""
