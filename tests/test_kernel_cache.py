"""Numba's on-disk cache of the kernels stays fresh when any module of the kernels package changes."""
from __future__ import annotations

import subprocess
import sys

from numba.core.caching import NullCache
from numba.core.registry import CPUDispatcher

from fastw2v import kernels
from fastw2v.kernels import anchor, architectures, cache, heads, rng, rows, text, update, vectors


def test_a_cached_kernel_sees_an_edit_of_the_module_it_calls(tmp_path):
    """Numba stamps a cached function with its own file: a claimed package's kernels with all of its files."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "caller.py").write_text("from numba import njit\n\nfrom .callee import step\n\n\n"
                                       "@njit(cache=True)\ndef run(x):\n    return step(x)\n")
    callee = "from numba import njit\n\n\n@njit(cache=True)\ndef step(x):\n    return x + {}\n"
    (package / "callee.py").write_text(callee.format(1))
    script = (f"from pathlib import Path\nfrom fastw2v.kernels.cache import PackageStampedLocator\n"
              f"PackageStampedLocator.claim(Path({str(package)!r}))\nfrom pkg.caller import run\n"
              f"print(run(1), run.stats.cache_hits.total())")

    def run() -> str:
        return subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                              check=True).stdout.split()

    assert run() == ["2", "0"]
    assert run() == ["2", "1"]  # loaded from the cache
    (package / "callee.py").write_text(callee.format(10))
    assert run() == ["11", "0"]


def test_every_cached_kernel_is_stamped_with_the_whole_package():
    modules = (anchor, architectures, heads, kernels.codegen, rng, rows, text, update, vectors)
    # Numba's cache objects are internal; the locator is what decides where a kernel is cached and how fresh.
    cached = [f for m in modules for f in vars(m).values() if isinstance(f, CPUDispatcher)
              and f.py_func.__module__ == m.__name__ and not isinstance(f._cache, NullCache)]
    assert len(cached) > 10
    for f in cached:
        assert isinstance(f._cache._impl.locator, cache.PackageStampedLocator), f.py_func.__qualname__
