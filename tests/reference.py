"""Independent reference computations shared by several test files."""
from __future__ import annotations

from collections import Counter


def corpus_counts(path) -> Counter:
    """Token counts of a corpus file, keys in order of first appearance (one sentence per line)."""
    counts: Counter = Counter()
    with open(path, "rb") as fh:
        for raw in fh:
            counts.update(raw.decode("utf-8").split())
    return counts
