"""Whole jobs and time to quality against every peer a user would pick (``benchmarks/peers.py``).

    python benchmarks/jobs.py [--sections jobs cold ttq] [--modes SG-NS CBOW-NS ...] [--runs 3]
    python benchmarks/jobs.py --report-only

Corpus: wiki-text8 re-cut into 1,000-token lines (16.7M tokens; no trainer truncates a line); d100,
window 5, min_count 5, 2 threads. Every run is a fresh process timed from its start to its exit
(start-up, vocabulary scan, training, saving), with its peak RSS; its vectors are scored afterwards.

* ``jobs``: the four modes at 1 epoch, fastw2v, word2vec.c, fastText, gensim iterable and
  ``corpus_file``, ``--runs`` rounds, the trainers' order rotated every round so a slow spell of
  the host lands on all alike. Equal work: ``sample 1e-3`` for everyone (fastText's own default is
  1e-4); the learning rate is each trainer's own default. fastw2v's phases are read off its log.
* ``cold``: fastw2v's first run with an empty Numba cache, the warm run after it, then a new vector
  size (d128) with the d100 kernels cached, and that size warm (CBOW-NS and SG-NS, 1 epoch).
* ``ttq``: time to quality. SG-NS and CBOW-NS at 1, 2, 3 and 5 epochs, every trainer at its own
  recommended settings (nothing set beyond the common ones; fastText subsamples at 1e-4), gensim in
  its fastest mode (``corpus_file``). Runs of ``jobs`` with the same settings count here too.

Raw runs accumulate in ``benchmarks/results/jobs.json`` (a run already there is not repeated);
the report ``benchmarks/results/jobs.md`` and the plot ``jobs_ttq.png`` are rebuilt after each run.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

import peers
from common import RESULTS, line_corpus, markdown_table, within_noise
from peers import LABELS, MODES, TRAINERS, Job, run_job, training_words_per_s

OUT_JSON = RESULTS / "jobs.json"
OUT_MD = RESULTS / "jobs.md"
OUT_PNG = RESULTS / "jobs_ttq.png"
EQUAL_WORK = {"sample": 1e-3}
TTQ_MODES = ("SG-NS", "CBOW-NS")
TTQ_TRAINERS = ("fastw2v", "word2vec.c", "fasttext", "gensim_cf")
TTQ_EPOCHS = (1, 2, 3, 5)
PEERS = ("word2vec.c", "fasttext", "gensim_cf")  # the fastest of these is the bar


def load_runs() -> list[dict]:
    return json.loads(OUT_JSON.read_text()) if OUT_JSON.exists() else []


def save_run(run: dict) -> None:
    runs = [r for r in load_runs() if r["key"] != run["key"]] + [run]
    OUT_JSON.write_text(json.dumps(runs, indent=1) + "\n")


def measure(job: Job, env: dict | None = None, label: str = "") -> dict:
    """Run ``job`` (unless it is saved already), score its vectors, save and return the run."""
    key = job.key() + label
    done = {r["key"]: r for r in load_runs()}
    if key in done:
        return done[key]
    with tempfile.TemporaryDirectory(prefix="fastw2v-job-") as tmp:
        run = run_job(job, Path(tmp) / "out", env)
        # Scored in a process of its own: a child's peak RSS starts from its parent's at the fork, so the
        # parent stays small.
        scored = subprocess.run([sys.executable, peers.__file__, "--score", json.dumps(
            {**asdict(job), "out": str(Path(tmp) / "out")})], check=True, capture_output=True, text=True)
        run.update(json.loads(scored.stdout.strip().splitlines()[-1]))
    tokens = 16_683_744 if Path(job.corpus).name == "wiki-text8-1000.txt" else None
    run.update(key=key, label=label, job={**job.normalised().__dict__, "corpus": Path(job.corpus).name},
               words_per_s=training_words_per_s(job, run["output"], tokens or 0))
    run.pop("output")
    save_run(run)
    print(f"{label or 'run'} {job.trainer} {job.mode} x{job.epochs}: {run['wall']:.1f} s, "
          f"{run['rss_mb']:.0f} MiB, analogies {run['analogy']:.3f}, WS353 {run['ws353']:.3f}, "
          f"load {run['load'][0]:.1f}", flush=True)
    return run


# ---------------------------------------------------------------- sections
def jobs_section(corpus: str, modes: list[str], rounds: int) -> None:
    for mode in modes:
        # One untimed run fills fastw2v's Numba cache for the mode, so no measured run compiles.
        measure(Job("fastw2v", mode, str(line_corpus(1000, 1_000_000)), 1), label="warm-up")
        for r in range(rounds):
            order = TRAINERS[r % len(TRAINERS):] + TRAINERS[:r % len(TRAINERS)]
            for trainer in order:
                measure(Job(trainer, mode, corpus, 1, seed=r + 1, settings=EQUAL_WORK))
            report()


def cold_section(corpus: str, modes: list[str]) -> None:
    for mode in [m for m in modes if m in TTQ_MODES]:
        cache = tempfile.mkdtemp(prefix="fastw2v-numba-")
        env = {"NUMBA_CACHE_DIR": cache}
        for label, size in (("cold", 100), ("warm", 100), ("new size", 128), ("new size warm", 128)):
            measure(Job("fastw2v", mode, corpus, 1, vector_size=size), env, label=f"cold:{label}")
        report()


def ttq_section(corpus: str, modes: list[str]) -> None:
    for mode in [m for m in modes if m in TTQ_MODES]:
        for epochs in TTQ_EPOCHS:
            for trainer in TTQ_TRAINERS:
                measure(Job(trainer, mode, corpus, epochs))
            report()


# ---------------------------------------------------------------- report
def _runs(runs: list[dict], trainer: str, mode: str, epochs: int, label: str = "", **settings) -> list[dict]:
    want = Job(trainer, mode, "x", epochs, settings=settings).normalised().settings
    return [r for r in runs if r["label"] == label and r["job"]["trainer"] == trainer and r["job"]["mode"] == mode
            and r["job"]["epochs"] == epochs and r["job"]["settings"] == want and r["job"]["vector_size"] == 100]


def _peak_rss(runs: list[dict], trainer: str, mode: str) -> str:
    """Median peak RSS of the trainer's d100 runs in ``mode`` at any epochs (memory does not grow with them)."""
    rss = [r["rss_mb"] for r in runs if r.get("rss_mb") and r["job"]["trainer"] == trainer
           and r["job"]["mode"] == mode and r["job"]["vector_size"] == 100 and not r["label"]]
    return f"{statistics.median(rss):.0f}" if rss else ""


def _med(rs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rs)


def _span(rs: list[dict], key: str, digits: int) -> str:
    values = [r[key] for r in rs]
    text = f"{statistics.median(values):.{digits}f}"
    return text + (f" [{min(values):.{digits}f}, {max(values):.{digits}f}]" if len(values) > 1 else "")


def jobs_report(runs: list[dict]) -> list[str]:
    parts = ["## Whole jobs, 1 epoch, 2 threads, sample 1e-3 for all\n",
             "Wall: medians [min, max] over rounds, start of the process to its exit. vs fastw2v: the peer's median "
             "wall / fastw2v's. Training-only words/s as each trainer reports it (fastw2v and gensim: corpus tokens "
             "/ training seconds; word2vec.c and fastText: words per thread per second x 2). Quality: medians "
             "[min, max].\n"]
    verdicts = []
    for mode in MODES:
        by = {t: _runs(runs, t, mode, 1, **EQUAL_WORK) for t in TRAINERS}
        if not by["fastw2v"]:
            continue
        ours = _med(by["fastw2v"], "wall")
        rows = []
        for t in TRAINERS:
            rs = by[t]
            if not rs:
                continue
            wps = [r["words_per_s"] for r in rs if r["words_per_s"]]
            rows.append([LABELS[t], len(rs), _span(rs, "wall", 1), f"{_med(rs, 'wall') / ours:.2f}x",
                         f"{statistics.median(wps) / 1e3:,.0f}k" if wps else "", _peak_rss(runs, t, mode),
                         _span(rs, "analogy", 3), _span(rs, "ws353", 3)])
        parts += [f"### {mode}\n", markdown_table(
            ["trainer", "runs", "wall s", "vs fastw2v", "training words/s", "peak RSS MiB", "analogies@30k",
             "WS353"], rows), ""]
        peers = [t for t in PEERS if by[t]] if mode.endswith("NS") else ["gensim_cf"] * bool(by["gensim_cf"])
        if peers:
            fastest = min(peers, key=lambda t: _med(by[t], "wall"))
            speed = _med(by[fastest], "wall") / ours
            ref = by["gensim_cf"]
            quality = [_med(by["fastw2v"], k) / _med(ref, k) for k in ("analogy", "ws353")] if ref else [0, 0]
            ok = speed >= 3 and min(quality) >= 0.95
            # The bar: negative sampling against the fastest peer, hierarchical softmax against gensim's.
            against = "the fastest peer" if mode.endswith("NS") else "gensim's fastest mode"
            verdicts.append(f"- {mode}: {speed:.2f}x {against} ({LABELS[fastest]}; bar 3x); quality vs gensim "
                            f"corpus_file {quality[0]:.2f} / {quality[1]:.2f} (bar 0.95): **{'PASS' if ok else 'FAIL'}**")
            if mode == "CBOW-NS" and by["word2vec.c"]:
                verdicts[-1] += "; " + _noise_line([r["analogy"] for r in by["fastw2v"]],
                                                   [r["analogy"] for r in by["word2vec.c"]], "analogies vs word2vec.c")
    parts += ["### Bars\n", *verdicts, ""]
    parts += phases_report(runs)
    return parts


def _noise_line(ours: list[float], theirs: list[float], what: str) -> str:
    if len(ours) < 2 or len(theirs) < 2:
        return f"{what}: too few runs to judge noise"
    diff = statistics.mean(ours) - statistics.mean(theirs)
    return f"{what}: mean difference {diff:+.3f} over {len(ours)} / {len(theirs)} runs, " + \
        ("within noise (not below by more than the larger range of runs)" if within_noise(ours, theirs)
         else "below by more than the noise")


def phases_report(runs: list[dict]) -> list[str]:
    rows = []
    for mode in MODES:
        rs = [r for r in _runs(runs, "fastw2v", mode, 1, **EQUAL_WORK) if {"scan", "train", "save"} <= set(r["phases"])]
        if not rs:
            continue
        spans = {"start-up + vocabulary scan": [r["phases"]["scan"] for r in rs],
                 "encoding + kernel load + training": [r["phases"]["train"] - r["phases"]["scan"] for r in rs],
                 "saving model and vectors": [r["phases"]["save"] - r["phases"]["train"] for r in rs],
                 "exit": [r["phases"]["exit"] - r["phases"]["save"] for r in rs]}
        wall = statistics.median(r["wall"] for r in rs)
        rows.append([mode, f"{wall:.1f}"] + [f"{statistics.median(v):.1f} ({statistics.median(v) / wall:.0%})"
                                             for v in spans.values()])
    if not rows:
        return []
    return ["### fastw2v's job by phase (medians, s and share of the wall)\n", markdown_table(
        ["mode", "wall s", "start-up + vocabulary scan", "encoding + kernel load + training", "saving",
         "interpreter exit"], rows), ""]


def cold_report(runs: list[dict]) -> list[str]:
    rows = []
    for mode in TTQ_MODES:
        got = {r["label"].split(":", 1)[1]: r for r in runs if r["label"].startswith("cold:")
               and r["job"]["mode"] == mode}
        if "cold" not in got or "warm" not in got:
            continue
        row = [mode, f"{got['cold']['wall']:.1f}", f"{got['warm']['wall']:.1f}",
               f"{got['cold']['wall'] - got['warm']['wall']:+.1f}"]
        if "new size" in got and "new size warm" in got:
            row += [f"{got['new size']['wall']:.1f}", f"{got['new size warm']['wall']:.1f}",
                    f"{got['new size']['wall'] - got['new size warm']['wall']:+.1f}"]
        rows.append(row)
    if not rows:
        return []
    return ["## Cold start (fastw2v, 1 epoch, fresh NUMBA_CACHE_DIR)\n",
            "Bar: a first run at most 5 s slower than a warm one, and a new vector size not paying a full compile.\n",
            markdown_table(["mode", "first run s", "warm run s", "first - warm", "d128 after d100 s", "d128 warm s",
                            "d128 first - warm"], rows), ""]


def ttq_points(runs: list[dict], mode: str, trainer: str) -> list[tuple[int, dict]]:
    points = []
    for epochs in TTQ_EPOCHS:
        rs = _runs(runs, trainer, mode, epochs)
        if rs:
            points.append((epochs, {k: _med(rs, k) for k in ("wall", "analogy", "ws353")} | {"runs": len(rs)}))
    return points


def _reach_line(ours: dict[int, dict], peer: str, target: dict) -> str:
    """When fastw2v first scores at least ``peer``'s 5-epoch analogies and WS353, and in what share of its time."""
    what = f"{LABELS[peer]}'s 5 epochs ({target['analogy']:.3f} / {target['ws353']:.3f} in {target['wall']:.0f} s)"
    for e, p in sorted(ours.items()):
        if p["analogy"] >= target["analogy"] and p["ws353"] >= target["ws353"]:
            return (f"{what}: fastw2v reaches both at {e} epoch{'s' * (e > 1)} in {p['wall']:.0f} s, "
                    f"{p['wall'] / target['wall']:.0%} of its time")
    return f"{what}: fastw2v does not reach both within the epochs run"


def ttq_report(runs: list[dict]) -> list[str]:
    parts = ["## Time to quality: own recommended settings, 2 threads\n",
             "Each cell: wall s / analogies@30k / WS353 (medians where there are several runs).\n"]
    any_rows = False
    for mode in TTQ_MODES:
        rows = []
        curves = {t: dict(ttq_points(runs, mode, t)) for t in TTQ_TRAINERS}
        for t, curve in curves.items():
            if curve:
                rows.append([LABELS[t]] + [f"{p['wall']:.0f} / {p['analogy']:.3f} / {p['ws353']:.3f}" if p else ""
                                           for p in (curve.get(e) for e in TTQ_EPOCHS)])
        if not rows:
            continue
        any_rows = True
        parts += [f"### {mode}\n", markdown_table(["trainer", *(f"{e} epoch{'s' * (e > 1)}" for e in TTQ_EPOCHS)],
                                                  rows), ""]
        for peer, curve in curves.items():
            if peer != "fastw2v" and 5 in curve and curves["fastw2v"]:
                parts.append("- " + _reach_line(curves["fastw2v"], peer, curve[5]))
        parts.append("")
    return parts + [f"![time to quality]({OUT_PNG.name})\n"] if any_rows else []


def plot(runs: list[dict]) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    drawn = False
    for col, mode in enumerate(TTQ_MODES):
        for row, (key, name) in enumerate((("analogy", "analogies@30k"), ("ws353", "WS353 Spearman"))):
            ax = axes[row][col]
            for t in TTQ_TRAINERS:
                points = ttq_points(runs, mode, t)
                if points:
                    drawn = True
                    ax.plot([p["wall"] for _, p in points], [p[key] for _, p in points], "o-", label=LABELS[t])
                    for e, p in points:
                        ax.annotate(str(e), (p["wall"], p[key]), fontsize=7, xytext=(3, -8), textcoords="offset points")
            ax.set_xscale("log")
            ax.set_title(f"{mode}: {name}")
            ax.set_xlabel("whole-job wall seconds (2 threads; labels: epochs)")
            ax.grid(alpha=0.3)
    if drawn:
        axes[0][0].legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(OUT_PNG, dpi=110)
    plt.close(fig)


def report() -> None:
    runs = [r for r in load_runs() if r["label"] != "warm-up"]
    parts = ["# Whole jobs and time to quality: fastw2v, word2vec.c, fastText, gensim\n",
             "Written by `python benchmarks/jobs.py` (setup in its docstring; raw runs in `jobs.json`). Corpus "
             "wiki-text8 in 1,000-token lines (16.7M tokens), d100, window 5, negative 5 (or HS), min_count 5, "
             "2 threads. Analogies: Google questions-words among the 30k most frequent words, 3CosAdd.\n"]
    loads = [r["load"][0] for r in runs]
    if loads:
        parts.append(f"Host load average when the runs started: median {statistics.median(loads):.1f}, "
                     f"max {max(loads):.1f} (2 cores).\n")
    parts += jobs_report(runs) + cold_report(runs) + ttq_report(runs)
    OUT_MD.write_text("\n".join(parts) + "\n")
    plot(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", nargs="*", default=["jobs", "cold", "ttq"], choices=("jobs", "cold", "ttq"))
    parser.add_argument("--modes", nargs="*", default=list(MODES), choices=list(MODES))
    parser.add_argument("--runs", type=int, default=3, help="jobs: rounds over the trainers")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    if not args.report_only:
        corpus = str(line_corpus(1000))
        RESULTS.mkdir(parents=True, exist_ok=True)
        for section in args.sections:
            {"jobs": lambda: jobs_section(corpus, args.modes, args.runs), "cold": lambda: cold_section(corpus, args.modes),
             "ttq": lambda: ttq_section(corpus, args.modes)}[section]()
    report()
    print(OUT_MD.read_text())


if __name__ == "__main__":
    sys.exit(main())
