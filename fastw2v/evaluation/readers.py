"""Readers of evaluation data sets: similarity pairs, analogy questions and IOB tagging files.

Every reader takes a path (``str`` or ``os.PathLike``) to a UTF-8 file, decompressing
``.gz`` and ``.bz2``, and returns the parsed items in file order. A missing file is a
:class:`~fastw2v.errors.MissingFileError`; every other problem -- bad UTF-8, damaged
gzip/bz2 data, an unreadable file, a malformed line, a file with nothing in it -- is an
:class:`~fastw2v.evaluation.EvaluationFileError` naming the file, the line where there is
one, and the problem.
"""
from __future__ import annotations

import bz2
import gzip
import math
import os
import re
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from ..errors import MissingFileError
from .checks import EvaluationFileError

PathLike = str | os.PathLike

#: Decompressors chosen by file suffix; any other file is read as plain UTF-8.
_OPENERS: dict[str, tuple[str, Callable[..., object]]] = {".gz": ("gzip", gzip.open), ".bz2": ("bz2", bz2.open)}

#: A tag of an IOB file: ``O`` or ``B-TYPE`` / ``I-TYPE``.
_IOB_TAG = re.compile(r"O|[BI]-\S+")


class TaggedSentence(NamedTuple):
    """One sentence of an IOB file: its tokens and their tags (same length)."""

    tokens: list[str]
    tags: list[str]


def file_name(path: PathLike) -> str:
    """The base name of ``path``, which keys results of several files."""
    return os.path.basename(os.fspath(path))


def _lines(path: PathLike) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` of a UTF-8 file (``.gz``/``.bz2`` decompressed), numbering from 1."""
    p = Path(path)
    if not p.exists():
        raise MissingFileError(f"{p}: no such file")
    if p.is_dir():
        raise EvaluationFileError(f"{p}: is a directory, not an evaluation file")
    kind, opener = _OPENERS.get(p.suffix.lower(), ("", open))
    line_no = 0
    try:
        with opener(p, "rb") as fh:
            for line_no, raw in enumerate(fh, 1):
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise EvaluationFileError(f"{p}, line {line_no}: not valid UTF-8 ({exc.reason})") from None
                if line_no == 1 and text.startswith("\ufeff"):
                    text = text[1:]
                yield line_no, text
    except PermissionError as exc:
        raise EvaluationFileError(f"{p}: cannot be read ({exc.strerror})") from None
    # gzip raises BadGzipFile (an OSError), zlib.error or EOFError; bz2 raises OSError or EOFError
    except (EOFError, zlib.error, OSError) as exc:
        problem = f"damaged {kind} data" if kind else "read error"
        raise EvaluationFileError(f"{p}, line {line_no + 1}: {problem} ({exc})") from None


def _term(field: str) -> str:
    """A term with surrounding whitespace removed and inner runs of whitespace made one space."""
    return " ".join(field.split())


def _fields(text: str, n: int) -> list[str] | None:
    """``text`` split into exactly ``n`` tab-separated fields, else on whitespace; None if neither gives ``n``."""
    fields = text.split("\t")
    if len(fields) != n:
        fields = text.split()
    return fields if len(fields) == n else None


def read_similarity_pairs(path: PathLike) -> list[tuple[str, str, float]]:
    """Read a word-similarity data set.

    One pair per line: ``term1 term2 score``. Blank lines and lines starting with ``#``
    are skipped. A line with exactly three tab-separated fields is read as
    ``term1<TAB>term2<TAB>score`` and its terms may contain spaces (multi-word terms such
    as UMNSRS's ``ipecac syrup``); any other line is split on whitespace and must have
    exactly three fields. Files and errors as described in the module docstring.

    Returns
    -------
    list of (str, str, float)
        ``(term1, term2, score)`` in file order; a multi-word term has its words joined
        by single spaces.
    """
    pairs: list[tuple[str, str, float]] = []
    for line_no, line in _lines(path):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        fields = _fields(text, 3)
        if fields is None:
            raise EvaluationFileError(f"{path}, line {line_no}: expected 3 fields (term1 term2 score), "
                                      f"got {len(text.split())}: {text[:80]!r}")
        w1, w2 = _term(fields[0]), _term(fields[1])
        if not w1 or not w2:
            raise EvaluationFileError(f"{path}, line {line_no}: empty term in {text[:80]!r}")
        try:
            score = float(fields[2])
        except ValueError:
            raise EvaluationFileError(
                f"{path}, line {line_no}: score {fields[2].strip()[:40]!r} is not a number") from None
        if not math.isfinite(score):
            raise EvaluationFileError(f"{path}, line {line_no}: score {fields[2].strip()!r} is not finite")
        pairs.append((w1, w2, score))
    if not pairs:
        raise EvaluationFileError(f"{path}: no similarity pairs in the file")
    return pairs


def read_analogy_questions(path: PathLike) -> list[tuple[str, str, str, str, str]]:
    """Read an analogy data set in the ``questions-words.txt`` format.

    Lines ``: name`` start a section; every other non-blank line that does not start
    with ``#`` is a question of four whitespace-separated words ``a b c d`` ("a is to b
    as c is to d"); a question before the first section line is an error. Files and
    errors as described in the module docstring.

    Returns
    -------
    list of (str, str, str, str, str)
        ``(section, a, b, c, d)`` in file order.
    """
    questions: list[tuple[str, str, str, str, str]] = []
    section: str | None = None
    for line_no, line in _lines(path):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith(":"):
            section = text[1:].strip()
            if not section:
                raise EvaluationFileError(f"{path}, line {line_no}: section line without a name")
            continue
        if section is None:
            raise EvaluationFileError(f"{path}, line {line_no}: question before the first ': section' line")
        words = text.split()
        if len(words) != 4:
            raise EvaluationFileError(
                f"{path}, line {line_no}: expected 4 words (a b c d), got {len(words)}: {text[:80]!r}")
        questions.append((section, words[0], words[1], words[2], words[3]))
    if not questions:
        raise EvaluationFileError(f"{path}: no analogy questions in the file")
    return questions


def read_iob(path: PathLike) -> list[TaggedSentence]:
    """Read a tagging data set in IOB format.

    One ``token<TAB>tag`` per line (a line without exactly one tab is split on
    whitespace and must have two fields), a blank line between sentences; ``-DOCSTART-``
    lines (CoNLL) also end a sentence. Tags are ``O``, ``B-TYPE`` or ``I-TYPE``; any other
    tag is an error. Files and errors as described in the module docstring.

    Returns
    -------
    list of TaggedSentence
        ``(tokens, tags)`` per sentence, in file order; tokens as written.
    """
    sentences: list[TaggedSentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    for line_no, line in _lines(path):
        text = line.strip()
        if not text or text.split()[0] == "-DOCSTART-":
            if tokens:
                sentences.append(TaggedSentence(tokens, tags))
                tokens, tags = [], []
            continue
        fields = _fields(text, 2)
        if fields is None:
            raise EvaluationFileError(f"{path}, line {line_no}: expected 2 fields (token<TAB>tag), "
                                      f"got {len(text.split())}: {text[:80]!r}")
        token, tag = fields[0].strip(), fields[1].strip()
        if not token:
            raise EvaluationFileError(f"{path}, line {line_no}: empty token in {text[:80]!r}")
        if not _IOB_TAG.fullmatch(tag):
            raise EvaluationFileError(f"{path}, line {line_no}: tag {tag[:40]!r} is not O, B-TYPE or I-TYPE")
        tokens.append(token)
        tags.append(tag)
    if tokens:
        sentences.append(TaggedSentence(tokens, tags))
    if not sentences:
        raise EvaluationFileError(f"{path}: no tagged tokens in the file")
    return sentences
