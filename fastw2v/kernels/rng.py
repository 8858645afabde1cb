"""SplitMix64 random numbers for the training kernels.

A state is a ``uint64`` seeded from ``(seed, epoch, sentence index)``, so a sentence
draws the same subsampling, window and negatives whichever thread trains it, and
``workers=1`` runs are bit-identical.
"""
from __future__ import annotations

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S40 = np.uint64(40)
_INV_2_24 = np.float32(1.0 / (1 << 24))


@njit(cache=True, nogil=True, inline="always")
def _mix(z: np.uint64) -> np.uint64:
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@njit(cache=True, nogil=True)
def rng_seed(seed: int, epoch: int, sentence: int) -> np.uint64:
    """Initial RNG state for one sentence of one epoch."""
    z = _mix(np.uint64(seed) + _GOLDEN)
    z = _mix(z ^ (np.uint64(epoch) * _GOLDEN))
    return _mix(z ^ (np.uint64(sentence) + _GOLDEN))


@njit(cache=True, nogil=True, inline="always")
def rng_next(state: np.uint64) -> tuple[np.uint64, np.uint64]:
    """Advance a SplitMix64 state; returns (new state, 64 random bits)."""
    state = state + _GOLDEN
    return state, _mix(state)


@njit(cache=True, nogil=True, inline="always")
def uniform(bits: np.uint64) -> np.float32:
    """float32 in [0, 1) from the top 24 bits."""
    return np.float32(bits >> _S40) * _INV_2_24
