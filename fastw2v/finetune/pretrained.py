"""What a fine-tuning starts from: pre-trained vectors read from a vector file, a saved model or KeyedVectors,
the word2vec settings the run takes from them, and the phrase entries of their vocabulary."""
from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import memory
from ..config import Word2VecConfig
from ..errors import ConfigError, CorpusError
from ..phrases import PhraseModel
from ..progress import Progress
from ..state import Weights, required
from ..storage import load_state, weight_array_names

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

logger = logging.getLogger(__name__)


# Word2vec settings of the default fine-tuning recipe (benchmarks/finetune_study.py); explicit
# settings override them.


RECIPE_TRAINING: dict[str, Any] = {"sg": True}  # epochs: word2vec's 5, as the domain-only model


@dataclass


class Pretrained:
    """What a fine-tuning starts from: vectors, and for a saved fastw2v model its whole state."""

    words: list[str]
    vectors: np.ndarray               # float32[n, dim]; owned, may be resized in place
    counts: np.ndarray | None = None  # int64[n]: a saved model's counts, or a vocabulary file's
    vocab_file: str | None = None     # where ``counts`` came from, when not from a saved model
    w_out_ns: np.ndarray | None = None  # float32[len(out_rows), dim]: the saved model's trained output rows
    out_rows: np.ndarray | None = None  # int32: the word of each row of w_out_ns, increasing
    config: Word2VecConfig | None = None
    source: str = "<vectors>"

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])


def load_pretrained(source: str | os.PathLike | KeyedVectors, format: str | None = None,
                    limit: int | None = None, vocab: str | os.PathLike | None = None) -> Pretrained:
    """Read pre-trained vectors: a vector file (any supported format), a saved model directory, or KeyedVectors.

    ``vocab``: a vector file's vocabulary file (``word count`` lines, see
    :func:`~fastw2v.vectors_io.read_vocab_counts`), whose real counts are used instead of
    counts estimated from rank; every pre-trained word must be in it.
    """
    if vocab is not None:
        if not hasattr(source, "index_to_key") and Path(source).is_dir():
            raise ConfigError(f"a vocabulary file applies to vector files only: {source} is a saved fastw2v model, "
                              f"whose own counts are used")
        from ..vectors_io import read_vocab_counts

        table = read_vocab_counts(vocab)  # first: a bad vocabulary file fails before the vectors are read
        return _with_vocabulary(load_pretrained(source, format, limit), vocab, table)
    from ..vectors_io import read_vectors

    if hasattr(source, "index_to_key") and hasattr(source, "vectors"):
        n = len(source.index_to_key) if limit is None else min(limit, len(source.index_to_key))
        # The caller keeps its own object, so this is a (necessary) copy.
        return Pretrained(list(source.index_to_key[:n]), np.array(source.vectors[:n], dtype=np.float32),
                          source="<KeyedVectors>")
    path = Path(source)
    if path.is_dir():
        # The input matrix is read into memory once (and cut to `limit` in place); the other
        # arrays are mapped and only the rows kept are copied.
        state = load_state(path, mmap=set(weight_array_names()) - {"w_in"})
        saved, w = required(state.vocab, "vocabulary"), required(state.weights, "weights")  # a saved model has both
        n = len(saved) if limit is None else min(limit, len(saved))
        out_rows = w_out = None
        if "ns" in w.heads:
            out_rows = _trained_output_rows(w)
            out_rows = out_rows[out_rows < n]
            w_out = w.heads["ns"].w[w.output_row(out_rows)]
        vectors = w.w_in
        if n < vectors.shape[0]:
            vectors = grow_rows(vectors, np.arange(n), 0)
        return Pretrained(saved.words[:n], vectors, counts=np.array(saved.counts[:n]),
                          w_out_ns=w_out, out_rows=out_rows, config=state.config, source=str(path))
    words, vectors = read_vectors(path, format=format, limit=limit)
    return Pretrained(words, vectors, source=str(path))


def _with_vocabulary(pre: Pretrained, vocab: str | os.PathLike, table: dict[str, int]) -> Pretrained:
    """``pre`` with the counts of its words from ``table``, read from the vocabulary file ``vocab``."""
    missing = [w for w in pre.words if w not in table]
    if missing:
        raise CorpusError(f"{vocab}: {len(missing)} of the {len(pre.words)} words of {pre.source} have no count "
                          f"(first: {', '.join(missing[:3])}); give the vocabulary file written with these vectors")
    pre.counts = np.fromiter((table[w] for w in pre.words), dtype=np.int64, count=len(pre.words))
    pre.vocab_file = str(vocab)
    return pre


def _trained_output_rows(weights: Weights) -> np.ndarray:
    """Words with an output row worth keeping, increasing.

    A model saved before output rows were compact (format 1) has one per word, zero for
    the words its corpus never used: a zero row is what a new one starts as, so only
    the others are carried.
    """
    if weights.out_rows is not None:
        return np.asarray(weights.out_rows, dtype=np.int32)
    w_out = weights.heads["ns"].w
    step = 65536
    used = np.concatenate([w_out[a:b].any(axis=1) for a, b in memory.blocks(w_out.shape[0], step)])
    return np.flatnonzero(used).astype(np.int32)


def config_for(pre: Pretrained, settings: dict[str, Any]) -> Word2VecConfig:
    """The word2vec settings of a fine-tuning: explicit ``settings`` over a saved model's own or the recipe's.

    The pre-trained dimension wins; a different explicit ``vector_size`` is an error.
    """
    _check_size(settings.get("vector_size"), pre.dim, pre.source)
    settings = {**settings, "vector_size": pre.dim}
    if pre.config is not None:  # a saved model keeps its own architecture unless told otherwise
        return pre.config.replace(**settings)
    return Word2VecConfig(**{**RECIPE_TRAINING, **settings})


def _check_size(size: int | None, dim: int, source: str) -> None:
    if size is not None and size != dim:
        raise ConfigError(f"vector_size={size} conflicts with the pre-trained vectors of {source} "
                          f"(dimension {dim}); leave vector_size unset")


def check_vector_size(source: str | os.PathLike | KeyedVectors, size: int | None, format: str | None = None) -> None:
    """Refuse a ``vector_size`` other than a vector file's dimension from its header, before a vector is read
    (the vector size of a fine-tuning is the pre-trained one; :func:`config_for` checks every source)."""
    if size is not None and isinstance(source, (str, os.PathLike)) and not Path(source).is_dir():
        from ..vectors_io import vector_dimension

        dim = vector_dimension(source, format)
        if dim is not None:
            _check_size(size, dim, str(source))


def grow_rows(array: np.ndarray, keep: np.ndarray, n_extra: int) -> np.ndarray:
    """``concat(array[keep], zeros(n_extra))`` reusing ``array``'s memory.

    Rows are compacted in place (``keep`` is increasing, so a row only ever moves
    up); the buffer is then shrunk in place, or, to grow, moved into the larger
    matrix block by block with each block's pages handed back to the system as it
    goes (NumPy's ``resize`` copies when it grows): a 3.6 GB GoogleNews matrix never
    exists twice.
    """
    n_keep = keep.shape[0]
    if not np.array_equal(keep, np.arange(n_keep)):  # (a prefix, as a `limit` cut, needs no moves)
        step = 65536
        ticker = Progress("vocabulary union: compacting the pre-trained rows", "rows", n_keep)
        for start, stop in memory.blocks(n_keep, step):
            array[start:stop] = array[keep[start:stop]]
            ticker.advance(stop - start)
    new_shape = (n_keep + n_extra,) + array.shape[1:]
    owned = array.flags.owndata and array.flags.c_contiguous
    if owned and n_extra == 0:
        array.resize(new_shape, refcheck=False)
        return array
    out = memory.empty(new_shape, dtype=array.dtype)
    step = max(1, (8 << 20) // max(array[:1].nbytes, 1))  # 8 MB in flight: both copies of a block
    ticker = Progress("vocabulary union: moving the pre-trained rows", "rows", n_keep)
    for start, end in memory.blocks(n_keep, step):
        out[start:end] = array[start:end]
        if owned:
            memory.release(array[start:end])
        ticker.advance(end - start)
    out[n_keep:] = 0
    return out


PHRASE_DELIMITERS = ("_", "-", "|", "+", "~", "/")


def pretrained_phrases(words: Sequence[str], delimiter: str | None = None) -> PhraseModel | None:
    """A model joining the corpus n-grams that are phrase entries of the pre-trained vocabulary ``words``.

    ``delimiter`` None: the one of :data:`PHRASE_DELIMITERS` that most multi-part entries
    use (``_`` for GoogleNews); None when no entry has one.
    """
    if delimiter is None:
        uses = {d: sum(1 for w in words if d in w.strip(d)) for d in PHRASE_DELIMITERS}
        delimiter = max(PHRASE_DELIMITERS, key=lambda d: uses[d])  # ties: the earlier, so "_"
        if not uses[delimiter]:
            logger.info("pre-trained vocabulary: no phrase entries (no word contains one of %s)",
                        " ".join(PHRASE_DELIMITERS))
            return None
    model = PhraseModel.from_phrases((w for w in words if delimiter in w), delimiter)
    logger.info("pre-trained vocabulary: %d phrase entries joined by %r", len(model.known or ()), delimiter)
    return model
