"""Text kernels: bytes of whitespace-separated ASCII tokens -> int32 token ids through a hash table.

The table is open addressing over word ids; each word's bytes live in one growing byte
store (``offsets[w]:offsets[w+1]``) with its 64-bit FNV-1a hash beside it, so a probe
compares the hash and the length before any byte. The caller owns every array; a kernel
that runs out of room returns -1 without having changed what the ids mean, and the caller
grows the arrays (:func:`rehash`) and runs it again on the same block.
"""
from __future__ import annotations

import numpy as np
from numba import njit

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


@njit(cache=True, nogil=True)
def _slot(h, mask):
    return np.int64((h ^ (h >> np.uint64(29))) & np.uint64(mask))


@njit(cache=True, nogil=True)
def _find_or_add(data, start, end, h, table, hashes, offsets, store, words, used):
    """The id of the token ``data[start:end]`` (hash ``h``), added as word ``words`` when new.

    Returns ``(id, words, used)``: the words known and store bytes used afterwards; id -1 (nothing
    changed) when adding it would overfill an array.
    """
    mask = table.size - 1
    size = end - start
    slot = _slot(h, mask)
    while True:
        w = table[slot]
        if w < 0:
            if words >= hashes.size or used + size > store.size or 2 * (words + 1) > table.size:
                return -1, words, used
            table[slot] = words
            hashes[words] = h
            store[used:used + size] = data[start:end]
            offsets[words + 1] = used + size
            return words, words + 1, used + size
        if hashes[w] == h and offsets[w + 1] - offsets[w] == size:
            o = offsets[w]
            same = True
            for k in range(size):
                if store[o + k] != data[start + k]:
                    same = False
                    break
            if same:
                return w, words, used
        slot = (slot + 1) & mask


@njit(cache=True, nogil=True)
def intern_tokens(data, whitespace, table, hashes, offsets, store, n_words, ids, lengths, state):
    """Ids of the tokens of ``data`` (uint8), new words appended; tokens per non-empty line.

    Parameters
    ----------
    data : uint8[n]
    whitespace : bool[256]
        The separator bytes; byte 10 also ends a line.
    table : int32[2^k]
        Word id per slot, -1 empty; kept at most half full.
    hashes : uint64[max_words] ; offsets : int64[max_words + 1] ; store : uint8[capacity]
        Per-word hash, byte ranges in ``store``.
    n_words : int64[1]
        Words known; updated in place.
    ids : int32[>= n // 2 + 1] ; lengths : int64[>= lines + 1]
        Outputs.
    state : int64[5]
        Zeros to start; where the kernel stopped: byte position, ids and lines written,
        tokens of the current line, irregular separators so far, i.e. whitespace bytes that
        are not one space or newline right after a token (0: canonical text, if it ends
        with a newline).

    Returns
    -------
    bool ; False when an array is full (grow it and call again with the same ``state``).
    """
    words = n_words[0]
    used = offsets[words]
    n = data.size
    i, n_ids, n_lines, line_tokens, irregular = state[0], state[1], state[2], state[3], state[4]
    while i < n:
        c = data[i]
        if whitespace[c]:
            if c == 10 and line_tokens > 0:
                lengths[n_lines] = line_tokens
                n_lines += 1
                line_tokens = 0
            # canonical text: every separator is one space or newline right after a token
            if (c != 10 and c != 32) or i == 0 or whitespace[data[i - 1]]:
                irregular += 1
            i += 1
            continue
        start = i
        h = _FNV_OFFSET
        while i < n and not whitespace[data[i]]:
            h = (h ^ np.uint64(data[i])) * _FNV_PRIME
            i += 1
        w, words, used = _find_or_add(data, start, i, h, table, hashes, offsets, store, words, used)
        if w < 0:
            n_words[0] = words
            state[0], state[1], state[2], state[3], state[4] = start, n_ids, n_lines, line_tokens, irregular
            return False
        ids[n_ids] = w
        n_ids += 1
        line_tokens += 1
    if line_tokens > 0:
        lengths[n_lines] = line_tokens
        n_lines += 1
    n_words[0] = words
    state[0], state[1], state[2], state[3], state[4] = n, n_ids, n_lines, line_tokens, irregular
    return True


@njit(cache=True, nogil=True)
def rehash(hashes, n_words, table):
    """Insert words ``0..n_words-1`` by their ``hashes`` into an empty (all -1) ``table``."""
    mask = table.size - 1
    for w in range(n_words):
        slot = _slot(hashes[w], mask)
        while table[slot] >= 0:
            slot = (slot + 1) & mask
        table[slot] = w


@njit(cache=True, nogil=True)
def _key_slot(key, mask):
    h = np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)
    return np.int64((h >> np.uint64(32)) & np.uint64(mask))


@njit(cache=True, nogil=True)
def count_keys(keys, table_keys, table_counts, used, position):
    """Add one to the count of each of ``keys`` (int64 >= 0) in an open-addressing table.

    ``table_keys`` holds -1 in empty slots and is kept at most half full; ``used[0]`` (slots
    taken) and ``position[0]`` (keys done) are updated in place. Returns False when the table
    is half full before the end: grow it (:func:`rehash_keys`) and call again.
    """
    mask = table_keys.size - 1
    taken = used[0]
    for i in range(position[0], keys.size):
        key = keys[i]
        slot = _key_slot(key, mask)
        while table_keys[slot] != key and table_keys[slot] >= 0:
            slot = (slot + 1) & mask
        if table_keys[slot] < 0:
            if 2 * (taken + 1) > table_keys.size:
                used[0], position[0] = taken, i
                return False
            table_keys[slot] = key
            taken += 1
        table_counts[slot] += 1
    used[0], position[0] = taken, keys.size
    return True


@njit(cache=True, nogil=True)
def rehash_keys(keys, counts, table_keys, table_counts):
    """Insert distinct ``keys`` with their ``counts`` into an empty table (``table_keys`` all -1)."""
    mask = table_keys.size - 1
    for i in range(keys.size):
        slot = _key_slot(keys[i], mask)
        while table_keys[slot] >= 0:
            slot = (slot + 1) & mask
        table_keys[slot] = keys[i]
        table_counts[slot] = counts[i]
