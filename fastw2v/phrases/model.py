"""The phrase model: phrases learned from a corpus or given as known phrase strings, and applied to sentences."""
from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np

from ..corpus import CorpusLike, as_sentences
from ..errors import ConfigError, CorpusError
from ..progress import Progress
from ..token_ids import WordIds
from . import storage
from .counting import LOW, SHIFT, BigramCounts, PhrasePass, check_settings
from .id_chunks import IdScan
from .joining import BoundPhrases

logger = logging.getLogger(__name__)


class PhraseModel:
    """Phrases learned from a corpus (gensim's scoring) or given as known phrase strings.

    Parameters
    ----------
    passes : list of PhrasePass
        Applied in order; pass ``k`` joins pairs of pass ``k-1``'s output tokens.
    delimiter : str
    scoring : {'default', 'npmi', 'known'}
    min_count : int
    threshold : float
        Settings the phrases were learned with (``known`` models: unused).
    known : set of str, optional
        For known-phrase models: the phrases to produce; other joins are split back.
    """

    def __init__(self, passes: list[PhrasePass], delimiter: str = "_", scoring: str = "default",
                 min_count: int = 5, threshold: float = 10.0, known: Iterable[str] | None = None) -> None:
        self.passes = list(passes)
        self.delimiter = delimiter
        self.scoring = scoring
        self.min_count = min_count
        self.threshold = threshold
        self.known = frozenset(known) if known is not None else None
        self._own: tuple[WordIds, BoundPhrases] | None = None  # for apply(), compiled on first use

    def __repr__(self) -> str:
        sizes = "+".join(str(len(p.left)) for p in self.passes)
        return f"PhraseModel({sizes} phrases, scoring={self.scoring!r}, delimiter={self.delimiter!r})"

    # ---------------------------------------------------------------- building
    @classmethod
    def learn(cls, corpus: CorpusLike, min_count: int = 5, threshold: float = 10.0, scoring: str = "default",
              delimiter: str = "_", passes: int = 1, max_vocab_size: int = 40_000_000,
              chunk_tokens: int = 1 << 20, memory_limit: int = 1 << 30) -> PhraseModel:
        """Learn phrases from a corpus (paths, or a re-iterable of token lists).

        Parameters
        ----------
        min_count, threshold, scoring, delimiter
            As in gensim's ``Phrases``.
        passes : int
            Each pass after the first counts the previous passes' output (longer phrases).
        max_vocab_size : int
            Prune rare unigrams and bigrams past this many distinct ones (approximate counts).
        memory_limit : int
            Bytes of token ids kept from the first read for the later passes; past it the text is read again.

        Raises
        ------
        ConfigError
            A setting is out of range.
        CorpusError
            The corpus is empty, or a token already contains ``delimiter``.
        """
        scan = learning_scan(corpus, min_count, threshold, scoring, delimiter, passes, max_vocab_size,
                             chunk_tokens, memory_limit)
        return learn_passes(scan, min_count, threshold, scoring, delimiter, passes, max_vocab_size)

    @classmethod
    def from_phrases(cls, phrases: Iterable[str], delimiter: str = "_") -> PhraseModel:
        """A model that joins exactly the given phrases (e.g. the phrase entries of a pre-trained vocabulary).

        ``"new_york_city"`` joins ``new york city``; the greedy scan goes left to right, one more
        word per pass, and n-grams that were only a step towards a longer phrase but did not
        complete are split back into their words.
        """
        check_settings(1, 1.0, "default", delimiter)
        entries = {p for p in phrases if len(p.split(delimiter)) >= 2 and all(p.split(delimiter))}
        longest = max((len(p.split(delimiter)) for p in entries), default=1)
        passes = []
        for k in range(1, longest):
            pairs = sorted({(delimiter.join(parts[:k]), parts[k]) for parts in (p.split(delimiter) for p in entries)
                            if len(parts) > k})
            passes.append(PhrasePass(tuple(a for a, _ in pairs), tuple(b for _, b in pairs), np.zeros(len(pairs))))
        return cls(passes, delimiter, "known", 1, 0.0, known=entries)

    # ---------------------------------------------------------------- applying
    def bind(self, lookup: Callable[[str], int | None]) -> BoundPhrases:
        """Compile the model to the ids ``lookup`` gives words (``None`` or < 0: not in the vocabulary).

        ``lookup`` may assign new ids (e.g. a corpus scanner's growing dictionary); with a fixed
        vocabulary, a phrase whose words or joined token it lacks is left out, so for a model of
        several passes it must hold the earlier passes' phrase tokens too (``phrasegrams()``).
        """
        compiled = []
        for p in self.passes:
            triples = []
            for a, b in zip(p.left, p.right):
                ia, ib, ij = lookup(a), lookup(b), lookup(a + self.delimiter + b)
                if ia is not None and ib is not None and ij is not None and min(ia, ib, ij) >= 0:
                    triples.append(((ia << SHIFT) | ib, ij))
            compiled.append((np.array([t[0] for t in triples], dtype=np.int64),
                             np.array([t[1] for t in triples], dtype=np.int32)))
        split: dict[int, np.ndarray] = {}
        if self.known is not None:
            for p in self.passes:
                for joined in {a + self.delimiter + b for a, b in zip(p.left, p.right)} - self.known:
                    ij, ids = lookup(joined), [lookup(w) for w in joined.split(self.delimiter)]
                    if ij is not None and ij >= 0 and all(i is not None and i >= 0 for i in ids):
                        split[ij] = np.array(ids, dtype=np.int32)
        return BoundPhrases(compiled, split)

    def apply(self, sentence: Sequence[str]) -> list[str]:
        """One sentence with its phrases joined (gensim's ``FrozenPhrases[sentence]``)."""
        if isinstance(sentence, str):
            raise CorpusError("a sentence must be a list of tokens, got a str; split it first")
        if self._own is None:
            own = WordIds()
            self._own = own, self.bind(own.__getitem__)
        own, bound = self._own
        unknown = len(own.words)  # an id no phrase uses
        ids = np.array([own.get(t, unknown) for t in sentence], dtype=np.int32)
        if ids.size < 2:
            return list(sentence)
        out, _ = bound.apply_ids(ids, np.array([ids.size]))
        if not np.any(out == unknown):
            return [own.words[i] for i in out.tolist()]
        # Words the model does not know are never joined, so they come out in their input order.
        extra = iter([sentence[i] for i in np.flatnonzero(ids == unknown).tolist()])
        return [next(extra) if i == unknown else own.words[i] for i in out.tolist()]

    def __getitem__(self, sentence: Sequence[str]) -> list[str]:
        return self.apply(sentence)

    def transform(self, corpus: CorpusLike, chunk_tokens: int = 1 << 20) -> Iterator[list[str]]:
        """The corpus with phrases joined, sentence by sentence, computed in chunks of ids."""
        scan = IdScan(as_sentences(corpus), chunk_tokens, 0)
        words = scan.words.words
        for ids, lengths, _, _ in self.joined_chunks(scan):
            tokens = [words[i] for i in ids.tolist()]
            start = 0
            for n in lengths.tolist():
                yield tokens[start:start + n]
                start += n

    def joined_chunks(self, scan: IdScan) -> Iterator[tuple[np.ndarray, np.ndarray, bytes | None,
                                                            np.ndarray | None]]:
        """The chunks of ``scan`` with the phrases joined: ids, lengths, canonical text, absorbed positions."""
        bound = self.bind(scan.words.__getitem__)
        progress = Progress("phrases: applying", "words")
        for ids, lengths, text in scan:
            joined, joined_lengths, absorbed = bound.apply_tracked(ids, lengths)
            yield joined, joined_lengths, text, absorbed
            progress.advance(int(lengths.sum()))

    def phrasegrams(self) -> dict[str, float]:
        """Every phrase token of every pass -> score (gensim's ``FrozenPhrases.phrasegrams`` for one pass)."""
        return {a + self.delimiter + b: float(s) for p in self.passes for a, b, s in zip(p.left, p.right, p.scores)}

    # ---------------------------------------------------------------- storage
    def save(self, path: str | os.PathLike) -> None:
        """Write the model as one JSON file (atomically)."""
        storage.save(path, self.passes, self.delimiter, self.scoring, self.min_count, self.threshold, self.known)

    @classmethod
    def load(cls, path: str | os.PathLike) -> PhraseModel:
        """Read a model written by :meth:`save`; :class:`ModelFormatError` naming the file if it is not one."""
        return cls(**storage.load(path))


#: What ``Word2Vec(phrases=...)`` takes: a model, a saved model's path, a sequence of them, or None.
PhrasesLike = PhraseModel | str | os.PathLike | Sequence[PhraseModel | str | os.PathLike] | None


def phrase_models(phrases: PhrasesLike) -> list[PhraseModel]:
    """Phrase models to apply while scanning a corpus, in order: each given as a model or a saved model's path."""
    if phrases is None:
        return []
    if isinstance(phrases, (PhraseModel, str, os.PathLike)):
        phrases = [phrases]
    return [p if isinstance(p, PhraseModel) else PhraseModel.load(p) for p in phrases]


def learning_scan(corpus: CorpusLike, min_count: int, threshold: float, scoring: str, delimiter: str,
                  passes: int, max_vocab_size: int, chunk_tokens: int, memory_limit: int,
                  keep_text: bool = False) -> IdScan:
    """Validate the learning settings; the corpus as a scan to learn from."""
    check_settings(min_count, threshold, scoring, delimiter)
    for name, value in (("passes", passes), ("max_vocab_size", max_vocab_size), ("chunk_tokens", chunk_tokens)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{name} must be an integer >= 1, got {value!r}")
    return IdScan(as_sentences(corpus), min(chunk_tokens, max_vocab_size), memory_limit, keep_text)


def learn_passes(scan: IdScan, min_count: int, threshold: float, scoring: str, delimiter: str, passes: int,
                 max_vocab_size: int) -> PhraseModel:
    """The phrases of ``passes`` counting passes over ``scan`` (settings checked by :func:`learning_scan`)."""
    model = PhraseModel([], delimiter, scoring, min_count, threshold)
    words = scan.words
    for k in range(passes):
        bound = model.bind(words.__getitem__)
        counts = BigramCounts(max_vocab_size)
        progress = Progress(f"phrases pass {k + 1}/{passes}: counting", "words")
        for ids, lengths, _ in scan:
            counts.add(*bound.apply_ids(ids, lengths))
            progress.advance(int(lengths.sum()), f"{counts.n_entries()} unigrams+bigrams")
        if counts.corpus_word_count == 0:
            raise CorpusError(f"{_describe(scan.sentences)}: the corpus is empty (no tokens)")
        if k == 0:
            _check_delimiter(words.words, delimiter, scan.sentences)
        keys, scores = counts.phrases(min_count, threshold, scoring)
        model.passes.append(PhrasePass(tuple(words.words[i] for i in (keys >> SHIFT).tolist()),
                                       tuple(words.words[i] for i in (keys & LOW).tolist()), scores,
                                       counts.corpus_word_count, counts.n_entries()))
        logger.info("phrases pass %d/%d: %d phrases from %d words", k + 1, passes, scores.size,
                    counts.corpus_word_count)
    return model


def _check_delimiter(words: list[str], delimiter: str, sentences: object) -> None:
    clash = next((w for w in words if delimiter in w), None)
    if clash is not None:
        raise CorpusError(f"{_describe(sentences)}: the delimiter {delimiter!r} already occurs in the text "
                          f"(e.g. in {clash!r}); choose another with --delimiter")


def _describe(sentences: object) -> str:
    paths = getattr(sentences, "paths", None)
    return ", ".join(paths) if paths else "corpus"
