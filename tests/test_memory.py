"""Large-matrix allocation without huge-page advice, and handing pages back."""
import mmap
import sys

import numpy as np
import pytest

from fastw2v import memory


def test_empty_allocates_and_leaves_numpys_setting_as_it_was():
    if memory._set_madvise_hugepage is None:
        pytest.skip("this NumPy has no huge-page switch")
    before = memory._set_madvise_hugepage(True)
    try:
        a = memory.empty((1024, 1024), np.float32)  # 4 MB: NumPy's huge-page threshold
        assert a.shape == (1024, 1024) and a.dtype == np.float32 and a.flags.owndata
        assert memory._set_madvise_hugepage(True) is True  # switched back on after the allocation
    finally:
        memory._set_madvise_hugepage(before)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="MADV_DONTNEED refills with zeros on Linux only")
def test_release_hands_back_whole_pages_only():
    page = mmap.PAGESIZE
    a = np.ones(16 * page, dtype=np.uint8)
    offset = (-a.ctypes.data) % page  # the first page boundary inside the array
    memory.release(a[offset + 10:offset + 3 * page + 10])  # pages 1 and 2 whole, 0 and 3 in part
    block = a[offset:offset + 4 * page]
    assert block[:page].all() and block[3 * page:].all()  # partly covered pages are kept
    assert not block[page:3 * page].any()  # whole pages come back zero-filled
