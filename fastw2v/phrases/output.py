"""A corpus written with its phrases joined: text lines from token-id chunks, patched in place where the text
is canonical."""
from __future__ import annotations

import gzip
import io
import os
from typing import BinaryIO

import numpy as np

from ..atomic import atomic_file
from ..corpus import CorpusLike, as_sentences
from ..token_ids import token_starts
from .id_chunks import IdScan
from .model import PhraseModel, learn_passes, learning_scan


class LineWriter:
    """Writes id chunks as text lines (tokens joined by spaces) to a binary file, in NumPy per chunk."""

    def __init__(self, fh: BinaryIO | io.BufferedIOBase, words: list[str]) -> None:
        self.fh = fh
        self.words = words
        self.encoded = np.zeros(0, dtype=object)
        self.sizes = np.zeros(0, dtype=np.int64)  # bytes per word

    def write(self, ids: np.ndarray, lengths: np.ndarray) -> None:
        """Write one line per sentence; ``lengths`` must all be > 0."""
        if len(self.words) > self.encoded.size:  # words added since the last chunk
            new = [w.encode("utf-8") for w in self.words[self.encoded.size:]]
            self.encoded = np.concatenate((self.encoded, np.array(new, dtype=object)))
            self.sizes = np.concatenate((self.sizes, np.array([len(b) for b in new], dtype=np.int64)))
        text = bytearray(b" ".join(self.encoded[ids].tolist()))
        text.append(10)
        # The space after each sentence's last token becomes its newline.
        line_ends = np.cumsum(self.sizes[ids] + 1)[np.cumsum(lengths) - 1] - 1
        np.frombuffer(text, dtype=np.uint8)[line_ends] = 10
        self.fh.write(text)

    def write_patched(self, text: bytes, absorbed: np.ndarray, delimiter: int) -> None:
        """Write a canonical block with the separator before each ``absorbed`` token replaced by ``delimiter``.

        ``absorbed`` holds the block's token indices that were joined onto the token before them;
        the result is what :meth:`write` gives for the joined ids, without touching a string.
        """
        data = np.frombuffer(text, dtype=np.uint8).copy()
        data[token_starts(data)[absorbed] - 1] = delimiter
        self.fh.write(data.tobytes())


def write_phrased(model: PhraseModel, corpus: CorpusLike, out: str | os.PathLike,
                  chunk_tokens: int = 1 << 20) -> int:
    """Write ``corpus`` with phrases joined to ``out`` (one sentence per line; ``.gz``: gzip), atomically.

    Returns the number of sentences written.
    """
    return _write(model, IdScan(as_sentences(corpus), chunk_tokens, 0), out)


def learn_and_write(corpus: CorpusLike, out: str | os.PathLike, min_count: int = 5, threshold: float = 10.0,
                    scoring: str = "default", delimiter: str = "_", passes: int = 1,
                    max_vocab_size: int = 40_000_000, save_model: str | os.PathLike | None = None,
                    chunk_tokens: int = 1 << 20, memory_limit: int = 1 << 30) -> tuple[PhraseModel, int]:
    """Learn phrases from ``corpus`` (see :meth:`PhraseModel.learn`) and write it phrased to ``out``.

    The text is read and hashed once when its ids fit in ``memory_limit`` bytes. The model is
    saved to ``save_model`` (JSON) when given. Returns the model and the number of sentences written.
    """
    scan = learning_scan(corpus, min_count, threshold, scoring, delimiter, passes, max_vocab_size,
                         chunk_tokens, memory_limit, keep_text=True)
    model = learn_passes(scan, min_count, threshold, scoring, delimiter, passes, max_vocab_size)
    if save_model is not None:
        model.save(save_model)
    return model, _write(model, scan, out)


def _write(model: PhraseModel, scan: IdScan, out: str | os.PathLike) -> int:
    lines = 0
    with atomic_file(out) as tmp:
        # gzip's own default level: Python's 9 took longer than everything else put together.
        gz = os.fspath(out).endswith(".gz")
        with (gzip.open(tmp, "wb", compresslevel=6) if gz else open(tmp, "wb")) as fh:
            writer = LineWriter(fh, scan.words.words)
            delimiter = model.delimiter.encode("utf-8")
            for ids, lengths, text, absorbed in model.joined_chunks(scan):
                if text is not None and absorbed is not None and len(delimiter) == 1:
                    writer.write_patched(text, absorbed, delimiter[0])
                else:
                    writer.write(ids, lengths)
                lines += lengths.size
    return lines
