"""Shared helpers for the benchmark scripts: data paths, the benchmark corpus, measurements."""
from __future__ import annotations

import gzip
import os
import resource
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("FASTW2V_DATA", REPO.parent / "shared" / "data"))
EVAL = DATA / "eval"
CACHE = REPO / "benchmarks" / ".cache"
RESULTS = REPO / "benchmarks" / "results"


def require_data(*names: str) -> None:
    """Exit with a clear message when ../shared/data (or $FASTW2V_DATA) lacks a file."""
    missing = [n for n in names if not (DATA / n).exists()]
    if missing:
        sys.exit(f"benchmark data missing in {DATA}: {', '.join(missing)} (set FASTW2V_DATA)")


def line_corpus(tokens_per_line: int = 1000, max_tokens: int | None = None, source: str = "wiki-text8.txt.gz") -> Path:
    """``source`` re-cut into lines of ``tokens_per_line`` tokens (cached), optionally its first ``max_tokens``.

    Both trainers read the same file, so gensim's 10,000-token line limit never
    truncates anything and both see identical sentences.
    """
    require_data(source)
    CACHE.mkdir(parents=True, exist_ok=True)
    suffix = f"-{max_tokens // 1_000_000}M" if max_tokens else ""
    out = CACHE / f"{source.split('.')[0]}-{tokens_per_line}{suffix}.txt"
    if out.exists():
        return out
    tmp = out.with_suffix(".tmp")
    written = 0
    with gzip.open(DATA / source, "rt", encoding="utf-8") as src, open(tmp, "w", encoding="utf-8") as dst:
        line: list[str] = []
        for text in src:
            for token in text.split():
                line.append(token)
                if len(line) == tokens_per_line:
                    dst.write(" ".join(line) + "\n")
                    written += len(line)
                    line = []
                    if max_tokens and written >= max_tokens:
                        break
            if max_tokens and written >= max_tokens:
                break
        if line and not (max_tokens and written >= max_tokens):
            dst.write(" ".join(line) + "\n")
    os.replace(tmp, out)
    return out


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def markdown_table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def within_noise(ours: list[float], theirs: list[float]) -> bool:
    """Not below: our mean is at least theirs minus the larger of the two runs' ranges (max - min)."""
    spread = max(max(ours) - min(ours), max(theirs) - min(theirs))
    return statistics.mean(ours) >= statistics.mean(theirs) - spread
