"""A corpus as id chunks under one growing dictionary, kept after the first read when it fits.

The chunks are those of :func:`fastw2v.token_ids.id_chunks`: what the phrase counter and
joiner work on, with each canonical text block's bytes for the phrased output.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..token_ids import Chunk, WordIds, id_chunks


class IdScan:
    """A corpus as id chunks under one growing dictionary (``words``), re-iterable.

    The first read is kept in memory while it is under ``memory_limit`` bytes, so later
    passes reuse it instead of reading and hashing the text again; a larger corpus is read
    again each time. Canonical text blocks are kept too when ``keep_text`` (for the output).
    """

    def __init__(self, sentences: Iterable[list[str]], chunk_tokens: int, memory_limit: int,
                 keep_text: bool = False) -> None:
        self.sentences = sentences
        self.keep_text = keep_text
        self.chunk_tokens = chunk_tokens
        self.memory_limit = memory_limit
        self.words = WordIds()
        self.kept: list[Chunk] | None = []
        self.read_once = False

    def __iter__(self) -> Iterator[Chunk]:
        if self.read_once and self.kept is not None:
            yield from self.kept
            return
        kept_bytes = 0
        self.kept = [] if not self.read_once and self.memory_limit > 0 else None
        for chunk in id_chunks(self.sentences, self.words, self.chunk_tokens):
            if self.kept is not None:
                ids, lengths, text = chunk
                text = text if self.keep_text else None
                self.kept.append((ids, lengths, text))
                kept_bytes += ids.nbytes + lengths.nbytes + (len(text) if text else 0)
                if kept_bytes > self.memory_limit:
                    self.kept = None
            yield chunk
        self.read_once = True
