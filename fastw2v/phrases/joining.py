"""Joining phrases in token-id arrays: a phrase model compiled to one vocabulary's ids, and gensim's greedy
left-to-right join computed without a Python loop."""
from __future__ import annotations

import numpy as np

from .counting import SHIFT, spanning_pairs
from .key_table import KeyTable


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
            starts = np.zeros(int(keys[-1] >> SHIFT) + 2 if keys.size else 1, dtype=bool)
            starts[keys >> SHIFT] = True
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
            found = table.find((ids[candidates].astype(np.int64) << SHIFT) | ids[candidates + 1])
            hit_at, hit_phrase = candidates[found >= 0], phrase_ids[found[found >= 0]]
            inside = np.ones(ids.size - 1, dtype=bool)
            inside[spanning_pairs(lengths)] = False
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
