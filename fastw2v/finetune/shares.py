"""Per-word shares of a fine-tuning: the ``preserve`` rates each pre-trained word's domain share comes from,
the per-phase learning-rate multipliers they set, and the run's recipe in words."""
from __future__ import annotations

from typing import cast

import numpy as np

from ..base_counts import adaptive_rates, evidence_rates, frequency_rates, preserve_weight
from ..config import ADAPTIVE_EVIDENCE, ADAPTIVE_RATIO, AUTO
from ..state import FinetunePlan, TrainingState, required
from .union import domain_vocabulary


def set_phase_rates(state: TrainingState, warmup: bool) -> None:
    """Set the per-row learning-rate multipliers of the warm-up or the main phase in ``state.weights``."""
    plan = required(state.finetune_plan, "fine-tuning plan")
    s = plan.settings
    w = required(state.weights, "weights")
    n_pre = plan.n_pretrained
    if warmup or s.freeze == "pretrained":
        w.in_lr[:n_pre] = 0.0
    elif plan.method.blends and s.pretrained_lr == AUTO:
        w.in_lr[:n_pre] = 1.0  # every row trains fully: the blend afterwards decides how much of it to keep
    else:
        w.in_lr[:n_pre] = pretrained_rates(plan)
    w.in_lr[n_pre:] = 0.0 if s.freeze == "new" else 1.0
    for layer in w.heads.values():
        layer.lr[:] = s.output_lr


def rate_one(preserve: str | float) -> bool:
    """``preserve`` gives every word rate 1 (tau 0: the domain decides), so no base counts are needed."""
    return preserve in ("low", 0, 0.0)


def preserve_text(plan: FinetunePlan) -> str:
    """``preserve`` for this pair of corpora in words: when a shared word becomes mostly the domain's."""
    preserve = plan.preserve
    if rate_one(preserve):
        return f"preserve={preserve}: every shared word the domain uses takes the domain's estimate (share 1)"
    if preserve == "adaptive":
        evidence = f" and has seen it well over {ADAPTIVE_EVIDENCE:g} times" if ADAPTIVE_EVIDENCE else ""
        return (f"preserve=adaptive: a shared word becomes mostly the domain's where the domain uses it "
                f"{ADAPTIVE_RATIO:g} times as often per token as the base's corpus{evidence} (half at exactly "
                f"that ratio)")
    base_tokens = required(plan.base_tokens, "base corpus size")
    tau = preserve_weight(preserve, float(plan.corpus_counts.sum()), base_tokens)
    return (f"preserve={preserve}: tau {tau:.3g}; a shared word is half the domain's where the domain uses it "
            f"{tau:.3g} times as often per token as the base ({base_tokens:.3g} base tokens); a smaller "
            f"--preserve number lets more of the domain in")


def moving_words(state: TrainingState) -> np.ndarray:
    """int64: the pre-trained rows the recipe can change (the rest keep their vectors exactly).

    A method training a domain-only model (``aligned``): the shared words of its vocabulary
    (those the corpus uses ``min_count`` times); the others: every pre-trained word the corpus uses.
    """
    plan = required(state.finetune_plan, "fine-tuning plan")
    n_pre = plan.n_pretrained
    if plan.settings.freeze == "pretrained":
        return np.zeros(0, dtype=np.int64)
    if plan.method.domain_only:
        index = required(state.vocab, "vocabulary").index
        rows = np.fromiter((index[w] for w in domain_vocabulary(state).words), dtype=np.int64)
        return np.sort(rows[rows < n_pre])
    return np.flatnonzero(plan.corpus_counts[:n_pre] > 0)


def describe_recipe(state: TrainingState) -> str:
    """The run's recipe in one line: the method, what ``preserve`` means here, and how much will move.

    "Mostly the domain's" counts the moving words whose share is above one half; the median
    share is weighted by the words' domain occurrences (a share as a domain token sees it).
    """
    plan = required(state.finetune_plan, "fine-tuning plan")
    rows = moving_words(state)
    share = preserve_rates(plan, rows) if rows.size else np.zeros(0)
    weights = plan.corpus_counts[rows].astype(np.float64)
    if rows.size:
        order = np.argsort(share, kind="stable")
        cumulative = np.cumsum(weights[order])
        median = float(share[order][np.searchsorted(cumulative, cumulative[-1] / 2)])
    else:
        median = 0.0
    return (f"method={plan.method.name}: {plan.method.summary}; {preserve_text(plan)}. "
            f"Of the {plan.n_pretrained} pre-trained words, {rows.size} can move and {int((share > 0.5).sum())} "
            f"become mostly the domain's (share > 1/2); median share per domain token {median:.2f}; the other "
            f"{plan.n_pretrained - rows.size} keep their vectors exactly")


def preserve_rates(plan: FinetunePlan, rows: np.ndarray | None = None) -> np.ndarray:
    """float64[n_pretrained]: the rates of ``plan.preserve`` (see ``FinetuneConfig.preserve``).

    Rows the corpus never uses get 1 (they never train as inputs). ``rows``: only those
    pre-trained rows' rates (at GoogleNews scale the temporaries of all 3M cost ~0.1 GB).
    """
    n_pre = plan.n_pretrained
    selected: slice | np.ndarray = slice(0, n_pre) if rows is None else rows
    preserve = plan.preserve
    n_d = plan.corpus_counts[:n_pre][selected]
    if rate_one(preserve):
        return np.ones(len(n_d))
    n_b = required(plan.base_counts, "base counts")[selected]
    if preserve == "high":
        # tau = N_b / N_d reduces to n_d / (n_d + n_b): computed so, without rounding through the corpus sizes.
        return evidence_rates(n_d, n_b)
    base_tokens = required(plan.base_tokens, "base corpus size")
    if preserve == "adaptive":
        return adaptive_rates(n_d, float(plan.corpus_counts.sum()), n_b, base_tokens)
    return frequency_rates(n_d, float(plan.corpus_counts.sum()), n_b, base_tokens, preserve)


def pretrained_rates(plan: FinetunePlan) -> np.ndarray | float:
    """Main-phase learning-rate multipliers of the pre-trained rows: a numeric ``pretrained_lr``, else the rates."""
    lr = plan.settings.pretrained_lr
    if lr != AUTO:
        return cast(float, lr)  # FinetuneConfig allows "auto" or a number
    return preserve_rates(plan).astype(np.float32)
