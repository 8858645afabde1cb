"""The embedded demo: fine-tune shipped GloVe sample vectors on a shipped biomedical sample.

Everything it reads is inside the package (``fastw2v/data``) or gensim's installed
test data, so it runs on a fresh machine with no downloads.
"""
from __future__ import annotations

import logging
import time
from importlib import resources
from pathlib import Path
from typing import Any

from .base_counts import KNOWN_FILES
from .evaluation import common_pairs, evaluate_similarity
from .model import Word2Vec
from .vectors_io import read_vectors, to_keyedvectors

logger = logging.getLogger(__name__)

DOMAIN_WORDS = ("insulin", "tumor", "infection", "kidney")


def data_file(name: str) -> Path:
    """Path of a file shipped in ``fastw2v/data``."""
    return Path(str(resources.files("fastw2v") / "data" / name))


def general_sets() -> dict[str, Path]:
    """WordSim-353 and SimLex-999 as installed with gensim's test data."""
    from gensim.test.utils import datapath

    return {"WordSim-353": Path(datapath("wordsim353.tsv")), "SimLex-999": Path(datapath("simlex999.txt"))}


def run_demo(workers: int | None = None, epochs: int | None = None) -> str:
    """Fine-tune the sample and return a before/after report (scores and neighbours)."""
    vectors_path = data_file("glove-sample-50d.bin.gz")
    corpus_path = data_file("biomed.sample.txt.gz")
    words, vectors = read_vectors(vectors_path)
    before = to_keyedvectors(words, vectors)
    settings: dict[str, Any] = {} if workers is None else {"workers": workers}
    if epochs is not None:
        settings["epochs"] = epochs
    started = time.perf_counter()
    # The sample is a cut of glove.6B, so its base corpus is glove.6B's (an object passed in has no
    # file name to recognise it by); its ranks are not the full file's, which only errs toward
    # keeping more of the base. From the vectors already read (from_pretrained copies them, so
    # ``before`` stays the base).
    glove_tokens = next(k.tokens for k in KNOWN_FILES if k.name == "glove.6B")
    model = Word2Vec.from_pretrained(before, corpus_path, base_tokens=glove_tokens, **settings)
    seconds = time.perf_counter() - started
    after, recipe = model.wv, model.finetune_plan.settings
    sets = {"UMNSRS-sim": data_file("umnsrs-sim.txt"), "UMNSRS-rel": data_file("umnsrs-rel.txt"),
            **general_sets()}
    lines = [f"fine-tuned {len(words)} GloVe 50d vectors on {corpus_path.name} "
             f"({model.history[-1].words if model.history else 0} tokens/epoch) in {seconds:.1f} s: "
             f"{len(model.vocab)} words ({len(model.vocab) - model.finetune_plan.n_pretrained} new)",
             f"recipe: method={recipe.method}, preserve={recipe.preserve} (the default: a shared word moves by the "
             f"domain's share of the evidence; --preserve balanced or low moves it further)", "",
             f"{'data set':<12} {'pairs':>9} {'before':>8} {'after':>8}"]
    for name, path in sets.items():
        pairs = common_pairs([before, after], path)
        b = evaluate_similarity(before, path, pairs=pairs)
        a = evaluate_similarity(after, path, pairs=pairs)
        lines.append(f"{name:<12} {a.pairs:>4}/{a.total_pairs:<4} {b.spearman:>8.3f} {a.spearman:>8.3f}")
    lines += ["", "nearest neighbours (before -> after):"]
    for word in DOMAIN_WORDS:
        if word in before.key_to_index:
            old = ", ".join(w for w, _ in before.most_similar(word, topn=5))
            new = ", ".join(w for w, _ in after.most_similar(word, topn=5))
            lines.append(f"  {word}: {old}\n  {' ' * len(word)}  -> {new}")
    new_words = model.vocab.words[model.finetune_plan.n_pretrained:][:3]
    for word in new_words:
        lines.append(f"  {word} (new): " + ", ".join(w for w, _ in after.most_similar(word, topn=5)))
    return "\n".join(lines)
