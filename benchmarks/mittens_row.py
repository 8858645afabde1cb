"""Mittens (Dingwall & Potts, NAACL 2018) as a peer row of the fine-tuning study: GloVe 6B 50d
vectors specialised to the biomedical corpus by the published method, with its cost.

    python benchmarks/mittens_row.py [--vocab 10000] [--tokens N] [--seed 1] [--max-iter 1000]

What it measures: the vectors Mittens makes from the GloVe base and the domain corpus, and what
that costs (co-occurrence counting seconds, Mittens fitting seconds, total wall seconds, peak RSS
of the process). The lead scores the vectors in the study; this script only makes them.

Steps and settings (each also recorded in the JSON written beside the vectors):

1. Corpus: ``biomed.txt.gz``, one sentence per line; ``--tokens N`` keeps the first whole lines
   whose tokens add up to at most N.
2. Vocabulary cap: the ``--vocab`` (V, default 10,000) most frequent domain words, ties broken by
   first occurrence. Mittens fits a *dense* V x V matrix: its numpy backend holds the counts, the
   weights f(X), log X and, per iteration, about five more V x V temporaries, so memory grows as V^2
   and time per iteration as V^2 * n (Mittens' README: "up to ~20k tokens should be fine").
3. Co-occurrence counts as GloVe's ``cooccur`` builds them: symmetric window of 10 words each side,
   each co-occurrence weighted 1/distance, windows never cross a line end, words outside the cap
   are dropped before the window is applied (so distances are counted among capped words, as
   ``cooccur`` does with out-of-vocabulary words). Counted in float64 by a Numba kernel into the
   dense matrix (memory bounded by V^2, not by the corpus). The paper's own ``utils.py`` differs
   in details (1/(d+1), self-pairs on the diagonal, out-of-cap words keep their positions); GloVe's
   rules are the documented ones and what the GloVe base itself was trained with.
4. Mittens, numpy backend (``mittens.np_mittens.Mittens``, the class ``from mittens import
   Mittens`` gives without TensorFlow), with the package's settings: n=50 (the base's dimension),
   mittens=0.1 (the weight of ||w_i + c_i - r_i||^2, "recommended" by its docstring), xmax=100,
   alpha=0.75, AdaGrad learning rate 0.05 (the code's default, and the paper's ``eta``; the
   docstring's "0.01" is stale), max_iter=1000 (the README's Mittens example; each iteration is
   one full-batch gradient step over all V^2 cells, not a GloVe-style SGD epoch; the numpy backend
   has no stopping rule: ``tol`` is unused). The matrices are float32, the precision of Mittens'
   TensorFlow backend: it halves the memory of the float64 default and is several times faster.
5. Initialisation, seeded by ``--seed``: Mittens re-seeds numpy's global generator from the OS in
   its initialiser, so runs cannot be repeated through ``np.random.seed``; the script therefore
   draws the same initialisation Mittens documents with its own generator and hands it over as
   ``fixed_initialization`` (which the package accepts only with ``test_mode=True``; test mode
   merely keeps copies of the starting values). W and C: Xavier-uniform, U(+-sqrt(6 / (V + n)));
   a capped word that GloVe has gets W = C = 0.5 * glove + N(0, 0.01^2) noise (the penalty's
   anchor r_i is its GloVe vector); biases U(+-sqrt(6 / (V + 1))). Capped words GloVe lacks keep
   the random start and no penalty.
6. Output vectors: what ``Mittens.fit`` returns, W + C (word + context vectors, the sum GloVe's
   own released vectors are), for the capped words; every other GloVe word keeps its GloVe vector;
   domain words outside the cap and not in GloVe are absent. Order: GloVe's 400k words in GloVe's
   order, then the capped words GloVe lacks by domain count, as ``Word2Vec.from_pretrained`` orders
   its vocabulary union; with 6B base tokens against 6.9M this is close to descending combined
   frequency, and a ``restrict_vocab`` evaluation (the study's analogies: 30k words) sees the same
   candidate words as the study's other rows. (Putting the 10k capped words first instead would
   swap 4,416 of GloVe's 30k most frequent words out of that candidate set.)

Writes ``benchmarks/.cache/mittens/mittens-V{V}-T{tokens or full}-s{seed}.bin`` (word2vec binary;
``-i{max_iter}`` is appended when ``--max-iter`` is not the default) and a ``.json`` beside it.
Wall times depend on the machine's load: the JSON records the load average at start and end.
"""
from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import platform
import sys
import time
from array import array
from pathlib import Path
from typing import Any

import mittens
import numba
import numpy as np
from common import CACHE, DATA, REPO, peak_rss_mb, require_data
from mittens.np_mittens import Mittens

from fastw2v.vectors_io import read_vectors, write_vectors

CORPUS = "biomed.txt.gz"
BASE = "glove.6B.50d.w2v.bin.gz"
OUT_DIR = CACHE / "mittens"
DIM = 50
WINDOW = 10
DTYPE = np.float32
DEFAULT_MAX_ITER = 1000
MITTENS = dict(n=DIM, mittens=0.1, xmax=100, alpha=0.75, learning_rate=0.05)
NOISE_SD = 0.01  # Mittens' symmetry-breaking noise on the two halves of a GloVe vector
LOSS_EVERY = 10  # the JSON keeps the loss of every 10th iteration
PROGRESS_EVERY = 50  # Mittens prints its loss to stderr every 50 iterations

logger = logging.getLogger("mittens_row")


def read_corpus(path: Path, max_tokens: int | None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Token ids (int32, in text order), tokens per line, and the words by id (first occurrence).

    With ``max_tokens``, reading stops before the first line that would take the total past it.
    """
    index: dict[str, int] = {}
    ids, lengths = array("i"), array("i")
    total = 0
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            tokens = line.split()
            if not tokens:
                continue
            if max_tokens is not None and total + len(tokens) > max_tokens:
                break
            ids.extend(index.setdefault(t, len(index)) for t in tokens)
            lengths.append(len(tokens))
            total += len(tokens)
    return np.frombuffer(ids, dtype=np.int32), np.frombuffer(lengths, dtype=np.int32), list(index)


def cap_vocabulary(ids: np.ndarray, n_words: int, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``cap`` most frequent word ids (descending count, ties by first occurrence) and their counts."""
    counts = np.bincount(ids, minlength=n_words)
    top = np.argsort(-counts, kind="stable")[:cap]
    return top, counts[top]


@numba.njit(nogil=True)
def _count_windows(seq: np.ndarray, offsets: np.ndarray, window: int, X: np.ndarray) -> None:
    """Add 1/d to X[a, b] and X[b, a] for every pair at distance d <= window within a line."""
    for s in range(offsets.size - 1):
        start, end = offsets[s], offsets[s + 1]
        for j in range(start, end):
            b = seq[j]
            for k in range(max(start, j - window), j):
                a = seq[k]
                inc = 1.0 / (j - k)
                X[a, b] += inc
                X[b, a] += inc


def cooccurrence(ids: np.ndarray, lengths: np.ndarray, top: np.ndarray, n_words: int) -> np.ndarray:
    """The dense, symmetric GloVe co-occurrence matrix (float64) over the capped words ``top``."""
    row = np.full(n_words, -1, dtype=np.int32)
    row[top] = np.arange(top.size, dtype=np.int32)
    capped = row[ids]
    keep = capped >= 0
    line_of_token = np.repeat(np.arange(lengths.size), lengths)
    kept_per_line = np.bincount(line_of_token[keep], minlength=lengths.size)
    offsets = np.concatenate(([0], np.cumsum(kept_per_line))).astype(np.int64)
    X = np.zeros((top.size, top.size), dtype=np.float64)
    _count_windows(capped[keep], offsets, WINDOW, X)
    return X


def initialisation(vocab: list[str], glove: dict[str, np.ndarray], seed: int) -> dict[str, np.ndarray]:
    """Mittens' documented starting values, drawn from a seeded generator (see the module docstring)."""
    rng = np.random.default_rng(seed)
    V = len(vocab)
    bound, bias_bound = np.sqrt(6.0 / (V + DIM)), np.sqrt(6.0 / (V + 1))
    W = rng.uniform(-bound, bound, size=(V, DIM))
    C = rng.uniform(-bound, bound, size=(V, DIM))
    for i, word in enumerate(vocab):
        if word in glove:
            W[i] = 0.5 * glove[word] + rng.normal(0.0, NOISE_SD, DIM)
            C[i] = 0.5 * glove[word] + rng.normal(0.0, NOISE_SD, DIM)
    bw = rng.uniform(-bias_bound, bias_bound, size=(V, 1))
    bc = rng.uniform(-bias_bound, bias_bound, size=(V, 1))
    return {name: a.astype(DTYPE) for name, a in (("W", W), ("C", C), ("bw", bw), ("bc", bc))}


def output_path(cap: int, tokens: int | None, seed: int, max_iter: int) -> Path:
    """Where a run's vectors go (its JSON report: the same name with ``.json``)."""
    iters = "" if max_iter == DEFAULT_MAX_ITER else f"-i{max_iter}"
    return OUT_DIR / f"mittens-V{cap}-T{tokens if tokens else 'full'}-s{seed}{iters}.bin"


def run(cap: int, tokens: int | None, seed: int, max_iter: int) -> dict[str, Any]:
    """Count, fit, write the vectors and the JSON report beside them; returns the report."""
    start = time.perf_counter()
    load_start = os.getloadavg()
    out = output_path(cap, tokens, seed, max_iter)

    ids, lengths, words = read_corpus(DATA / CORPUS, tokens)
    read_s = time.perf_counter() - start
    top, top_counts = cap_vocabulary(ids, len(words), cap)
    vocab = [words[i] for i in top]
    X64 = cooccurrence(ids, lengths, top, len(words))
    cooccur_s = time.perf_counter() - start
    nonzero = int(np.count_nonzero(X64))
    logger.info("%d tokens, %d lines, %d distinct words; cap %d covers %.1f%% of tokens; %d non-zero cells; "
                "read in %.1f s, matrix ready after %.1f s", ids.size, lengths.size, len(words), len(vocab),
                100 * top_counts.sum() / ids.size, nonzero, read_s, cooccur_s)
    X = X64.astype(DTYPE)
    del X64, ids

    base_words, base_vectors = read_vectors(DATA / BASE)
    base_row = {w: i for i, w in enumerate(base_words)}
    glove = {w: base_vectors[base_row[w]] for w in vocab if w in base_row}
    init = initialisation(vocab, glove, seed)
    logger.info("%d of the %d capped words start from GloVe, %d at random", len(glove), len(vocab),
                len(vocab) - len(glove))

    fit_start = time.perf_counter()
    model = Mittens(max_iter=max_iter, test_mode=True, display_progress=PROGRESS_EVERY, **MITTENS)
    assert model.framework == "NumPy"
    fitted = model.fit(X, vocab=vocab, initial_embedding_dict=glove, fixed_initialization=init)
    fit_s = time.perf_counter() - fit_start
    sys.stderr.write("\n")  # ends Mittens' carriage-return progress line
    del X
    logger.info("Mittens: %d iterations in %.0f s, loss %.6g -> %.6g", max_iter, fit_s, model.errors[0],
                model.errors[-1])

    in_base = [i for i, w in enumerate(vocab) if w in base_row]
    new_words = [i for i, w in enumerate(vocab) if w not in base_row]
    specialised = base_vectors.copy()
    specialised[[base_row[vocab[i]] for i in in_base]] = fitted[in_base]
    out_words = base_words + [vocab[i] for i in new_words]
    out_vectors = np.concatenate([specialised, fitted[new_words].astype(np.float32)])
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    write_vectors(out, out_words, out_vectors)
    total_s = time.perf_counter() - start

    report: dict[str, Any] = {
        "output": str(out.relative_to(REPO)),
        "settings": {
            "corpus": CORPUS, "base": BASE, "tokens_limit": tokens, "seed": seed, "vocabulary_cap": cap,
            "window": WINDOW, "weighting": "1/distance, symmetric, within a line, out-of-cap words dropped first",
            "max_iter": max_iter, **MITTENS, "optimizer": "AdaGrad (Mittens', initial accumulator 0.1)",
            "dtype": np.dtype(DTYPE).name, "init": "Mittens' scheme, seeded: Xavier-uniform W, C, biases; "
            f"GloVe words W = C = 0.5 * glove + N(0, {NOISE_SD}^2)", "backend": model.framework,
            "output_vectors": "W + C (Mittens.fit's return) for the capped words; GloVe vectors for other GloVe "
            "words; order: GloVe's, then the capped words GloVe lacks by domain count",
        },
        "corpus": {"tokens": int(lengths.sum()), "lines": int(lengths.size), "distinct_words": len(words),
                   "capped_words": len(vocab), "capped_token_share": round(float(top_counts.sum() / lengths.sum()), 4),
                   "capped_in_glove": len(glove), "capped_random_init": len(vocab) - len(glove),
                   "min_capped_count": int(top_counts[-1])},
        "cooccurrence": {"nonzero_cells": nonzero, "density": round(nonzero / len(vocab) ** 2, 4)},
        "seconds": {"read_corpus": round(read_s, 1), "count": round(cooccur_s - read_s, 1),
                    "cooccurrence": round(cooccur_s, 1), "fit": round(fit_s, 1),
                    "per_iteration": round(fit_s / max_iter, 2), "total_wall": round(total_s, 1)},
        "peak_rss_mib": round(peak_rss_mb()),
        "loss": {"note": "Mittens' error: weighted GloVe loss + mittens penalty, computed before each update",
                 "first": float(model.errors[0]), "final": float(model.errors[-1]),
                 f"every_{LOSS_EVERY}": [float(e) for e in model.errors[::LOSS_EVERY]]},
        "output_words": len(out_words), "words_not_in_glove": len(vocab) - len(glove),
        "machine": {"cpus": os.cpu_count(), "load_average_start": load_start, "load_average_end": os.getloadavg(),
                    "python": platform.python_version(), "numpy": np.__version__, "mittens": mittens.__version__},
    }
    out.with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocab", type=int, default=10_000, help="vocabulary cap V (most frequent domain words)")
    parser.add_argument("--tokens", type=int, default=None, help="use the first lines up to this many tokens")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-iter", type=int, default=DEFAULT_MAX_ITER)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    require_data(CORPUS, BASE)
    report = run(args.vocab, args.tokens, args.seed, args.max_iter)
    print(json.dumps({k: report[k] for k in ("output", "seconds", "peak_rss_mib", "cooccurrence")}))


if __name__ == "__main__":
    main()
