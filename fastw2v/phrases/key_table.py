"""A hash set of distinct int64 keys, built and probed with whole-array operations (the phrase joiner's pair
lookup)."""
from __future__ import annotations

import numpy as np


class KeyTable:
    """A hash set of distinct int64 keys (open addressing), built and probed with whole-array operations.

    :meth:`find` gives each query's index in ``keys`` or -1 (the phrase joiner looks up every
    candidate pair of token ids). A binary search costs ~log2(n) dependent loads per query;
    with the table at most half full most queries end at the first probe.
    """

    _MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the top bits of key * 2^64 / phi

    def __init__(self, keys: np.ndarray) -> None:
        self.keys = np.asarray(keys, dtype=np.int64)
        self.bits = max(4, int(2 * self.keys.size).bit_length())
        self.mask = (1 << self.bits) - 1
        self.slots = np.full(1 << self.bits, -1, dtype=np.int64)
        pending, pos = np.arange(self.keys.size), self._hash(self.keys)
        while pending.size:  # each round, the first key wanting each free slot takes it; the rest move on
            free = np.flatnonzero(self.slots[pos] == -1)
            _, first = np.unique(pos[free], return_index=True)
            placed = free[first]
            self.slots[pos[placed]] = pending[placed]
            rest = np.ones(pending.size, dtype=bool)
            rest[placed] = False
            pending, pos = pending[rest], (pos[rest] + 1) & self.mask

    def _hash(self, keys: np.ndarray) -> np.ndarray:
        return ((keys.astype(np.uint64) * self._MULTIPLIER) >> np.uint64(64 - self.bits)).astype(np.int64)

    def find(self, queries: np.ndarray) -> np.ndarray:
        """int64[n]: the index in ``keys`` of each query, -1 for those not in the set."""
        result = np.full(queries.size, -1, dtype=np.int64)
        if not self.keys.size:
            return result
        todo, pos = np.arange(queries.size), self._hash(queries)
        while todo.size:
            slot = self.slots[pos]
            occupied = slot >= 0
            match = occupied & (self.keys[np.maximum(slot, 0)] == queries[todo])
            result[todo[match]] = slot[match]
            go_on = occupied & ~match
            todo, pos = todo[go_on], (pos[go_on] + 1) & self.mask
        return result
