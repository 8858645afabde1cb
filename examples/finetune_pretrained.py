"""Fine-tune GoogleNews-style pre-trained vectors on a domain corpus, then measure what changed.

    python examples/finetune_pretrained.py [VECTORS.bin.gz CORPUS.txt.gz ...] [--out DIR]

With no paths it uses ../shared/data as the stand-in: GloVe 6B 50d in word2vec binary
format (input vectors only, exactly like GoogleNews-vectors-negative300.bin.gz) and the
biomedical corpus. It runs fastw2v's default fine-tuning recipe, writes the full model and
word2vec-format vectors, and prints before/after scores on the same pair subsets
(UMNSRS-sim/rel, WordSim-353, SimLex-999, Google analogies) plus a drift summary.
For a real GoogleNews file add e.g. --limit 500000 to read the 500k most frequent words.
"""
from __future__ import annotations

import argparse
import logging
import resource
import time
from pathlib import Path

from fastw2v import Word2Vec
from fastw2v.evaluation import (common_pairs, common_questions, compare, evaluate_analogies, evaluate_similarity,
                                format_report)
from fastw2v.vectors_io import read_vectors, to_keyedvectors

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("vectors", nargs="?", default=str(SHARED / "glove.6B.50d.w2v.bin.gz"))
    parser.add_argument("corpus", nargs="*", default=[str(SHARED / "biomed.txt.gz")])
    parser.add_argument("--out", default="finetuned", help="output directory")
    parser.add_argument("--limit", type=int, default=None, help="read only the first N pre-trained vectors")
    parser.add_argument("--eval-dir", default=str(SHARED / "eval"), help="folder with the evaluation sets")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    out = Path(args.out)

    started = time.perf_counter()
    model = Word2Vec.from_pretrained(args.vectors, args.corpus, limit=args.limit)
    seconds = time.perf_counter() - started
    model.save(out / "model.fw2v")
    model.export(out / "vectors.bin")

    before = to_keyedvectors(*read_vectors(args.vectors, limit=args.limit))
    after = model.wv
    evals = Path(args.eval_dir)
    print(f"\nfine-tuned in {seconds:.0f} s, peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
          f"{len(model.vocab)} words ({len(model.vocab) - model.finetune_plan.n_pretrained} new)\n")
    print(f"{'data set':<22} {'pairs/questions':>16} {'before':>8} {'after':>8}")
    for name in ("umnsrs-sim.txt", "umnsrs-rel.txt", "wordsim353.tsv", "simlex999.txt"):
        if not (evals / name).exists():
            continue
        pairs = common_pairs([before, after], evals / name)
        b = evaluate_similarity(before, evals / name, pairs=pairs)
        a = evaluate_similarity(after, evals / name, pairs=pairs)
        print(f"{name:<22} {len(pairs):>8}/{b.total_pairs:<7} {b.spearman:>8.4f} {a.spearman:>8.4f}")
    analogies = evals / "questions-words.txt"
    if analogies.exists():
        q = common_questions([before, after], analogies, restrict_vocab=30000)
        b = evaluate_analogies(before, analogies, restrict_vocab=30000, questions=q)
        a = evaluate_analogies(after, analogies, restrict_vocab=30000, questions=q)
        print(f"{'analogies (30k)':<22} {len(q):>8}/{b.total_questions:<7} {b.accuracy:>8.4f} {a.accuracy:>8.4f}")
    print()
    print(format_report(compare(before, after, top=2000)))


if __name__ == "__main__":
    main()
