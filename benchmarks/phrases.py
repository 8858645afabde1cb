"""Phrase detection against gensim 4.4 on the same text, in the same run.

    python benchmarks/phrases.py [--tokens 4000000] [--runs 3]

Corpus: the first 4M tokens of wiki-text8 re-cut into 1,000-token lines (the speed
benchmark's file). Both tools learn phrases (min_count 5, threshold 10, default scoring)
and write the corpus with the phrases joined: fastw2v with ``PhraseModel.learn`` +
``write_phrased``; gensim with ``Phrases(LineSentence)`` + ``FrozenPhrases`` applied to
every line. Reports the Jaccard index of the sets of distinct phrase tokens in the two
outputs, the share of identical output lines, and learn + apply wall time (fastw2v: median
of ``--runs``; gensim: one run, it takes minutes). Writes benchmarks/results/phrases.md.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, RESULTS, line_corpus, markdown_table

sys.path.insert(0, str(REPO))

from fastw2v.phrases import learn_and_write  # noqa: E402

SETTINGS = dict(min_count=5, threshold=10.0, scoring="default", delimiter="_")


def run_fastw2v(corpus: Path, out: Path) -> tuple[float, float, int]:
    """Learn + apply with fastw2v (one read of the text, kept as ids); (wall s, CPU s, phrases learned)."""
    start, cpu = time.perf_counter(), time.process_time()
    model, _ = learn_and_write(corpus, out, **SETTINGS)
    return time.perf_counter() - start, time.process_time() - cpu, len(model.phrasegrams())


def run_gensim(corpus: Path, out: Path) -> tuple[float, float, int]:
    """Learn + apply with gensim's Phrases and FrozenPhrases; (wall s, CPU s, phrases learned)."""
    from gensim.models.phrases import FrozenPhrases, Phrases
    from gensim.models.word2vec import LineSentence

    start, cpu = time.perf_counter(), time.process_time()
    frozen = FrozenPhrases(Phrases(LineSentence(str(corpus)), **SETTINGS))
    with open(out, "w", encoding="utf-8") as fh:
        for sentence in LineSentence(str(corpus)):
            fh.write(" ".join(frozen[sentence]) + "\n")
    return time.perf_counter() - start, time.process_time() - cpu, len(frozen.phrasegrams)


def phrase_tokens(path: Path) -> set[str]:
    with open(path, encoding="utf-8") as fh:
        return {t for line in fh for t in line.split() if "_" in t}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=4_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    corpus = line_corpus(1000, args.tokens)
    with tempfile.TemporaryDirectory() as tmp:
        ours, theirs = Path(tmp) / "fastw2v.txt", Path(tmp) / "gensim.txt"
        runs = [run_fastw2v(corpus, ours) for _ in range(args.runs)]
        fast_wall, fast_cpu = (statistics.median(r[k] for r in runs) for k in (0, 1))
        fast_phrases = runs[0][2]
        print(f"fastw2v: {fast_wall:.1f} s wall, {fast_cpu:.1f} s CPU", flush=True)
        gensim_wall, gensim_cpu, gensim_phrases = run_gensim(corpus, theirs)
        print(f"gensim: {gensim_wall:.1f} s wall, {gensim_cpu:.1f} s CPU", flush=True)
        a, b = phrase_tokens(ours), phrase_tokens(theirs)
        with open(ours, encoding="utf-8") as fa, open(theirs, encoding="utf-8") as fb:
            pairs = list(zip(fa, fb))
        same_lines = sum(x == y for x, y in pairs) / max(len(pairs), 1)
    jaccard = len(a & b) / max(len(a | b), 1)
    rows = [
        ["learn + apply, wall time (s)", f"{fast_wall:.1f}", f"{gensim_wall:.1f}", f"{gensim_wall / fast_wall:.1f}x"],
        ["learn + apply, CPU time (s)", f"{fast_cpu:.1f}", f"{gensim_cpu:.1f}", f"{gensim_cpu / fast_cpu:.1f}x"],
        ["phrases learned", fast_phrases, gensim_phrases, ""],
        ["distinct phrase tokens in the output", len(a), len(b), ""],
    ]
    table = markdown_table(["", "fastw2v", "gensim 4.4", "ratio"], rows)
    summary = (f"Jaccard of the distinct phrase tokens: **{jaccard:.4f}** (required >= 0.99); identical output "
               f"lines: {100 * same_lines:.2f}%; fastw2v is **{gensim_wall / fast_wall:.1f}x** faster in wall time "
               f"and {gensim_cpu / fast_cpu:.1f}x in CPU time (required >= 10x).")
    walls = ", ".join(f"{r[0]:.1f}" for r in runs)
    text = (f"# Phrases: fastw2v vs gensim 4.4\n\nFirst {args.tokens / 1e6:g}M tokens of wiki-text8 in 1,000-token "
            f"lines; min_count 5, threshold 10, default scoring; learn + apply (gensim: `Phrases` + "
            f"`FrozenPhrases`), both writing the phrased corpus to a file. fastw2v: median of {args.runs} runs "
            f"(wall {walls} s); gensim: one run, right after, in the same process. Both are single-threaded; "
            f"{os.cpu_count()} cores shared with other jobs (load average {os.getloadavg()[0]:.1f} at the end), "
            f"so wall time includes waiting for a core and CPU time is given too.\n\n{table}\n\n{summary}\n\n"
            f"Reproduce: `python benchmarks/phrases.py --tokens {args.tokens} --runs {args.runs}`\n")
    print(table)
    print(summary)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "phrases.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
