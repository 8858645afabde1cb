"""How much domain can a per-word mix of base and domain vectors buy, and at what general cost?

    python benchmarks/finetune_frontier.py [--base glove|wiki] [--seeds 5] [--epochs 5] [--no-tagger]

The trade-off curve of ``--method aligned --preserve TAU`` on one of the study's bases: the per-word
domain share ``rho = p_d / (p_d + tau * p_b)`` (``fastw2v.base_counts.frequency_rates``)
from ``tau = 0`` (``low``: every shared word takes the rotated domain vector) through
``balanced`` (1) to ``high`` (``N_base / N_domain``: ~870 for GloVe 6B, ~2.4 for the wiki base).
A grid of one documented
option, for reading the knob, not a set of candidates: the default is chosen by the study's
rule (``finetune_study.py``), and no point of this curve is picked from it.

Per seed one aligned fine-tuning is built (``Word2Vec.from_pretrained(..., method="aligned")``)
and its domain-only model trained once with the library's own step (``finetune.domain_state``
and ``training.run_epochs``, as ``Word2Vec.train`` runs them); every ``tau`` then installs it with
``finetune.combine_aligned`` from the same untouched base state. The ``high`` point is therefore
the study's "aligned, evidence" row (default recipe) trained again, and is checked against it.

Scored exactly like the study (same fixed subsets, seeds, bootstrap): the base, domain-only and
gensim rows come from the study's cache (run ``finetune_study.py --bases BASE`` first).
Writes benchmarks/results/finetune_frontier_BASE.{md,json,png}.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import time
from pathlib import Path
from typing import Any

import finetune_study as study
import numpy as np
from common import RESULTS, markdown_table, require_data

from fastw2v import Word2Vec
from fastw2v import finetune as ft
from fastw2v.training import run_epochs

#: The grid: factor-of-two steps of tau from below balanced (1) up to 64, between the named presets.
TAUS: tuple[str | float, ...] = ("low", 0.5, "balanced", 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, "high")
REFERENCES = ("base", "domain only", study.GENSIM)


def point_name(tau: str | float) -> str:
    return f"preserve {tau}" if isinstance(tau, str) else f"preserve tau={tau:g}"


def frontier_rows(base: study.Base) -> list[study.Recipe]:
    refs = [r for r in study.recipes(base.has_counts) if r.name in REFERENCES]
    return refs + [study.Recipe(point_name(t), "aligned", {"method": "aligned", "preserve": t},
                                "rho = p_d / (p_d + tau p_b)", candidate=False) for t in TAUS]


def cached_items(base: study.Base, recipe: study.Recipe, seed: int, epochs: int, tagger: bool) -> dict:
    path = study.cache_path(base.name, recipe, seed, epochs, tagger, base.has_counts)
    if not path.exists():
        raise SystemExit(f"error: {path} is missing: run `python benchmarks/finetune_study.py --bases {base.name} "
                         f"--seeds {seed}` first (the frontier reuses the study's base, domain and gensim rows)")
    return json.loads(path.read_text())


def one_seed(base: study.Base, seed: int, epochs: int, tagger: bool) -> dict[str, dict]:
    """Items of every ``tau`` for one seed: one domain-only model, combined once per ``tau``."""
    model = Word2Vec.from_pretrained(base.path, seed=seed, epochs=epochs, **study.TRAIN,
                                     **(study.BEFORE_V2 | {"method": "aligned", "preserve": "high"}))
    model.build_vocab(str(study.DOMAIN))
    encoded = model.encode(str(study.DOMAIN))
    state = model.state
    phase = state.next_phase(None, (encoded.n_tokens, encoded.n_sentences))
    domain, corpus = ft.domain_state(state, encoded)
    t = time.perf_counter()
    run_epochs(domain.weights, domain.tables, corpus, state.config, phase.schedule, domain.position)
    logging.warning("%s / seed %d: domain-only model trained in %.0f s", base.name, seed, time.perf_counter() - t)
    plan, weights = state.finetune_plan, state.weights
    w_in, w_out = weights.w_in.copy(), weights.heads["ns"].w.copy()  # the untouched union state
    out = {}
    for tau in TAUS:
        weights.w_in[:], weights.heads["ns"].w[:] = w_in, w_out
        plan.settings = dataclasses.replace(plan.settings, preserve=tau)
        plan.aligned_done = False
        ft.combine_aligned(state, domain)
        out[point_name(tau)] = {"seconds": 0.0, "items": study.model_items(model.wv, tagger)}
        logging.warning("%s / seed %d / tau %s scored", base.name, seed, tau)
    return out


def same_as_study(base: study.Base, data: dict[str, Any], high: list[dict], epochs: int, tagger: bool) -> str:
    """The ``high`` point is the study's default row trained again: its domain gain against the study's, and
    how far its cosines are from that row's (two Hogwild workers are not bit-reproducible)."""
    row = next(r for r in study.recipes(base.has_counts) if r.name == "aligned, evidence")
    diffs = []
    for seed, items in enumerate(high, start=1):
        theirs = cached_items(base, row, seed, epochs, tagger)["items"]["UMNSRS-sim"]["cos"]
        diffs.append(float(np.max(np.abs(np.subtract(items["UMNSRS-sim"]["cos"], theirs)))))
    published = json.loads((RESULTS / "finetune_study.json").read_text())[base.name]["rows"][row.name]
    return (f"check: the high point is the study's default row ({row.name}) trained again: domain gain "
            f"{data['rows'][point_name('high')]['domain_gain']['mean']:+.3f} here, "
            f"{published['domain_gain']['mean']:+.3f} in the study; per-item cosines differ by up to "
            f"{', '.join(f'{d:.2f}' for d in diffs)} (per seed), as two Hogwild workers train differently each run")


def table(data: dict[str, Any], tagger: bool) -> str:
    metrics = ["UMNSRS-sim", "UMNSRS-rel", "analogy"] + (["BC5CDR"] if tagger else [])
    header = ["row", "domain gain vs gensim", *metrics, "WS353 / SimLex / analogy retention"]
    lines = []
    for name, r in data["rows"].items():
        ret = " / ".join(f"{r['retention'][m]['mean']:.3f}" for m in (*study.GENERAL_SETS, "analogy"))
        lines.append([name, study.fmt(r["domain_gain"]), *(study.fmt(r["scores"][m]) for m in metrics), ret])
    return markdown_table(header, lines)


def summary_lines(data: dict[str, Any]) -> list[str]:
    """What the curve says about the issue's bars, read off the JSON (no constant is chosen here)."""
    points = {n: r for n, r in data["rows"].items() if n.startswith("preserve")}
    best = max(points, key=lambda n: points[n]["domain_gain"]["mean"])
    passing = [n for n, r in points.items() if r["retention"]["analogy"]["mean"] >= study.ANALOGY_BAR
               and min(r["retention"][m]["mean"] for m in study.GENERAL_SETS) >= study.GENERAL_BAR]
    lines = [f"- largest domain gain of any point: {best}, {study.fmt(points[best]['domain_gain'])} "
             f"(analogy retention {points[best]['retention']['analogy']['mean']:.3f})"]
    if passing:
        top = max(passing, key=lambda n: points[n]["domain_gain"]["mean"])
        lines.append(f"- largest domain gain among points keeping WS353/SimLex >= {study.GENERAL_BAR:.0%} and "
                     f"analogies >= {study.ANALOGY_BAR:.0%} of the base: {top}, "
                     f"{study.fmt(points[top]['domain_gain'])}")
    above = [n for n, r in points.items() if r["domain_gain"]["lo"] > 0]
    lines.append("- points whose paired interval of the domain gain lies above 0: "
                 + (", ".join(above) if above else "none"))
    return lines


def plot(base: str, data: dict[str, Any], path: Path) -> None:
    """Domain gain against analogy retention along the curve, with paired / bootstrap 95% error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 5.5))
    for name, r in data["rows"].items():
        g, a = r["domain_gain"], r["retention"]["analogy"]
        ax.errorbar(a["mean"], g["mean"], xerr=[[a["mean"] - a["lo"]], [a["hi"] - a["mean"]]],
                    yerr=[[g["mean"] - g["lo"]], [g["hi"] - g["mean"]]], fmt="o" if name.startswith("preserve")
                    else "s", capsize=3)
        label = "gensim workaround" if name == study.GENSIM else name.replace("preserve ", "")
        ax.annotate(label, (a["mean"], g["mean"]), fontsize=7, xytext=(4, -10 if name == study.GENSIM else 4),
                    textcoords="offset points")
    ax.axvline(study.ANALOGY_BAR, color="grey", linestyle=":")
    ax.axhline(0.0, color="grey", linestyle=":")
    ax.axhline(0.02, color="red", linestyle=":", linewidth=0.8)
    ax.set_xlabel("analogy retention (3CosAdd accuracy / base's, 95%)")
    ax.set_ylabel("domain gain vs gensim: mean UMNSRS Spearman (paired 95%)")
    ax.set_title(f"{base} base: --method aligned --preserve tau")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", choices=["glove", "wiki"], default="glove")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=5, help="main-phase epochs (after the 1 warm-up epoch)")
    parser.add_argument("--no-tagger", action="store_true", help="skip the BC5CDR tagger column (~30 s per point)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    require_data("biomed.txt.gz", "glove.6B.50d.w2v.bin.gz", "wiki-text8.txt.gz")
    tagger = not args.no_tagger
    base = study.base_glove() if args.base == "glove" else study.base_wiki(quick=False)
    rows = frontier_rows(base)
    cache = study.CACHE / "frontier"
    cache.mkdir(parents=True, exist_ok=True)
    items: dict[str, list[dict]] = {}
    for seed in range(1, args.seeds + 1):
        path = cache / f"{base.name}-s{seed}-e{args.epochs}-{'tagger' if tagger else 'notagger'}.json"
        if not path.exists():
            path.write_text(json.dumps(one_seed(base, seed, args.epochs, tagger)))
        per_tau = json.loads(path.read_text())
        for r in rows:
            if r.name in REFERENCES:
                if r.kind == "base" and seed != 1:
                    continue
                per_tau[r.name] = cached_items(base, r, seed, args.epochs, tagger)
            items.setdefault(r.name, []).append(per_tau[r.name]["items"])
    data = study.summarise(base.name, rows, items, {r.name: [0.0] for r in rows}, tagger)
    lines = summary_lines(data) + [f"- {same_as_study(base, data, items['preserve high'], args.epochs, tagger)}"]
    intro = __doc__.split("Per seed")[0]
    text = (f"# Fine-tuning frontier: `--method aligned --preserve TAU` on the {base.name} base\n\n{intro}"
            f"Command: `python benchmarks/finetune_frontier.py --base {base.name} --seeds {args.seeds} "
            f"--epochs {args.epochs}"
            f"{'' if tagger else ' --no-tagger'}`; {study.WARMUP + args.epochs} passes per row; fixed subsets "
            + ", ".join(f"{k} {v}" for k, v in data["coverage"].items())
            + ". Cells: mean over seeds [95% bootstrap over items]; domain gain: paired bootstrap against gensim's "
              "workaround.\n\n" + table(data, tagger) + "\n\n## What it says\n\n" + "\n".join(lines) + "\n")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"finetune_frontier_{base.name}"
    out.with_suffix(".md").write_text(text)
    out.with_suffix(".json").write_text(json.dumps(data, indent=1, default=float))
    plot(base.name, data, out.with_suffix(".png"))
    print(text)


if __name__ == "__main__":
    main()
