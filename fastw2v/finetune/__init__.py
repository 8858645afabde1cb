"""Fine-tuning pre-trained vectors (or a saved fastw2v model) on a domain corpus.

Functions from inputs to a :class:`~fastw2v.state.TrainingState`; none of them sees a model.

A word2vec/GloVe/fastText vector file holds input vectors only: no output layer
and no counts. Fine-tuning therefore

1. builds the **vocabulary union**: pre-trained words (all, those seen in the
   corpus, or those seen plus the N most frequent) followed by new corpus words
   that pass ``min_count``. Negative sampling, subsampling and the Huffman tree
   use the domain corpus's counts, so pre-trained words the corpus never uses keep
   their vectors untouched and are never drawn as negatives; a saved fastw2v
   model's counts are added to the corpus's in the model's totals (as gensim's
   ``build_vocab(update=True)`` does), which ``pretrained_lr="auto"`` uses;
2. initialises **new words** as a fresh model's (small uniform), optionally rescaled
   to the pre-trained vectors' norms;
3. starts the **output layer** at zero (word2vec's default) and can **warm it up**
   for ``warmup_epochs`` with pre-trained input rows frozen. Output rows exist only
   for the words that can train: those the corpus uses, and those a saved base model
   trained before (carried over exactly); a GoogleNews word the corpus never uses
   lives in the input matrix alone (``state.Weights.out_rows``). Training runs on
   those words alone (``training.TrainablePart``);
4. trains with **per-row learning-rate multipliers** (``freeze``,
   ``pretrained_lr``, ``output_lr``) and an optional **anchor**: an L2 pull of
   every pre-trained row toward its original vector, uniform or weighted per word
   (``anchor_weights="frequency"``: ``anchor * (1 - rate)``).

The per-word **rates** come from ``preserve`` (:func:`preserve_rates`):
``p_d / (p_d + tau * p_b)`` from the domain corpus's counts and the base's
(:mod:`fastw2v.base_counts`): a saved fastw2v model's real counts, or for a vector
file Zipf counts estimated from rank and ``base_tokens``. One rule decides a
pre-trained row's main-phase learning-rate multiplier: a numeric ``pretrained_lr``
is used as it is; ``pretrained_lr="auto"`` (the default) uses the rates. The default
``preserve="adaptive"`` is tau :data:`fastw2v.config.ADAPTIVE_RATIO`, a fixed number, so a
word's share depends on how over-represented it is in the domain and not on the corpora's
sizes; ``preserve="high"`` counts every raw occurrence alike, ``n_d / (n_d + n_b)``;
``preserve="auto"`` is "high" for a saved model and "low" (rate 1) for a vector file.

The default ``method="blend"`` (chosen on development data by the rule of
``benchmarks/results/finetune_rule_v3.md``) runs steps 3-4 with every pre-trained row at the
full rate and then mixes each trained row back toward its base vector by its share
(:func:`combine_blend`); ``method="continue"`` runs them with the shares as learning-rate
multipliers, and ``method="aligned"`` replaces them by a domain-only model rotated onto the
base and mixed with it per word (:func:`domain_state`, :func:`combine_aligned`). The methods
are :data:`fastw2v.config.METHODS`.

The modules: :mod:`~fastw2v.finetune.pretrained` (reading what the run starts from, its settings,
its phrase entries), :mod:`~fastw2v.finetune.union` (the union, domain-only and shown
vocabularies), :mod:`~fastw2v.finetune.shares` (the ``preserve`` rates, the per-phase
multipliers, the recipe in words), :mod:`~fastw2v.finetune.prepare` (the starting state) and
:mod:`~fastw2v.finetune.combine` (the ``aligned`` and ``blend`` combinations).
"""
from __future__ import annotations

from .combine import combine_aligned, combine_blend, domain_state
from .prepare import base_evidence, new_word_rows, prepare
from .pretrained import (
    PHRASE_DELIMITERS,
    RECIPE_TRAINING,
    Pretrained,
    check_vector_size,
    config_for,
    load_pretrained,
    pretrained_phrases,
)
from .shares import describe_recipe, moving_words, preserve_rates, preserve_text, pretrained_rates, set_phase_rates
from .union import domain_vocabulary, estimated_counts, frequency_order, output_words, union_vocabulary

__all__ = [
    "PHRASE_DELIMITERS",
    "RECIPE_TRAINING",
    "Pretrained",
    "base_evidence",
    "check_vector_size",
    "combine_aligned",
    "combine_blend",
    "config_for",
    "describe_recipe",
    "domain_state",
    "domain_vocabulary",
    "estimated_counts",
    "frequency_order",
    "load_pretrained",
    "moving_words",
    "new_word_rows",
    "output_words",
    "prepare",
    "preserve_rates",
    "preserve_text",
    "pretrained_phrases",
    "pretrained_rates",
    "set_phase_rates",
    "union_vocabulary",
]
