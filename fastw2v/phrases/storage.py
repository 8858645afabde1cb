"""A phrase model's file: one JSON document, never a pickle, checked field by field when read."""
from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from ..atomic import atomic_file
from ..errors import ModelFormatError
from .counting import PhrasePass, check_settings

FORMAT = "fastw2v-phrases"
FORMAT_VERSION = 1


def save(path: str | os.PathLike, passes: list[PhrasePass], delimiter: str, scoring: str, min_count: int,
         threshold: float, known: frozenset[str] | None) -> None:
    """Write a phrase model's passes and settings as one JSON file (atomically)."""
    doc = {"format": FORMAT, "version": FORMAT_VERSION, "delimiter": delimiter, "scoring": scoring,
           "min_count": int(min_count), "threshold": float(threshold),
           "known": sorted(known) if known is not None else None,
           "passes": [{"left": list(p.left), "right": list(p.right), "scores": p.scores.tolist(),
                       "corpus_word_count": p.corpus_word_count, "len_vocab": p.len_vocab}
                      for p in passes]}
    with atomic_file(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, allow_nan=False)


def load(path: str | os.PathLike) -> dict[str, Any]:
    """The ``PhraseModel`` arguments saved in ``path`` by :func:`save`; :class:`ModelFormatError` naming the file
    if it is not such a file."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as fh:
            doc = json.loads(fh.read().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFormatError(f"{name}: not a fastw2v phrase model (not JSON: {exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ModelFormatError(f"{name}: not a fastw2v phrase model (no {FORMAT!r} format tag)")
    if not isinstance(doc.get("version"), int) or doc["version"] > FORMAT_VERSION:
        raise ModelFormatError(f"{name}: phrase model format version {doc.get('version')!r} is newer than "
                               f"this fastw2v supports ({FORMAT_VERSION}); upgrade fastw2v")
    try:
        return _arguments(doc)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFormatError(f"{name}: damaged phrase model ({exc})") from None


def _arguments(doc: dict) -> dict[str, Any]:
    scoring, delimiter = doc["scoring"], doc["delimiter"]
    if scoring != "known":
        check_settings(doc["min_count"], doc["threshold"], scoring, delimiter)
    known = doc["known"]
    if known is not None and not all(isinstance(p, str) for p in known):
        raise TypeError("'known' must be a list of strings")
    passes = []
    for p in doc["passes"]:
        left, right = p["left"], p["right"]
        scores = np.array(p["scores"], dtype=np.float64)
        if not (len(left) == len(right) == scores.size) or scores.ndim != 1:
            raise ValueError("a pass has left, right and scores of different lengths")
        if not all(isinstance(w, str) and w and not any(c.isspace() for c in w) for w in left + right):
            raise ValueError("phrase words must be non-empty strings without whitespace")
        passes.append(PhrasePass(tuple(left), tuple(right), scores, int(p["corpus_word_count"]),
                                 int(p["len_vocab"])))
    return {"passes": passes, "delimiter": delimiter, "scoring": scoring, "min_count": int(doc["min_count"]),
            "threshold": float(doc["threshold"]), "known": known}
