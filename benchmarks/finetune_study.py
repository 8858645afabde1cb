"""The fine-tuning study: which recipe turns general vectors into domain vectors without losing them?

    python benchmarks/finetune_study.py [--seeds 3] [--epochs 5] [--bases glove wiki] [--anchors 0.01 0.1 1] [--quick]

Bases: (a) GloVe 6B 50d (input vectors only, like GoogleNews); (b) a fastw2v model
trained on wiki-text8 (full state: output layer and counts). Domain corpus: biomed.
Every row is scored on ONE fixed subset of each data set, the pairs/questions covered
by every row of that base (coverage printed), mean +- sd over seeds.
Rows: base; domain only; naive continue; warm-up then full; pre-trained frozen;
pre-trained lr 0.1 / evidence-weighted "auto" (the default; full-state base only,
as it equals lr 1 without counts), after warm-up; anchoring (lambda swept, after warm-up);
concatenation and average of base and domain-only vectors; gensim 4's documented
workaround (intersect_word2vec_format with lockf=1.0) run with gensim itself.
Writes benchmarks/results/finetune_study.{md,json,png} (the plot needs matplotlib, optional);
bases not rerun keep their previous results in the JSON.
"""
from __future__ import annotations

import argparse
import gzip
import json
import logging
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from common import CACHE, DATA, EVAL, RESULTS, markdown_table, require_data

from fastw2v import Word2Vec, load
from fastw2v.evaluation import common_pairs, common_questions, evaluate_analogies, evaluate_similarity
from fastw2v.vectors_io import read_vectors, to_keyedvectors, write_vectors

DOMAIN = DATA / "biomed.txt.gz"
SIM_SETS = {"UMNSRS-sim": EVAL / "umnsrs-sim.txt", "UMNSRS-rel": EVAL / "umnsrs-rel.txt",
            "WS353": EVAL / "wordsim353.tsv", "SimLex": EVAL / "simlex999.txt"}
ANALOGIES = EVAL / "questions-words.txt"
RESTRICT = 30000
TRAIN = dict(sg=True, negative=5, window=5, sample=1e-3, min_count=5, workers=2)
ANCHORS = (0.01, 0.1, 1.0)


def cut_lines(path: Path, n: int) -> Path:
    """The first ``n`` lines of ``path`` (cached), for smoke runs."""
    out = CACHE / f"{path.name.split('.')[0]}-{n}.txt"
    if not out.exists():
        with gzip.open(path, "rt", encoding="utf-8") as src, open(out, "w", encoding="utf-8") as dst:
            for i, line in zip(range(n), src):
                dst.write(line)
    return out


def recipes(epochs: int, has_counts: bool, anchors: tuple[float, ...] = ANCHORS) -> dict[str, dict]:
    """Row name -> from_pretrained keyword arguments.

    ``pretrained_lr="auto"`` (the default recipe) equals lr 1 on a base without
    counts, so that row only runs on full-state bases.
    """
    rows = {
        "3 naive continue": dict(warmup_epochs=0, pretrained_lr=1.0),
        "4 warm-up + full": dict(warmup_epochs=1, pretrained_lr=1.0),
        "5 pre-trained frozen": dict(warmup_epochs=0, freeze="pretrained"),
        "6 warm-up + pre-trained lr 0.1": dict(warmup_epochs=1, pretrained_lr=0.1),
    }
    if has_counts:
        rows["6c warm-up + evidence-weighted lr (auto)"] = dict(warmup_epochs=1, pretrained_lr="auto")
    for lam in anchors:
        rows[f"7 warm-up + anchor {lam:g}"] = dict(warmup_epochs=1, pretrained_lr=1.0, anchor=lam)
    return {name: {**kw, "epochs": epochs} for name, kw in rows.items()}


def base_glove() -> tuple[Path, object]:
    path = DATA / "glove.6B.50d.w2v.bin.gz"
    words, vectors = read_vectors(path)
    return path, to_keyedvectors(words, vectors)


def base_wiki(epochs: int) -> tuple[Path, object]:
    """A full-state fastw2v model on wiki-text8 (d50 like GloVe; cached)."""
    path = CACHE / f"wiki-base-d50-e{epochs}.fw2v"
    if not path.exists():
        Word2Vec(str(DATA / "wiki-text8.txt.gz"), vector_size=50, epochs=epochs, seed=1, **TRAIN).save(path)
    return path, load(path).wv


def gensim_workaround(base_kv, seed: int, epochs: int, tmp: Path):
    """gensim 4's documented way: fresh model on the domain corpus, intersect the pre-trained vectors, train."""
    from gensim.models import Word2Vec as GensimWord2Vec
    from gensim.models.word2vec import LineSentence

    # Text, because gensim 4.4's binary branch of intersect_word2vec_format calls
    # np.fromstring, which numpy 2 removed (ValueError) — part of why users need fastw2v.
    w2v_file = tmp / "base.txt"
    if not w2v_file.exists():
        write_vectors(w2v_file, list(base_kv.index_to_key), base_kv.vectors, binary=False)
    model = GensimWord2Vec(vector_size=base_kv.vector_size, seed=seed, epochs=epochs, **TRAIN)
    corpus = LineSentence(str(DOMAIN))
    model.build_vocab(corpus)
    model.wv.vectors_lockf = np.ones(len(model.wv), dtype=np.float32)
    model.wv.intersect_word2vec_format(str(w2v_file), binary=False, lockf=1.0)
    model.train(corpus, total_examples=model.corpus_count, epochs=model.epochs)
    return model.wv


def combined(base_kv, domain_kv, how: str):
    """Concatenate (unit-normalised halves) or average base and domain-only vectors over shared words."""
    shared = [w for w in domain_kv.index_to_key if w in base_kv.key_to_index]
    shared.sort(key=lambda w: base_kv.key_to_index[w])  # base frequency order
    a = base_kv[shared]
    b = domain_kv[shared]
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-9)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-9)
    vectors = np.hstack([a, b]) if how == "concat" else (a + b) / 2
    return to_keyedvectors(shared, np.ascontiguousarray(vectors, dtype=np.float32))


def score(kv, subsets) -> dict[str, float]:
    out = {name: evaluate_similarity(kv, path, pairs=subsets[name]).spearman for name, path in SIM_SETS.items()}
    out["analogy"] = evaluate_analogies(kv, ANALOGIES, restrict_vocab=RESTRICT, questions=subsets["analogy"]).accuracy
    return out


def run_base(name: str, base_path: Path, base_kv, seeds: list[int], epochs: int,
             anchors: tuple[float, ...] = ANCHORS) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="fastw2v-study-"))
    results: dict[str, list[dict]] = {"1 base": [None]}
    models: dict[str, list] = {"1 base": [base_kv]}
    timings: dict[str, list[float]] = {}

    def add(row: str, kv, seconds: float) -> None:
        models.setdefault(row, []).append(kv)
        timings.setdefault(row, []).append(seconds)
        logging.warning("%s / %s: done in %.0f s", name, row, seconds)

    for seed in seeds:
        t = time.perf_counter()
        domain = Word2Vec(str(DOMAIN), vector_size=base_kv.vector_size, epochs=max(epochs, 5), seed=seed, **TRAIN)
        add("2 domain only", domain.wv, time.perf_counter() - t)
        add("8a concat base+domain", combined(base_kv, domain.wv, "concat"), 0.0)
        add("8b average base+domain", combined(base_kv, domain.wv, "mean"), 0.0)
        encoded = None
        for row, kw in recipes(epochs, has_counts=base_path.is_dir(), anchors=anchors).items():
            t = time.perf_counter()
            model = Word2Vec.from_pretrained(base_path, seed=seed, **TRAIN, **{k: v for k, v in kw.items()})
            model.build_vocab(str(DOMAIN))
            if encoded is None:
                encoded = model.encode(str(DOMAIN))
            model.train(encoded)
            add(row, model.wv, time.perf_counter() - t)
        t = time.perf_counter()
        add("9 gensim intersect_word2vec_format", gensim_workaround(base_kv, seed, epochs, tmp), time.perf_counter() - t)

    every = [kv for kvs in models.values() for kv in kvs]
    subsets = {n: common_pairs(every, p) for n, p in SIM_SETS.items()}
    subsets["analogy"] = common_questions(every, ANALOGIES, restrict_vocab=RESTRICT)
    coverage = {n: len(s) for n, s in subsets.items()}
    for row, kvs in models.items():
        results[row] = [score(kv, subsets) for kv in kvs]
    seconds = {row: statistics.mean(t) for row, t in timings.items()}
    return {"coverage": coverage, "results": results, "seconds": seconds,
            "command": f"--seeds {len(seeds)} --epochs {epochs} --anchors {' '.join(f'{a:g}' for a in anchors)}"}


def table_rows(name: str, data: dict) -> list[list[str]]:
    rows = []
    for row, scores in data["results"].items():
        cells = [name, row]
        for metric in ["UMNSRS-sim", "UMNSRS-rel", "WS353", "SimLex", "analogy"]:
            vals = [s[metric] for s in scores]
            sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
            cells.append(f"{statistics.mean(vals):.3f} ± {sd:.3f}")
        cells.append(f"{data.get('seconds', {}).get(row, 0.0):.0f}")
        rows.append(cells)
    return rows


def plot(all_results: dict, path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        logging.warning("matplotlib not installed (pip install '.[bench]'): no plot")
        return
    fig, axes = plt.subplots(1, len(all_results), figsize=(7 * len(all_results), 6), squeeze=False)
    for ax, (base, data) in zip(axes[0], all_results.items()):
        res = data["results"]
        base_general = (res["1 base"][0]["WS353"] + res["1 base"][0]["SimLex"]) / 2
        for row, scores in res.items():
            domain = statistics.mean((s["UMNSRS-sim"] + s["UMNSRS-rel"]) / 2 for s in scores)
            general = statistics.mean((s["WS353"] + s["SimLex"]) / 2 for s in scores) / base_general
            ax.scatter(general, domain)
            ax.annotate(row, (general, domain), fontsize=7, xytext=(3, 3), textcoords="offset points")
        ax.axvline(0.95, color="grey", linestyle=":")
        ax.set_xlabel("general retention: mean(WS353, SimLex) / base")
        ax.set_ylabel("domain score: mean UMNSRS-sim/rel Spearman")
        ax.set_title(f"base: {base}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5, help="fine-tuning epochs (domain-only: max(epochs, 5))")
    parser.add_argument("--bases", nargs="*", default=["glove", "wiki"])
    parser.add_argument("--anchors", type=float, nargs="*", default=list(ANCHORS), help="anchoring strengths swept")
    parser.add_argument("--quick", action="store_true", help="smoke run: first 20k lines of the domain corpus")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    require_data("biomed.txt.gz", "glove.6B.50d.w2v.bin.gz", "wiki-text8.txt.gz")
    CACHE.mkdir(parents=True, exist_ok=True)
    seeds = list(range(1, args.seeds + 1))
    if args.quick:
        global DOMAIN
        DOMAIN = cut_lines(DOMAIN, 20000)
    results_json = RESULTS / "finetune_study.json"
    # Bases not rerun keep their last results, so one base can be rerun alone.
    everything = json.loads(results_json.read_text()) if results_json.exists() and not args.quick else {}
    for base in args.bases:
        path, kv = base_glove() if base == "glove" else base_wiki(5)
        data = run_base(base, path, kv, seeds, args.epochs, tuple(args.anchors))
        everything[base] = data
        print(markdown_table(["base", "recipe", "UMNSRS-sim", "UMNSRS-rel", "WS353", "SimLex", "analogy", "s"],
                             table_rows(base, data)))
        print("coverage:", data["coverage"], flush=True)
        if not args.quick:
            write_results(everything, results_json)


def write_results(everything: dict, results_json: Path) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    header = ["base", "recipe", "UMNSRS-sim ρ", "UMNSRS-rel ρ", "WS353 ρ", "SimLex ρ", "analogy acc", "train s"]
    table = [row for b, d in everything.items() for row in table_rows(b, d)]
    runs = "\n".join(f"- {b}: `python benchmarks/finetune_study.py --bases {b} {d['command']}`; "
                     "fixed subsets " + ", ".join(f"{k} {v}" for k, v in d["coverage"].items())
                     for b, d in everything.items())
    (RESULTS / "finetune_study.md").write_text(
        f"# Fine-tuning study\n\nDomain corpus biomed ({DOMAIN.name}), skip-gram NS, window 5, sample 1e-3, "
        f"min_count 5, 2 workers; mean ± sd over seeds. Every row of a base is scored on one fixed subset per "
        f"data set (the pairs / questions covered by every row of that base):\n\n{runs}\n\n"
        + markdown_table(header, table) + "\n")
    results_json.write_text(json.dumps(everything, indent=1, default=float))
    plot(everything, RESULTS / "finetune_study.png")


if __name__ == "__main__":
    main()
