"""Word -> row lookup over a ``KeyedVectors`` and the few vector operations every evaluation shares."""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from .checks import check_restrict_vocab

if TYPE_CHECKING:
    from gensim.models import KeyedVectors
    from numpy.typing import DTypeLike


class Vocab:
    """Word -> row lookup over the first ``size`` rows of a ``KeyedVectors``.

    With ``case_insensitive`` words are compared upper-cased and a folded key maps to
    its most frequent (first) case variant, exactly as gensim's evaluation does.
    """

    def __init__(self, kv: KeyedVectors, restrict_vocab: int | None, case_insensitive: bool,
                 phrase_delimiter: str = "_") -> None:
        keys = kv.index_to_key
        self.phrase_delimiter = phrase_delimiter  # multi-word terms as phrase tokens (multiword="phrase")
        restrict_vocab = check_restrict_vocab(restrict_vocab)
        self.kv = kv
        self.size = len(keys) if restrict_vocab is None else min(len(keys), restrict_vocab)
        self.case_insensitive = case_insensitive
        if case_insensitive:
            self.index: Mapping[str, int] = {k.upper(): i for i, k in reversed(list(enumerate(keys[:self.size])))}
        elif self.size == len(keys):
            self.index = kv.key_to_index
        else:
            self.index = {k: i for i, k in enumerate(keys[:self.size])}
        self._canon: np.ndarray | None = None
        self._variants: dict[int, np.ndarray] | None = None
        self._whole: Vocab | None = None  # the unrestricted lookup, for :meth:`beyond`

    def fold(self, word: str) -> str:
        return word.upper() if self.case_insensitive else word

    @property
    def restricted(self) -> bool:
        """Whether ``restrict_vocab`` leaves some words of ``kv`` out."""
        return self.size < len(self.kv.index_to_key)

    def beyond(self, words: list[str]) -> bool:
        """Whether the words missing from this lookup are all in ``kv``, past the restriction.

        That is, ``restrict_vocab`` (not the vectors) is what leaves them out; the lookup of
        the whole vocabulary this needs is built once, on the first call.
        """
        if not self.restricted:
            return False
        if self._whole is None:
            self._whole = Vocab(self.kv, None, self.case_insensitive, self.phrase_delimiter)
        return all(self._whole.get(w) is not None for w in words)

    def get(self, word: str) -> int | None:
        return self.index.get(word.upper() if self.case_insensitive else word)

    def term(self, term: str) -> list[int] | None:
        """Rows of the words of a (possibly multi-word) term, or None if any is missing."""
        rows = []
        for word in term.split(" "):
            row = self.get(word)
            if row is None:
                return None
            rows.append(row)
        return rows

    def phrase(self, term: str) -> list[int] | None:
        """The row of a term's phrase token (``heart attack`` -> ``heart_attack``), or None if absent."""
        row = self.get(self.phrase_delimiter.join(term.split(" ")))
        return None if row is None else [row]

    @property
    def canon(self) -> np.ndarray:
        """``canon[i]``: the row that the folded key of row ``i`` resolves to."""
        if self._canon is None:
            if self.case_insensitive:
                index = self.index
                keys = self.kv.index_to_key
                self._canon = np.fromiter((index[keys[i].upper()] for i in range(self.size)),
                                          dtype=np.int64, count=self.size)
            else:
                self._canon = np.arange(self.size, dtype=np.int64)
        return self._canon

    @property
    def variants(self) -> dict[int, np.ndarray]:
        """Representative row -> the other rows folding to the same key (only where there are some)."""
        if self._variants is None:
            canon = self.canon
            others = np.flatnonzero(canon != np.arange(self.size))
            variants: dict[int, list[int]] = {}
            for row in others.tolist():
                variants.setdefault(int(canon[row]), []).append(row)
            self._variants = {rep: np.array(rows, dtype=np.int64) for rep, rows in variants.items()}
        return self._variants


def float_vectors(kv: KeyedVectors, rows: slice | np.ndarray | None = None) -> np.ndarray:
    """Rows of ``kv.vectors`` as float32 or float64 (other dtypes converted to float32)."""
    vectors = kv.vectors if rows is None else kv.vectors[rows]
    if vectors.dtype not in (np.float32, np.float64):
        vectors = vectors.astype(np.float32)
    return vectors


def inverse_norms(vectors: np.ndarray) -> np.ndarray:
    """``1 / ||row||`` per row, 0 for a zero row."""
    norms = np.linalg.norm(vectors, axis=1)
    inv = np.zeros_like(norms)
    np.divide(1.0, norms, out=inv, where=norms > 0)
    return inv


def unit_rows(vectors: np.ndarray, dtype: DTypeLike = np.float32) -> np.ndarray:
    """A copy of ``vectors`` with unit-length rows (zero rows stay zero, as gensim's ``unitvec``)."""
    out = np.array(vectors, dtype=dtype)
    out *= inverse_norms(out)[:, None]
    return out


def rowwise_cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine of matching rows in float64; 0 where a row is the zero vector (as gensim's ``unitvec``)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    denom = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    dots = np.einsum("ij,ij->i", a, b)
    out = np.zeros(len(dots))
    np.divide(dots, denom, out=out, where=denom > 0)
    return out
