"""Phrase detection: join frequent collocations (``new york`` -> ``new_york``) before training.

Scoring and joining follow gensim 4's ``Phrases`` / ``FrozenPhrases`` (with no connector
words): a bigram ``a b`` seen ``n_ab`` times becomes a phrase when its score is strictly
greater than ``threshold``, where

* ``default`` (Mikolov et al. 2013): ``(n_ab - min_count) / (n_a * n_b) * len_vocab``, with
  ``len_vocab`` the number of distinct unigrams *plus* distinct bigrams counted;
* ``npmi`` (Bouma 2009): ``ln(p_ab / (p_a p_b)) / -ln(p_ab)`` with ``p = n / corpus_word_count``,
  and ``-inf`` when ``n_ab < min_count``.

A sentence is joined greedily from the left: pair ``i`` (tokens ``i, i+1``) is joined when it
is a phrase and token ``i`` was not already taken by pair ``i - 1``. Within a run of
consecutive phrase pairs that takes every other pair, which is how :func:`_greedy_pairs`
computes it without a Python loop.

Counting runs over int32 token ids (text read by a jitted tokenizer and hash table): unigram
counts by ``bincount``, bigram keys ``(a << 31) | b`` counted in a jitted hash table.
When unigrams plus bigrams exceed ``max_vocab_size`` after a chunk, entries seen fewer than
``min_reduce`` times are dropped and ``min_reduce`` grows by one, as gensim does after a sentence
(and word2phrase when its hash fills): the table stays within about ``max_vocab_size`` plus one
chunk's new entries, and after pruning counts (so scores) are approximate, as theirs are. With
one sentence per chunk the pruning is gensim's exactly; without pruning, so are the phrases.

With ``passes=2`` the second pass counts the output of the first, so a phrase can grow to
three or four words (``new_york`` + ``city``). Unlike chaining two gensim models, whose export
re-splits ``new_york_city`` at the delimiter and scores it with the counts of ``new`` and
``city``, the second pass scores its own tokens' counts, as word2phrase run twice does.

Models are saved as one JSON file, never pickled.
"""
from __future__ import annotations

import gzip
import json
import logging
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from .atomic import atomic_file
from .corpus import CorpusLike, as_sentences
from .errors import ConfigError, CorpusError, ModelFormatError
from .idchunks import IdScan, KeyTable, LineWriter, WordIds
from .kernels import text as text_kernels
from .progress import Progress

logger = logging.getLogger(__name__)

SCORINGS = ("default", "npmi")
FORMAT = "fastw2v-phrases"
FORMAT_VERSION = 1
_SHIFT = 31  # bigram key = (a << 31) | b: both ids are int32, so the key fits in an int64
_LOW = (1 << _SHIFT) - 1


def check_settings(min_count: int, threshold: float, scoring: str, delimiter: str) -> None:
    """Raise :class:`ConfigError` naming the first invalid phrase setting (gensim's limits)."""
    if scoring not in SCORINGS:
        raise ConfigError(f"scoring must be one of {', '.join(SCORINGS)}, got {scoring!r}")
    if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)) or min_count < 1:
        raise ConfigError(f"min_count must be an integer >= 1, got {min_count!r}")
    if not math.isfinite(threshold):
        raise ConfigError(f"threshold must be finite, got {threshold!r}")
    if scoring == "default" and threshold <= 0:
        raise ConfigError(f"threshold must be > 0 for default scoring, got {threshold!r}")
    if scoring == "npmi" and not -1 < threshold <= 1:
        raise ConfigError(f"threshold must be in (-1, 1] for npmi scoring, got {threshold!r}")
    if not isinstance(delimiter, str) or not delimiter or any(c.isspace() for c in delimiter):
        raise ConfigError(f"delimiter must be a non-empty string without whitespace, got {delimiter!r}")


def score_bigrams(count_a: np.ndarray, count_b: np.ndarray, count_ab: np.ndarray, len_vocab: int,
                  min_count: int, corpus_word_count: int, scoring: str) -> np.ndarray:
    """gensim's ``original_scorer`` / ``npmi_scorer`` over arrays of counts.

    The operations run in gensim's order, in float64, so scores agree to the last bit for
    ``default`` (``npmi``'s logarithms may differ from ``math.log`` by an ulp).

    Returns
    -------
    float64[n] ; ``-inf`` where gensim returns ``-inf``.
    """
    count_a = count_a.astype(np.int64)
    count_b = count_b.astype(np.int64)
    count_ab = count_ab.astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if scoring == "default":
            denom = (count_a * count_b).astype(np.float64)
            score = (count_ab - min_count) / denom * float(len_vocab)
            return np.where(denom == 0, -np.inf, score)
        total = float(corpus_word_count)
        p_a, p_b, p_ab = count_a / total, count_b / total, count_ab / total
        score = np.log(p_ab / (p_a * p_b)) / -np.log(p_ab)
        return np.where((count_ab >= min_count) & (count_a > 0) & (count_b > 0), score, -np.inf)


def _spanning_pairs(lengths: np.ndarray) -> np.ndarray:
    """Indices of the adjacent pairs whose second token starts a sentence."""
    starts = np.cumsum(lengths) - lengths
    return starts[starts > 0] - 1


def _pair_keys(ids: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keys of every adjacent pair, and a mask that is False for pairs spanning two sentences."""
    keys = (ids[:-1].astype(np.int64) << _SHIFT) | ids[1:]
    inside = np.ones(keys.size, dtype=bool)
    inside[_spanning_pairs(lengths)] = False
    return keys, inside


def _greedy_pairs(hits: np.ndarray) -> np.ndarray:
    """Pairs joined by gensim's left-to-right scan: ``taken[i] = hit[i] and not taken[i-1]``.

    ``hits`` are the increasing indices of the phrase pairs; in each run of consecutive ones
    the scan takes the first, third, fifth... Returns the taken indices.
    """
    rank = np.arange(hits.size)
    run_start = np.concatenate(([True], np.diff(hits) != 1))
    first = np.maximum.accumulate(np.where(run_start, rank, 0))
    return hits[(rank - first) % 2 == 0]


def _lengths_after(tokens_out: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Sentence lengths once input token ``i`` has become ``tokens_out[i]`` tokens (0/1 or more)."""
    total = np.concatenate(([0], np.cumsum(tokens_out, dtype=np.int64)))
    ends = np.cumsum(lengths)
    return total[ends] - total[ends - lengths]


class _BigramCounts:
    """Running unigram and bigram counts with gensim-style pruning past ``max_vocab_size`` entries.

    Bigram keys are counted in a jitted open-addressing hash table (``kernels.text.count_keys``):
    a chunk costs one probe per pair instead of sorting its keys.
    """

    def __init__(self, max_vocab_size: int) -> None:
        self.max_vocab_size = max_vocab_size
        self.unigrams = np.zeros(0, dtype=np.int64)
        self.table_keys = np.full(1 << 16, -1, dtype=np.int64)  # -1: empty slot
        self.table_counts = np.zeros(1 << 16, dtype=np.int64)
        self.used = np.zeros(1, dtype=np.int64)
        self.min_reduce = 1
        self.corpus_word_count = 0

    def add(self, ids: np.ndarray, lengths: np.ndarray) -> None:
        unigrams = np.bincount(ids, minlength=self.unigrams.size)
        unigrams[:self.unigrams.size] += self.unigrams
        self.unigrams = unigrams
        self.corpus_word_count += ids.size
        keys, inside = _pair_keys(ids, lengths)
        keys, position = keys[inside], np.zeros(1, dtype=np.int64)
        while not text_kernels.count_keys(keys, self.table_keys, self.table_counts, self.used, position):
            self._rebuild(self.table_keys >= 0, 2 * self.table_keys.size)
        if self.n_entries() > self.max_vocab_size:
            self._prune()

    def _rebuild(self, keep: np.ndarray, size: int) -> None:
        """The table with only the slots ``keep``, in ``size`` slots."""
        keys, counts = self.table_keys[keep], self.table_counts[keep]
        self.table_keys = np.full(size, -1, dtype=np.int64)
        self.table_counts = np.zeros(size, dtype=np.int64)
        text_kernels.rehash_keys(keys, counts, self.table_keys, self.table_counts)
        self.used[0] = keys.size

    def _prune(self) -> None:
        """Forget every unigram and bigram seen fewer than ``min_reduce`` times (gensim's ``prune_vocab``)."""
        self._rebuild((self.table_keys >= 0) & (self.table_counts >= self.min_reduce), self.table_keys.size)
        self.unigrams[self.unigrams < self.min_reduce] = 0
        logger.info("phrases: over %d unigrams + bigrams, pruned those seen < %d times (counts are now "
                    "approximate)", self.max_vocab_size, self.min_reduce)
        self.min_reduce += 1

    def n_entries(self) -> int:
        """Distinct unigrams + bigrams: gensim's ``len(vocab)``."""
        return int(np.count_nonzero(self.unigrams)) + int(self.used[0])

    def phrases(self, min_count: int, threshold: float, scoring: str) -> tuple[np.ndarray, np.ndarray]:
        """Keys and scores of the bigrams scoring above ``threshold``, in key order."""
        # Only bigrams seen at least min_count times can score above a valid threshold (default:
        # a count <= min_count scores <= 0; npmi: -inf below min_count), so only those are scored.
        frequent = np.flatnonzero((self.table_counts >= min_count) & (self.table_keys >= 0))
        order = np.argsort(self.table_keys[frequent])
        keys, counts = self.table_keys[frequent][order], self.table_counts[frequent][order]
        score = score_bigrams(self.unigrams[keys >> _SHIFT], self.unigrams[keys & _LOW], counts, self.n_entries(),
                              min_count, self.corpus_word_count, scoring)
        chosen = score > threshold
        return keys[chosen], score[chosen]


@dataclass(frozen=True)
class PhrasePass:
    """The phrases of one pass: ``left[i] + delimiter + right[i]`` scored ``scores[i]``."""

    left: tuple[str, ...]
    right: tuple[str, ...]
    scores: np.ndarray  # float64[n_phrases]
    corpus_word_count: int = 0
    len_vocab: int = 0


class BoundPhrases:
    """A :class:`PhraseModel` compiled to the ids of one vocabulary, to join int32 token-id arrays.

    Build it with :meth:`PhraseModel.bind`; then :meth:`apply_ids` rewrites chunks of a corpus.

    Parameters
    ----------
    passes : list of (int64[n] pair keys ``(a << 31) | b``, int32[n] phrase ids)
    split : dict
        Known-phrase models: id of an intermediate n-gram -> int32 ids of its words.
    """

    def __init__(self, passes: list[tuple[np.ndarray, np.ndarray]], split: dict[int, np.ndarray]) -> None:
        self.passes = []
        for keys, phrase_ids in passes:
            keys, first = np.unique(keys, return_index=True)
            # Which ids start a phrase (one False slot past the largest stands for all larger ids):
            # most pairs are rejected by this table before the hash lookup.
            starts = np.zeros(int(keys[-1] >> _SHIFT) + 2 if keys.size else 1, dtype=bool)
            starts[keys >> _SHIFT] = True
            self.passes.append((KeyTable(keys), phrase_ids[first], starts))
        self.split_table = KeyTable(np.array(sorted(split), dtype=np.int64))
        self.split_parts = [split[i] for i in sorted(split)]

    @property
    def phrase_ids(self) -> np.ndarray:
        """int32: the ids of the tokens this model joins words into, increasing."""
        return np.unique(np.concatenate([np.zeros(0, dtype=np.int32), *(ids for _, ids, _ in self.passes)]))

    def apply_ids(self, ids: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Join the phrases in sentences given as token ids.

        Parameters
        ----------
        ids : int32[n_tokens]
            Sentences concatenated.
        lengths : int64[n_sentences]
            Tokens per sentence (zeros allowed).

        Returns
        -------
        ids : int32[n_out] ; lengths : int64[n_sentences]
        """
        ids, lengths, _ = self.apply_tracked(ids, lengths)
        return ids, lengths

    def apply_tracked(self, ids: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """:meth:`apply_ids`, plus the input positions of the tokens joined onto the one before them.

        The third result is None for known-phrase models that split n-grams back.
        """
        ids = np.asarray(ids, dtype=np.int32)
        lengths = np.asarray(lengths, dtype=np.int64)
        n_in = ids.size
        first_of = np.arange(n_in)  # input position of each current token's first word
        for table, phrase_ids, starts in self.passes:
            if ids.size < 2 or table.keys.size == 0:
                continue
            candidates = np.flatnonzero(starts[np.minimum(ids[:-1], starts.size - 1)])
            found = table.find((ids[candidates].astype(np.int64) << _SHIFT) | ids[candidates + 1])
            hit_at, hit_phrase = candidates[found >= 0], phrase_ids[found[found >= 0]]
            inside = np.ones(ids.size - 1, dtype=bool)
            inside[_spanning_pairs(lengths)] = False
            hit_at, hit_phrase = hit_at[inside[hit_at]], hit_phrase[inside[hit_at]]
            taken = np.zeros(ids.size - 1, dtype=bool)
            taken[_greedy_pairs(hit_at)] = True
            keep = np.ones(ids.size, dtype=bool)
            keep[1:] = ~taken
            ids = ids.copy()
            joined = taken[hit_at]
            ids[hit_at[joined]] = hit_phrase[joined]
            ids, lengths, first_of = ids[keep], _lengths_after(keep, lengths), first_of[keep]
        if self.split_parts and ids.size:
            ids, lengths = self._split_back(ids, lengths)
            return ids, lengths, None
        absorbed = np.ones(n_in, dtype=bool)
        absorbed[first_of] = False
        return ids, lengths, np.flatnonzero(absorbed)

    def _split_back(self, ids: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Replace each intermediate n-gram (joined only on the way to a longer known phrase) by its words."""
        which = self.split_table.find(ids.astype(np.int64))
        found = np.flatnonzero(which >= 0)
        if not found.size:
            return ids, lengths
        parts = [self.split_parts[j] for j in which[found].tolist()]
        reps = np.ones(ids.size, dtype=np.int64)
        reps[found] = [p.size for p in parts]
        out = np.repeat(ids, reps)
        first = np.cumsum(reps) - reps
        slots = np.concatenate([np.arange(s, s + p.size) for s, p in zip(first[found].tolist(), parts)])
        out[slots] = np.concatenate(parts)
        return out, _lengths_after(reps, lengths)


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
        scan = _learning_scan(corpus, min_count, threshold, scoring, delimiter, passes, max_vocab_size,
                              chunk_tokens, memory_limit)
        return cls._learn(scan, min_count, threshold, scoring, delimiter, passes, max_vocab_size)

    @classmethod
    def _learn(cls, scan: IdScan, min_count: int, threshold: float, scoring: str, delimiter: str, passes: int,
               max_vocab_size: int) -> PhraseModel:
        model = cls([], delimiter, scoring, min_count, threshold)
        words = scan.words
        for k in range(passes):
            bound = model.bind(words.__getitem__)
            counts = _BigramCounts(max_vocab_size)
            progress = Progress(f"phrases pass {k + 1}/{passes}: counting", "words")
            for ids, lengths, _ in scan:
                counts.add(*bound.apply_ids(ids, lengths))
                progress.advance(int(lengths.sum()), f"{counts.n_entries()} unigrams+bigrams")
            if counts.corpus_word_count == 0:
                raise CorpusError(f"{_describe(scan.sentences)}: the corpus is empty (no tokens)")
            if k == 0:
                _check_delimiter(words.words, delimiter, scan.sentences)
            keys, scores = counts.phrases(min_count, threshold, scoring)
            model.passes.append(PhrasePass(tuple(words.words[i] for i in (keys >> _SHIFT).tolist()),
                                           tuple(words.words[i] for i in (keys & _LOW).tolist()), scores,
                                           counts.corpus_word_count, counts.n_entries()))
            logger.info("phrases pass %d/%d: %d phrases from %d words", k + 1, passes, scores.size,
                        counts.corpus_word_count)
        return model

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
                    triples.append(((ia << _SHIFT) | ib, ij))
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
        for ids, lengths, _, _ in self._joined_chunks(scan):
            tokens = [words[i] for i in ids.tolist()]
            start = 0
            for n in lengths.tolist():
                yield tokens[start:start + n]
                start += n

    def _joined_chunks(self, scan: IdScan) -> Iterator[tuple[np.ndarray, np.ndarray, bytes | None,
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
        doc = {"format": FORMAT, "version": FORMAT_VERSION, "delimiter": self.delimiter, "scoring": self.scoring,
               "min_count": int(self.min_count), "threshold": float(self.threshold),
               "known": sorted(self.known) if self.known is not None else None,
               "passes": [{"left": list(p.left), "right": list(p.right), "scores": p.scores.tolist(),
                           "corpus_word_count": p.corpus_word_count, "len_vocab": p.len_vocab}
                          for p in self.passes]}
        with atomic_file(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, ensure_ascii=False, allow_nan=False)

    @classmethod
    def load(cls, path: str | os.PathLike) -> PhraseModel:
        """Read a model written by :meth:`save`; :class:`ModelFormatError` naming the file if it is not one."""
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
            return cls._from_doc(doc)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFormatError(f"{name}: damaged phrase model ({exc})") from None

    @classmethod
    def _from_doc(cls, doc: dict) -> PhraseModel:
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
        return cls(passes, delimiter, scoring, int(doc["min_count"]), float(doc["threshold"]), known)


#: What ``Word2Vec(phrases=...)`` takes: a model, a saved model's path, a sequence of them, or None.
PhrasesLike = PhraseModel | str | os.PathLike | Sequence[PhraseModel | str | os.PathLike] | None


def phrase_models(phrases: PhrasesLike) -> list[PhraseModel]:
    """Phrase models to apply while scanning a corpus, in order: each given as a model or a saved model's path."""
    if phrases is None:
        return []
    if isinstance(phrases, (PhraseModel, str, os.PathLike)):
        phrases = [phrases]
    return [p if isinstance(p, PhraseModel) else PhraseModel.load(p) for p in phrases]


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
    scan = _learning_scan(corpus, min_count, threshold, scoring, delimiter, passes, max_vocab_size,
                          chunk_tokens, memory_limit, keep_text=True)
    model = PhraseModel._learn(scan, min_count, threshold, scoring, delimiter, passes, max_vocab_size)
    if save_model is not None:
        model.save(save_model)
    return model, _write(model, scan, out)


def _learning_scan(corpus: CorpusLike, min_count: int, threshold: float, scoring: str, delimiter: str,
                   passes: int, max_vocab_size: int, chunk_tokens: int, memory_limit: int,
                   keep_text: bool = False) -> IdScan:
    """Validate the learning settings; the corpus as a scan to learn from."""
    check_settings(min_count, threshold, scoring, delimiter)
    for name, value in (("passes", passes), ("max_vocab_size", max_vocab_size), ("chunk_tokens", chunk_tokens)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{name} must be an integer >= 1, got {value!r}")
    return IdScan(as_sentences(corpus), min(chunk_tokens, max_vocab_size), memory_limit, keep_text)


def _write(model: PhraseModel, scan: IdScan, out: str | os.PathLike) -> int:
    lines = 0
    with atomic_file(out) as tmp:
        # gzip's own default level: Python's 9 took longer than everything else put together.
        gz = os.fspath(out).endswith(".gz")
        with (gzip.open(tmp, "wb", compresslevel=6) if gz else open(tmp, "wb")) as fh:
            writer = LineWriter(fh, scan.words.words)
            delimiter = model.delimiter.encode("utf-8")
            for ids, lengths, text, absorbed in model._joined_chunks(scan):
                if text is not None and absorbed is not None and len(delimiter) == 1:
                    writer.write_patched(text, absorbed, delimiter[0])
                else:
                    writer.write(ids, lengths)
                lines += lengths.size
    return lines


def _check_delimiter(words: list[str], delimiter: str, sentences: object) -> None:
    clash = next((w for w in words if delimiter in w), None)
    if clash is not None:
        raise CorpusError(f"{_describe(sentences)}: the delimiter {delimiter!r} already occurs in the text "
                          f"(e.g. in {clash!r}); choose another with --delimiter")


def _describe(sentences: object) -> str:
    paths = getattr(sentences, "paths", None)
    return ", ".join(paths) if paths else "corpus"
