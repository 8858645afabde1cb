"""Speed against gensim 4.4, side by side on the same cores.

    python benchmarks/speed.py [--runs 3] [--quick]
    python benchmarks/speed.py --sections ab --base PATH [--runs 5]

Every measurement runs in a fresh child process (so peak RSS and JIT compile time
are per run), alternating fastw2v, gensim iterable mode and gensim corpus_file mode
on the same corpus (wiki-text8 re-cut into 1,000-token lines) with the same settings
(d100, window 5, negative 5 or HS, sample 1e-3, min_count 5, 1 epoch, 2 workers).
Reports medians of words/s (corpus tokens x epochs / training seconds), vocabulary
scan seconds, peak RSS (split into the trainer's runtime and the data on top), JIT compile
time (cold and warm Numba cache), thread scaling 1 -> 2 workers, cost growth with corpus
size (1M, 4M, 16M tokens, sizes alternated; also with the 16M corpus's vocabulary throughout,
and gensim corpus_file alongside) and loading times.
Writes benchmarks/results/speed.md.

``--sections ab`` compares this checkout's training with another's (``--base``: its ``fastw2v``
package directory, e.g. a copy of main's) in one process: the same models on the first 2M tokens,
alternating the two trainers epoch by epoch, so a noisy host slows both alike (not part of a full run).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import DATA, RESULTS, line_corpus, markdown_table, peak_rss_mb

MODES = {
    "SG-NS": dict(sg=1, hs=0, negative=5),
    "CBOW-NS": dict(sg=0, hs=0, negative=5),
    "SG-HS": dict(sg=1, hs=1, negative=0),
    "CBOW-HS": dict(sg=0, hs=1, negative=0),
}
COMMON = dict(vector_size=100, window=5, sample=1e-3, min_count=5, seed=1)
SECTIONS = ("jit", "throughput", "scaling", "growth", "loading")
AB_TOKENS = 2_000_000


# ---------------------------------------------------------------- child side: one measured run
def child_fastw2v(job: dict) -> dict:
    started = time.perf_counter()
    from fastw2v import Word2Vec

    imported = time.perf_counter()
    model = Word2Vec(**MODES[job["mode"]], **COMMON, epochs=job["epochs"], workers=job["workers"])
    t = time.perf_counter()
    model.build_vocab(job.get("vocab_corpus", job["corpus"]))
    vocab_s = time.perf_counter() - t
    first_batch: list[float] = []

    def on_batch(_position) -> None:
        if not first_batch:
            first_batch.append(time.perf_counter())

    t = time.perf_counter()
    encoded = model.encode(job["corpus"])
    encode_s = time.perf_counter() - t
    # JIT: the first batch pays compilation (cold cache) or cache loading (warm cache).
    t = time.perf_counter()
    train_tiny(Word2Vec, job["mode"])
    jit_s = time.perf_counter() - t
    t = time.perf_counter()
    model.train(encoded, on_batch_end=on_batch)
    train_s = time.perf_counter() - t
    return {"vocab_s": vocab_s, "train_s": train_s + encode_s, "encode_s": encode_s, "jit_s": jit_s,
            "import_s": imported - started, "start_to_first_batch_s": first_batch[0] - started - vocab_s - encode_s,
            "tokens": encoded.raw_tokens, "words": len(model.vocab), "rss_mb": peak_rss_mb(),
            "corpus_mb": (encoded.token_ids.nbytes + encoded.sentence_offsets.nbytes) / 2**20}


def child_gensim(job: dict) -> dict:
    from gensim.models import Word2Vec as GensimWord2Vec
    from gensim.models.word2vec import LineSentence

    model = GensimWord2Vec(**MODES[job["mode"]], **COMMON, epochs=job["epochs"], workers=job["workers"])
    t = time.perf_counter()
    if job["trainer"] == "gensim-file":
        model.build_vocab(corpus_file=job["corpus"])
    else:
        model.build_vocab(LineSentence(job["corpus"]))
    vocab_s = time.perf_counter() - t
    t = time.perf_counter()
    if job["trainer"] == "gensim-file":
        model.train(corpus_file=job["corpus"], total_examples=model.corpus_count, total_words=model.corpus_total_words,
                    epochs=job["epochs"])
    else:
        model.train(LineSentence(job["corpus"]), total_examples=model.corpus_count, epochs=job["epochs"])
    train_s = time.perf_counter() - t
    return {"vocab_s": vocab_s, "train_s": train_s, "tokens": model.corpus_total_words, "rss_mb": peak_rss_mb()}


def train_tiny(word2vec: type, mode: str) -> None:
    """Train a three-word model: loads everything a trainer needs to run (Numba: LLVM and its runtime)."""
    toy = [["a", "b", "c", "a", "b"]] * 3
    word2vec(toy, **MODES[mode], **{**COMMON, "min_count": 1}, epochs=1, workers=1)


def child_runtime(job: dict) -> dict:
    """Peak RSS of a trainer's runtime alone: its imports and a tiny model, no corpus."""
    if job["trainer"] == "fastw2v-runtime":
        from fastw2v import Word2Vec
    else:
        from gensim.models import Word2Vec
    train_tiny(Word2Vec, job["mode"])
    return {"rss_mb": peak_rss_mb()}


def child_loading(job: dict) -> dict:
    from fastw2v import load
    from fastw2v.vectors_io import read_vectors

    t = time.perf_counter()
    if job["what"] == "glove":
        read_vectors(DATA / "glove.6B.50d.w2v.bin.gz")
    else:
        model = load(job["path"], mmap=job["what"] == "model-mmap")
        model.wv.most_similar("king")
    return {"seconds": time.perf_counter() - t, "rss_mb": peak_rss_mb()}


# ---------------------------------------------------------------- parent side
def run_child(job: dict, env: dict | None = None) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", json.dumps(job)], capture_output=True, text=True,
                         env={**os.environ, **(env or {})}, cwd=Path(__file__).parent)
    if out.returncode != 0:
        raise RuntimeError(f"child failed: {job}\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def alternating(jobs: dict, runs: int) -> dict:
    """Run every job of ``jobs`` once per repetition, in turn, so a slow spell of the host lands on all alike.

    Returns each key's results, with ``wps`` (corpus tokens / training seconds) added to training runs.
    """
    results: dict = {key: [] for key in jobs}
    for _ in range(runs):
        for key, job in jobs.items():
            r = run_child(job)
            if "train_s" in r:
                r["wps"] = r["tokens"] / r["train_s"]
            results[key].append(r)
            print(job.get("mode", ""), key, {k: round(v, 3) for k, v in r.items()}, flush=True)
    return results


def med(results: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in results)


# ---------------------------------------------------------------- A/B against another checkout, one process
def import_base(package: Path):
    """The ``fastw2v`` package at ``package`` (another checkout's), imported as ``fastw2v_base``."""
    spec = importlib.util.spec_from_file_location("fastw2v_base", package / "__init__.py",
                                                  submodule_search_locations=[str(package)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["fastw2v_base"] = module
    spec.loader.exec_module(module)
    return module


def ab_rows(base_package: Path, runs: int) -> list[list[str]]:
    """Speed of this checkout's trainer and the base's per mode and worker count, epochs alternated."""
    import fastw2v

    trainers = {"base": import_base(base_package).Word2Vec, "this": fastw2v.Word2Vec}
    corpus = str(line_corpus(1000, AB_TOKENS))
    rows = []
    for workers in (2, 1):
        for mode in MODES:
            models, encoded = {}, {}
            for name, word2vec in trainers.items():
                models[name] = word2vec(**MODES[mode], **COMMON, epochs=1, workers=workers)
                models[name].build_vocab(corpus)
                encoded[name] = models[name].encode(corpus)
                models[name].train(encoded[name])  # compiles (or loads) the kernels
            seconds: dict[str, list[float]] = {name: [] for name in trainers}
            cpu: dict[str, list[float]] = {name: [] for name in trainers}
            for run in range(runs):
                for name in (list(trainers) if run % 2 == 0 else list(trainers)[::-1]):
                    t, c = time.perf_counter(), time.process_time()
                    models[name].train(encoded[name])
                    seconds[name].append(time.perf_counter() - t)
                    cpu[name].append(time.process_time() - c)
            # Paired ratios (base time / this time: > 1 is faster); CPU seconds leave out the time a
            # thread waited for a core, which other jobs on a shared host make most of the noise.
            ratios = [b / a for a, b in zip(seconds["this"], seconds["base"])]
            cpu_ratios = [b / a for a, b in zip(cpu["this"], cpu["base"])]
            tokens = encoded["this"].raw_tokens
            rows.append([mode, workers, f"{tokens / statistics.median(seconds['base']) / 1e3:.0f}k",
                         f"{tokens / statistics.median(seconds['this']) / 1e3:.0f}k",
                         f"{statistics.median(ratios):.3f} ({min(ratios):.2f}-{max(ratios):.2f})",
                         f"{statistics.median(cpu_ratios):.3f} ({min(cpu_ratios):.2f}-{max(cpu_ratios):.2f})"])
            print("ab", rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="4M tokens, 1 run, SG-NS and CBOW-NS only")
    parser.add_argument("--sections", nargs="*", default=list(SECTIONS), choices=(*SECTIONS, "ab"),
                        help="parts to run (all but ab by default; results/speed.md is written only by a full run)")
    parser.add_argument("--base", type=Path, help="ab: the fastw2v package directory of the checkout to compare with")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        job = json.loads(args.child)
        fn = {"fastw2v": child_fastw2v, "gensim-iter": child_gensim, "gensim-file": child_gensim,
              "fastw2v-runtime": child_runtime, "gensim-runtime": child_runtime, "loading": child_loading}[job["trainer"]]
        print(json.dumps(fn(job)))
        return

    runs = 1 if args.quick else args.runs
    if "ab" in args.sections:
        if args.base is None:
            parser.error("--sections ab needs --base")
        rows = ab_rows(args.base.resolve(), runs)
        print(f"\n`python benchmarks/speed.py --sections ab --base {args.base} --runs {runs}`: "
              f"first {AB_TOKENS // 10**6}M tokens of wiki-text8 in 1,000-token lines, d100, 1 epoch per run, "
              f"medians of {runs} runs alternating the trainers in one process\n")
        print(markdown_table(["mode", "workers", "base words/s", "this words/s", "speed this / base (range)",
                              "CPU-time speed this / base (range)"], rows))
        return
    corpus = str(line_corpus(1000, 4_000_000 if args.quick else None))
    modes = ["SG-NS", "CBOW-NS"] if args.quick else list(MODES)
    report = [f"# Speed: fastw2v vs gensim 4.4\n\n`python benchmarks/speed.py --runs {runs}`; corpus `{Path(corpus).name}`, "
              "d100, window 5, sample 1e-3, min_count 5, 1 epoch, 2 workers, medians of "
              f"{runs} alternating runs, each in a fresh process. words/s = corpus tokens / training seconds "
              "(fastw2v's training seconds include mapping the scanned tokens to vocabulary ids; its vocabulary scan reads "
              "the text once and keeps the tokens as provisional ids, so nothing is read twice). End-to-end compares "
              "scan + training seconds.\n"]

    # JIT compile time: a cold cache (a fresh NUMBA_CACHE_DIR per mode, as NS and HS share their
    # architecture's kernel) and the warm one it leaves behind.
    small = str(line_corpus(1000, 1_000_000))
    jit_rows = []
    for mode in modes if "jit" in args.sections else []:
        cache = tempfile.mkdtemp(prefix="fastw2v-numba-")
        job = {"trainer": "fastw2v", "mode": mode, "corpus": small, "epochs": 1, "workers": 2}
        cold = run_child(job, {"NUMBA_CACHE_DIR": cache})
        warm = run_child(job, {"NUMBA_CACHE_DIR": cache})
        jit_rows.append([mode, f"{cold['jit_s']:.1f}", f"{warm['jit_s']:.2f}", f"{warm['import_s']:.2f}",
                         f"{warm['start_to_first_batch_s']:.2f}"])
        print("jit", jit_rows[-1], flush=True)
    report += ["## JIT compile\n", markdown_table(
        ["mode", "cold cache: compile s", "warm cache: load s", "import s", "warm start to first trained batch s "
         "(excl. vocab scan and encoding)"], jit_rows), ""]

    rows, memory = [], []
    for mode in modes if "throughput" in args.sections else []:
        run_child({"trainer": "fastw2v-runtime", "mode": mode})  # fills the Numba cache: no measured run compiles
        trainers = ("fastw2v", "gensim-iter", "gensim-file")
        results = alternating({**{t: {"trainer": t, "mode": mode, "corpus": corpus, "epochs": 1, "workers": 2}
                                  for t in trainers},
                               **{t: {"trainer": t, "mode": mode} for t in ("fastw2v-runtime", "gensim-runtime")}},
                              runs)
        for r in (r for t in trainers for r in results[t]):
            r["total_s"] = r["vocab_s"] + r["train_s"]
        f, gi, gf = (med(results[k], "wps") for k in ("fastw2v", "gensim-iter", "gensim-file"))
        total = {t: med(results[t], "total_s") for t in trainers}
        rows.append([mode, f"{f / 1e3:.0f}k", f"{gi / 1e3:.0f}k", f"{gf / 1e3:.0f}k", f"{f / gi:.2f}x", f"{f / gf:.2f}x",
                     f"{med(results['fastw2v'], 'vocab_s'):.1f}", f"{med(results['gensim-iter'], 'vocab_s'):.1f}",
                     f"{total['gensim-iter'] / total['fastw2v']:.2f}x", f"{total['gensim-file'] / total['fastw2v']:.2f}x",
                     f"{med(results['fastw2v'], 'rss_mb'):.0f}", f"{med(results['gensim-iter'], 'rss_mb'):.0f}",
                     f"{med(results['gensim-file'], 'rss_mb'):.0f}"])
        peak, gensim_peak = med(results["fastw2v"], "rss_mb"), med(results["gensim-iter"], "rss_mb")
        corpus_mb = med(results["fastw2v"], "corpus_mb")
        base, gensim_base = med(results["fastw2v-runtime"], "rss_mb"), med(results["gensim-runtime"], "rss_mb")
        memory.append([mode, f"{peak:.0f}", f"{gensim_peak:.0f}", f"{corpus_mb:.0f}",
                       f"{peak - gensim_peak - corpus_mb:+.0f}", f"{base:.0f}", f"{gensim_base:.0f}",
                       f"{peak - base:.0f}", f"{gensim_peak - gensim_base:.0f}"])
    report += ["## Throughput (2 workers)\n", markdown_table(
        ["mode", "fastw2v words/s", "gensim iterable", "gensim corpus_file", "ratio vs iterable",
         "ratio vs corpus_file", "fastw2v vocab scan s", "gensim vocab scan s", "end-to-end (scan + train) vs iterable",
         "end-to-end vs corpus_file", "fastw2v peak RSS MB",
         "gensim iter RSS MB", "gensim file RSS MB"], rows), ""]
    report += ["## Peak memory (2 workers)\n",
               "Runtime = a fresh process that imports the trainer and trains a three-word model (for fastw2v "
               "that loads Numba, LLVM and Numba's runtime); data = peak minus runtime: weights, vocabulary, "
               "and for fastw2v the encoded corpus.\n", markdown_table(
                   ["mode", "fastw2v peak RSS MB", "gensim iterable peak", "encoded corpus MB",
                    "fastw2v minus (gensim + corpus)", "runtime: fastw2v", "runtime: gensim",
                    "data: fastw2v", "data: gensim"], memory), ""]

    scaling = []
    for mode in modes[:2] if "scaling" in args.sections else []:
        w = alternating({n: {"trainer": "fastw2v", "mode": mode, "corpus": corpus, "epochs": 1, "workers": n}
                         for n in (1, 2)}, runs)
        s1, s2 = (med(w[n], "wps") for n in (1, 2))
        # The epoch loop alone: mapping the scan to vocabulary ids is a one-off single-threaded step.
        l1, l2 = (statistics.median(r["tokens"] / (r["train_s"] - r["encode_s"]) for r in w[n]) for n in (1, 2))
        scaling.append([mode, f"{s1 / 1e3:.0f}k", f"{s2 / 1e3:.0f}k", f"{s2 / s1:.2f}x", f"{l2 / l1:.2f}x"])
        print("scaling", scaling[-1], flush=True)
    report += ["## Thread scaling (fastw2v)\n", markdown_table(
        ["mode", "1 worker words/s", "2 workers words/s", "speed-up", "speed-up of the epoch loop (excl. encoding)"],
        scaling), ""]

    if not args.quick and "growth" in args.sections:
        # Sizes alternate like the trainers above. A smaller corpus also has a smaller vocabulary (fewer rows to
        # miss the cache, more rare tokens dropped), so the same sizes also run with the vocabulary of
        # the 16M corpus, which holds the work per token fixed; gensim's corpus_file mode runs alongside
        # as the reference for what the growing vocabulary costs a C trainer.
        sizes = (1, 4, 16)
        full = str(line_corpus(1000, 16_000_000))
        variants = {"fastw2v": {"trainer": "fastw2v"}, "fixed": {"trainer": "fastw2v", "vocab_corpus": full},
                    "gensim": {"trainer": "gensim-file"}}
        paths = {millions: str(line_corpus(1000, millions * 1_000_000)) for millions in sizes}
        growth_runs = alternating({(name, millions): {**variant, "mode": "SG-NS", "corpus": paths[millions],
                                                      "epochs": 1, "workers": 2}
                                   for millions in sizes for name, variant in variants.items()}, runs)
        # Training seconds only: with a vocabulary from another corpus, encoding has to read the text.
        per_token = {key: statistics.median((r["train_s"] - r.get("encode_s", 0.0)) / r["tokens"] for r in rs)
                     for key, rs in growth_runs.items()}
        growth = []
        for millions in sizes:
            row = [f"{millions}M", f"{med(growth_runs[('fastw2v', millions)], 'words') / 1e3:.0f}k"]
            for name in variants:
                row += [f"{per_token[(name, millions)] * 1e9:.0f}",
                        f"{per_token[(name, millions)] / per_token[(name, 1)]:.2f}"]
            growth.append(row)
            print("growth", growth[-1], flush=True)
        report += ["## Cost growth with corpus size (SG-NS, 2 workers)\n", markdown_table(
            ["corpus", "own vocabulary", "fastw2v ns per token", "vs 1M",
             "fastw2v, 16M vocabulary: ns per token", "vs 1M", "gensim corpus_file ns per token", "vs 1M"],
            growth), ""]

    loads = []
    if "loading" in args.sections:
        model_dir = tempfile.mkdtemp(prefix="fastw2v-speed-") + "/wiki.fw2v"
        from fastw2v import Word2Vec

        Word2Vec(small, **MODES["SG-NS"], **COMMON, epochs=1, workers=2).save(model_dir)
        for what in ("glove", "model", "model-mmap"):
            r = [run_child({"trainer": "loading", "what": what, "path": model_dir}) for _ in range(runs)]
            loads.append([what, f"{med(r, 'seconds'):.2f}", f"{med(r, 'rss_mb'):.0f}"])
            print("load", loads[-1], flush=True)
    report += ["## Loading\n", markdown_table(["what", "seconds", "peak RSS MB"], loads), ""]

    text = "\n".join(report)
    print(text)
    if not args.quick and set(args.sections) == set(SECTIONS):
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "speed.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
