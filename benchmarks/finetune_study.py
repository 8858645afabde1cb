"""The fine-tuning study: which recipe is the default, chosen on dev data, reported on test data.

    python benchmarks/finetune_study.py select [--quick]   # train the candidates' models, apply the rule on dev
    python benchmarks/finetune_study.py report [--quick]   # the library's default on test, the corpus-size curve

The rule, the candidates, the splits and the settings are in ``benchmarks/results/finetune_rule_v3.md``,
written before any run. ``select`` trains, per setting (base x domain-corpus size) and seed, the models every
candidate is made from -- gensim's workaround, one domain-only model (the aligned recipes' and the
"domain only" row), one continued model (the blend recipes') and the continue(alpha) recipes -- then builds
every candidate from them with the library's own combination functions, scores it on every item, and applies
the rule to the dev halves. ``report`` trains the library's default itself (``Word2Vec.from_pretrained(base,
**TRAIN)``, no recipe option) for every setting and seed and scores it, with the reference rows, on the test
halves. Per-item scores are cached in ``benchmarks/.cache/study3``, so an interrupted run resumes.

Writes ``benchmarks/results/finetune_study.{md,json}`` and ``finetune_curve.png``.
"""
from __future__ import annotations

import argparse
import gzip
import json
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import stats
from common import CACHE, DATA, EVAL, RESULTS, line_corpus, markdown_table, require_data

from fastw2v import Word2Vec, load
from fastw2v import finetune as ft
from fastw2v.base_counts import adaptive_rates
from fastw2v.evaluation.items import analogy_items, similarity_items, tagging_items
from fastw2v.evaluation.splits import HALVES, analogy_half, similarity_half
from fastw2v.evaluation.vocab import Vocab
from fastw2v.state import TrainingState
from fastw2v.storage import load_state, save_state
from fastw2v.training import run_epochs
from fastw2v.vectors_io import read_vectors, to_keyedvectors, write_vectors

DOMAIN = DATA / "biomed.txt.gz"
SIM_SETS = {"UMNSRS-sim": EVAL / "umnsrs-sim.txt", "UMNSRS-rel": EVAL / "umnsrs-rel.txt",
            "WS353": EVAL / "wordsim353.tsv", "SimLex": EVAL / "simlex999.txt"}
DOMAIN_SETS = ("UMNSRS-sim", "UMNSRS-rel")
GENERAL_SETS = ("WS353", "SimLex")
ANALOGIES = EVAL / "questions-words.txt"
NER = {"train": EVAL / "ner" / "bc5cdr-train.tsv", "dev": EVAL / "ner" / "bc5cdr-devel.tsv",
       "test": EVAL / "ner" / "bc5cdr-test.tsv"}
RESTRICT = 30000
TRAIN = dict(sg=True, negative=5, window=5, sample=1e-3, min_count=5, workers=2)
WARMUP, EPOCHS = 1, 5  # the fine-tuning recipes' passes: 1 warm-up + 5; every other row trains 6
PASSES = WARMUP + EPOCHS
RATIOS = (1.0, 2.0, 4.0, 8.0, 16.0)
EVIDENCE = (0.0, 10.0, 30.0, 100.0)
ALPHAS = (0.0025, 0.005, 0.01, 0.025)
DEFAULT_ALPHA = 0.025  # Word2VecConfig's skip-gram default, which the continued model trains at
CURVE_SIZES = ("2M", "4M", "full")  # where the size rule's switch X may lie
FULL_TOKENS = 6_856_966  # biomed.txt.gz, for the curve's last point
SIZES: dict[str, int | None] = {"0.5M": 500_000, "1M": 1_000_000, "2M": 2_000_000, "4M": 4_000_000, "full": None}
#: Bootstrap seeds per data set: every row resamples the same items (paired comparisons).
SET_SEEDS = {"UMNSRS-sim": 11, "UMNSRS-rel": 12, "WS353": 13, "SimLex": 14, "analogy": 15, "BC5CDR": 16}
GENERAL_BAR, ANALOGY_BAR, SET_SLACK, BC5CDR_MARGIN = 0.97, 0.90, 0.01, 0.005
GENSIM, DOMAIN_ONLY, BASE, DEFAULT, MITTENS = "gensim workaround", "domain only", "base", "default", "Mittens"
REFERENCES = (BASE, GENSIM, DOMAIN_ONLY, DEFAULT, MITTENS)  # the rows scored on the test halves
STORE = CACHE / "study3"


# -- settings, corpora, bases -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Setting:
    base: str   # "glove" or "wiki"
    size: str   # a key of SIZES

    @property
    def name(self) -> str:
        return f"{self.base}-{self.size}"


#: The settings the rule selects on (5 seeds) and those that only place the size rule's switch (3 seeds).
SELECTION = (Setting("glove", "1M"), Setting("glove", "full"), Setting("wiki", "full"))
SWITCH = (Setting("glove", "2M"), Setting("glove", "4M"))
REPORT = (Setting("glove", "0.5M"), *SELECTION, *SWITCH)
QUICK_SIZES = {"0.5M": 50_000, "1M": 100_000, "2M": 150_000, "4M": 200_000, "full": 300_000}


def domain_corpus(size: str, quick: bool) -> Path:
    """The domain corpus, or its first lines up to ``SIZES[size]`` tokens (cached, the same prefix for every row)."""
    tokens = (QUICK_SIZES if quick else SIZES)[size]
    if tokens is None:
        return DOMAIN
    out = CACHE / f"biomed-first-{tokens}.txt"
    if not out.exists():
        tmp, seen = out.with_suffix(".tmp"), 0
        with gzip.open(DOMAIN, "rt", encoding="utf-8") as src, open(tmp, "w", encoding="utf-8") as dst:
            for line in src:
                dst.write(line)
                seen += len(line.split())
                if seen >= tokens:
                    break
        tmp.rename(out)
    return out


@dataclass
class Base:
    name: str
    path: Path
    words: list[str]
    vectors: np.ndarray
    has_counts: bool

    @property
    def kv(self):
        return to_keyedvectors(self.words, self.vectors)


_BASES: dict[str, Base] = {}


def base_of(name: str, quick: bool) -> Base:
    """GloVe 6B 50d, or a full-state d50 skip-gram model of wiki-text8 (5 epochs; cached)."""
    if name not in _BASES:
        if name == "glove":
            path = DATA / "glove.6B.50d.w2v.bin.gz"
            words, vectors = read_vectors(path)
            _BASES[name] = Base(name, path, words, vectors, has_counts=False)
        else:
            corpus, epochs = (line_corpus(1000, max_tokens=1_000_000), 1) if quick else (DATA / "wiki-text8.txt.gz",
                                                                                        5)
            path = CACHE / ("wiki-base-d50-quick.fw2v" if quick else f"wiki-base-d50-e{epochs}.fw2v")
            if not path.exists():
                Word2Vec(str(corpus), vector_size=50, epochs=epochs, seed=1, **TRAIN).save(path)
            model = load(path)
            _BASES[name] = Base(name, path, list(model.vocab.words), np.ascontiguousarray(model.weights.w_in), True)
    return _BASES[name]


# -- the trained models every candidate is built from ---------------------------------------------------------
def gensim_workaround(base: Base, corpus: Path, seed: int):
    """gensim 4's documented way: a fresh model on the domain corpus, the base intersected (lockf=1.0), trained."""
    from gensim.models import Word2Vec as GensimWord2Vec
    from gensim.models.word2vec import LineSentence

    # Text, because gensim 4.4's binary branch of intersect_word2vec_format calls np.fromstring,
    # which numpy 2 removed.
    text = CACHE / f"{base.name}-base.txt"
    if not text.exists():
        write_vectors(text, base.words, base.vectors, binary=False)
    model = GensimWord2Vec(vector_size=base.vectors.shape[1], seed=seed, epochs=PASSES, **TRAIN)
    sentences = LineSentence(str(corpus))
    model.build_vocab(sentences)
    model.wv.vectors_lockf = np.ones(len(model.wv), dtype=np.float32)
    model.wv.intersect_word2vec_format(str(text), binary=False, lockf=1.0)
    model.train(sentences, total_examples=model.corpus_count, epochs=model.epochs)
    return model.wv


def finetuning(base: Base, corpus: Path, seed: int, **recipe: Any) -> Word2Vec:
    """``Word2Vec.from_pretrained`` of the base with the study's training settings, vocabulary built."""
    model = Word2Vec.from_pretrained(base.path, seed=seed, epochs=EPOCHS, warmup_epochs=WARMUP, **TRAIN, **recipe)
    model.build_vocab(str(corpus))
    return model


def as_model(state: TrainingState) -> Word2Vec:
    model = Word2Vec(config=state.config)
    model.state = state
    return model


class Shown:
    """One ``KeyedVectors`` (``model.wv``'s words and order) refilled with each candidate built in ``model``.

    The candidates of one trained model share its vocabulary and word order, so the
    KeyedVectors and its evaluation lookup are built once and only the vectors are copied in.
    """

    def __init__(self, model: Word2Vec) -> None:
        self.model = model
        kv = model.wv
        shown = ft.frequency_order(model.state)
        self.order = None if shown is None else shown[0]
        if np.shares_memory(kv.vectors, model.weights.w_in):
            kv = to_keyedvectors(list(kv.index_to_key), kv.vectors.copy())
        self.kv = kv
        self.vocab = Vocab(kv, None, True)

    def refresh(self):
        w_in = self.model.weights.w_in
        self.kv.vectors[:] = w_in if self.order is None else w_in[self.order]
        return self.kv


class Sources:
    """The trained models of one (setting, seed), saved under ``STORE/setting/s{seed}``: trained once."""

    def __init__(self, setting: Setting, seed: int, quick: bool) -> None:
        self.setting, self.seed, self.quick = setting, seed, quick
        self.dir = STORE / ("quick" if quick else "full") / setting.name / f"s{seed}"
        self.base = base_of(setting.base, quick)
        self.corpus = domain_corpus(setting.size, quick)

    def _timed(self, what: str, make: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        out = make()
        seconds = time.perf_counter() - started
        logging.warning("%s / seed %d: %s trained in %.0f s", self.setting.name, self.seed, what, seconds)
        times = self.dir / "seconds.json"
        recorded = json.loads(times.read_text()) if times.exists() else {}
        times.write_text(json.dumps({**recorded, what: seconds}))
        return out

    def gensim(self):
        path = self.dir / "gensim.bin"
        if not path.exists():
            self.dir.mkdir(parents=True, exist_ok=True)
            kv = self._timed(GENSIM, lambda: gensim_workaround(self.base, self.corpus, self.seed))
            write_vectors(path, list(kv.index_to_key), kv.vectors)
        return to_keyedvectors(*read_vectors(path))

    def union(self) -> Word2Vec:
        """The untrained aligned fine-tuning: the union state the aligned candidates combine into."""
        return finetuning(self.base, self.corpus, self.seed, method="aligned")

    def domain(self, union: Word2Vec) -> TrainingState:
        """The aligned recipes' domain-only model (``finetune.domain_state`` + ``run_epochs``, as ``train`` runs it)."""
        path = self.dir / "domain"
        if not path.exists():
            def train() -> TrainingState:
                encoded = union.encode(str(self.corpus))
                phase = union.state.next_phase(None, (encoded.n_tokens, encoded.n_sentences))
                domain, corpus = ft.domain_state(union.state, encoded)
                run_epochs(domain.weights, domain.tables, corpus, union.config, phase.schedule, domain.position)
                return domain

            self.dir.mkdir(parents=True, exist_ok=True)
            save_state(self._timed(DOMAIN_ONLY, train), path)
        return load_state(path)

    def trained(self, name: str, **recipe: Any) -> Word2Vec:
        """A fine-tuning trained to its end with ``recipe`` (cached as a saved model)."""
        path = self.dir / name
        if not path.exists():
            def train() -> Word2Vec:
                model = finetuning(self.base, self.corpus, self.seed, **recipe)
                model.train(str(self.corpus))
                return model

            self.dir.mkdir(parents=True, exist_ok=True)
            self._timed(name, train).save(path)
        return load(path)

    def continued(self) -> Word2Vec:
        """The blend recipes' continued model: every row at the full rate after the warm-up, not yet blended."""
        return self.trained("continued", method="continue", preserve="low")


# -- candidates ----------------------------------------------------------------------------------------------
def tk_name(kind: str, ratio: float, evidence: float) -> str:
    return f"{kind} T{ratio:g} K{evidence:g}"


def shares(plan, ratio: float, evidence: float) -> np.ndarray:
    """float64[n_pretrained]: the candidate's share of every pre-trained row (1 where the corpus never uses it)."""
    n_pre = plan.n_pretrained
    used = np.flatnonzero(plan.corpus_counts[:n_pre] > 0)
    out = np.ones(n_pre)
    out[used] = adaptive_rates(plan.corpus_counts[used], float(plan.corpus_counts.sum()), plan.base_counts[used],
                               plan.base_tokens, ratio, evidence)
    return out


def continue_name(alpha: float) -> str:
    return f"continue a{alpha:g}"


def candidate_rows(src: Sources, wanted: set[str]) -> Iterator[tuple[str, Any, Vocab | None]]:
    """``(row name, KeyedVectors, its lookup or None)`` of the wanted rows of one (setting, seed), each built from
    its trained models (a KeyedVectors may be refilled by the next candidate: score it before asking for more)."""
    if BASE in wanted:
        yield BASE, src.base.kv, None
    if GENSIM in wanted:
        yield GENSIM, src.gensim(), None
    grid = [(t, k) for t in RATIOS for k in EVIDENCE]
    aligned = [(t, k) for t, k in grid if tk_name("aligned", t, k) in wanted]
    if aligned or DOMAIN_ONLY in wanted:
        union = src.union()
        domain = src.domain(union)
        if DOMAIN_ONLY in wanted:
            yield DOMAIN_ONLY, to_keyedvectors(domain.vocab.words, domain.weights.w_in, domain.vocab.counts), None
        state, plan = union.state, union.state.finetune_plan
        w_in, w_out = state.weights.w_in.copy(), state.weights.heads["ns"].w.copy()
        shown = Shown(union)
        for t, k in aligned:
            state.weights.w_in[:], state.weights.heads["ns"].w[:] = w_in, w_out
            plan.aligned_done = False
            ft.combine_aligned(state, domain, shares(plan, t, k))
            yield tk_name("aligned", t, k), shown.refresh(), shown.vocab
    blended = [(t, k) for t, k in grid if tk_name("blend", t, k) in wanted]
    if blended:
        model = src.continued()
        state, plan = model.state, model.state.finetune_plan
        used = np.flatnonzero(plan.corpus_counts[:plan.n_pretrained] > 0)
        base_rows = np.ascontiguousarray(src.base.vectors[used])  # keep_pretrained="all": row i is base word i
        trained = state.weights.w_in.copy()
        shown = Shown(model)
        for t, k in blended:
            state.weights.w_in[:] = trained
            plan.base_rows, plan.blend_done = base_rows, False
            ft.combine_blend(state, shares(plan, t, k))
            yield tk_name("blend", t, k), shown.refresh(), shown.vocab
    for alpha in ALPHAS:
        name = continue_name(alpha)
        if name in wanted:
            # The continue recipe with its per-row rates (preserve auto: low for a vector file, high with real
            # counts); on a vector file at the default alpha that is the continued model itself.
            model = src.continued() if alpha == DEFAULT_ALPHA and not src.base.has_counts else src.trained(
                f"continue-a{alpha:g}", method="continue", preserve="auto", pretrained_lr="auto", alpha=alpha)
            yield name, model.wv, None
    if DEFAULT in wanted:
        # The library's default itself: no recipe option.
        yield DEFAULT, src.trained("default").wv, None
    if MITTENS in wanted and src.setting.base == "glove" and mittens_file(src).exists():
        yield MITTENS, to_keyedvectors(*read_vectors(mittens_file(src))), None


def mittens_file(src: Sources) -> Path:
    """The Mittens vectors of this setting and seed (``benchmarks/mittens_row.py``), GloVe base only."""
    tokens = "full" if SIZES[src.setting.size] is None else str(SIZES[src.setting.size])
    return CACHE / "mittens" / f"mittens-V10000-T{tokens}-s{src.seed}.bin"


def selection_rows() -> list[str]:
    grid = [(t, k) for t in RATIOS for k in EVIDENCE]
    return [BASE, GENSIM, DOMAIN_ONLY, *(tk_name("aligned", t, k) for t, k in grid),
            *(tk_name("blend", t, k) for t, k in grid), *(continue_name(a) for a in ALPHAS)]


# -- per-item scores ------------------------------------------------------------------------------------------
def model_items(kv, halves: tuple[str, ...], vocab: Vocab | None = None) -> dict[str, Any]:
    """Per-item scores of one model on every item of ``halves`` it covers (subsets are taken later)."""
    out: dict[str, Any] = {}
    vocab = Vocab(kv, None, True) if vocab is None else vocab
    for name, path in SIM_SETS.items():
        pairs = [p for half in halves for p in similarity_half(path, half)] if name in DOMAIN_SETS else None
        s = similarity_items(kv, path, pairs=pairs, vocab=vocab)
        out[name] = {"keys": ["\t".join(p) for p in s.pairs], "gold": s.gold.tolist(), "cos": s.cosine.tolist()}
    questions = [q for half in halves for q in analogy_half(ANALOGIES, half)]
    q = analogy_items(kv, ANALOGIES, questions=questions, restrict_vocab=RESTRICT)
    out["analogy"] = {"keys": ["\t".join(x) for x in q.questions], "correct": q.correct.tolist()}
    return out


def tagger_items(kv) -> dict[str, list]:
    dev, test = tagging_items(kv, NER["train"], NER["dev"], NER["test"])
    return {"dev": dev.tolist(), "test": test.tolist()}


def item_path(src: Sources, row: str, kind: str) -> Path:
    if row == BASE:  # the base's scores depend on the base alone: scored once, shared by every setting and seed
        return src.dir.parents[1] / f"base-{src.setting.base}" / f"{kind}.json"
    return src.dir / kind / f"{row.replace(' ', '_')}.json"


def score_rows(src: Sources, rows: list[str], tagger: bool) -> dict[str, dict]:
    """Items (and with ``tagger`` BC5CDR counts) of ``rows`` for one (setting, seed), computing what is not cached."""
    def missing(row: str) -> bool:
        return not item_path(src, row, "items").exists() or (tagger and not item_path(src, row, "tagger").exists())

    todo = {r for r in rows if missing(r)}
    for row, kv, vocab in candidate_rows(src, todo):
        t = time.perf_counter()
        # A candidate's test items are never computed: only the default (trained by the library) and the
        # reference rows are scored on test.
        halves = HALVES if row in REFERENCES else ("dev",)
        for kind, make in (("items", lambda kv: model_items(kv, halves, vocab)), ("tagger", tagger_items)):
            path = item_path(src, row, kind)
            if (kind == "items" or tagger) and not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(make(kv)))
        logging.warning("%s / seed %d / %s scored in %.0f s", src.setting.name, src.seed, row, time.perf_counter() - t)
    out = {}
    for row in rows:
        if not item_path(src, row, "items").exists():  # a row this setting and seed does not have (Mittens)
            continue
        out[row] = json.loads(item_path(src, row, "items").read_text())
        if item_path(src, row, "tagger").exists():
            out[row]["BC5CDR"] = json.loads(item_path(src, row, "tagger").read_text())
    return out


# -- statistics on a split ------------------------------------------------------------------------------------
@dataclass
class Scored:
    """One metric of one row on a fixed subset: the pooled statistic, its bootstrap values and per-seed points."""

    point: float
    boot: np.ndarray
    per_seed: list[float]

    def summary(self) -> dict[str, Any]:
        lo, hi = stats.interval(self.boot)
        return {"mean": self.point, "lo": lo, "hi": hi, "per_seed": self.per_seed}


def half_keys(half: str) -> dict[str, set[str]]:
    keys = {m: {"\t".join(p) for p in similarity_half(SIM_SETS[m], half)} for m in DOMAIN_SETS}
    keys["analogy"] = {"\t".join(q) for q in analogy_half(ANALOGIES, half)}
    return keys


def subset(runs: list[dict], metric: str, allowed: set[str] | None) -> list[str]:
    """Keys of ``metric`` every run covers (and in ``allowed``), in file order."""
    shared = set.intersection(*(set(r[metric]["keys"]) for r in runs))
    if allowed is not None:
        shared &= allowed
    return [k for k in runs[0][metric]["keys"] if k in shared]


def scored(metric: str, per_seed: list[dict], keys: list[str], half: str) -> Scored:
    """``metric`` of one row (its runs over seeds) on the subset ``keys`` (BC5CDR: the ``half``'s file)."""
    if metric == "BC5CDR":
        data = np.array([s["BC5CDR"][half] for s in per_seed], dtype=np.int64)
        kind, n = "f1", data.shape[1]
    elif metric == "analogy":
        idx = [{k: i for i, k in enumerate(s[metric]["keys"])} for s in per_seed]
        data = np.array([np.array(s[metric]["correct"], dtype=bool)[[ix[k] for k in keys]]
                         for s, ix in zip(per_seed, idx)])
        kind, n = "accuracy", len(keys)
    else:
        idx = [{k: i for i, k in enumerate(s[metric]["keys"])} for s in per_seed]
        gold = np.array(per_seed[0][metric]["gold"])[[idx[0][k] for k in keys]]
        cos = np.array([np.array(s[metric]["cos"])[[ix[k] for k in keys]] for s, ix in zip(per_seed, idx)])
        data, kind, n = (gold, cos), "similarity", len(keys)
    point, boot = stats.score(kind, data, n, SET_SEEDS[metric])
    seeds = [stats.point(kind, (data[0], data[1][i:i + 1]) if kind == "similarity" else data[i:i + 1], n)
             for i in range(len(per_seed))]
    return Scored(point, boot, seeds)


def evaluate_setting(items: dict[str, list[dict]], half: str, finetuned: list[str]) -> dict[str, Any]:
    """Scores of every row of one setting on ``half``: domain sets on the pairs every row covers, general sets
    on the items the base and every fine-tuning row cover (the references scored on their share of those)."""
    allowed = half_keys(half)
    rows = list(items)
    runs_all = [s for r in rows for s in items[r]]
    runs_ft = [s for r in [BASE, *finetuned] for s in items[r]]
    keys = {m: subset(runs_all, m, allowed[m]) for m in DOMAIN_SETS}
    general = {m: subset(runs_ft, m, allowed.get(m)) for m in (*GENERAL_SETS, "analogy")}
    out: dict[str, Any] = {"coverage": {m: len(k) for m, k in {**keys, **general}.items()}, "rows": {}}
    base_scores: dict[tuple[str, tuple[str, ...]], Scored] = {}
    for row in rows:
        per_seed = items[row]
        scores: dict[str, Scored] = {m: scored(m, per_seed, keys[m], half) for m in DOMAIN_SETS}
        retention = {}
        for m, k in general.items():
            own = k if row in (BASE, *finetuned) else [x for x in k if x in set.intersection(
                *(set(s[m]["keys"]) for s in per_seed))]
            if len(own) < 3:  # a reference that covers (almost) none of the base's items has no retention
                continue
            scores[m] = scored(m, per_seed, own, half)
            if (m, tuple(own)) not in base_scores:
                base_scores[m, tuple(own)] = scores[m] if row == BASE else scored(m, items[BASE], own, half)
            base = base_scores[m, tuple(own)]
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = scores[m].boot / base.boot
            lo, hi = stats.interval(np.where(np.isfinite(ratio), ratio, np.nan))
            retention[m] = {"mean": scores[m].point / base.point, "lo": lo, "hi": hi, "items": len(own)}
        if all("BC5CDR" in s for s in per_seed):
            scores["BC5CDR"] = scored("BC5CDR", per_seed, [], half)
        out["rows"][row] = {"seeds": len(per_seed), "scores": scores, "retention": retention}
    g = out["rows"].get(GENSIM)
    for row, r in out["rows"].items():
        if g is None:
            continue
        diffs = {m: r["scores"][m].boot - g["scores"][m].boot for m in r["scores"] if m in g["scores"]}
        domain_boot = sum(diffs[m] for m in DOMAIN_SETS) / len(DOMAIN_SETS)
        r["domain_gain"] = {"mean": float(np.mean([r["scores"][m].point - g["scores"][m].point
                                                   for m in DOMAIN_SETS])), "boot": domain_boot}
        r["vs_gensim"] = {m: r["scores"][m].point - g["scores"][m].point for m in diffs}
    return out


# -- the rule ---------------------------------------------------------------------------------------------------
def rule_floors(name: str, ev: dict[str, dict]) -> dict[str, tuple[bool, str]]:
    """Floors 1-3 of the rule for candidate ``name`` (``ev``: setting name -> evaluate_setting on dev)."""
    def row(setting: str, r: str = name) -> dict:
        return ev[setting]["rows"][r]

    general, domain, small = [], [], []
    for s in (x.name for x in SELECTION):
        ret = row(s)["retention"]
        general.append((min(ret[m]["mean"] for m in GENERAL_SETS) >= GENERAL_BAR
                        and ret["analogy"]["mean"] >= ANALOGY_BAR,
                        f"{s}: WS353 {ret['WS353']['mean']:.3f} SimLex {ret['SimLex']['mean']:.3f} "
                        f"analogy {ret['analogy']['mean']:.3f}"))
        gain, vs = row(s)["domain_gain"]["mean"], row(s)["vs_gensim"]
        domain.append((gain >= 0 and all(vs[m] >= -SET_SLACK for m in DOMAIN_SETS),
                       f"{s}: gain {gain:+.4f} (sim {vs['UMNSRS-sim']:+.3f}, rel {vs['UMNSRS-rel']:+.3f})"))
    s1 = "glove-1M"
    mine, dom, base = (np.mean([row(s1, r)["scores"][m].point for m in DOMAIN_SETS]) for r in
                       (name, DOMAIN_ONLY, BASE))
    each = [row(s1)["scores"][m].point - row(s1, BASE)["scores"][m].point for m in DOMAIN_SETS]
    small.append((mine >= dom and min(each) >= 0,
                  f"{s1}: UMNSRS {mine:.3f} vs domain only {dom:.3f}; vs base sim {each[0]:+.3f} rel {each[1]:+.3f}"))
    return {f: (all(ok for ok, _ in v), "; ".join(t for _, t in v))
            for f, v in (("1 general", general), ("2 domain", domain), ("3 small corpora", small))}


def bc5cdr_floor(name: str, ev: dict[str, dict]) -> tuple[bool, str]:
    """Floor 4: BC5CDR devel against the domain-only model and gensim's workaround."""
    ok, text = True, []
    for s, margin in (("glove-full", BC5CDR_MARGIN), ("wiki-full", -BC5CDR_MARGIN)):
        rows = ev[s]["rows"]
        mine, dom, gen = (rows[r]["scores"]["BC5CDR"].point for r in (name, DOMAIN_ONLY, GENSIM))
        ok &= mine >= dom and mine >= gen + margin
        text.append(f"{s}: {mine:.4f} (domain only {dom:.4f}, gensim {gen:.4f}, needs gensim {margin:+.3f})")
    return ok, "; ".join(text)


def simplicity(name: str) -> int:
    """Constants a recipe adds: a fixed tau (1), an evidence term (2), a size rule (3)."""
    if name.startswith("size rule"):
        return 3
    return 2 if not name.endswith(" K0") and " K" in name else 1


def size_rule_switch(ratio: float, evidence: float, switch_ev: dict[str, dict]) -> str:
    """X: the smallest curve size from which aligned's dev domain gain is >= blend's at every larger size."""
    a, b = tk_name("aligned", ratio, evidence), tk_name("blend", ratio, evidence)
    sizes = [s for s in CURVE_SIZES if f"glove-{s}" in switch_ev]
    ahead = [switch_ev[f"glove-{s}"]["rows"][a]["domain_gain"]["mean"]
             >= switch_ev[f"glove-{s}"]["rows"][b]["domain_gain"]["mean"] for s in sizes]
    for i, size in enumerate(sizes):
        if all(ahead[i:]):
            return size
    return "full"


def apply_rule(ev: dict[str, dict], switch_ev: dict[str, dict], tag: Callable[[list[str]], dict[str, dict]]
               ) -> tuple[str, list[str], dict[str, Any]]:
    """The rule of finetune_rule_v3.md on dev: returns the choice, the lines saying why, and every verdict."""
    names = [r for r in ev["glove-full"]["rows"] if r not in (BASE, GENSIM, DOMAIN_ONLY)]
    # Size-rule candidates: blend at 1M, aligned at 6.9M (X >= 2M always); their rows are those candidates' rows.
    for t in RATIOS:
        for k in EVIDENCE:
            name = f"size rule T{t:g} K{k:g}"
            for s in ev:
                rows = ev[s]["rows"]
                rows[name] = rows[tk_name("blend" if s == "glove-1M" else "aligned", t, k)]
            names.append(name)
    verdicts: dict[str, Any] = {}
    for name in names:
        verdicts[name] = {"floors": rule_floors(name, ev)}
    passing = [n for n in names if all(ok for ok, _ in verdicts[n]["floors"].values())]
    lines = [f"{len(passing)} of {len(names)} candidates pass floors 1-3"]
    if passing:
        ev_tag = tag(passing)
        for name in passing:
            verdicts[name]["floors"]["4 downstream"] = bc5cdr_floor(name, ev_tag)
        passing = [n for n in passing if verdicts[n]["floors"]["4 downstream"][0]]
        lines.append(f"{len(passing)} pass floor 4 (BC5CDR devel) too")

    def gain(n: str) -> float:
        return float(np.mean([ev[s]["rows"][n]["domain_gain"]["mean"] for s in ("glove-full", "wiki-full")]))

    if not passing:
        most = max(names, key=lambda n: (sum(ok for ok, _ in verdicts[n]["floors"].values()), gain(n)))
        missed = [f"floor {f}: {t}" for f, (ok, t) in verdicts[most]["floors"].items() if not ok]
        lines.append(f"no candidate passes every floor; the most floors: {most} (misses {'; '.join(missed)})")
        return most, lines, verdicts
    best = max(passing, key=gain)
    tied = []
    for name in passing:
        diff = np.mean([ev[s]["rows"][name]["domain_gain"]["boot"] - ev[s]["rows"][best]["domain_gain"]["boot"]
                        for s in ("glove-full", "wiki-full")], axis=0)
        lo, hi = stats.interval(diff)
        if name == best or lo <= 0 <= hi:
            tied.append(name)
    ev_tag = tag(tied)

    def bc5cdr(n: str) -> float:
        return float(np.mean([ev_tag[s]["rows"][n]["scores"]["BC5CDR"].point for s in ("glove-full", "wiki-full")]))

    def analogy(n: str) -> float:
        return min(ev[s]["rows"][n]["retention"]["analogy"]["mean"] for s in ev if s in {x.name for x in SELECTION})

    choice = max(tied, key=lambda n: (bc5cdr(n), -simplicity(n), analogy(n)))
    lines.append(f"largest mean dev domain gain: {best} ({gain(best):+.4f}); tied with it (paired interval of the "
                 f"difference contains 0): {', '.join(tied)}")
    lines.append(f"rule picks: {choice} (BC5CDR devel {bc5cdr(choice):.4f}, domain gain {gain(choice):+.4f})")
    if choice.startswith("size rule"):
        t, k = (float(x[1:]) for x in choice.split()[2:4])
        lines.append(f"size rule switch X = {size_rule_switch(t, k, switch_ev)} (aligned from there on)")
    return choice, lines, verdicts


# -- driver --------------------------------------------------------------------------------------------------
def collect(settings: tuple[Setting, ...], seeds: dict[Setting, list[int]], rows: list[str], tagger: bool,
            quick: bool) -> dict[str, dict[str, list[dict]]]:
    """setting name -> row -> per-seed items, training and scoring what is not cached."""
    out: dict[str, dict[str, list[dict]]] = {}
    for setting in settings:
        for seed in seeds[setting]:
            got = score_rows(Sources(setting, seed, quick), rows, tagger)
            for row, items in got.items():
                out.setdefault(setting.name, {}).setdefault(row, []).append(items)
    return out


def seeds_of(quick: bool, setting: Setting, fewer: dict[str, int]) -> list[int]:
    """The rule file's seeds of ``setting`` (3 for the switch and 0.5M, else 5), or ``fewer[setting.name]``."""
    if quick:
        return [1]
    n = 3 if setting in SWITCH or setting.size == "0.5M" else 5
    return list(range(1, min(n, fewer.get(setting.name, n)) + 1))


def select(quick: bool, fewer: dict[str, int]) -> dict[str, Any]:
    """Train and score every candidate on the selection settings, then apply the rule on dev."""
    rows = selection_rows()
    finetuned = [r for r in rows if r not in (BASE, GENSIM, DOMAIN_ONLY)]
    seeds = {s: seeds_of(quick, s, fewer) for s in (*SELECTION, *SWITCH)}
    items = collect(SELECTION, seeds, rows, False, quick)
    ev = {s: evaluate_setting(items[s], "dev", finetuned) for s in items}
    switch_rows = [BASE, GENSIM, DOMAIN_ONLY, *(r for r in finetuned if not r.startswith("continue"))]
    switch_items = collect(SWITCH, seeds, switch_rows, False, quick)
    switch_ev = {s: evaluate_setting(switch_items[s], "dev", [r for r in switch_rows if r not in
                                                             (BASE, GENSIM, DOMAIN_ONLY)]) for s in switch_items}
    switch_ev["glove-full"] = ev["glove-full"]

    def tag(names: list[str]) -> dict[str, dict]:
        real = sorted({n if not n.startswith("size rule") else tk_name("aligned", *map(float, (
            x[1:] for x in n.split()[2:4]))) for n in names} | {BASE, GENSIM, DOMAIN_ONLY})
        sel = tuple(s for s in SELECTION if s.name != "glove-1M")
        got = collect(sel, seeds, real, True, quick)
        out = {s: evaluate_setting(got[s], "dev", [r for r in real if r not in (BASE, GENSIM, DOMAIN_ONLY)])
               for s in got}
        for s in out:  # the size rule's rows at 6.9M are its aligned candidate's
            for n in names:
                if n.startswith("size rule"):
                    t, k = (float(x[1:]) for x in n.split()[2:4])
                    out[s]["rows"][n] = out[s]["rows"][tk_name("aligned", t, k)]
        return out

    choice, lines, verdicts = apply_rule(ev, switch_ev, tag)
    print("\n".join(lines), flush=True)
    return {"choice": choice, "lines": lines, "verdicts": {n: {f: list(v) for f, v in d["floors"].items()}
                                                           for n, d in verdicts.items()},
            "dev": {s: summarise(e) for s, e in ev.items()}, "switch": {s: summarise(e) for s, e in switch_ev.items()}}


def summarise(ev: dict[str, Any]) -> dict[str, Any]:
    """A JSON-able copy of evaluate_setting's result (bootstrap arrays dropped, intervals kept)."""
    rows = {}
    for name, r in ev["rows"].items():
        out = {"seeds": r["seeds"], "scores": {m: s.summary() for m, s in r["scores"].items()},
               "retention": r["retention"]}
        if "domain_gain" in r:
            lo, hi = stats.interval(r["domain_gain"]["boot"])
            out["domain_gain"] = {"mean": r["domain_gain"]["mean"], "lo": lo, "hi": hi}
            out["vs_gensim"] = r["vs_gensim"]
        rows[name] = out
    return {"coverage": ev["coverage"], "rows": rows}


# -- the report on test ----------------------------------------------------------------------------------------
def report(quick: bool, fewer: dict[str, int]) -> dict[str, Any]:
    """The library's default and the reference rows at every report setting, scored on the test halves."""
    rows = [BASE, GENSIM, DOMAIN_ONLY, DEFAULT, MITTENS]
    seeds = {s: seeds_of(quick, s, fewer) for s in REPORT}
    out: dict[str, Any] = {"settings": {}, "checks": []}
    for setting in REPORT:
        items = collect((setting,), seeds, rows, True, quick)[setting.name]
        ev = evaluate_setting(items, "test", [DEFAULT])
        out["settings"][setting.name] = summarise(ev) | {"seconds": seconds_of(setting, seeds[setting], quick)}
        print(table(setting.name, out["settings"][setting.name]), flush=True)
    out["checks"] = checks(out["settings"])
    print("\n".join(out["checks"]), flush=True)
    return out


def seconds_of(setting: Setting, seeds: list[int], quick: bool) -> dict[str, float]:
    """Mean training seconds of each row over its seeds (from the Sources' records)."""
    times: dict[str, list[float]] = {}
    for seed in seeds:
        path = Sources(setting, seed, quick).dir / "seconds.json"
        for name, value in (json.loads(path.read_text()) if path.exists() else {}).items():
            times.setdefault(name, []).append(value)
    return {name: float(np.mean(v)) for name, v in times.items()}


def checks(settings: dict[str, Any]) -> list[str]:
    """The issue's bars on test, each line saying the numbers and pass / FAIL."""
    lines = []

    def verdict(ok: bool) -> str:
        return "pass" if ok else "FAIL"

    for name, margin in (("glove-full", BC5CDR_MARGIN), ("wiki-full", -BC5CDR_MARGIN)):
        rows = settings[name]["rows"]
        d, g, dom = rows[DEFAULT], rows[GENSIM], rows[DOMAIN_ONLY]
        gain = d["domain_gain"]
        each = {m: d["vs_gensim"][m] for m in DOMAIN_SETS}
        ret = d["retention"]
        bc = {r: rows[r]["scores"]["BC5CDR"]["mean"] for r in (DEFAULT, GENSIM, DOMAIN_ONLY)}
        lines += [
            f"- {name}: domain gain vs gensim {gain['mean']:+.4f} [{gain['lo']:+.3f}, {gain['hi']:+.3f}] >= 0: "
            f"{verdict(gain['mean'] >= 0)}; per set vs gensim sim {each['UMNSRS-sim']:+.4f}, rel "
            f"{each['UMNSRS-rel']:+.4f} (>= -{SET_SLACK}): {verdict(min(each.values()) >= -SET_SLACK)}",
            f"- {name}: retention WS353 {ret['WS353']['mean']:.3f}, SimLex {ret['SimLex']['mean']:.3f} (>= "
            f"{GENERAL_BAR}), analogies {ret['analogy']['mean']:.3f} (>= {ANALOGY_BAR}): "
            f"{verdict(min(ret['WS353']['mean'], ret['SimLex']['mean']) >= GENERAL_BAR and ret['analogy']['mean'] >= ANALOGY_BAR)}",
            f"- {name}: BC5CDR test {bc[DEFAULT]:.4f} vs domain only {bc[DOMAIN_ONLY]:.4f} and gensim {bc[GENSIM]:.4f} "
            f"(needs >= domain only and >= gensim {margin:+.3f}): "
            f"{verdict(bc[DEFAULT] >= bc[DOMAIN_ONLY] and bc[DEFAULT] >= bc[GENSIM] + margin)}"]
        del g, dom
    for name in (s.name for s in REPORT if s.base == "glove"):
        rows = settings[name]["rows"]
        d = rows[DEFAULT]["scores"]
        worse = [f"{m} {d[m]['mean'] - rows[BASE]['scores'][m]['mean']:+.4f}" for m in (*DOMAIN_SETS, "BC5CDR")
                 if d[m]["mean"] < rows[BASE]["scores"][m]["mean"]]
        lines.append(f"- {name}: default >= base on UMNSRS-sim, UMNSRS-rel and BC5CDR test: "
                     + (verdict(True) if not worse else f"FAIL ({', '.join(worse)})"))
        if name in ("glove-0.5M", "glove-1M"):
            for ref in (GENSIM, DOMAIN_ONLY):
                diffs = {m: d[m]["mean"] - rows[ref]["scores"][m]["mean"] for m in DOMAIN_SETS}
                lines.append(f"- {name}: default vs {ref} on the UMNSRS test halves: sim {diffs['UMNSRS-sim']:+.4f}, "
                             f"rel {diffs['UMNSRS-rel']:+.4f}: {verdict(min(diffs.values()) >= 0)}")
    return lines


def fmt(s: dict[str, float]) -> str:
    return f"{s['mean']:.3f} [{s['lo']:.3f}, {s['hi']:.3f}]"


def table(name: str, data: dict[str, Any]) -> str:
    metrics = [*DOMAIN_SETS, *GENERAL_SETS, "analogy", "BC5CDR"]
    header = ["row", "seeds", *metrics, "WS353 / SimLex / analogy retention", "domain gain vs gensim", "train s"]
    lines = []
    for row, r in data["rows"].items():
        ret = " / ".join(f"{r['retention'][m]['mean']:.3f}" if m in r["retention"] else "-"
                         for m in (*GENERAL_SETS, "analogy"))
        cells = [fmt(r["scores"][m]) if m in r["scores"] else "-" for m in metrics]
        gain = fmt(r["domain_gain"]) if "domain_gain" in r and row != GENSIM else ""
        seconds = data.get("seconds", {}).get({DEFAULT: "default"}.get(row, row))
        lines.append([row, r["seeds"], *cells, ret, gain, "" if seconds is None else f"{seconds:.0f}"])
    coverage = ", ".join(f"{k} {v}" for k, v in data["coverage"].items())
    return f"### {name}\n\nitems: {coverage}\n\n" + markdown_table(header, lines)


def write_results(everything: dict[str, Any], out_dir: Path) -> None:
    """``finetune_study.md`` (the rule's verdict on dev, the tables on test, the bars) and the curve plot."""
    parts = ["# Fine-tuning study (`python benchmarks/finetune_study.py select` then `report`)", "",
             "The rule: `benchmarks/results/finetune_rule_v3.md` (committed before the runs). Each cell: mean over "
             "seeds [95% bootstrap interval over items]; domain gain: mean UMNSRS Spearman minus gensim's "
             "workaround's, paired bootstrap.", ""]
    if "selection" in everything:
        parts += ["## Selection on the dev halves", "", *(f"- {line}" for line in everything["selection"]["lines"]),
                  ""]
    if "report" in everything:
        report = everything["report"]
        parts += ["## The library's default on the test halves", ""]
        parts += [table(name, data) + "\n" for name, data in report["settings"].items()]
        parts += ["## The issue's bars on test", "", *report["checks"], "",
                  "![UMNSRS on the test halves against domain tokens](finetune_curve.png)", ""]
        curve(report["settings"], out_dir / "finetune_curve.png")
    (out_dir / "finetune_study.md").write_text("\n".join(parts))


def curve(settings: dict[str, Any], path: Path) -> None:
    """Mean UMNSRS (sim, rel) on the test halves against the domain corpus's size, GloVe base, one line per row."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [s for s in SIZES if f"glove-{s}" in settings]
    tokens = [SIZES[s] or FULL_TOKENS for s in sizes]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for row in (BASE, GENSIM, DOMAIN_ONLY, DEFAULT):
        y = [np.mean([settings[f"glove-{s}"]["rows"][row]["scores"][m]["mean"] for m in DOMAIN_SETS]) for s in sizes]
        ax.plot(tokens, y, marker="o", label="fastw2v default" if row == DEFAULT else row)
    ax.set_xscale("log")
    ax.set_xlabel("domain tokens (biomed, first lines)")
    ax.set_ylabel("mean UMNSRS-sim/-rel Spearman (test halves)")
    ax.set_title("GloVe 6B 50d fine-tuned on biomedical text, 6 passes")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stage", choices=["select", "report"])
    parser.add_argument("--quick", action="store_true", help="smoke run: corpus cuts of 50k-300k tokens, 1 seed")
    parser.add_argument("--seeds", action="append", default=[], metavar="SETTING=N",
                        help="fewer seeds than the rule file's for one setting (e.g. glove-full=2): a deviation the "
                             "results then state (each setting's row says its seeds)")
    args = parser.parse_args()
    try:
        fewer = {name: int(n) for name, n in (item.split("=") for item in args.seeds)}
    except ValueError:
        parser.error("--seeds takes SETTING=N, e.g. glove-full=2")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    require_data("biomed.txt.gz", "glove.6B.50d.w2v.bin.gz", "wiki-text8.txt.gz")
    CACHE.mkdir(parents=True, exist_ok=True)
    out_dir = CACHE / "quick-results" if args.quick else RESULTS
    out_dir.mkdir(parents=True, exist_ok=True)
    results = out_dir / "finetune_study.json"
    everything = json.loads(results.read_text()) if results.exists() else {}
    if args.stage == "select":
        everything["selection"] = select(args.quick, fewer)
    else:
        everything["report"] = report(args.quick, fewer)
    results.write_text(json.dumps(everything, indent=1, default=float))
    write_results(everything, out_dir)
    print(f"results written to {results}")


if __name__ == "__main__":
    main()
