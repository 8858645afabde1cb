"""Numba kernels: every ``@njit`` of fastw2v lives in this package.

The kernels are pure functions over contiguous NumPy arrays, scalars and namedtuples
of them. They update the weight matrices in place (Hogwild: several threads may run
them at once on different sentence ranges of the same matrices) and return plain
numbers; they never see a model object.

The training kernel, by concept (after fastText's ``model``/``loss``/``matrix`` split):

* :mod:`~fastw2v.kernels.architectures`: the loop over sentences and centre words,
  :func:`train_sentences`, compiled per vector size by :func:`epoch_kernels`; skip-gram
  and CBOW differ only in their hidden layer.
* :mod:`~fastw2v.kernels.heads`: the output layers (negative sampling, hierarchical
  softmax), each choosing the output rows that score an example.
* :mod:`~fastw2v.kernels.update`: the one update rule every head shares,
  :func:`logistic_block` (binary logistic steps against the chosen rows).
* :mod:`~fastw2v.kernels.rows`: trainable layers and the private copies of their
  hottest rows each call works on with several workers.
* :mod:`~fastw2v.kernels.rng`: SplitMix64 streams seeded per ``(seed, epoch, sentence)``.
* :mod:`~fastw2v.kernels.codegen`: fastmath flags, type-specialised functions, row
  pointer and prefetch intrinsics; :mod:`~fastw2v.kernels.cache`: Numba's cache kept
  fresh across modules.

Beside it: :mod:`~fastw2v.kernels.anchor` (fine-tuning's pull toward original vectors),
:mod:`~fastw2v.kernels.text` (tokenising and counting for phrase detection) and
:mod:`~fastw2v.kernels.vectors` (parsing and packing vector-file rows).
"""
from __future__ import annotations

from . import cache  # noqa: F401 (first: Numba's cache of every kernel below covers the whole package)
from .anchor import anchor_pull
from .architectures import (
                            Cbow,
                            EpochSpan,
                            Network,
                            Settings,
                            SkipGram,
                            epoch_kernels,
                            epoch_rate,
                            hidden_layer,
                            max_hidden,
                            subsample,
                            train_sentences,
)
from .codegen import FASTMATH, implements
from .heads import (
                            HierarchicalSoftmax,
                            NegativeSampling,
                            draw_negatives,
                            first_hot_row,
                            max_targets,
                            pick_targets,
                            prefetch_targets,
)
from .rng import rng_next, rng_seed
from .rows import Layer, buffer_rows
from .update import MAX_LOGIT, TABLE_SIZE, Example, logistic_block

__all__ = ["FASTMATH", "MAX_LOGIT", "TABLE_SIZE", "Cbow", "EpochSpan", "Example", "HierarchicalSoftmax", "Layer",
           "NegativeSampling", "Network", "Settings", "SkipGram", "anchor_pull", "buffer_rows", "draw_negatives",
           "epoch_kernels", "epoch_rate", "first_hot_row", "hidden_layer", "implements", "logistic_block",
           "max_hidden", "max_targets", "pick_targets", "prefetch_targets", "rng_next", "rng_seed", "subsample",
           "train_sentences"]
