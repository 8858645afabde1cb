"""The embedded demo: fine-tune shipped GloVe sample vectors on a shipped biomedical sample.

Everything it reads is inside the package (``fastw2v/data``) or gensim's installed
test data, so it runs on a fresh machine with no downloads. It shows three columns: the
base vectors, gensim 4's documented workaround (:mod:`fastw2v.gensim_workaround`) and
fastw2v's default fine-tuning, both trained the same number of passes over the sample.
"""
from __future__ import annotations

import logging
import time
from importlib import resources
from pathlib import Path
from typing import Any

from .base_counts import KNOWN_FILES
from .evaluation import common_pairs, evaluate_similarity
from .finetune import describe_recipe
from .gensim_workaround import gensim_workaround
from .model import Word2Vec
from .vectors_io import read_vectors, to_keyedvectors

logger = logging.getLogger(__name__)

DOMAIN_WORDS = ("insulin", "tumor", "infection", "kidney")
COLUMNS = ("before", "gensim", "fastw2v")


def data_file(name: str) -> Path:
    """Path of a file shipped in ``fastw2v/data``."""
    return Path(str(resources.files("fastw2v") / "data" / name))


def general_sets() -> dict[str, Path]:
    """WordSim-353 and SimLex-999 as installed with gensim's test data."""
    from gensim.test.utils import datapath

    return {"WordSim-353": Path(datapath("wordsim353.tsv")), "SimLex-999": Path(datapath("simlex999.txt"))}


def run_demo(workers: int | None = None, epochs: int | None = None) -> str:
    """Fine-tune the sample with fastw2v's default and with gensim's workaround; return the report.

    The report is a table of Spearman correlations (before / gensim / fastw2v) on the pairs all
    three cover, the general sets also on every pair the base covers (before / fastw2v: gensim's
    model lacks the words the sample does not use), and the nearest neighbours of a few domain
    words before and after.
    """
    vectors_path = data_file("glove-sample-50d.bin.gz")
    corpus_path = data_file("biomed.sample.txt.gz")
    words, vectors = read_vectors(vectors_path)
    before = to_keyedvectors(words, vectors)
    settings: dict[str, Any] = {} if workers is None else {"workers": workers}
    if epochs is not None:
        settings["epochs"] = epochs
    started = time.perf_counter()
    # The sample is a cut of glove.6B: its counts are those the whole file would be estimated to have
    # (the vocabulary file), out of glove.6B's corpus. from_pretrained copies the vectors, so ``before``
    # stays the base.
    glove_tokens = next(k.tokens for k in KNOWN_FILES if k.name == "glove.6B")
    model = Word2Vec.from_pretrained(before, corpus_path, base_vocab=data_file("glove-sample-50d.vocab.txt"),
                                     base_tokens=glove_tokens, **settings)
    seconds = time.perf_counter() - started
    plan, config = model.finetune_plan, model.config
    passes = plan.settings.warmup_epochs + config.epochs
    started = time.perf_counter()
    gensim = gensim_workaround(words, vectors, corpus_path, epochs=passes, seed=config.seed, sg=config.sg,
                               negative=config.negative, window=config.window, sample=config.sample,
                               min_count=config.min_count, workers=config.workers)
    gensim_seconds = time.perf_counter() - started
    after = model.wv
    models = dict(zip(COLUMNS, (before, gensim, after)))
    sets = {"UMNSRS-sim": data_file("umnsrs-sim.txt"), "UMNSRS-rel": data_file("umnsrs-rel.txt")}
    tokens = model.history[-1].words if model.history else 0
    lines = [(f"fine-tuned {len(words)} GloVe 50d vectors on {corpus_path.name} ({tokens} tokens, {passes} passes) "
              f"in {seconds:.1f} s: {len(model.vocab)} words ({len(model.vocab) - plan.n_pretrained} new); "
              f"gensim's workaround, same passes: {gensim_seconds:.1f} s"),
             f"recipe: {describe_recipe(model.state)}", "",
             f"{'data set':<18} {'pairs':>9} " + " ".join(f"{c:>8}" for c in COLUMNS)]
    general = general_sets()
    # The domain first, then the base's general knowledge on every pair the base covers; gensim's model
    # holds only the sample's words, so the general sets on pairs all three cover come last: they test
    # words the domain uses.
    rows = [(name, path, list(models)) for name, path in sets.items()]
    rows += [(f"{name} (all)", path, ["before", "fastw2v"]) for name, path in general.items()]
    rows += [(name, path, list(models)) for name, path in general.items()]
    for name, path, columns in rows:
        pairs = common_pairs([models[c] for c in columns], path)  # the pairs every scored column covers
        scores = {c: evaluate_similarity(models[c], path, pairs=pairs) for c in columns}
        first = scores[columns[0]]
        lines.append(f"{name:<18} {first.pairs:>4}/{first.total_pairs:<4} "
                     + " ".join(f"{scores[c].spearman:>8.3f}" if c in scores else f"{'-':>8}" for c in COLUMNS))
    lines += [("(Spearman correlation on the pairs all scored columns cover; (all): every pair the base covers, "
               "gensim's model lacking the words the sample does not use; gensim: a fresh gensim model on the sample "
               "with the base's vectors copied in by intersect_word2vec_format, trained as many passes)"), "",
              "nearest neighbours (before -> after):"]
    for word in DOMAIN_WORDS:
        if word in before.key_to_index:
            old = ", ".join(w for w, _ in before.most_similar(word, topn=5))
            new = ", ".join(w for w, _ in after.most_similar(word, topn=5))
            lines.append(f"  {word}: {old}\n  {' ' * len(word)}  -> {new}")
    new_words = [w for w in model.vocab.words[plan.n_pretrained:][:3]]
    for word in new_words:
        lines.append(f"  {word} (new): " + ", ".join(w for w, _ in after.most_similar(word, topn=5)))
    return "\n".join(lines)
