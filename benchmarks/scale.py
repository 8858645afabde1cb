"""A GoogleNews-sized vector file (3,000,000 x 300, word2vec binary, 3.6 GB): read, write, fine-tune.

    python benchmarks/scale.py [--rows 3000000] [--dim 300] [--runs 1] [--steps read write finetune] [--tmp DIR]

Builds the file in a temporary directory with a fixed seed: the 400,000 GloVe words of
``glove.6B.50d.w2v.bin.gz`` first, then distinct synthetic phrase tokens ``word_word`` made of
GloVe words up to ``--rows`` rows, every vector drawn from N(0, 0.1) in float32, uncompressed
word2vec binary (GoogleNews's format). Then each step runs in a fresh child process, which
reports its wall time and its own peak RSS (VmHWM):

* read: ``fastw2v.vectors_io.read_vectors`` vs gensim's ``KeyedVectors.load_word2vec_format``;
  both children hash the words and the matrix, and the parent checks they are identical;
* write: ``write_vectors`` (atomic: temporary name, fsync, rename) and its block writer alone
  vs gensim's ``save_word2vec_format`` of the same matrix (loaded with fastw2v's reader first,
  untimed; the child's peak RSS includes it); the parent checks the files are byte-identical;
* finetune: the default recipe on ``biomed.txt.gz`` with 2 workers, timed step by step (read,
  scan, union, encode, epochs, the rest of training, save, export) with each step's peak RSS.

The file is read once before the first step so every read starts from the page cache. Prints a
markdown table and writes benchmarks/results/scale.md; the temporary directory is deleted.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from common import DATA, REPO, RESULTS, markdown_table, require_data

GLOVE = "glove.6B.50d.w2v.bin.gz"
CORPUS = DATA / "biomed.txt.gz"
SEED = 15


# ---------------------------------------------------------------- the file

def phrase_words(base: list[str], rows: int, seed: int) -> list[str]:
    """``base`` followed by distinct ``a_b`` tokens of base words, ``rows`` words in all (deterministic)."""
    rng = np.random.default_rng(seed)
    words, seen = list(base[:rows]), set(base[:rows])
    while len(words) < rows:
        pairs = rng.integers(0, len(base), (2 * (rows - len(words)) + 16, 2))
        for a, b in pairs.tolist():
            token = f"{base[a]}_{base[b]}"
            if token not in seen:
                seen.add(token)
                words.append(token)
                if len(words) == rows:
                    break
    return words


def make_file(path: Path, rows: int, dim: int) -> None:
    """Write the benchmark file, streaming blocks of rows (an independent writer, not the code measured)."""
    sys.path.insert(0, str(REPO))
    from fastw2v.vectors_io import read_vectors

    base, _ = read_vectors(DATA / GLOVE)
    words = phrase_words(base, rows, SEED)
    rng = np.random.default_rng(SEED)
    step = 50_000
    with open(path, "wb") as out:
        out.write(f"{rows} {dim}\n".encode())
        for start in range(0, rows, step):
            block = rng.normal(0.0, 0.1, (min(step, rows - start), dim)).astype(np.float32)
            out.write(b"".join(w.encode("utf-8") + b" " + row.tobytes()
                               for w, row in zip(words[start:start + step], block)))


# ---------------------------------------------------------------- child side: one measured step

def _digest(words: list[str], vectors: np.ndarray) -> str:
    h = hashlib.sha1("\n".join(words).encode("utf-8"))
    step = 1 << 16
    for start in range(0, len(vectors), step):
        h.update(np.ascontiguousarray(vectors[start:start + step], dtype=np.float32).tobytes())
    return h.hexdigest()


def _fastw2v_read(path: Path) -> tuple[list[str], np.ndarray]:
    from fastw2v.vectors_io import read_vectors

    return read_vectors(path)


def _gensim_read(path: Path) -> tuple[list[str], np.ndarray]:
    from gensim.models import KeyedVectors

    kv = KeyedVectors.load_word2vec_format(str(path), binary=True)
    return kv.index_to_key, kv.vectors


def _fastw2v_write(words: list[str], vectors: np.ndarray, out: Path) -> None:
    from fastw2v.vectors_io import write_vectors

    write_vectors(out, words, vectors, binary=True)


def _fastw2v_write_unsynced(words: list[str], vectors: np.ndarray, out: Path) -> None:
    # The block writer alone, without write_vectors' checks, temporary name, fsync and rename:
    # what gensim's save_word2vec_format does, for a like-for-like comparison.
    from fastw2v.vector_blocks import write_rows

    with open(out, "wb") as fout:
        write_rows(fout, out, words, vectors, binary=True)


def _gensim_write(words: list[str], vectors: np.ndarray, out: Path) -> None:
    from fastw2v.vectors_io import to_keyedvectors

    to_keyedvectors(words, vectors).save_word2vec_format(str(out), binary=True)


READERS = {"fastw2v": _fastw2v_read, "gensim": _gensim_read}
WRITERS = {"fastw2v": _fastw2v_write, "fastw2v-unsynced": _fastw2v_write_unsynced, "gensim": _gensim_write}
STEPS = ("read", "write")
FINETUNE_STEPS = ("read", "scan", "union", "encode", "epochs", "other", "save", "export")


class _HighWater:
    """This process's peak RSS since the last :meth:`reset` (Linux: VmHWM, reset through clear_refs).

    Not ``ru_maxrss``: Linux carries it over ``exec`` from the parent's memory at ``fork``.
    """

    def reset(self) -> None:
        try:
            Path("/proc/self/clear_refs").write_text("5")
        except OSError:  # not Linux, or not allowed: the peak then runs from the process start
            pass

    def read(self) -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def finetune_child(path: Path, out: Path, corpus: Path) -> dict:
    """The default recipe of ``fastw2v finetune PATH CORPUS --out --vectors --workers 2``, step by step.

    The steps are the library's public calls; only ``scan`` and ``union`` share one
    (``build_vocab``), split by timing ``finetune.prepare`` (the union) inside it.
    ``epochs`` are every training epoch (the default aligned recipe: its domain-only model's
    warm-up + main epochs; ``method="continue"``: the warm-up and main phases), ``other`` the
    rest of ``train`` (for the aligned recipe: the rotation and combination).
    """
    import fastw2v.finetune as ft
    from fastw2v import Word2Vec

    hw, steps = _HighWater(), {}
    prepare, union_seconds = ft.prepare, []

    def timed_prepare(*args, **kwargs):
        t = time.perf_counter()
        state = prepare(*args, **kwargs)
        union_seconds.append(time.perf_counter() - t)
        return state

    ft.prepare = timed_prepare

    def step(name: str, seconds: float) -> None:
        steps[name] = {"seconds": seconds, "peak_rss_bytes": hw.read()}
        print(f"    {name:8s} {seconds:7.1f} s  peak RSS {steps[name]['peak_rss_bytes'] / 2**30:.2f} GiB",
              file=sys.stderr, flush=True)

    start = time.perf_counter()
    hw.reset()
    model = Word2Vec.from_pretrained(path, workers=2)
    step("read", time.perf_counter() - start)
    hw.reset()
    t = time.perf_counter()
    model.build_vocab(str(corpus))
    build = time.perf_counter() - t
    step("scan", build - union_seconds[0])
    steps["union"] = {"seconds": union_seconds[0], "peak_rss_bytes": steps["scan"]["peak_rss_bytes"]}
    hw.reset()
    t = time.perf_counter()
    encoded = model.encode(str(corpus))
    step("encode", time.perf_counter() - t)
    hw.reset()
    t = time.perf_counter()
    results = model.train(encoded)
    trained = time.perf_counter() - t
    epoch_seconds = sum(r.seconds for r in results)
    step("epochs", epoch_seconds)
    steps["other"] = {"seconds": trained - epoch_seconds, "peak_rss_bytes": steps["epochs"]["peak_rss_bytes"]}
    hw.reset()
    t = time.perf_counter()
    model.save(out.with_suffix(".fw2v"))
    step("save", time.perf_counter() - t)
    hw.reset()
    t = time.perf_counter()
    model.export(out)
    step("export", time.perf_counter() - t)
    saved = sum(f.stat().st_size for f in out.with_suffix(".fw2v").rglob("*") if f.is_file())
    return {"step": "finetune", "tool": "fastw2v", "seconds": time.perf_counter() - start, "steps": steps,
            "matrix_bytes": int(model.weights.w_in[:model.state.finetune_plan.n_pretrained].nbytes),
            "w_out_rows": model.weights.n_out, "vocab": len(model.vocab), "saved_bytes": saved,
            "method": model.finetune_plan.settings.method, "epochs": len(model.history),
            "peak_rss_bytes": max(s["peak_rss_bytes"] for s in steps.values())}


def child(step: str, tool: str, path: Path, out: Path, corpus: Path) -> dict:
    # Imports happen before the clock: import time is not I/O. fastw2v imports gensim only for
    # KeyedVectors files, so its children never load it.
    import fastw2v.vectors_io  # noqa: F401
    if tool == "gensim":
        import gensim.models  # noqa: F401

    result: dict = {"step": step, "tool": tool}
    if step == "finetune":
        return finetune_child(path, out, corpus)
    if step == "read":
        t0 = time.perf_counter()
        words, vectors = READERS[tool](path)
        result["seconds"] = time.perf_counter() - t0
        result["digest"] = _digest(words, vectors)
    elif step == "write":
        words, vectors = _fastw2v_read(path)
        t0 = time.perf_counter()
        WRITERS[tool](words, vectors, out)
        result["seconds"] = time.perf_counter() - t0
    else:
        raise SystemExit(f"unknown step {step!r}")
    result["matrix_bytes"] = int(vectors.nbytes)
    result["peak_rss_bytes"] = _HighWater().read()
    return result


# ---------------------------------------------------------------- parent side

def run_child(step: str, tool: str, path: Path, out: Path, corpus: Path = CORPUS) -> dict:
    cmd = [sys.executable, __file__, "--child", step, tool, str(path), str(out), str(corpus)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    if proc.returncode != 0:
        raise SystemExit(f"{step}/{tool} failed:\n{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"  {step:6s} {tool:8s} {result['seconds']:7.1f} s  peak RSS {result['peak_rss_bytes'] / 2**30:.2f} GiB",
          flush=True)
    return result


def _same_bytes(a: Path, b: Path) -> bool:
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(1 << 24), fb.read(1 << 24)
            if x != y:
                return False
            if not x:
                return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--runs", type=int, default=1, help="runs of each step (alternating order); medians reported")
    parser.add_argument("--steps", nargs="+", default=["read", "write", "finetune"],
                        choices=["read", "write", "finetune"], help="which steps to measure")
    parser.add_argument("--finetune-runs", type=int, default=1, help="runs of the fine-tune (medians reported)")
    parser.add_argument("--tmp", type=Path, default=None, help="directory for the temporary files (default: $TMPDIR)")
    parser.add_argument("--child", nargs=5, metavar=("STEP", "TOOL", "PATH", "OUT", "CORPUS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        step, tool, path, out, corpus = args.child
        print(json.dumps(child(step, tool, Path(path), Path(out), Path(corpus))))
        return
    require_data(GLOVE)
    work = Path(tempfile.mkdtemp(prefix="fastw2v-scale-", dir=args.tmp))
    try:
        path = work / "vectors.bin"
        t0 = time.perf_counter()
        make_file(path, args.rows, args.dim)
        size = path.stat().st_size
        print(f"wrote {path} ({args.rows} x {args.dim}, {size / 1e9:.2f} GB) in {time.perf_counter() - t0:.0f} s",
              flush=True)
        with open(path, "rb") as fh:  # into the page cache, so no read step pays for the disk
            while fh.read(1 << 24):
                pass
        runs: dict[tuple[str, str], list[dict]] = {}
        io_steps = [s for s in STEPS if s in args.steps]
        for r in range(args.runs if io_steps else 0):
            # Alternate which tool goes first: the first process to touch a few GB of fresh memory
            # can pay more for it (page zeroing, a VM's host allocating backing memory).
            tools = ("fastw2v", "gensim") if r % 2 == 0 else ("gensim", "fastw2v")
            for step in io_steps:
                for tool in (tools if step == "read" else (*tools, "fastw2v-unsynced")):
                    runs.setdefault((step, tool), []).append(run_child(step, tool, path, work / f"out-{tool}.bin"))
        results = {key: {"seconds": statistics.median(x["seconds"] for x in rs),
                         "peak_rss_bytes": max(x["peak_rss_bytes"] for x in rs),
                         "matrix_bytes": rs[0]["matrix_bytes"], "digest": rs[0].get("digest")}
                   for key, rs in runs.items()}
        identical_read = ("read", "fastw2v") in results and (
            results["read", "fastw2v"]["digest"] == results["read", "gensim"]["digest"])
        identical_write = None if ("write", "fastw2v") not in results else all(
            _same_bytes(work / f"out-{tool}.bin", work / "out-gensim.bin") for tool in ("fastw2v", "fastw2v-unsynced"))
        finetunes = []
        if "finetune" in args.steps:
            # Untimed first: a small fine-tune of the same dimension fills Numba's on-disk cache.
            small, small_corpus = work / "small.bin", work / "small.txt"
            make_file(small, 20_000, args.dim)
            with gzip.open(CORPUS, "rt", encoding="utf-8") as src:
                small_corpus.write_text("".join(line for _, line in zip(range(2000), src)), encoding="utf-8")
            run_child("finetune", "fastw2v", small, work / "small-out.bin", small_corpus)
            for _ in range(args.finetune_runs):
                finetunes.append(run_child("finetune", "fastw2v", path, work / "ft-out.bin"))
                shutil.rmtree(work / "ft-out.fw2v", ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = (f"# Scale: a GoogleNews-sized word2vec binary file\n\n"
            f"`python benchmarks/scale.py --rows {args.rows} --dim {args.dim} --runs {args.runs} --steps "
            f"{' '.join(args.steps)} --finetune-runs {args.finetune_runs}`: {args.rows:,} x {args.dim} float32 "
            f"({size / 1e9:.2f} GB; the {GLOVE} words, "
            f"then `word_word` phrase tokens, N(0, 0.1) vectors, seed {SEED}), read from the page cache, 2 cores; "
            f"each step in a fresh process; medians of {args.runs} read/write run(s) and {args.finetune_runs} "
            f"fine-tune run(s).\n\n")
    if results:
        text += io_table(results, identical_read, identical_write)
    if finetunes:
        text += finetune_table(finetunes)
    print("\n" + text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scale.md").write_text(text, encoding="utf-8")


def io_table(results: dict, identical_read: bool, identical_write: bool | None) -> str:
    rows = []
    for step, tool in results:
        r, theirs = results[step, tool], results[step, "gensim"]
        rows.append([step, tool, f"{r['seconds']:.1f}", f"{r['peak_rss_bytes'] / 2**30:.2f}",
                     f"{r['peak_rss_bytes'] / r['matrix_bytes']:.2f}",
                     f"{theirs['seconds'] / r['seconds']:.1f}x" if tool != "gensim" else ""])
    table = markdown_table(["step", "tool", "seconds", "peak RSS GiB", "peak RSS / matrix", "speed-up vs gensim"],
                           rows)
    return ("## Reading and writing, fastw2v vs gensim\n\n"
            "Alternating order; highest peak RSS of the step's process (the write steps' includes reading "
            "the file with fastw2v first, untimed). fastw2v's write (`write_vectors`) includes its checks and "
            "the fsync of its atomic rename; gensim's does not sync; fastw2v-unsynced is the block writer alone "
            f"into an open file, like gensim.\n\n{table}\n\n"
            f"Words and vectors read identical to gensim's: {'yes' if identical_read else 'NO'}."
            + ("" if identical_write is None else
               f" Files written byte-identical to gensim's: {'yes' if identical_write else 'NO'}.") + "\n\n")


def finetune_table(runs: list[dict]) -> str:
    matrix = runs[0]["matrix_bytes"]
    rows = []
    for name in FINETUNE_STEPS:
        seconds = statistics.median(r["steps"][name]["seconds"] for r in runs)
        peak = max(r["steps"][name]["peak_rss_bytes"] for r in runs)
        rows.append([name, f"{seconds:.1f}", f"{peak / 2**30:.2f}", f"{peak / matrix:.2f}"])
    total = statistics.median(r["seconds"] for r in runs)
    peak = max(r["peak_rss_bytes"] for r in runs)
    rows.append(["**whole fine-tune**", f"{total:.1f}", f"{peak / 2**30:.2f}", f"{peak / matrix:.2f}"])
    table = markdown_table(["step", "seconds", "peak RSS GiB", "peak RSS / matrix"], rows)
    r = runs[0]
    return ("## Fine-tuning the file on biomed.txt.gz (default recipe, 2 workers)\n\n"
            "`Word2Vec.from_pretrained(FILE, workers=2)`, `build_vocab(biomed)`, `encode(biomed)`, `train` "
            f"({r['method']}: {r['epochs']} epochs), `save`, `export` (word2vec binary): what `fastw2v finetune FILE "
            "biomed.txt.gz --out M.fw2v --vectors V.bin --workers 2` runs, one fresh process, the Numba cache "
            "warm. Peak RSS per step is the process's high-water mark during that step (scan and union share "
            f"`build_vocab`'s; epochs and other share `train`'s).\n\n{table}\n\n"
            f"Vocabulary {r['vocab']:,} words, output rows {r['w_out_rows']:,}; saved model "
            f"{r['saved_bytes'] / 2**30:.2f} GiB = {r['saved_bytes'] / matrix:.2f}x the pre-trained matrix "
            f"({matrix / 2**30:.2f} GiB).\n")


if __name__ == "__main__":
    main()
