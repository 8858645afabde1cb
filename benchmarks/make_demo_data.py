"""Rebuild the sample shipped in fastw2v/data/ for `fastw2v demo` from ../shared/data.

    python benchmarks/make_demo_data.py

- glove-sample-50d.bin.gz: GloVe 6B 50d vectors of the 15,000 most frequent words
  plus the words that the corpus sample uses 5+ times and the UMNSRS words (17k in
  all, in GloVe's frequency order), word2vec binary, gzipped: a pre-trained set
  that covers the demo's domain words, like a full GoogleNews file would.
- glove-sample-50d.vocab.txt: ``word count`` per sample word, the counts fine-tuning the
  whole GloVe file would estimate (Zipf at the word's rank among GloVe's 400k words, 6e9
  tokens: GloVe publishes no counts). A cut estimated on its own would rank every word
  by its place in the cut, making rare words look frequent.
- biomed.sample.txt.gz: every 10th line of biomed.txt.gz (~0.7M tokens, both the
  research-article and the consumer-health parts).
- umnsrs-sim.txt, umnsrs-rel.txt: the UMNSRS evaluation sets.
"""
from __future__ import annotations

import gzip
import shutil
from collections import Counter

from common import DATA, EVAL, REPO, require_data

from fastw2v.base_counts import KNOWN_FILES, zipf_counts
from fastw2v.evaluation import read_similarity_pairs
from fastw2v.vectors_io import read_vectors, write_vectors

TOP = 15000
EVERY = 10
OUT = REPO / "fastw2v" / "data"


def main() -> None:
    require_data("glove.6B.50d.w2v.bin.gz", "biomed.txt.gz", "eval/umnsrs-sim.txt", "eval/umnsrs-rel.txt")
    OUT.mkdir(parents=True, exist_ok=True)
    counts: Counter = Counter()
    with gzip.open(DATA / "biomed.txt.gz", "rt", encoding="utf-8") as src, \
            gzip.open(OUT / "biomed.sample.txt.gz", "wt", encoding="utf-8", compresslevel=9) as dst:
        for i, line in enumerate(src):
            if i % EVERY == 0:
                dst.write(line)
                counts.update(line.split())
    wanted = {w for w, c in counts.items() if c >= 5}
    for name in ("umnsrs-sim.txt", "umnsrs-rel.txt"):
        shutil.copyfile(EVAL / name, OUT / name)
        for pair in read_similarity_pairs(EVAL / name):
            wanted.update(pair[0].split() + pair[1].split())
    words, vectors = read_vectors(DATA / "glove.6B.50d.w2v.bin.gz")
    keep = [i for i, w in enumerate(words) if i < TOP or w in wanted]
    write_vectors(OUT / "glove-sample-50d.bin.gz", [words[i] for i in keep], vectors[keep], binary=True)
    glove = next(k for k in KNOWN_FILES if k.name == "glove.6B")
    counts_at_rank = zipf_counts(len(words), glove.tokens, glove.vocab_size)
    with open(OUT / "glove-sample-50d.vocab.txt", "w", encoding="utf-8") as out:
        out.writelines(f"{words[i]} {max(1, round(counts_at_rank[i]))}\n" for i in keep)


if __name__ == "__main__":
    main()
