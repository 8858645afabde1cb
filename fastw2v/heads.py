"""The output layers ("heads") a model trains: which exist, when each is on, its shape and its tables.

A head is its output matrix with per-row learning-rate multipliers (in
``state.Weights.heads``), its lookup tables built from the output words' counts (in
``state.Tables.heads``) and its kernel code (:mod:`fastw2v.kernels.heads`, selected by
the type of its table). :data:`HEADS` lists them in the order they train each example;
adding one takes an entry here and its table type's kernel functions.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import kernels
from .config import Word2VecConfig
from .vocabulary import alias_table, huffman_tree, noise_distribution


@dataclass(frozen=True)
class Head:
    """One output layer, as the Python side sees it.

    Attributes
    ----------
    name : str
        Its key in ``Weights.heads``/``Tables.heads`` and in saved models (:attr:`matrix_name`,
        :attr:`rates_name`).
    enabled : callable (Word2VecConfig) -> bool
        Whether a configuration trains it.
    n_rows : callable (int) -> int
        Rows of its matrix for a model with ``n_out`` output words.
    table : callable (int64[n_out], Word2VecConfig) -> namedtuple
        Its kernel table from the output words' counts.
    min_words : int
        The fewest output words it can train with.
    title : str
        What messages call it (empty: its name).
    """

    name: str
    enabled: Callable[[Word2VecConfig], bool]
    n_rows: Callable[[int], int]
    table: Callable[[np.ndarray, Word2VecConfig], Any]
    min_words: int = 1
    title: str = ""

    @property
    def matrix_name(self) -> str:
        """Name of its matrix: ``w_out_{name}``."""
        return f"w_out_{self.name}"

    @property
    def rates_name(self) -> str:
        """Name of its per-row learning-rate multipliers: ``out_{name}_lr``."""
        return f"out_{self.name}_lr"

    def initial(self, n_out: int, dim: int) -> kernels.Layer:
        """The layer a run starts from: zero rows (word2vec's initial output layer), every multiplier 1."""
        n = self.n_rows(n_out)
        return kernels.Layer(np.zeros((n, dim), dtype=np.float32), np.ones(n, dtype=np.float32))


def _noise_table(counts: np.ndarray, config: Word2VecConfig) -> kernels.NegativeSampling:
    threshold, alias = alias_table(noise_distribution(counts, config.ns_exponent))
    return kernels.NegativeSampling(threshold, alias, config.negative)


#: Every head, in the order each example trains them (word2vec.c's: the Huffman path, then the
#: negatives; both add to the same input gradient).
HEADS: dict[str, Head] = {head.name: head for head in (
    # A Huffman tree needs two leaves.
    Head("hs", enabled=lambda config: config.hs, n_rows=lambda n_out: max(n_out - 1, 0),
         table=lambda counts, config: huffman_tree(counts), min_words=2, title="hierarchical softmax"),
    Head("ns", enabled=lambda config: config.negative > 0, n_rows=lambda n_out: n_out, table=_noise_table,
         title="negative sampling"),
)}


def heads_of(config: Word2VecConfig) -> list[Head]:
    """The heads ``config`` trains, in training order."""
    return [head for head in HEADS.values() if head.enabled(config)]


def min_words(config: Word2VecConfig) -> int:
    """The fewest output words every head of ``config`` can train with."""
    return max((head.min_words for head in heads_of(config)), default=1)


def lacking(config: Word2VecConfig, n_out: int) -> Head | None:
    """The first head of ``config`` that cannot train with ``n_out`` output words, or None."""
    return next((head for head in heads_of(config) if n_out < head.min_words), None)
