"""Large matrices: checking they fit, allocating them without huge-page stalls, walking them in blocks of rows,
handing their pages back early.

NumPy advises the kernel to back every array of 4 MB or more with transparent huge pages
(``MADV_HUGEPAGE``). With Linux's default ``defrag=madvise`` setting, each first touch of
such a region may then stall in direct memory compaction: filling a fresh 3.6 GB matrix
took 3.4-7.9 s that way against 1.4 s with ordinary pages on the 2-core benchmark host.
The vector matrices here are filled once, front to back, and training works on a compact
copy of the rows it uses, so huge pages buy nothing for them.
"""
from __future__ import annotations

import functools
import mmap
import os
import sys
from collections.abc import Iterator

import numpy as np

# A private NumPy function, which NumPy's stubs do not declare (attr-defined); the NumPy 1.x
# fallback imports the same name again (no-redef).
try:  # NumPy >= 2
    from numpy._core.multiarray import _set_madvise_hugepage  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - NumPy 1.x, or a build without it
    try:
        from numpy.core.multiarray import _set_madvise_hugepage  # type: ignore[no-redef]
    except ImportError:
        _set_madvise_hugepage = None

_MADV_DONTNEED = 4  # Linux


def physical_memory() -> int | None:
    """Bytes of RAM of this machine, or None where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def size_text(n_bytes: float) -> str:
    """``6.4 TB (6,400,000,000,000 bytes)``: the exact count, and a size to read it by."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit} ({n_bytes:,.0f} bytes)"
    return f"{n_bytes:,.0f} bytes"


def empty(shape: tuple[int, ...], dtype: np.dtype | type = np.float32) -> np.ndarray:
    """``np.empty(shape, dtype)`` in ordinary pages (see the module's docstring)."""
    if _set_madvise_hugepage is None:
        return np.empty(shape, dtype=dtype)
    previous = _set_madvise_hugepage(False)
    try:
        return np.empty(shape, dtype=dtype)
    finally:
        _set_madvise_hugepage(previous)


def blocks(n: int, size: int, first: int = 0) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` of consecutive blocks of ``size`` rows covering ``range(first, n)``, the last one shorter.

    How a large matrix is walked: each block's temporaries (masks, float64 copies, scores) stay
    small next to the matrix itself.
    """
    for start in range(first, n, size):
        yield start, min(start + size, n)


@functools.cache
def _madvise():
    """libc's ``madvise`` on Linux, else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        madvise = ctypes.CDLL(None, use_errno=True).madvise
    except (OSError, AttributeError):
        return None
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    return madvise


def release(block: np.ndarray) -> None:
    """Give the whole memory pages under ``block`` (of an array about to be freed) back to the system.

    Its contents are lost (Linux refills such pages with zeros); elsewhere this does nothing.
    """
    madvise = _madvise()
    page = mmap.PAGESIZE
    start = -(-block.ctypes.data // page) * page
    end = (block.ctypes.data + block.nbytes) // page * page
    if madvise is not None and end > start:
        madvise(start, end - start, _MADV_DONTNEED)
