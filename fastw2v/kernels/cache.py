"""Numba's on-disk cache for the kernels, fresh with respect to every module of this package.

Numba stamps a cached kernel with its own source file only, so a kernel that calls
into another module would keep its old machine code after an edit (or an upgrade)
of that module. Kernels of a claimed package are stamped with all of its sources
instead: any change recompiles them, at their usual cache location.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import ClassVar

from numba.core import caching

# Numba renamed its cache machinery (0.59: _CacheImpl; 0.68: CacheImpl).
_IMPL = getattr(caching, "CacheImpl", None) or getattr(caching, "_CacheImpl")  # noqa: B009 (absent in new Numba)


def source_stamp(directory: Path) -> str:
    """SHA-256 of the names and bytes of every ``*.py`` file in ``directory``."""
    h = hashlib.sha256()
    for path in sorted(directory.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


class PackageStampedLocator:
    """The cache location Numba would choose for a kernel, stamped with its whole package's sources."""

    _claimed: ClassVar[dict[Path, str]] = {}

    def __init__(self, inner, stamp: str) -> None:
        self._inner = inner
        self._stamp = stamp
        self._py_file = inner._py_file  # Numba names the file in its warnings

    @classmethod
    def claim(cls, directory: Path) -> None:
        """Stamp every kernel compiled from a module in ``directory`` from now on with its sources."""
        directory = directory.resolve()
        cls._claimed[directory] = source_stamp(directory)
        if cls not in _IMPL._locator_classes:
            _IMPL._locator_classes.insert(0, cls)

    @classmethod
    def from_function(cls, py_func, py_file):
        stamp = cls._claimed.get(Path(py_file).resolve().parent)
        if stamp is None:
            return None
        for other in _IMPL._locator_classes:
            inner = None if other is cls else other.from_function(py_func, py_file)
            if inner is not None:
                return cls(inner, stamp)
        return None

    def ensure_cache_path(self) -> None:
        self._inner.ensure_cache_path()

    def get_cache_path(self) -> str:
        return self._inner.get_cache_path()

    def get_disambiguator(self) -> str:
        return self._inner.get_disambiguator()

    def get_source_stamp(self):
        return self._inner.get_source_stamp(), self._stamp


# Every kernel of this package: each calls into the others' modules. Imported by the package
# before any of them is defined.
PackageStampedLocator.claim(Path(__file__).parent)
