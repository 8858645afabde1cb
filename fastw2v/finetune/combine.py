"""The combining methods: ``aligned``'s domain-only model rotated onto the base and mixed with it per word,
and ``blend``'s trained rows mixed back toward their base vectors."""
from __future__ import annotations

import numpy as np

from ..alignment import anchor_pairs, blend, combine, procrustes, rotate_into
from ..errors import CorpusError
from ..state import TrainingState, Weights, required
from ..token_ids import EncodedCorpus
from .shares import preserve_rates, set_phase_rates
from .union import domain_vocabulary


def domain_state(state: TrainingState, corpus: EncodedCorpus) -> tuple[TrainingState, EncodedCorpus]:
    """``method="aligned"``'s domain-only model, untrained, and the corpus in its token ids.

    Its vocabulary is :func:`domain_vocabulary`, its configuration and seed the fine-tuning's:
    the model ``Word2Vec(corpus)`` would train.
    """
    config, union = state.config, required(state.vocab, "vocabulary")
    vocab = domain_vocabulary(state)
    if len(vocab) == 0:
        raise CorpusError(f"no word of the corpus occurs min_count={config.min_count} times")
    to_domain = np.full(len(union), -1, dtype=np.int32)
    to_domain[np.fromiter((union.index[w] for w in vocab.words), dtype=np.int64, count=len(vocab))] = \
        np.arange(len(vocab), dtype=np.int32)
    ids = to_domain[corpus.token_ids]
    keep = ids >= 0
    # kept[t]: tokens kept up to and including t; a sentence starting at s starts at kept[s - 1].
    kept = np.cumsum(keep, dtype=np.int32 if keep.shape[0] < 2**31 else np.int64)
    starts = corpus.sentence_offsets
    offsets = np.where(starts > 0, kept[np.maximum(starts, 1) - 1], 0).astype(np.int64)
    del kept
    encoded = EncodedCorpus(np.ascontiguousarray(ids[keep]), offsets, corpus.raw_tokens, corpus.split_lines)
    domain = TrainingState(config=config)
    weights = Weights.initial(len(vocab), config)
    # The domain model's output rows become the union's: they train at the recipe's output rate.
    for layer in weights.heads.values():
        layer.lr[:] = required(state.finetune_plan, "fine-tuning plan").settings.output_lr
    domain.set_vocabulary(vocab, weights)
    return domain, encoded


def combine_aligned(state: TrainingState, domain: TrainingState, shares: np.ndarray | None = None) -> None:
    """Install in ``state`` the trained ``domain`` model rotated onto the base and mixed with it per word.

    Input rows: :func:`fastw2v.alignment.combine` with ``rho`` the ``preserve`` rates (the
    rotation fitted by Procrustes over up to ``alignment.ANCHOR_WORDS`` shared frequent
    words); pre-trained words the domain model lacks keep their vectors exactly. Output
    rows (negative sampling): the domain model's, rotated alike (dot products with the
    rotated inputs are the domain model's), for every word it has; the others keep theirs
    (a saved model's, else zero). Hierarchical-softmax rows keep theirs: the union's
    Huffman tree is not the domain model's. The result trains on as a normal model.

    ``shares``: float64[n_pretrained], a domain share per pre-trained row to use instead of the
    ``preserve`` rates (to compare shares on one trained domain model).
    """
    plan = required(state.finetune_plan, "fine-tuning plan")
    weights, vocab = required(state.weights, "weights"), required(state.vocab, "vocabulary")
    d_weights = required(domain.weights, "weights")
    n_pre = plan.n_pretrained
    d_words, d_in = required(domain.vocab, "vocabulary").words, d_weights.w_in
    # Every domain word is in the union (base words first, then the corpus's new words).
    rows = np.fromiter((vocab.index[w] for w in d_words), dtype=np.int64, count=len(d_words))
    in_base, in_domain = anchor_pairs(rows, n_pre)
    if in_base.shape[0] == 0:
        raise CorpusError("method='aligned' needs words shared by the base and the domain corpus; there are none")
    rotation = procrustes(d_in[in_domain], weights.w_in[in_base])
    shared = rows < n_pre
    rho = np.ones(len(rows))
    rho[shared] = preserve_rates(plan, rows[shared]) if shares is None else shares[rows[shared]]
    if plan.settings.freeze == "pretrained":
        rho[shared] = 0.0
    combine(weights.w_in, n_pre, rows, d_in, rho, rotation)
    if "ns" in weights.heads and "ns" in d_weights.heads:
        # Every domain word is used by the corpus, so it has an output row in the union.
        rotate_into(weights.heads["ns"].w, weights.output_row(rows), d_weights.heads["ns"].w, rotation)
    plan.aligned_done = True
    set_phase_rates(state, warmup=False)


def combine_blend(state: TrainingState, shares: np.ndarray | None = None) -> None:
    """``method="blend"`` after its main phase: move each trained pre-trained row back toward its base vector.

    Each pre-trained word the corpus uses keeps ``rho`` (its ``preserve`` share) of its trained
    direction and ``1 - rho`` of its base direction, at the base's norm
    (:func:`fastw2v.alignment.blend`); words the corpus never used were never trained, and new
    words and the output layer keep what training made of them, so the result trains on as a
    normal model. Training started from the base, so both vectors are in one space: no rotation.
    ``shares`` as for :func:`combine_aligned`.
    """
    plan, weights = required(state.finetune_plan, "fine-tuning plan"), required(state.weights, "weights")
    used = np.flatnonzero(plan.corpus_counts[:plan.n_pretrained] > 0)
    rho = preserve_rates(plan, used) if shares is None else shares[used]
    if plan.settings.freeze == "pretrained":
        rho[:] = 0.0  # frozen rows never moved: they stay bit-identical
    blend(weights.w_in, used, required(plan.base_rows, "base rows to blend with"), rho)
    plan.blend_done = True
    plan.base_rows = None  # done with: a saved result does not carry the base's rows again
